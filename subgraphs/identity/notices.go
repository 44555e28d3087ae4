package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/bus"
	"github.com/citizengraph/citizengraph/internal/bus/events"
)

// The channels a message is forwarded to beside the area personale.
const (
	ChannelIO    = "IO"
	ChannelEmail = "EMAIL"
	ChannelSMS   = "SMS"
)

// Notices writes the IO-style messages that other subgraphs' events call
// for: one per status change of a practice (after the draft) and one per
// notice to pay, to the person concerned and to each delegate whose active
// delegation covers messages (for the practice's service; for a payment,
// every service), in Italian, with a deep link into the area personale.
// Each recipient's notification preferences choose the channels the
// message is forwarded to (Message.channels); the message itself always
// lands in the area personale, which is where the portal shows it.
type Notices struct {
	now    func() time.Time
	portal string
}

// NewNotices returns the notices writer; portal is the base URL of the
// portal's deep links ("" for links relative to the portal's origin).
func NewNotices(portal string, now func() time.Time) *Notices {
	if now == nil {
		now = time.Now
	}
	return &Notices{now: now, portal: strings.TrimRight(portal, "/")}
}

// PracticeLink and NoticeLink are the deep links of a practice and of a
// notice to pay in the portal's area personale.
func (n *Notices) PracticeLink(id string) string { return n.portal + "/area-personale/pratiche/" + id }

// NoticeLink is the deep link of a notice to pay.
func (n *Notices) NoticeLink(notice string) string {
	return n.portal + "/area-personale/pagamenti/" + notice
}

// Consumers are the identity subgraph's consumers on the bus.
func (n *Notices) Consumers() []bus.Consumer {
	return []bus.Consumer{
		{Name: "identity.practice-messages", Schema: Schema, Source: events.SourcePractices,
			Topics: []string{events.TopicPracticeStatusChanged}, Handle: n.practiceChanged},
		{Name: "identity.payment-messages", Schema: Schema, Source: events.SourcePayments,
			Topics: []string{events.TopicPositionPublished, events.TopicNoticeDueSoon}, Handle: n.payment},
	}
}

type draft struct {
	subject, body string
	due           *time.Time
	practiceID    string
	notice, iupd  string
}

var rome = func() *time.Location {
	l, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return time.UTC
	}
	return l
}()

func day(t time.Time) string { return t.In(rome).Format("02/01/2006") }

