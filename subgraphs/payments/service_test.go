package payments

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

func TestCreatePublishPay(t *testing.T) {
	e := newEnv(t)
	op := as(operator(milano))
	p, err := e.svc.Create(op, createInput(t, milano, 4000, 6016))
	if err != nil {
		t.Fatal(err)
	}
	cred := PlaceholderFiscalCode(milano)
	if p.Status != StatusDraft || p.TotalCents != 10016 || p.PaidCents != 0 || p.Creditor.FiscalCode != cred || p.Creditor.Name != "Comune di Milano" {
		t.Fatalf("draft: %+v", p)
	}
	if p.IUPD != cred+"-1" {
		t.Fatalf("first IUPD of the creditor = %s, want %s-1", p.IUPD, cred)
	}
	ins, err := e.svc.Installments(op, p.IUPD)
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 2 || ins[0].NoticeNumber != "" || ins[0].Status != InstallmentUnpaid {
		t.Fatalf("draft installments: %+v", ins)
	}
	// A draft cannot be paid: it has no notice yet; publishing twice is illegal.
	p, err = e.svc.Publish(op, p.IUPD)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != StatusValid || p.PublishedAt == nil {
		t.Fatalf("published: %+v", p)
	}
	_, err = e.svc.Publish(op, p.IUPD)
	wantKind(t, err, apperr.IllegalTransition)

	ins, err = e.svc.Installments(as(admin), p.IUPD)
	if err != nil {
		t.Fatal(err)
	}
	for k, in := range ins {
		if !independentNoticeValid(t, in.NoticeNumber) || in.NoticeNumber[3:18] != in.IUV {
			t.Fatalf("installment %d: notice %q iuv %q", k, in.NoticeNumber, in.IUV)
		}
		base, _ := IUVBase(KindPublished, milano, int64(k+1))
		if in.IUV[:13] != base {
			t.Errorf("installment %d: IUV %s, want base %s from the creditor sequence", k, in.IUV, base)
		}
	}
	// A second position continues both sequences.
	p2, ins2 := e.published(t, 500)
	if p2.IUPD != cred+"-2" || ins2[0].IUV[:13] != "5146000000003" {
		t.Fatalf("second position %s, IUV %s", p2.IUPD, ins2[0].IUV)
	}

	payer := as(citizen("BNCGNN85T10F205K"))
	res, err := e.svc.Pay(payer, ins[0].NoticeNumber, validFC(t), "key-1", MethodCard)
	if err != nil {
		t.Fatal(err)
	}
	if res.Replayed || res.Receipt.AmountCents != 4000 || res.Receipt.Method != MethodCard || res.Receipt.FeeCents != 100 ||
		res.Installment.Status != InstallmentPaid || res.Receipt.PayerFiscalCode != "BNCGNN85T10F205K" {
		t.Fatalf("first payment: %+v", res)
	}
	got, _ := e.svc.Position(as(admin), p.IUPD)
	if got.Status != StatusPartiallyPaid || got.PaidCents != 4000 {
		t.Fatalf("after one installment: %s %d", got.Status, got.PaidCents)
	}
	if _, err := e.svc.Pay(payer, ins[1].NoticeNumber, validFC(t), "key-2", MethodSatispay); err != nil {
		t.Fatal(err)
	}
	got, _ = e.svc.Position(as(admin), p.IUPD)
	if got.Status != StatusPaid || got.PaidCents != got.TotalCents {
		t.Fatalf("after both installments: %s %d/%d", got.Status, got.PaidCents, got.TotalCents)
	}
	in, full, err := e.svc.Installment(as(citizen(validFC(t))), ins[1].NoticeNumber, "")
	if err != nil || !full || in.Receipt == nil || in.Receipt.Method != MethodSatispay {
		t.Fatalf("installment by notice: %+v, %v", in, err)
	}
	// The payer, who is not the debtor, reads it with the debtor's fiscal
	// code only, and without the receipt; without it, as for an unknown
	// notice.
	in, full, err = e.svc.Installment(payer, ins[1].NoticeNumber, validFC(t))
	if err != nil || full || in.Receipt != nil {
		t.Fatalf("installment for a payer: %+v, %v", in, err)
	}
	_, _, errNone := e.svc.Installment(payer, ins[1].NoticeNumber, "")
	_, _, errWrong := e.svc.Installment(payer, ins[1].NoticeNumber, "BNCGNN85T10F205K")
	unknown, _ := IUVBase(KindPublished, milano, 990)
	_, unknownNotice, _ := Notice(unknown)
	_, _, errUnknown := e.svc.Installment(payer, unknownNotice, validFC(t))
	for _, err := range []error{errNone, errWrong, errUnknown} {
		if apperr.KindOf(err) != apperr.NotFound || apperr.PublicMessage(err) != apperr.PublicMessage(errUnknown) {
			t.Fatalf("notice without the debtor's fiscal code: %v (unknown notice: %v)", err, errUnknown)
		}
	}
	if _, err := e.svc.Pay(payer, ins[1].NoticeNumber, "", "key-x", MethodCard); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("paying without the debtor's fiscal code: %v", err)
	}
	// A paid position cannot be invalidated; an open one can, then not be paid.
	_, err = e.svc.Invalidate(op, p.IUPD)
	wantKind(t, err, apperr.IllegalTransition)
	p3, ins3 := e.published(t, 700)
	if p3, err = e.svc.Invalidate(op, p3.IUPD); err != nil || p3.Status != StatusInvalid {
		t.Fatalf("invalidate: %+v %v", p3, err)
	}
	_, err = e.svc.Pay(payer, ins3[0].NoticeNumber, validFC(t), "key-3", MethodCard)
	wantKind(t, err, apperr.IllegalTransition)
	if n := len(e.psp.Charges()); n != 2 {
		t.Errorf("charges = %d, want 2", n)
	}
}

