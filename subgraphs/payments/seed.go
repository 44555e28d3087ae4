package payments

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/opendata"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// Taxonomy codes of the seeded local taxes.
const (
	TaxonomyTARI = "9/0101101IM/" // TARI, current year
	TaxonomyIMU  = "9/0101100IM/" // IMU
)

// Shares of people with seeded local-tax positions, in percent.
const (
	tariShare = 35
	imuShare  = 10
)

var seedMethods = []Method{MethodCard, MethodCard, MethodCard, MethodBankTransfer, MethodPayPal, MethodSatispay, MethodPostal}

type seedPosition struct {
	iupd, creditor, comune, debtorID, debtorFC, debtorName string
	practiceID                                             *string
	description                                            string
	status                                                 PositionStatus
	createdAt, publishedAt                                 time.Time
	total, paid                                            int64
}

type seedInstallment struct {
	iupd        string
	seq         int
	notice, iuv string
	amount      int64
	description string
	due         time.Time
	taxonomy    string
	status      InstallmentStatus
}

type seedReceipt struct {
	id, notice, pspID, pspName string
	method                     Method
	paidAt                     time.Time
	amount, fee                int64
	payerFC                    string
}

type seeder struct {
	p          seedgen.Params
	places     seedgen.Places
	creditors  map[string]Creditor // by ISTAT code
	asOf       time.Time
	feeCodes   []opendata.Taxonomy
	positions  []seedPosition
	insts      []seedInstallment
	receipts   []seedReceipt
	lastPerson *seedgen.Person
}

// Seed replaces the generated payment positions with those planned by p, in
// one transaction: a position for every planned practice that carries a
// payment, and yearly TARI and IMU positions (two installments each) for a
// share of the people, paid, expired or open as of seedgen.Horizon.
// Positions created through the API survive a reseed unless they belong to
// the generated data.
func Seed(ctx context.Context, pool *pgxpool.Pool, p seedgen.Params) error {
	const op = "payments.Seed"
	places, err := seedgen.LoadPlaces()
	if err != nil {
		return apperr.Wrap(op, err)
	}
	tax, err := opendata.PagoPATaxonomy()
	if err != nil {
		return apperr.Wrap(op, err)
	}
	sd := &seeder{p: p, places: places, asOf: seedgen.Horizon, creditors: map[string]Creditor{}}
	found := 0
	for _, t := range tax {
		switch {
		case t.Code == TaxonomyTARI || t.Code == TaxonomyIMU:
			found++
		case t.EntityType == "01" && t.MacroArea != "TRIBUTI":
			sd.feeCodes = append(sd.feeCodes, t)
		}
	}
	if found != 2 || len(sd.feeCodes) == 0 {
		return apperr.Wrap(op, fmt.Errorf("the pagoPA taxonomy lacks the seeded codes"))
	}
	cs := make([]Creditor, len(places.Metro))
	for i, c := range places.Metro {
		cs[i] = CreditorOf(c)
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := ensureCreditors(ctx, tx, cs); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `select istat_code, fiscal_code, name from payments.creditors`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c Creditor
			if err := rows.Scan(&c.IstatCode, &c.FiscalCode, &c.Name); err != nil {
				rows.Close()
				return err
			}
			sd.creditors[c.IstatCode] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := sd.plan(); err != nil {
			return err
		}
		if err := clearSeeded(ctx, tx); err != nil {
			return err
		}
		return sd.copy(ctx, tx)
	})
	return apperr.Wrap(op, err)
}

func clearSeeded(ctx context.Context, tx pgx.Tx) error {
	var own bool
	if err := tx.QueryRow(ctx, `select exists (select 1 from payments.positions where not seeded)`).Scan(&own); err != nil {
		return err
	}
	if !own {
		_, err := tx.Exec(ctx, `truncate payments.payment_requests, payments.receipts, payments.installments, payments.positions`)
		return err
	}
	// Cascades to installments, receipts and payment requests.
	_, err := tx.Exec(ctx, `delete from payments.positions where seeded`)
	return err
}

