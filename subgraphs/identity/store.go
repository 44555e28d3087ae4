package identity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// querier is what the store needs of a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Store reads and writes the identity schema.
type Store struct {
	db querier
}

// NewStore returns a store on pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{db: pool} }

// validUUIDs keeps the ids that are well-formed UUIDs: anything else cannot
// exist and would only make Postgres fail the whole batch.
func validUUIDs(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, err := uuid.Parse(id); err == nil {
			out = append(out, id)
		}
	}
	return out
}

const personColumns = `id::text, fiscal_code, given_name, family_name, sex, birth_date,
	birthplace_istat, birthplace_name, birthplace_province, birthplace_cadastral,
	registry_source, registry_verified_at,
	residence_istat, residence_address, residence_source, residence_verified_at,
	coalesce(email, ''), coalesce(phone, ''), notify_email, notify_sms, notify_io, language, updated_at`

func scanPerson(row pgx.Row) (*Person, error) { return scanPersonThen(row) }

// scanPersonThen scans the columns of personColumns and then into extra.
func scanPersonThen(row pgx.Row, extra ...any) (*Person, error) {
	var p Person
	var resIstat, resAddr, resSource *string
	var resVerified *time.Time
	dest := append([]any{&p.ID, &p.FiscalCode, &p.GivenName, &p.FamilyName, &p.Sex, &p.BirthDate,
		&p.BirthplaceIstat, &p.BirthplaceName, &p.BirthplaceProvince, &p.BirthplaceCadastral,
		&p.RegistrySource, &p.RegistryVerifiedAt,
		&resIstat, &resAddr, &resSource, &resVerified,
		&p.Email, &p.Phone, &p.Preferences.Email, &p.Preferences.SMS, &p.Preferences.IO, &p.Preferences.Language, &p.UpdatedAt}, extra...)
	err := row.Scan(dest...)
	if err != nil {
		return nil, err
	}
	if resIstat != nil && resVerified != nil {
		p.Residence = &Residence{Istat: *resIstat, VerifiedAt: *resVerified, Source: SourceANPR}
		if resAddr != nil {
			p.Residence.Address = *resAddr
		}
		if resSource != nil {
			p.Residence.Source = *resSource
		}
	}
	return &p, nil
}

func collect[T any](rows pgx.Rows, scan func(pgx.Row) (*T, error)) ([]*T, error) {
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// PeopleByIDs returns the people with the given ids, in no particular order;
// unknown ids are left out. One query.
func (s *Store) PeopleByIDs(ctx context.Context, ids []string) ([]*Person, error) {
	ids = validUUIDs(ids)
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `select `+personColumns+` from identity.person where id = any($1::uuid[])`, ids)
	if err != nil {
		return nil, fmt.Errorf("identity: people by ids: %w", err)
	}
	out, err := collect(rows, scanPerson)
	if err != nil {
		return nil, fmt.Errorf("identity: people by ids: %w", err)
	}
	return out, nil
}

// PersonByFiscalCode returns the person with fiscal code fc, or nil.
func (s *Store) PersonByFiscalCode(ctx context.Context, fc string) (*Person, error) {
	p, err := scanPerson(s.db.QueryRow(ctx, `select `+personColumns+` from identity.person where fiscal_code = $1`, fc))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("identity: person by fiscal code: %w", err)
	}
	return p, nil
}

