package practices

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/citizengraph/citizengraph/internal/bus"
	"github.com/citizengraph/citizengraph/internal/bus/events"
)

// FeeTerms are the payment terms of a service card that asks for a fee:
// the pagoPA taxonomy code of the collection and the days the applicant
// has to pay after submitting.
type FeeTerms struct {
	TaxonomyCode string
	PaymentDays  int
}

// feeTerms are the terms of the catalogue's services with a fixed fee, by
// slug (taxonomy: the pagoPA "tassonomia dei servizi di incasso" for
// comuni). A service that requires a payment without terms here (an amount
// that depends on the case) gets no automatic position: an operator issues
// it.
var feeTerms = map[string]FeeTerms{
	"carta-identita-elettronica":   {"9/0104100TS/", 30}, // Emissione carta d'identità elettronica
	"trasporto-scolastico":         {"9/0107102SP/", 30}, // Trasporto scolastico
	"centri-estivi":                {"9/0107105SP/", 15}, // Doposcuola (attività educative)
	"contrassegno-sosta-residenti": {"9/0115101TS/", 30}, // Parcheggi e ZTL
	"passo-carrabile":              {"9/0105101TS/", 60}, // Passi carrabili
}

// TermsOf returns the fee terms of the service with slug.
func TermsOf(slug string) (FeeTerms, bool) {
	t, ok := feeTerms[slug]
	return t, ok
}

var outbox = bus.NewOutbox(Schema)

// publishEvents publishes a status change on the bus in the caller's
// transaction: practice.status_changed always, practice.submitted (with
// the fee, when the service has one) when the applicant submits.
func publishEvents(ctx context.Context, q querier, p Practice, previous Status, c StatusChange) error {
	var slug, title string
	var fee *int64
	if err := q.QueryRow(ctx, `select slug, title, fee_cents from practices.service where id = $1`, p.ServiceID).
		Scan(&slug, &title, &fee); err != nil {
		return fmt.Errorf("event service: %w", err)
	}
	applicant := events.Party{PersonID: p.ApplicantID, FiscalCode: p.ApplicantFiscalCode, OrganizationID: p.OrganizationID}
	ev := events.PracticeStatusChanged{PracticeID: p.ID, ServiceID: p.ServiceID, ServiceTitle: title, Applicant: applicant,
		Comune: p.Comune, Status: string(c.Status), Previous: string(previous), At: c.At, Note: c.Note,
		ProtocolNumber: p.ProtocolNumber, DueBy: p.DueBy}
	if _, err := outbox.Publish(ctx, q, events.TopicPracticeStatusChanged, p.ID, ev); err != nil {
		return err
	}
	if previous != StatusDraft || (c.Status != StatusPaymentPending && c.Status != StatusSubmitted) {
		return nil
	}
	sub := events.PracticeSubmitted{PracticeID: p.ID, ServiceID: p.ServiceID, ServiceTitle: title, Applicant: applicant,
		Comune: p.Comune, Status: string(c.Status), At: c.At}
	if t, ok := feeTerms[slug]; ok && c.Status == StatusPaymentPending && fee != nil {
		rome, err := time.LoadLocation("Europe/Rome")
		if err != nil {
			return fmt.Errorf("event fee: %w", err)
		}
		sub.Fee = &events.Fee{AmountCents: *fee, TaxonomyCode: t.TaxonomyCode, Description: clip("Diritti: "+title, 140),
			DueDate: c.At.In(rome).AddDate(0, 0, t.PaymentDays).Format(time.DateOnly)}
	}
	_, err := outbox.Publish(ctx, q, events.TopicPracticeSubmitted, p.ID, sub)
	return err
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// systemPayments is the actor of the changes the payment system causes.
func systemPayments() Actor { return Actor{Kind: ActorSystem, ID: "pagopa"} }

// errNoChange aborts a transition the event does not call for any more.
var errNoChange = errors.New("practices: no change")

// Consumers are the practices subgraph's consumers on the bus: payments'
// positions move practices waiting for payment.
func (s *Service) Consumers() []bus.Consumer {
	return []bus.Consumer{{
		Name: "practices.payments", Schema: Schema, Source: events.SourcePayments,
		Topics: []string{events.TopicPositionPaid, events.TopicPositionClosed},
		Handle: s.handlePayment,
	}}
}

// handlePayment applies payments' events: a paid position moves its
// practice PAYMENT_PENDING → SUBMITTED (confirmPayment, by the payment
// system); a cancelled or expired one withdraws a practice still waiting
// for it. A practice no longer waiting is left as it is.
func (s *Service) handlePayment(ctx context.Context, tx pgx.Tx, e bus.Event) error {
	var practiceID, note string
	action := ActionConfirmPayment
	switch e.Topic {
	case events.TopicPositionPaid:
		var ev events.PositionPaid
		if err := e.Decode(&ev); err != nil {
			return err
		}
		practiceID, note = ev.PracticeID, "Pagamento ricevuto tramite pagoPA (posizione "+ev.IUPD+")"
	case events.TopicPositionClosed:
		var ev events.PositionClosed
		if err := e.Decode(&ev); err != nil {
			return err
		}
		action = ActionWithdraw
		why := "annullato"
		if ev.Status == "EXPIRED" {
			why = "scaduto"
		}
		practiceID, note = ev.PracticeID, "Avviso di pagamento "+why+" (posizione "+ev.IUPD+"): la domanda è archiviata"
	default:
		return nil
	}
	if !validUUID(practiceID) {
		return nil // a position of no practice
	}
	_, err := transitionTx(ctx, tx, strings.ToLower(practiceID), func(l Locked) (Change, error) {
		if l.Practice.Status != StatusPaymentPending {
			return Change{}, errNoChange
		}
		edge, ok := Next(action, l.Practice.Status, l.RequiresPayment)
		if !ok {
			return Change{}, errNoChange
		}
		return s.apply(l.Practice, edge, l.MaxDays, systemPayments(), note), nil
	})
	if errors.Is(err, errNoChange) || errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}
