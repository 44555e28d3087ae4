package payments

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/bus/events"
)

func installmentsForUpdate(ctx context.Context, tx pgx.Tx, iupd string) ([]Installment, error) {
	rows, err := tx.Query(ctx, `select `+installmentCols+installmentFrom+
		` where i.position_iupd = $1 order by i.seq for update of i`, iupd)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Installment
	for rows.Next() {
		in, err := scanInstallment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// promote makes a PUBLISHED position VALID once its validity date is reached.
func promote(ctx context.Context, tx pgx.Tx, p *Position, now time.Time) error {
	if p.Status != StatusPublished || (p.ValidityDate != nil && p.ValidityDate.After(now)) {
		return nil
	}
	p.Status = StatusValid
	_, err := tx.Exec(ctx, `update payments.positions set status = 'VALID', updated_at = $2 where iupd = $1`, p.IUPD, now)
	return err
}

// Publish assigns IUVs and notice numbers to a draft's installments from the
// creditor's sequence and makes it VALID, or PUBLISHED while its validity
// date lies ahead. check vets the locked position first.
func (s *Store) Publish(ctx context.Context, iupd string, now time.Time, check func(Position, []Installment) error) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return publishTx(ctx, tx, iupd, now, check) })
	return apperr.Wrap("payments.Store.Publish", err)
}

// publishTx is Publish inside the caller's transaction tx; it publishes
// payment.position_published on the bus.
func publishTx(ctx context.Context, tx pgx.Tx, iupd string, now time.Time, check func(Position, []Installment) error) error {
	const op = "payments.Store.Publish"
	err := func() error {
		p, err := lockPosition(ctx, tx, iupd)
		if err != nil {
			return err
		}
		ins, err := installmentsForUpdate(ctx, tx, iupd)
		if err != nil {
			return err
		}
		if err := check(p, ins); err != nil {
			return err
		}
		var first int64
		if err := tx.QueryRow(ctx, `update payments.creditors set next_notice = next_notice + $2
			where fiscal_code = $1 returning next_notice - $2`, p.Creditor.FiscalCode, len(ins)).Scan(&first); err != nil {
			return err
		}
		for k, in := range ins {
			if first+int64(k) > MaxSerial {
				return apperr.E(op, apperr.Unavailable, "the creditor has run out of notice numbers")
			}
			base, err := IUVBase(KindPublished, p.Comune, first+int64(k))
			if err != nil {
				return err
			}
			iuv, notice, err := Notice(base)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `update payments.installments set iuv = $3, notice_number = $4
				where position_iupd = $1 and seq = $2`, iupd, in.Seq, iuv, notice); err != nil {
				return err
			}
		}
		status := StatusValid
		if p.ValidityDate != nil && p.ValidityDate.After(now) {
			status = StatusPublished
		}
		_, err = tx.Exec(ctx, `update payments.positions set status = $2, published_at = $3, updated_at = $3
			where iupd = $1`, iupd, status, now)
		if err != nil {
			return err
		}
		return publishPositionEvent(ctx, tx, iupd, events.TopicPositionPublished, now)
	}()
	return apperr.Wrap(op, err)
}