// PersonWithMessages returns the person with fiscal code fc (nil when
// unknown) and, with the same statement, the page of their messages q
// selects — up to q.First+1, newest first, as [Store.MessagePages] reads
// them; q's count is not read.
func (s *Store) PersonWithMessages(ctx context.Context, fc string, q MessageQuery) (*Person, []*Message, error) {
	var afterAt *time.Time
	var afterID *string
	if q.After != nil {
		afterAt, afterID = &q.After.CreatedAt, &q.After.ID
	}
	rows, err := s.db.Query(ctx, `select p.*, m.* from (select `+personColumns+` from identity.person where fiscal_code = $1) p
		left join lateral (
			select `+messageColumns+` from identity.message
			where recipient_id = p.id::uuid
			  and (not $2 or read_at is null)
			  and ($3::timestamptz is null or (created_at, id) < ($3, $4::uuid))
			order by created_at desc, id desc
			limit $5) m on true
		order by m.created_at desc, m.id desc`, fc, q.UnreadOnly, afterAt, afterID, q.First+1)
	if err != nil {
		return nil, nil, fmt.Errorf("identity: person with messages: %w", err)
	}
	defer rows.Close()
	var p *Person
	var msgs []*Message
	var (
		id, recipient, subject, markdown, practice, notice, iupd pgtype.Text
		createdAt, readAt, dueDate                               pgtype.Timestamptz
	)
	tail := []any{&id, &recipient, &subject, &markdown, &createdAt, &readAt, &dueDate, &practice, &notice, &iupd}
	// The person's columns are scanned from the first row only.
	repeat := make([]any, len(rows.FieldDescriptions())-len(tail), len(rows.FieldDescriptions()))
	repeat = append(repeat, tail...)
	for rows.Next() {
		if p == nil {
			if p, err = scanPersonThen(rows, tail...); err != nil {
				return nil, nil, fmt.Errorf("identity: person with messages: %w", err)
			}
		} else if err := rows.Scan(repeat...); err != nil {
			return nil, nil, fmt.Errorf("identity: person with messages: %w", err)
		}
		if !id.Valid {
			continue // no message: the person's row alone
		}
		msgs = append(msgs, &Message{ID: id.String, RecipientID: recipient.String, Subject: subject.String, Markdown: markdown.String,
			CreatedAt: createdAt.Time, ReadAt: timeOrNil(readAt), DueDate: timeOrNil(dueDate),
			PracticeID: practice.String, PaymentNoticeNumber: notice.String, PaymentIUPD: iupd.String})
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("identity: person with messages: %w", err)
	}
	return p, msgs, nil
}

// timeOrNil returns t's time, or nil when t is null.
func timeOrNil(t pgtype.Timestamptz) *time.Time {
	if !t.Valid {
		return nil
	}
	return &t.Time
}

// UpdateContacts sets the e-mail and phone of person id ("" clears) and
// returns the updated person, or nil when id is unknown.
func (s *Store) UpdateContacts(ctx context.Context, id, email, phone string) (*Person, error) {
	p, err := scanPerson(s.db.QueryRow(ctx, `update identity.person
		set email = nullif($2, ''), phone = nullif($3, ''), updated_at = now()
		where id = $1 returning `+personColumns, id, email, phone))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("identity: update contacts: %w", err)
	}
	return p, nil
}

// UpdatePreferences sets the notification preferences of person id and
// returns the updated person, or nil when id is unknown.
func (s *Store) UpdatePreferences(ctx context.Context, id string, pr Preferences) (*Person, error) {
	p, err := scanPerson(s.db.QueryRow(ctx, `update identity.person
		set notify_email = $2, notify_sms = $3, notify_io = $4, language = $5, updated_at = now()
		where id = $1 returning `+personColumns, id, pr.Email, pr.SMS, pr.IO, pr.Language))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("identity: update preferences: %w", err)
	}
	return p, nil
}

const organizationColumns = `id::text, vat_number, fiscal_code, name, legal_form,
	legal_representative_id::text, seat_istat, registry_source, registry_verified_at`

func scanOrganization(row pgx.Row) (*Organization, error) {
	var o Organization
	err := row.Scan(&o.ID, &o.VATNumber, &o.FiscalCode, &o.Name, &o.LegalForm,
		&o.RepresentativeID, &o.SeatIstat, &o.RegistrySource, &o.RegistryVerifiedAt)
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// OrganizationsByIDs returns the organizations with the given ids, in no
// particular order; unknown ids are left out. One query.
func (s *Store) OrganizationsByIDs(ctx context.Context, ids []string) ([]*Organization, error) {
	ids = validUUIDs(ids)
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `select `+organizationColumns+` from identity.organization where id = any($1::uuid[])`, ids)
	if err != nil {
		return nil, fmt.Errorf("identity: organizations by ids: %w", err)
	}
	out, err := collect(rows, scanOrganization)
	if err != nil {
		return nil, fmt.Errorf("identity: organizations by ids: %w", err)
	}
	return out, nil
}

// OrganizationsByRepresentatives returns the organizations whose legal
// representative is one of personIDs, ordered by name then id. One query.
func (s *Store) OrganizationsByRepresentatives(ctx context.Context, personIDs []string) ([]*Organization, error) {
	personIDs = validUUIDs(personIDs)
	if len(personIDs) == 0 {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `select `+organizationColumns+` from identity.organization
		where legal_representative_id = any($1::uuid[]) order by name, id`, personIDs)
	if err != nil {
		return nil, fmt.Errorf("identity: organizations by representatives: %w", err)
	}
	out, err := collect(rows, scanOrganization)
	if err != nil {
		return nil, fmt.Errorf("identity: organizations by representatives: %w", err)
	}
	return out, nil
}