func euro(cents int64) string {
	return fmt.Sprintf("%d,%02d €", cents/100, cents%100)
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func (n *Notices) practiceChanged(ctx context.Context, tx pgx.Tx, e bus.Event) error {
	var ev events.PracticeStatusChanged
	if err := e.Decode(&ev); err != nil {
		return err
	}
	if ev.Previous == "" { // a new draft: nothing to tell
		return nil
	}
	title := clipRunes(ev.ServiceTitle, 70)
	link := fmt.Sprintf("[Apri la pratica nell'area personale](%s)", n.PracticeLink(ev.PracticeID))
	note := ""
	if ev.Note != "" {
		note = "\n\n> " + strings.ReplaceAll(ev.Note, "\n", "\n> ")
	}
	var subject, body string
	switch ev.Status {
	case "PAYMENT_PENDING":
		subject = "Domanda ricevuta, in attesa di pagamento: " + title
		body = fmt.Sprintf("Abbiamo ricevuto la tua domanda per **%s** il %s.\n\nPer completarla paga l'avviso pagoPA che trovi nell'area personale: la domanda sarà inviata all'ufficio appena il pagamento sarà registrato.", ev.ServiceTitle, day(ev.At))
	case "SUBMITTED":
		subject = "Domanda presentata: " + title
		body = fmt.Sprintf("La tua domanda per **%s** è stata presentata il %s ed è stata inviata all'ufficio competente.", ev.ServiceTitle, day(ev.At))
		if ev.DueBy != nil {
			body += fmt.Sprintf(" Il procedimento si concluderà entro il %s.", day(*ev.DueBy))
		}
	case "REGISTERED":
		subject = "Pratica protocollata: " + title
		body = fmt.Sprintf("La tua pratica per **%s** è stata protocollata il %s con il numero **%s**.", ev.ServiceTitle, day(ev.At), ev.ProtocolNumber)
	case "IN_PROGRESS":
		if ev.Previous == "INTEGRATION_REQUESTED" {
			subject = "Integrazione ricevuta: " + title
			body = fmt.Sprintf("Abbiamo ricevuto l'integrazione della tua pratica per **%s**: l'ufficio ha ripreso l'istruttoria il %s.", ev.ServiceTitle, day(ev.At))
		} else {
			subject = "Pratica presa in carico: " + title
			body = fmt.Sprintf("La tua pratica per **%s** è stata presa in carico dall'ufficio competente il %s.", ev.ServiceTitle, day(ev.At))
		}
	case "INTEGRATION_REQUESTED":
		subject = "Richiesta di integrazione: " + title
		body = fmt.Sprintf("L'ufficio che segue la tua pratica per **%s** ha chiesto un'integrazione il %s. Carica quanto richiesto dall'area personale.%s", ev.ServiceTitle, day(ev.At), note)
	case "COMPLETED":
		subject = "Pratica conclusa: " + title
		body = fmt.Sprintf("La tua pratica per **%s** si è conclusa positivamente il %s.%s", ev.ServiceTitle, day(ev.At), note)
	case "REJECTED":
		subject = "Pratica respinta: " + title
		body = fmt.Sprintf("La tua pratica per **%s** è stata respinta il %s. Trovi la motivazione qui sotto e nell'area personale.%s", ev.ServiceTitle, day(ev.At), note)
	case "WITHDRAWN":
		subject = "Pratica ritirata: " + title
		body = fmt.Sprintf("La tua pratica per **%s** è stata ritirata il %s.%s", ev.ServiceTitle, day(ev.At), note)
	default:
		return nil
	}
	d := draft{subject: subject, body: body + "\n\n" + link, practiceID: ev.PracticeID}
	return n.deliver(ctx, tx, e, ev.Applicant, ev.ServiceID, d)
}

func (n *Notices) payment(ctx context.Context, tx pgx.Tx, e bus.Event) error {
	if e.Topic == events.TopicNoticeDueSoon {
		return n.dueSoon(ctx, tx, e)
	}
	return n.positionPublished(ctx, tx, e)
}

// dueSoon reminds the debtor of an unpaid notice near its due date.
func (n *Notices) dueSoon(ctx context.Context, tx pgx.Tx, e bus.Event) error {
	var ev events.NoticeDueSoon
	if err := e.Decode(&ev); err != nil {
		return err
	}
	due := mustDate(ev.Notice.DueDate)
	body := fmt.Sprintf("Ti ricordiamo che l'avviso di pagamento pagoPA di %s (%s) di **%s** scade il **%s**.\n\nCodice avviso %s: [paga ora](%s).",
		ev.CreditorName, ev.Description, euro(ev.Notice.AmountCents), day(due), ev.Notice.NoticeNumber, n.NoticeLink(ev.Notice.NoticeNumber))
	if ev.PracticeID != "" {
		body += fmt.Sprintf(" Senza il pagamento la domanda collegata sarà archiviata: [apri la pratica](%s).", n.PracticeLink(ev.PracticeID))
	}
	d := draft{subject: clipRunes("Promemoria: avviso in scadenza il "+day(due), 120), body: body, due: &due,
		practiceID: ev.PracticeID, notice: ev.Notice.NoticeNumber, iupd: ev.IUPD}
	return n.deliver(ctx, tx, e, ev.Debtor, "", d)
}

func (n *Notices) positionPublished(ctx context.Context, tx pgx.Tx, e bus.Event) error {
	var ev events.PositionPublished
	if err := e.Decode(&ev); err != nil {
		return err
	}
	if len(ev.Notices) == 0 {
		return nil
	}
	first := ev.Notices[0]
	due, err := time.ParseInLocation(time.DateOnly, first.DueDate, rome)
	if err != nil {
		return bus.Permanent(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Hai un nuovo **avviso di pagamento pagoPA** di %s: %s.\n\n", ev.CreditorName, ev.Description)
	for _, nt := range ev.Notices {
		fmt.Fprintf(&b, "- %s: **%s** entro il %s, codice avviso %s ([paga ora](%s))\n", nt.Description, euro(nt.AmountCents),
			day(mustDate(nt.DueDate)), nt.NoticeNumber, n.NoticeLink(nt.NoticeNumber))
	}
	if ev.PracticeID != "" {
		fmt.Fprintf(&b, "\nL'avviso riguarda la tua pratica: [apri la pratica](%s).", n.PracticeLink(ev.PracticeID))
	}
	d := draft{subject: clipRunes("Avviso di pagamento: "+ev.Description, 120), body: b.String(), due: &due,
		practiceID: ev.PracticeID, notice: first.NoticeNumber, iupd: ev.IUPD}
	return n.deliver(ctx, tx, e, ev.Debtor, "", d)
}

func mustDate(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, rome)
	if err != nil {
		return time.Time{}
	}
	return t
}

// deliver writes d to the person concerned and to their delegates for
// messages (service "" : delegations for every service), each with the
// channels of their own preferences. Message ids derive from the event id
// and the recipient, so a message can never be written twice.
func (n *Notices) deliver(ctx context.Context, tx pgx.Tx, e bus.Event, to events.Party, service string, d draft) error {
	now := n.now().UTC().Truncate(time.Microsecond)
	var personID string
	err := tx.QueryRow(ctx, `select id::text from identity.person where fiscal_code = $1`,
		strings.ToUpper(strings.TrimSpace(to.FiscalCode))).Scan(&personID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // nobody registered to tell
	}
	if err != nil {
		return fmt.Errorf("identity: recipient: %w", err)
	}
	rows, err := tx.Query(ctx, `select distinct d.delegate_id::text from identity.delegation d
		where d.delegator_person_id = $1 and d.revoked_at is null and d.valid_from <= $2 and (d.valid_to is null or d.valid_to > $2)
		  and (cardinality(d.areas) = 0 or $3 = any(d.areas))
		  and (cardinality(d.services) = 0 or ($4 <> '' and lower($4) = any(d.services)))
		  and d.delegate_id <> $1::uuid
		order by 1`, personID, now, AreaMessages, service)
	if err != nil {
		return fmt.Errorf("identity: delegates: %w", err)
	}
	delegates, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("identity: delegates: %w", err)
	}
	if err := n.write(ctx, tx, e, personID, d); err != nil {
		return err
	}
	if len(delegates) == 0 {
		return nil
	}
	var name string
	if err := tx.QueryRow(ctx, `select given_name || ' ' || family_name from identity.person where id = $1`, personID).Scan(&name); err != nil {
		return fmt.Errorf("identity: delegator: %w", err)
	}
	dd := d
	dd.subject = clipRunes("Per "+name+": "+d.subject, 120)
	dd.body = fmt.Sprintf("Ricevi questo messaggio come delegato di **%s**.\n\n%s", name, d.body)
	for _, id := range delegates {
		if err := n.write(ctx, tx, e, id, dd); err != nil {
			return err
		}
	}
	return nil
}

func (n *Notices) write(ctx context.Context, tx pgx.Tx, e bus.Event, recipient string, d draft) error {
	var channels []string
	var io, email, sms bool
	var addr, phone string
	if err := tx.QueryRow(ctx, `select notify_io, notify_email, notify_sms, coalesce(email, ''), coalesce(phone, '')
		from identity.person where id = $1`, recipient).Scan(&io, &email, &sms, &addr, &phone); err != nil {
		return fmt.Errorf("identity: preferences: %w", err)
	}
	if io {
		channels = append(channels, ChannelIO)
	}
	if email && addr != "" {
		channels = append(channels, ChannelEmail)
	}
	if sms && phone != "" {
		channels = append(channels, ChannelSMS)
	}
	if channels == nil {
		channels = []string{}
	}
	body := d.body
	for utf8.RuneCountInString(body) < 80 { // IO's minimum length
		body += "\n\nCittà metropolitana di Milano: servizi digitali."
	}
	id := uuid.NewSHA1(uuid.MustParse(e.ID), []byte(recipient)).String()
	var practice, notice, iupd *string
	if d.practiceID != "" {
		practice = &d.practiceID
	}
	if d.notice != "" {
		notice = &d.notice
	}
	if d.iupd != "" {
		iupd = &d.iupd
	}
	_, err := tx.Exec(ctx, `insert into identity.message (id, recipient_id, subject, markdown, created_at, due_date,
		practice_id, payment_notice_number, payment_iupd, channels) values ($1, $2, $3, $4, $5, $6, $7::uuid, $8, $9, $10)
		on conflict (id) do nothing`, id, recipient, clipRunes(d.subject, 120), clipRunes(body, 10000), n.now().UTC().Truncate(time.Microsecond),
		d.due, practice, notice, iupd, channels)
	if err != nil {
		return fmt.Errorf("identity: message: %w", err)
	}
	return nil
}

// Names answers the full name of a registered person: payments' debtor
// names for positions created from events.
type Names struct{ db *pgxpool.Pool }

// NewNames returns the names registry over pool.
func NewNames(pool *pgxpool.Pool) *Names { return &Names{db: pool} }

// FullName returns "given family" of the person with fiscal code fc, or ""
// when none is registered.
func (r *Names) FullName(ctx context.Context, fc string) (string, error) {
	var name string
	err := r.db.QueryRow(ctx, `select given_name || ' ' || family_name from identity.person where fiscal_code = $1`,
		strings.ToUpper(strings.TrimSpace(fc))).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("identity: name: %w", err)
	}
	return name, nil
}