// Invalidate makes a position INVALID and its installments UNPAYABLE after
// check vets it.
func (s *Store) Invalidate(ctx context.Context, iupd string, now time.Time, check func(Position, []Installment) error) error {
	const op = "payments.Store.Invalidate"
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		p, err := lockPosition(ctx, tx, iupd)
		if err != nil {
			return err
		}
		ins, err := installmentsForUpdate(ctx, tx, iupd)
		if err != nil {
			return err
		}
		if err := check(p, ins); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update payments.installments set status = 'UNPAYABLE'
			where position_iupd = $1 and status <> 'PAID'`, iupd); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `update payments.positions set status = 'INVALID', updated_at = $2 where iupd = $1`, iupd, now)
		if err != nil {
			return err
		}
		return publishPositionEvent(ctx, tx, iupd, events.TopicPositionClosed, now)
	})
	return apperr.Wrap(op, err)
}

// PayRequest is one attempt to pay a notice.
type PayRequest struct {
	NoticeNumber    string
	IdempotencyKey  string
	Method          Method
	PayerSubject    string
	PayerFiscalCode string
	Now             time.Time
}

// Pay charges the installment with req.NoticeNumber through psp, once per
// idempotency key and once per installment. In one transaction it locks the
// position and the installment, claims the idempotency key (a concurrent
// claim of the same key waits for this transaction), vets the installment
// with check, and only then asks psp to charge; the receipt, the
// installment, the position and the key are written before commit.
func (s *Store) Pay(ctx context.Context, req PayRequest, psp PSP, check func(Position, Installment) error) (PaymentResult, error) {
	const op = "payments.Store.Pay"
	var res PaymentResult
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var iupd string
		err := tx.QueryRow(ctx, `select position_iupd from payments.installments where notice_number = $1`, req.NoticeNumber).Scan(&iupd)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.E(op, apperr.NotFound, "no installment with this notice number")
		}
		if err != nil {
			return err
		}
		p, err := lockPosition(ctx, tx, iupd)
		if err != nil {
			return err
		}
		in, err := scanInstallment(tx.QueryRow(ctx, `select `+installmentCols+installmentFrom+
			` where i.notice_number = $1 for update of i`, req.NoticeNumber))
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `insert into payments.payment_requests (idempotency_key, notice_number, payer_subject)
			values ($1, $2, $3) on conflict do nothing`, req.IdempotencyKey, req.NoticeNumber, req.PayerSubject)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var notice, subject string
			var receipt *string
			if err := tx.QueryRow(ctx, `select notice_number, payer_subject, receipt_id from payments.payment_requests
				where idempotency_key = $1`, req.IdempotencyKey).Scan(&notice, &subject, &receipt); err != nil {
				return err
			}
			if notice != req.NoticeNumber || subject != req.PayerSubject || receipt == nil || in.Receipt == nil || in.Receipt.ReceiptID != *receipt {
				return apperr.E(op, apperr.Conflict, "the idempotency key was already used for another payment")
			}
			res = PaymentResult{Receipt: *in.Receipt, Installment: in, Replayed: true}
			return nil
		}
		if err := promote(ctx, tx, &p, req.Now); err != nil {
			return err
		}
		if err := check(p, in); err != nil {
			return err
		}
		auth, err := psp.Authorize(ctx, Charge{NoticeNumber: in.NoticeNumber, CreditorFiscalCode: p.Creditor.FiscalCode,
			AmountCents: in.AmountCents, Method: req.Method, IdempotencyKey: req.IdempotencyKey, PayerFiscalCode: req.PayerFiscalCode})
		if err != nil {
			return apperr.E(op, apperr.Unavailable, "the payment was not authorized", err)
		}
		r := Receipt{ReceiptID: auth.ReceiptID, NoticeNumber: in.NoticeNumber, PSPID: auth.PSPID, PSPName: auth.PSPName,
			Method: req.Method, PaidAt: auth.AuthorizedAt.UTC().Truncate(time.Microsecond), AmountCents: in.AmountCents,
			FeeCents: auth.FeeCents, PayerFiscalCode: req.PayerFiscalCode}
		if _, err := tx.Exec(ctx, `insert into payments.receipts (receipt_id, notice_number, psp_id, psp_name, method,
			paid_at, amount_cents, fee_cents, payer_subject, payer_fiscal_code)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, r.ReceiptID, r.NoticeNumber, r.PSPID, r.PSPName, r.Method,
			r.PaidAt, r.AmountCents, r.FeeCents, req.PayerSubject, r.PayerFiscalCode); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update payments.installments set status = 'PAID'
			where position_iupd = $1 and seq = $2`, in.PositionIUPD, in.Seq); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update payments.payment_requests set receipt_id = $2 where idempotency_key = $1`,
			req.IdempotencyKey, r.ReceiptID); err != nil {
			return err
		}
		var after PositionStatus
		if err := tx.QueryRow(ctx, `update payments.positions set paid_cents = paid_cents + $2,
			status = case when paid_cents + $2 >= total_cents then 'PAID' else 'PARTIALLY_PAID' end, updated_at = $3
			where iupd = $1 returning status`, p.IUPD, in.AmountCents, req.Now).Scan(&after); err != nil {
			return err
		}
		if after == StatusPaid {
			if err := publishPositionEvent(ctx, tx, p.IUPD, events.TopicPositionPaid, r.PaidAt); err != nil {
				return err
			}
		}
		in.Status, in.Receipt = InstallmentPaid, &r
		res = PaymentResult{Receipt: r, Installment: in}
		return nil
	})
	if err != nil {
		return PaymentResult{}, apperr.Wrap(op, err)
	}
	return res, nil
}
