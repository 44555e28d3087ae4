package payments

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/bus/events"
)

// ReminderDays is how many days before its due date an unpaid notice is
// reminded to its debtor.
const ReminderDays = 3

// Sweep runs the time-driven part of the lifecycle at now, at most limit
// rows of each kind per call, each in the transaction that publishes its
// event (FOR UPDATE SKIP LOCKED: any number of processes may sweep):
//   - an unpaid notice due within ReminderDays gets one reminder
//     (payment.notice_due_soon);
//   - a position attached to a practice whose unpaid notice is past its
//     due date expires: EXPIRED, its unpaid installments EXPIRED
//     (payment.position_closed), and the practice is withdrawn.
//
// Positions of no practice (taxes) stay payable after their due date; the
// seeded positions, a picture as of the seed's horizon, are left alone.
func (s *Store) Sweep(ctx context.Context, now time.Time, limit int) (reminded, expired int, err error) {
	const op = "payments.Store.Sweep"
	today := now.UTC().Truncate(24 * time.Hour)
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select i.position_iupd, i.seq from payments.installments i
			join payments.positions p on p.iupd = i.position_iupd
			where i.status = 'UNPAID' and i.reminded_at is null and i.notice_number is not null
			  and i.due_date >= $1 and i.due_date <= $2 and p.status in ('VALID', 'PARTIALLY_PAID') and not p.seeded
			order by i.due_date limit $3 for update of i skip locked`, today, today.AddDate(0, 0, ReminderDays), limit)
		if err != nil {
			return err
		}
		type key struct {
			IUPD string
			Seq  int
		}
		keys, err := pgx.CollectRows(rows, pgx.RowToStructByPos[key])
		if err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := tx.Exec(ctx, `update payments.installments set reminded_at = $3 where position_iupd = $1 and seq = $2`,
				k.IUPD, k.Seq, now); err != nil {
				return err
			}
			if err := publishReminder(ctx, tx, k.IUPD, k.Seq); err != nil {
				return err
			}
		}
		reminded = len(keys)
		rows, err = tx.Query(ctx, `select p.iupd from payments.positions p
			where p.status in ('VALID', 'PUBLISHED') and p.practice_id is not null and not p.seeded
			  and exists (select 1 from payments.installments i where i.position_iupd = p.iupd and i.status = 'UNPAID' and i.due_date < $1)
			order by p.iupd limit $2 for update of p skip locked`, today, limit)
		if err != nil {
			return err
		}
		iupds, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, iupd := range iupds {
			if _, err := tx.Exec(ctx, `update payments.installments set status = 'EXPIRED' where position_iupd = $1 and status = 'UNPAID'`, iupd); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `update payments.positions set status = 'EXPIRED', updated_at = $2 where iupd = $1`, iupd, now); err != nil {
				return err
			}
			if err := publishPositionEvent(ctx, tx, iupd, events.TopicPositionClosed, now); err != nil {
				return err
			}
		}
		expired = len(iupds)
		return nil
	})
	return reminded, expired, apperr.Wrap(op, err)
}

func publishReminder(ctx context.Context, tx pgx.Tx, iupd string, seq int) error {
	p, err := scanPosition(tx.QueryRow(ctx, `select `+positionCols+positionFrom+` where p.iupd = $1`, iupd))
	if err != nil {
		return fmt.Errorf("reminder position: %w", err)
	}
	var n events.Notice
	var due time.Time
	if err := tx.QueryRow(ctx, `select notice_number, amount_cents, due_date, description from payments.installments
		where position_iupd = $1 and seq = $2`, iupd, seq).Scan(&n.NoticeNumber, &n.AmountCents, &due, &n.Description); err != nil {
		return fmt.Errorf("reminder notice: %w", err)
	}
	n.DueDate = due.Format(time.DateOnly)
	_, err = outbox.Publish(ctx, tx, events.TopicNoticeDueSoon, iupd, events.NoticeDueSoon{IUPD: iupd, PracticeID: p.PracticeID,
		Debtor: events.Party{PersonID: p.DebtorID, FiscalCode: p.DebtorFiscalCode}, Comune: p.Comune,
		CreditorName: p.Creditor.Name, Description: p.Description, Notice: n})
	return err
}