func TestValidityDate(t *testing.T) {
	now := time.Now().UTC()
	clock := now
	e := newEnv(t, WithClock(func() time.Time { return clock }))
	op := as(operator(milano))
	in := createInput(t, milano, 1000)
	v := now.Add(48 * time.Hour)
	in.ValidityDate = &v
	p, err := e.svc.Create(op, in)
	if err != nil {
		t.Fatal(err)
	}
	if p, err = e.svc.Publish(op, p.IUPD); err != nil || p.Status != StatusPublished {
		t.Fatalf("publish before validity: %+v %v", p, err)
	}
	ins, _ := e.svc.Installments(op, p.IUPD)
	_, err = e.svc.Pay(as(citizen(validFC(t))), ins[0].NoticeNumber, validFC(t), "early", MethodCard)
	wantKind(t, err, apperr.IllegalTransition)
	clock = now.Add(72 * time.Hour)
	if _, err := e.svc.Pay(as(citizen(validFC(t))), ins[0].NoticeNumber, validFC(t), "later", MethodCard); err != nil {
		t.Fatalf("pay after validity date: %v", err)
	}
	got, _ := e.svc.Position(as(admin), p.IUPD)
	if got.Status != StatusPaid {
		t.Fatalf("status %s", got.Status)
	}
}

func TestPayIdempotent(t *testing.T) {
	e := newEnv(t)
	_, ins := e.published(t, 2500, 2500)
	payer := as(citizen(validFC(t)))
	first, err := e.svc.Pay(payer, ins[0].NoticeNumber, validFC(t), "same-key", MethodPayPal)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.svc.Pay(payer, ins[0].NoticeNumber, validFC(t), "same-key", MethodPayPal)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Replayed || again.Receipt.ReceiptID != first.Receipt.ReceiptID || !again.Receipt.PaidAt.Equal(first.Receipt.PaidAt) {
		t.Fatalf("retry: %+v, first %+v", again, first)
	}
	// Same key, different notice → conflict, and no charge.
	_, err = e.svc.Pay(payer, ins[1].NoticeNumber, validFC(t), "same-key", MethodPayPal)
	wantKind(t, err, apperr.Conflict)
	// Already paid, new key → conflict, and no charge.
	_, err = e.svc.Pay(payer, ins[0].NoticeNumber, validFC(t), "new-key", MethodCard)
	wantKind(t, err, apperr.Conflict)
	// Same key used by another payer → conflict.
	_, err = e.svc.Pay(as(citizen("BNCGNN85T10F205K")), ins[0].NoticeNumber, validFC(t), "same-key", MethodPayPal)
	wantKind(t, err, apperr.Conflict)
	if n := len(e.psp.Charges()); n != 1 {
		t.Fatalf("charges = %d, want 1", n)
	}
	// The rejected key is free again: it pays the other installment.
	if _, err := e.svc.Pay(payer, ins[1].NoticeNumber, validFC(t), "new-key", MethodCard); err != nil {
		t.Fatal(err)
	}
	var receipts int
	e.pool.QueryRow(context.Background(), `select count(*) from payments.receipts`).Scan(&receipts)
	if receipts != 2 || len(e.psp.Charges()) != 2 {
		t.Fatalf("receipts %d charges %d, want 2 and 2", receipts, len(e.psp.Charges()))
	}
}