func (sd *seeder) person(i int) *seedgen.Person {
	if sd.lastPerson == nil || sd.lastPerson.Index != i {
		per := sd.p.Person(sd.places, i)
		sd.lastPerson = &per
	}
	return sd.lastPerson
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func (sd *seeder) plan() error {
	err := sd.p.Practices(sd.places.Metro, func(pr seedgen.Practice) error {
		if !pr.HasPayment {
			return nil
		}
		return sd.practice(pr)
	})
	if err != nil {
		return err
	}
	for i := 0; i < sd.p.People; i++ {
		r := sd.p.Rand("payment-taxes", i)
		if r.IntN(100) < tariShare {
			for y, year := range []int{2025, 2026} {
				total := 12000 + r.Int64N(36000)
				err := sd.yearly(i, KindTARI, TaxonomyTARI, int64(i*2+y), fmt.Sprintf("TARI %d", year),
					time.Date(year, 4, 15, 9, 0, 0, 0, time.UTC), total,
					[2]time.Time{date(year, 7, 31), date(year, 12, 2)})
				if err != nil {
					return err
				}
			}
		}
		if r.IntN(100) < imuShare {
			total := 40000 + r.Int64N(160000)
			err := sd.yearly(i, KindIMU, TaxonomyIMU, int64(i), "IMU 2026",
				time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC), total,
				[2]time.Time{date(2026, 6, 16), date(2026, 12, 16)})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (sd *seeder) creditor(istat string) (Creditor, error) {
	c, ok := sd.creditors[istat]
	if !ok {
		return c, fmt.Errorf("payments: no creditor for comune %s", istat)
	}
	return c, nil
}

// installment plans one installment with serial, decides whether it was
// paid (and when) and returns its status.
func (sd *seeder) installment(kind int, istat string, serial int64, iupd string, seq int, amount int64, desc string,
	due time.Time, taxonomy string, published time.Time, debtorFC string, paidChance int) (InstallmentStatus, error) {
	base, err := IUVBase(kind, istat, serial)
	if err != nil {
		return "", err
	}
	iuv, notice, err := Notice(base)
	if err != nil {
		return "", err
	}
	r := sd.p.Rand("payment-installment", kind, int(serial))
	status := InstallmentUnpaid
	if due.Before(sd.asOf) {
		status = InstallmentExpired
	}
	if r.IntN(100) < paidChance {
		status = InstallmentPaid
		end := due.Add(24 * time.Hour)
		if end.After(sd.asOf) {
			end = sd.asOf
		}
		paidAt := published
		if span := end.Sub(published); span > 0 {
			paidAt = published.Add(time.Duration(r.Int64N(int64(span)))).Truncate(time.Second)
		}
		m := seedMethods[r.IntN(len(seedMethods))]
		id, name, fee := SandboxPSP(m)
		sd.receipts = append(sd.receipts, seedReceipt{id: sd.p.ID("payment-receipt", kind, int(serial)), notice: notice,
			pspID: id, pspName: name, method: m, paidAt: paidAt, amount: amount, fee: fee, payerFC: debtorFC})
	}
	sd.insts = append(sd.insts, seedInstallment{iupd: iupd, seq: seq, notice: notice, iuv: iuv, amount: amount,
		description: desc, due: due, taxonomy: taxonomy, status: status})
	return status, nil
}

func positionStatus(sts ...InstallmentStatus) PositionStatus {
	paid, expired := 0, 0
	for _, s := range sts {
		switch s {
		case InstallmentPaid:
			paid++
		case InstallmentExpired:
			expired++
		}
	}
	switch {
	case paid == len(sts):
		return StatusPaid
	case paid > 0:
		return StatusPartiallyPaid
	case expired == len(sts):
		return StatusExpired
	}
	return StatusValid
}

func (sd *seeder) practice(pr seedgen.Practice) error {
	if pr.Index >= 4 {
		return fmt.Errorf("payments: practice index %d beyond the seeded serial layout", pr.Index)
	}
	serial := int64(pr.Person)*4 + int64(pr.Index)
	if serial > MaxSerial {
		return fmt.Errorf("payments: too many people for the seeded notice layout")
	}
	cred, err := sd.creditor(pr.Comune)
	if err != nil {
		return err
	}
	per := sd.person(pr.Person)
	r := sd.p.Rand("payment-practice", pr.Person, pr.Index)
	t := sd.feeCodes[r.IntN(len(sd.feeCodes))]
	iupd := fmt.Sprintf("%s-PRA%09d", cred.FiscalCode, serial)
	published := pr.CreatedAt.Add(2 * time.Minute)
	due := pr.CreatedAt.Truncate(24*time.Hour).AddDate(0, 0, 30)
	desc := truncate(t.ServiceType, MaxTextLen)
	st, err := sd.installment(KindPracticeFee, pr.Comune, serial, iupd, 1, pr.AmountCents, desc, due, t.Code,
		published, per.FiscalCode, 75)
	if err != nil {
		return err
	}
	practiceID := pr.ID
	pos := seedPosition{iupd: iupd, creditor: cred.FiscalCode, comune: pr.Comune, debtorID: per.ID,
		debtorFC: per.FiscalCode, debtorName: per.GivenName + " " + per.FamilyName, practiceID: &practiceID,
		description: truncate("Pagamento pratica: "+t.ServiceType, MaxTextLen), status: positionStatus(st),
		createdAt: pr.CreatedAt, publishedAt: published, total: pr.AmountCents}
	if st == InstallmentPaid {
		pos.paid = pr.AmountCents
	}
	sd.positions = append(sd.positions, pos)
	return nil
}

func (sd *seeder) yearly(i, kind int, taxonomy string, serial int64, title string, created time.Time, total int64, dues [2]time.Time) error {
	if serial*2+1 > MaxSerial {
		return fmt.Errorf("payments: too many people for the seeded notice layout")
	}
	per := sd.person(i)
	cred, err := sd.creditor(per.Residence)
	if err != nil {
		return err
	}
	iupd := fmt.Sprintf("%s-%s-%09d", cred.FiscalCode, map[int]string{KindTARI: "TARI", KindIMU: "IMU"}[kind], serial)
	published := created.Add(time.Hour)
	amounts := [2]int64{total / 2, total - total/2}
	var sts [2]InstallmentStatus
	var paid int64
	for k := range 2 {
		st, err := sd.installment(kind, per.Residence, serial*2+int64(k), iupd, k+1, amounts[k],
			fmt.Sprintf("%s, rata %d di 2", title, k+1), dues[k], taxonomy, published, per.FiscalCode, 80-k*20)
		if err != nil {
			return err
		}
		sts[k] = st
		if st == InstallmentPaid {
			paid += amounts[k]
		}
	}
	sd.positions = append(sd.positions, seedPosition{iupd: iupd, creditor: cred.FiscalCode, comune: per.Residence,
		debtorID: per.ID, debtorFC: per.FiscalCode, debtorName: per.GivenName + " " + per.FamilyName,
		description: title + " - " + cred.Name, status: positionStatus(sts[:]...),
		createdAt: created, publishedAt: published, total: total, paid: paid})
	return nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

func (sd *seeder) copy(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"payments", "positions"},
		[]string{"iupd", "creditor_fiscal_code", "comune", "debtor_id", "debtor_fiscal_code", "debtor_name", "practice_id",
			"description", "status", "created_at", "published_at", "total_cents", "paid_cents", "seeded"},
		pgx.CopyFromSlice(len(sd.positions), func(i int) ([]any, error) {
			p := &sd.positions[i]
			return []any{p.iupd, p.creditor, p.comune, p.debtorID, p.debtorFC, p.debtorName, p.practiceID,
				p.description, string(p.status), p.createdAt, p.publishedAt, p.total, p.paid, true}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy positions: %w", err)
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"payments", "installments"},
		[]string{"position_iupd", "seq", "notice_number", "iuv", "amount_cents", "description", "due_date",
			"taxonomy_code", "status", "seeded"},
		pgx.CopyFromSlice(len(sd.insts), func(i int) ([]any, error) {
			in := &sd.insts[i]
			return []any{in.iupd, in.seq, in.notice, in.iuv, in.amount, in.description, in.due, in.taxonomy,
				string(in.status), true}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy installments: %w", err)
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"payments", "receipts"},
		[]string{"receipt_id", "notice_number", "psp_id", "psp_name", "method", "paid_at", "amount_cents", "fee_cents",
			"payer_fiscal_code", "seeded"},
		pgx.CopyFromSlice(len(sd.receipts), func(i int) ([]any, error) {
			r := &sd.receipts[i]
			return []any{r.id, r.notice, r.pspID, r.pspName, string(r.method), r.paidAt, r.amount, r.fee, r.payerFC, true}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy receipts: %w", err)
	}
	return nil
}