const delegationColumns = `id::text, coalesce(delegator_person_id::text, ''), coalesce(delegator_organization_id::text, ''),
	delegate_id::text, services, areas, valid_from, valid_to, revoked_at, created_at`

func scanDelegation(row pgx.Row) (*Delegation, error) {
	var d Delegation
	err := row.Scan(&d.ID, &d.DelegatorPersonID, &d.DelegatorOrganizationID, &d.DelegateID,
		&d.Services, &d.Areas, &d.ValidFrom, &d.ValidTo, &d.RevokedAt, &d.CreatedAt)
	if err != nil {
		return nil, err
	}
	if d.Services == nil {
		d.Services = []string{}
	}
	if d.Areas == nil {
		d.Areas = []string{}
	}
	return &d, nil
}

// DelegationColumn selects which side of a delegation a lookup matches.
type DelegationColumn string

// The sides of a delegation.
const (
	ByDelegatorPerson       DelegationColumn = "delegator_person_id"
	ByDelegatorOrganization DelegationColumn = "delegator_organization_id"
	ByDelegate              DelegationColumn = "delegate_id"
)

// DelegationsBy returns the delegations whose column is one of ids, newest
// first. One query.
func (s *Store) DelegationsBy(ctx context.Context, col DelegationColumn, ids []string) ([]*Delegation, error) {
	switch col {
	case ByDelegatorPerson, ByDelegatorOrganization, ByDelegate:
	default:
		return nil, fmt.Errorf("identity: unknown delegation column %q", col)
	}
	ids = validUUIDs(ids)
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `select `+delegationColumns+` from identity.delegation
		where `+string(col)+` = any($1::uuid[]) order by created_at desc, id desc`, ids)
	if err != nil {
		return nil, fmt.Errorf("identity: delegations by %s: %w", col, err)
	}
	out, err := collect(rows, scanDelegation)
	if err != nil {
		return nil, fmt.Errorf("identity: delegations by %s: %w", col, err)
	}
	return out, nil
}

// DelegationByID returns delegation id, or nil.
func (s *Store) DelegationByID(ctx context.Context, id string) (*Delegation, error) {
	if len(validUUIDs([]string{id})) == 0 {
		return nil, nil
	}
	d, err := scanDelegation(s.db.QueryRow(ctx, `select `+delegationColumns+` from identity.delegation where id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("identity: delegation: %w", err)
	}
	return d, nil
}

// OverlappingDelegation reports whether the delegator already gave delegate
// a delegation that is not revoked and whose validity overlaps
// [from, to) (to nil: open-ended).
func (s *Store) OverlappingDelegation(ctx context.Context, d *Delegation) (bool, error) {
	var exists bool
	err := s.db.QueryRow(ctx, `select exists(select 1 from identity.delegation
		where delegate_id = $1
		  and delegator_person_id is not distinct from nullif($2, '')::uuid
		  and delegator_organization_id is not distinct from nullif($3, '')::uuid
		  and revoked_at is null
		  and (valid_to is null or valid_to > $4)
		  and ($5::timestamptz is null or valid_from < $5))`,
		d.DelegateID, d.DelegatorPersonID, d.DelegatorOrganizationID, d.ValidFrom, d.ValidTo).Scan(&exists)
	if err != nil {
		return false, fmt.Errorf("identity: overlapping delegation: %w", err)
	}
	return exists, nil
}

// InsertDelegation stores d (its ID and CreatedAt must be set).
func (s *Store) InsertDelegation(ctx context.Context, d *Delegation) error {
	_, err := s.db.Exec(ctx, `insert into identity.delegation
		(id, delegator_person_id, delegator_organization_id, delegate_id, services, areas, valid_from, valid_to, created_at)
		values ($1, nullif($2, '')::uuid, nullif($3, '')::uuid, $4, $5, $6, $7, $8, $9)`,
		d.ID, d.DelegatorPersonID, d.DelegatorOrganizationID, d.DelegateID, d.Services, d.Areas, d.ValidFrom, d.ValidTo, d.CreatedAt)
	if err != nil {
		return fmt.Errorf("identity: insert delegation: %w", err)
	}
	return nil
}

// RevokeDelegation sets revoked_at of delegation id once and returns the
// delegation as stored.
func (s *Store) RevokeDelegation(ctx context.Context, id string, at time.Time) (*Delegation, error) {
	d, err := scanDelegation(s.db.QueryRow(ctx, `update identity.delegation
		set revoked_at = coalesce(revoked_at, $2) where id = $1 returning `+delegationColumns, id, at))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("identity: revoke delegation: %w", err)
	}
	return d, nil
}

const messageColumns = `id::text, recipient_id::text, subject, markdown, created_at, read_at, due_date,
	coalesce(practice_id::text, ''), coalesce(payment_notice_number, ''), coalesce(payment_iupd, '')`

func scanMessage(row pgx.Row) (*Message, error) {
	var m Message
	err := row.Scan(&m.ID, &m.RecipientID, &m.Subject, &m.Markdown, &m.CreatedAt, &m.ReadAt, &m.DueDate,
		&m.PracticeID, &m.PaymentNoticeNumber, &m.PaymentIUPD)
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// MessageByID returns message id, or nil.
func (s *Store) MessageByID(ctx context.Context, id string) (*Message, error) {
	if len(validUUIDs([]string{id})) == 0 {
		return nil, nil
	}
	m, err := scanMessage(s.db.QueryRow(ctx, `select `+messageColumns+` from identity.message where id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("identity: message: %w", err)
	}
	return m, nil
}

// MarkMessageRead sets read_at of message id to at unless it is already set,
// and returns the message as stored (nil when unknown).
func (s *Store) MarkMessageRead(ctx context.Context, id string, at time.Time) (*Message, error) {
	m, err := scanMessage(s.db.QueryRow(ctx, `update identity.message
		set read_at = coalesce(read_at, $2) where id = $1 returning `+messageColumns, id, at))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("identity: mark message read: %w", err)
	}
	return m, nil
}