func TestPayConcurrent(t *testing.T) {
	e := newEnv(t)
	_, ins := e.published(t, 9900, 100)
	notice := ins[0].NoticeNumber
	payer := as(citizen(validFC(t)))
	const n = 16
	type outcome struct {
		res *PaymentResult
		err error
	}
	run := func(key func(i int) string) []outcome {
		out := make([]outcome, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r, err := e.svc.Pay(payer, notice, validFC(t), key(i), MethodCard)
				out[i] = outcome{r, err}
			}()
		}
		close(start)
		wg.Wait()
		return out
	}
	// Different keys: exactly one charge, the rest CONFLICT.
	ok := 0
	for _, o := range run(func(i int) string { return fmt.Sprintf("k-%d", i) }) {
		switch {
		case o.err == nil:
			ok++
		case apperr.KindOf(o.err) != apperr.Conflict:
			t.Fatalf("unexpected error: %v", o.err)
		}
	}
	if ok != 1 || len(e.psp.Charges()) != 1 {
		t.Fatalf("successes %d, charges %d; want 1 and 1", ok, len(e.psp.Charges()))
	}
	// One key, many concurrent retries on the other installment: one charge,
	// every caller gets the same receipt.
	notice = ins[1].NoticeNumber
	outs := run(func(int) string { return "shared" })
	receipt := ""
	for _, o := range outs {
		if o.err != nil {
			t.Fatalf("retry with the same key failed: %v", o.err)
		}
		if receipt == "" {
			receipt = o.res.Receipt.ReceiptID
		}
		if o.res.Receipt.ReceiptID != receipt {
			t.Fatalf("different receipts %s and %s", receipt, o.res.Receipt.ReceiptID)
		}
	}
	if len(e.psp.Charges()) != 2 {
		t.Fatalf("charges = %d, want 2", len(e.psp.Charges()))
	}
}

