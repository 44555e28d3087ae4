package payments

import (
	"context"
	"strings"
	"testing"

	"github.com/citizengraph/citizengraph/internal/seedgen"
)

func TestSeed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := seedgen.Params{People: 400, Seed: 7}
	if err := Seed(ctx, e.pool, p); err != nil {
		t.Fatal(err)
	}
	places, err := seedgen.LoadPlaces()
	if err != nil {
		t.Fatal(err)
	}
	wantPractice := 0
	practiceOf := map[string]seedgen.Practice{}
	p.Practices(places.Metro, func(pr seedgen.Practice) error {
		if pr.HasPayment {
			wantPractice++
			practiceOf[pr.ID] = pr
		}
		return nil
	})
	type row struct {
		iupd, debtorID, debtorFC, practice, comune, creditor, status string
		total, paid                                                  int64
	}
	rows, err := e.pool.Query(ctx, `select iupd, debtor_id, debtor_fiscal_code, coalesce(practice_id, ''), comune,
		creditor_fiscal_code, status, total_cents, paid_cents from payments.positions`)
	if err != nil {
		t.Fatal(err)
	}
	var positions []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.iupd, &r.debtorID, &r.debtorFC, &r.practice, &r.comune, &r.creditor, &r.status, &r.total, &r.paid); err != nil {
			t.Fatal(err)
		}
		positions = append(positions, r)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	gotPractice, taxes := 0, 0
	statuses := map[string]int{}
	for _, r := range positions {
		statuses[r.status]++
		if !strings.HasPrefix(r.iupd, r.creditor+"-") || r.creditor != PlaceholderFiscalCode(r.comune) {
			t.Fatalf("position %s: creditor %s comune %s", r.iupd, r.creditor, r.comune)
		}
		if r.practice == "" {
			taxes++
			continue
		}
		gotPractice++
		pr, ok := practiceOf[r.practice]
		if !ok {
			t.Fatalf("position %s references practice %s, which has no planned payment", r.iupd, r.practice)
		}
		per := p.Person(places, pr.Person)
		if r.debtorID != p.PersonID(pr.Person) || r.debtorFC != per.FiscalCode || r.comune != pr.Comune || r.total != pr.AmountCents {
			t.Fatalf("position %s does not follow the plan of practice %s: %+v", r.iupd, pr.ID, r)
		}
	}
	if gotPractice != wantPractice {
		t.Errorf("practice positions = %d, want %d", gotPractice, wantPractice)
	}
	if taxes < 400*tariShare/100 || statuses["PAID"] == 0 || statuses["EXPIRED"] == 0 || statuses["VALID"] == 0 || statuses["PARTIALLY_PAID"] == 0 {
		t.Errorf("tax positions %d, statuses %v: want every kind represented", taxes, statuses)
	}

	// Every seeded notice passes the independent validator; amounts add up.
	var notices []string
	nrows, err := e.pool.Query(ctx, `select notice_number from payments.installments`)
	if err != nil {
		t.Fatal(err)
	}
	for nrows.Next() {
		var n string
		if err := nrows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		notices = append(notices, n)
	}
	if len(notices) == 0 {
		t.Fatal("no installments seeded")
	}
	for _, n := range notices {
		if !independentNoticeValid(t, n) {
			t.Fatalf("seeded notice %s fails the independent check", n)
		}
	}
	var bad int
	if err := e.pool.QueryRow(ctx, `select count(*) from payments.positions p where
		total_cents <> (select sum(amount_cents) from payments.installments i where i.position_iupd = p.iupd) or
		paid_cents <> (select coalesce(sum(r.amount_cents), 0) from payments.installments i
			join payments.receipts r on r.notice_number = i.notice_number where i.position_iupd = p.iupd) or
		(status = 'PAID') <> (paid_cents = total_cents)`).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d positions whose totals or paid amounts disagree with installments and receipts", bad)
	}
	if err := e.pool.QueryRow(ctx, `select count(*) from payments.installments i
		left join payments.receipts r on r.notice_number = i.notice_number
		where (i.status = 'PAID') <> (r.receipt_id is not null)`).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d installments whose status disagrees with their receipt", bad)
	}

	// Reseeding replaces the generated rows and keeps API-created positions.
	own, _ := e.published(t, 1000)
	if err := Seed(ctx, e.pool, p); err != nil {
		t.Fatal(err)
	}
	var n int
	e.pool.QueryRow(ctx, `select count(*) from payments.positions`).Scan(&n)
	if n != len(positions)+1 {
		t.Errorf("after reseed: %d positions, want %d", n, len(positions)+1)
	}
	if _, err := e.svc.Position(as(admin), own.IUPD); err != nil {
		t.Errorf("reseed dropped an API-created position: %v", err)
	}
}