// MessageQuery selects a page of messages of several recipients at once:
// the same filter and window applied to each recipient.
type MessageQuery struct {
	UnreadOnly bool
	First      int
	After      *messageCursor // nil: from the newest
	NoCount    bool           // skip the count: every count is 0
}

// MessagePages returns, for each recipient, up to q.First+1 messages
// newest first (created_at desc, id desc) after q.After, and each
// recipient's total count under the filter (0 with q.NoCount). Two queries
// for any number of recipients, one without the count.
func (s *Store) MessagePages(ctx context.Context, recipients []string, q MessageQuery) (map[string][]*Message, map[string]int, error) {
	recipients = validUUIDs(recipients)
	pages := make(map[string][]*Message, len(recipients))
	counts := make(map[string]int, len(recipients))
	if len(recipients) == 0 {
		return pages, counts, nil
	}
	var afterAt *time.Time
	var afterID *string
	if q.After != nil {
		afterAt, afterID = &q.After.CreatedAt, &q.After.ID
	}
	rows, err := s.db.Query(ctx, `select m.* from unnest($1::uuid[]) as r(id)
		cross join lateral (
			select `+messageColumns+` from identity.message
			where recipient_id = r.id
			  and (not $2 or read_at is null)
			  and ($3::timestamptz is null or (created_at, id) < ($3, $4::uuid))
			order by created_at desc, id desc
			limit $5) m`,
		recipients, q.UnreadOnly, afterAt, afterID, q.First+1)
	if err != nil {
		return nil, nil, fmt.Errorf("identity: message pages: %w", err)
	}
	msgs, err := collect(rows, scanMessage)
	if err != nil {
		return nil, nil, fmt.Errorf("identity: message pages: %w", err)
	}
	for _, m := range msgs {
		pages[m.RecipientID] = append(pages[m.RecipientID], m)
	}
	if q.NoCount {
		return pages, counts, nil
	}
	rows, err = s.db.Query(ctx, `select recipient_id::text, count(*) from identity.message
		where recipient_id = any($1::uuid[]) and (not $2 or read_at is null) group by recipient_id`,
		recipients, q.UnreadOnly)
	if err != nil {
		return nil, nil, fmt.Errorf("identity: message counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, nil, fmt.Errorf("identity: message counts: %w", err)
		}
		counts[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("identity: message counts: %w", err)
	}
	return pages, counts, nil
}