func TestAuthorization(t *testing.T) {
	e := newEnv(t)
	in := createInput(t, milano, 1000)
	_, err := e.svc.Create(context.Background(), in)
	wantKind(t, err, apperr.Unauthenticated)
	_, err = e.svc.Create(as(citizen(validFC(t))), in)
	wantKind(t, err, apperr.Permission)
	_, err = e.svc.Create(as(operator(monza)), in)
	wantKind(t, err, apperr.Permission)
	if _, err := e.svc.Create(as(admin), in); err != nil {
		t.Fatalf("admin create: %v", err)
	}
	p, ins := e.published(t, 1000)
	_, err = e.svc.Publish(as(operator(monza)), p.IUPD)
	wantKind(t, err, apperr.NotFound) // another comune's position: as an unknown one
	_, err = e.svc.Invalidate(as(citizen(validFC(t))), p.IUPD)
	wantKind(t, err, apperr.Permission)

	// Reading: debtor, operators of the comune, admins; not others.
	for _, who := range []struct {
		name string
		ctx  context.Context
		kind apperr.Kind
		ok   bool
	}{
		{"debtor", as(citizen(validFC(t))), 0, true},
		{"operator", as(operator(milano)), 0, true},
		{"admin", as(admin), 0, true},
		{"other citizen", as(citizen("BNCGNN85T10F205K")), apperr.NotFound, false},
		{"other operator", as(operator(monza)), apperr.NotFound, false},
		{"anonymous", context.Background(), apperr.Unauthenticated, false},
	} {
		_, err := e.svc.Position(who.ctx, p.IUPD)
		if who.ok {
			if err != nil {
				t.Errorf("%s: %v", who.name, err)
			}
			continue
		}
		if apperr.KindOf(err) != who.kind || err == nil {
			t.Errorf("%s: got %v, want %s", who.name, err, who.kind)
		}
	}
	// Anyone authenticated holding the notice may read and pay it.
	if _, _, err := e.svc.Installment(as(citizen("BNCGNN85T10F205K")), ins[0].NoticeNumber, validFC(t)); err != nil {
		t.Errorf("holder of the notice: %v", err)
	}
	_, _, err = e.svc.Installment(context.Background(), ins[0].NoticeNumber, "")
	wantKind(t, err, apperr.Unauthenticated)
	_, err = e.svc.Pay(context.Background(), ins[0].NoticeNumber, validFC(t), "k", MethodCard)
	wantKind(t, err, apperr.Unauthenticated)
	if _, err := e.svc.Pay(as(citizen("BNCGNN85T10F205K")), ins[0].NoticeNumber, validFC(t), "k", MethodCard); err != nil {
		t.Errorf("third-party payment: %v", err)
	}
	_, _, err = e.svc.Installment(as(admin), "301"+"000000000000000", "")
	wantKind(t, err, apperr.Invalid)
	_, err = e.svc.Pay(as(admin), "123", validFC(t), "k", MethodCard)
	wantKind(t, err, apperr.Invalid)
	valid, _ := IUVBase(KindPublished, milano, 999)
	_, notice, _ := Notice(valid)
	_, err = e.svc.Pay(as(admin), notice, validFC(t), "k2", MethodCard)
	wantKind(t, err, apperr.NotFound)
	_, err = e.svc.Pay(as(admin), ins[0].NoticeNumber, validFC(t), "", MethodCard)
	wantKind(t, err, apperr.Invalid)
	_, err = e.svc.Pay(as(admin), ins[0].NoticeNumber, validFC(t), "k3", Method("CASH"))
	wantKind(t, err, apperr.Invalid)
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t)
	op := as(operator(milano))
	base := func() CreateInput { return createInput(t, milano, 1000) }
	long := string(make([]byte, 141))
	for name, mod := range map[string]func(*CreateInput){
		"zero amount":        func(in *CreateInput) { in.Installments[0].AmountCents = 0 },
		"negative amount":    func(in *CreateInput) { in.Installments[0].AmountCents = -5 },
		"huge amount":        func(in *CreateInput) { in.Installments[0].AmountCents = MaxAmountCents + 1 },
		"no installments":    func(in *CreateInput) { in.Installments = nil },
		"past due date":      func(in *CreateInput) { in.Installments[0].DueDate = "2020-01-01" },
		"malformed due date": func(in *CreateInput) { in.Installments[0].DueDate = "31/12/2099" },
		"unknown taxonomy":   func(in *CreateInput) { in.Installments[0].TaxonomyCode = "9/9999999XX/" },
		"metro taxonomy":     func(in *CreateInput) { in.Installments[0].TaxonomyCode = metroOnlyCode(t, e.svc) },
		"bad fiscal code":    func(in *CreateInput) { in.DebtorFiscalCode = "RSSMRA80A01F205A" },
		"bad entity code":    func(in *CreateInput) { in.DebtorFiscalCode = "12345678901" },
		"no debtor":          func(in *CreateInput) { in.DebtorID = " " },
		"no description":     func(in *CreateInput) { in.Description = "" },
		"long description":   func(in *CreateInput) { in.Description = long },
		"no debtor name":     func(in *CreateInput) { in.DebtorName = "" },
		"unknown comune":     func(in *CreateInput) { in.Comune = "058091" },
		"validity after due": func(in *CreateInput) {
			v := time.Now().AddDate(1, 0, 0)
			in.ValidityDate = &v
		},
	} {
		in := base()
		mod(&in)
		_, err := e.svc.Create(op, in)
		if apperr.KindOf(err) != apperr.Invalid || err == nil {
			t.Errorf("%s: got %v, want BAD_USER_INPUT", name, err)
		}
	}
	in := base()
	in.DebtorFiscalCode = PlaceholderFiscalCode(monza) // a legal entity may owe too
	if _, err := e.svc.Create(op, in); err != nil {
		t.Errorf("legal-entity debtor: %v", err)
	}
}

