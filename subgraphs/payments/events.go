package payments

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/citizengraph/citizengraph/internal/bus"
	"github.com/citizengraph/citizengraph/internal/bus/events"
)

// Schema is the Postgres schema the subgraph owns.
const Schema = "payments"

var outbox = bus.NewOutbox(Schema)

// publishPositionEvent publishes topic about position iupd, as it stands
// inside tx, on the bus.
func publishPositionEvent(ctx context.Context, tx pgx.Tx, iupd, topic string, at time.Time) error {
	p, err := scanPosition(tx.QueryRow(ctx, `select `+positionCols+positionFrom+` where p.iupd = $1`, iupd))
	if err != nil {
		return fmt.Errorf("event position: %w", err)
	}
	debtor := events.Party{PersonID: p.DebtorID, FiscalCode: p.DebtorFiscalCode}
	var payload any
	switch topic {
	case events.TopicPositionPublished:
		rows, err := tx.Query(ctx, `select coalesce(notice_number, ''), amount_cents, due_date, description
			from payments.installments where position_iupd = $1 order by seq`, iupd)
		if err != nil {
			return fmt.Errorf("event notices: %w", err)
		}
		notices, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (events.Notice, error) {
			var n events.Notice
			var due time.Time
			err := r.Scan(&n.NoticeNumber, &n.AmountCents, &due, &n.Description)
			n.DueDate = due.Format(time.DateOnly)
			return n, err
		})
		if err != nil {
			return fmt.Errorf("event notices: %w", err)
		}
		payload = events.PositionPublished{IUPD: p.IUPD, PracticeID: p.PracticeID, Debtor: debtor, Comune: p.Comune,
			CreditorName: p.Creditor.Name, CreditorFC: p.Creditor.FiscalCode, Description: p.Description,
			TotalCents: p.TotalCents, Notices: notices}
	case events.TopicPositionPaid:
		payload = events.PositionPaid{IUPD: p.IUPD, PracticeID: p.PracticeID, Debtor: debtor, Comune: p.Comune,
			TotalCents: p.TotalCents, PaidAt: at}
	case events.TopicPositionClosed:
		payload = events.PositionClosed{IUPD: p.IUPD, PracticeID: p.PracticeID, Debtor: debtor, Comune: p.Comune,
			Status: string(p.Status)}
	default:
		return fmt.Errorf("payments: unknown topic %s", topic)
	}
	_, err = outbox.Publish(ctx, tx, topic, p.IUPD, payload)
	return err
}

// Debtors names the people positions are owed by: the identity
// subgraph's registry.
type Debtors interface {
	FullName(ctx context.Context, fiscalCode string) (string, error)
}

// WithDebtors sets the registry of debtors' names, used for the positions
// created from events. Without it the fiscal code stands for the name.
func WithDebtors(d Debtors) Option { return func(s *Service) { s.debtors = d } }

// Consumers are the payments subgraph's consumers on the bus.
func (s *Service) Consumers() []bus.Consumer {
	return []bus.Consumer{{
		Name: "payments.practice-fees", Schema: Schema, Source: events.SourcePractices,
		Topics: []string{events.TopicPracticeSubmitted}, Handle: s.handlePracticeSubmitted,
	}}
}

// handlePracticeSubmitted creates and publishes the debt position of a
// practice submitted for a service with a fee: the applicant is the
// debtor, the amount, taxonomy and due date come from the service card, and
// the position is linked to the practice. Publishing it publishes
// payment.position_published, in the same transaction.
func (s *Service) handlePracticeSubmitted(ctx context.Context, tx pgx.Tx, e bus.Event) error {
	var ev events.PracticeSubmitted
	if err := e.Decode(&ev); err != nil {
		return err
	}
	if ev.Fee == nil {
		return nil
	}
	f := ev.Fee
	due, err := time.Parse(time.DateOnly, f.DueDate)
	if err != nil {
		return bus.Permanent(fmt.Errorf("fee due date: %w", err))
	}
	t, ok := s.byCode[f.TaxonomyCode]
	switch {
	case f.AmountCents <= 0 || f.AmountCents > MaxAmountCents:
		return bus.Permanent(fmt.Errorf("fee amount %d out of range", f.AmountCents))
	case !ok || t.EntityType != "01":
		return bus.Permanent(fmt.Errorf("fee taxonomy %q is not a code for comuni", f.TaxonomyCode))
	case ev.Applicant.PersonID == "" || !ValidDebtorFiscalCode(ev.Applicant.FiscalCode):
		return bus.Permanent(fmt.Errorf("the applicant is not a valid debtor"))
	}
	if _, ok := s.comuni[ev.Comune]; !ok {
		return bus.Permanent(fmt.Errorf("comune %q is not a creditor", ev.Comune))
	}
	name := ev.Applicant.FiscalCode
	if s.debtors != nil {
		n, err := s.debtors.FullName(ctx, ev.Applicant.FiscalCode)
		if err != nil {
			return err
		}
		if n != "" {
			name = n
		}
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	np := NewPosition{Comune: ev.Comune, DebtorID: ev.Applicant.PersonID, DebtorFiscalCode: strings.ToUpper(ev.Applicant.FiscalCode),
		DebtorName: clip(name, MaxTextLen), PracticeID: ev.PracticeID, Description: clip("Pratica: "+ev.ServiceTitle, MaxTextLen),
		Installments: []NewInstallment{{AmountCents: f.AmountCents, Description: clip(f.Description, MaxTextLen), DueDate: due,
			TaxonomyCode: f.TaxonomyCode}}}
	iupd, err := createDraftTx(ctx, tx, np, now)
	if err != nil {
		return err
	}
	return publishTx(ctx, tx, iupd, now, func(Position, []Installment) error { return nil })
}

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