func metroOnlyCode(t testing.TB, s *Service) string {
	for _, tx := range s.taxonomy {
		if tx.EntityType != "01" {
			return tx.Code
		}
	}
	t.Fatal("no metropolitan-city taxonomy code")
	return ""
}

func TestPersonPaymentsPagination(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := seedgen.Params{People: 300, Seed: 3}
	if err := Seed(ctx, e.pool, p); err != nil {
		t.Fatal(err)
	}
	// The person with the most positions.
	var person, fc string
	var total int
	if err := e.pool.QueryRow(ctx, `select debtor_id, debtor_fiscal_code, count(*) from payments.positions
		group by 1, 2 order by 3 desc, 1 limit 1`).Scan(&person, &fc, &total); err != nil {
		t.Fatal(err)
	}
	if total < 3 {
		t.Fatalf("the busiest person has %d positions", total)
	}
	for _, who := range []context.Context{as(citizen(fc)), as(admin)} {
		var all []string
		after := ""
		for pages := 0; ; pages++ {
			pg, err := e.svc.PersonPayments(who, person, nil, 2, after)
			if err != nil {
				t.Fatal(err)
			}
			if pg.TotalCount != total {
				t.Fatalf("totalCount %d, want %d", pg.TotalCount, total)
			}
			for i, pos := range pg.Positions {
				if pos.DebtorID != person {
					t.Fatalf("foreign position %s", pos.IUPD)
				}
				all = append(all, pos.IUPD)
				if i > 0 && pos.CreatedAt.After(pg.Positions[i-1].CreatedAt) {
					t.Fatalf("not newest first")
				}
			}
			if !pg.HasNextPage {
				break
			}
			after = pg.Cursors[len(pg.Cursors)-1]
			if pages > total {
				t.Fatal("pagination does not end")
			}
		}
		seen := map[string]bool{}
		for _, id := range all {
			if seen[id] {
				t.Fatalf("position %s on two pages", id)
			}
			seen[id] = true
		}
		if len(all) != total {
			t.Fatalf("paged through %d positions, want %d", len(all), total)
		}
		// The same request gives the same page.
		a, _ := e.svc.PersonPayments(who, person, nil, 3, "")
		b, _ := e.svc.PersonPayments(who, person, nil, 3, "")
		if fmt.Sprint(a.Cursors) != fmt.Sprint(b.Cursors) {
			t.Fatal("unstable order")
		}
	}
	// Status filter.
	paid := StatusPaid
	pg, err := e.svc.PersonPayments(as(admin), person, &paid, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, pos := range pg.Positions {
		if pos.Status != StatusPaid {
			t.Fatalf("status filter let %s through", pos.Status)
		}
	}
	// Others see nothing of it; operators only their comuni's.
	pg, err = e.svc.PersonPayments(as(citizen("BNCGNN85T10F205K")), person, nil, 20, "")
	if err != nil || pg.TotalCount != 0 || len(pg.Positions) != 0 {
		t.Fatalf("another citizen sees %+v (%v)", pg, err)
	}
	pg, err = e.svc.PersonPayments(as(operator("015999")), person, nil, 20, "")
	if err != nil || pg.TotalCount != 0 {
		t.Fatalf("an operator of an unrelated comune sees %d", pg.TotalCount)
	}
	_, err = e.svc.PersonPayments(context.Background(), person, nil, 20, "")
	wantKind(t, err, apperr.Unauthenticated)
	for _, first := range []int{0, 101, -1} {
		_, err = e.svc.PersonPayments(as(admin), person, nil, first, "")
		wantKind(t, err, apperr.Invalid)
	}
	for _, cur := range []string{"!!", "bm9jb2xvbg", "MTIzOg"} {
		_, err = e.svc.PersonPayments(as(admin), person, nil, 5, cur)
		wantKind(t, err, apperr.Invalid)
	}
}

func TestPracticePayments(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	op := as(operator(milano))
	in := createInput(t, milano, 1200)
	in.PracticeID = "practice-42"
	a, err := e.svc.Create(op, in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.svc.Create(op, in)
	if err != nil {
		t.Fatal(err)
	}
	in.Comune = monza
	c, err := e.svc.Create(as(admin), in)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := e.svc.PracticePayments(as(admin), "practice-42")
	if err != nil || len(ps) != 3 || ps[0].IUPD != a.IUPD || ps[1].IUPD != b.IUPD || ps[2].IUPD != c.IUPD {
		t.Fatalf("practice payments: %v %v", ps, err)
	}
	ps, _ = e.svc.PracticePayments(op, "practice-42")
	if len(ps) != 2 {
		t.Fatalf("the operator of Milano sees %d positions, want 2", len(ps))
	}
	ps, _ = e.svc.PracticePayments(ctx2(ctx), "practice-none")
	if len(ps) != 0 {
		t.Fatalf("unknown practice has %d positions", len(ps))
	}
}

func ctx2(context.Context) context.Context { return as(admin) }

// TestPracticePaymentsAsPositionsAndInstallments checks that the
// positions and installments read with one statement (the prefetch of
// Practice.payments) are those PositionsByPractice and
// InstallmentsByPosition read, receipts included, for every kind of
// scope: installments only of the positions within it.
func TestPracticePaymentsAsPositionsAndInstallments(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, ins := e.published(t, 4000, 3000, 2000)
	if _, err := e.svc.Pay(as(citizen("BNCGNN85T10F205K")), ins[1].NoticeNumber, validFC(t), "key-1", MethodCard); err != nil {
		t.Fatal(err)
	}
	e.published(t, 500)
	in := createInput(t, monza, 700, 800)
	if _, err := e.svc.Create(as(admin), in); err != nil {
		t.Fatal(err)
	}
	in.PracticeID = "practice-2"
	if _, err := e.svc.Create(as(admin), in); err != nil {
		t.Fatal(err)
	}
	ids := []string{"practice-1", "practice-2", "practice-none"}
	wantPositions, err := e.store.PositionsByPractice(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	var iupds []string
	for _, ps := range wantPositions {
		for _, p := range ps {
			iupds = append(iupds, p.IUPD)
		}
	}
	wantInstallments, err := e.store.InstallmentsByPosition(ctx, iupds)
	if err != nil {
		t.Fatal(err)
	}
	receipts := 0
	for _, list := range wantInstallments {
		for _, in := range list {
			if in.Receipt != nil {
				receipts++
			}
		}
	}
	if len(iupds) != 4 || receipts != 1 {
		t.Fatalf("%d positions, %d receipts", len(iupds), receipts)
	}
	for name, sc := range map[string]Scope{"admin": {All: true}, "debtor": {FiscalCodes: []string{validFC(t)}},
		"other debtor": {FiscalCodes: []string{"BNCGNN85T10F205K"}}, "operator of Monza": {Comuni: []string{monza}}, "nobody": {}} {
		positions, installments, err := e.store.PracticePayments(ctx, ids, sc)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(positions, wantPositions) {
			t.Fatalf("%s: positions\n%+v\nwant\n%+v", name, positions, wantPositions)
		}
		seen := 0
		for _, ps := range wantPositions {
			for i := range ps {
				got, ok := installments[ps[i].IUPD]
				if !sc.Allows(&ps[i]) {
					if ok {
						t.Fatalf("%s: installments of %s, outside the scope", name, ps[i].IUPD)
					}
					continue
				}
				if !reflect.DeepEqual(got, wantInstallments[ps[i].IUPD]) {
					t.Fatalf("%s: installments of %s\n%+v\nwant\n%+v", name, ps[i].IUPD, got, wantInstallments[ps[i].IUPD])
				}
				seen++
			}
		}
		if name == "admin" && seen != 4 {
			t.Fatalf("admin: %d positions compared", seen)
		}
	}
}
