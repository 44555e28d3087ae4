package practices

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// querier is what the store needs of a connection: satisfied by
// *pgxpool.Pool and pgx.Tx.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store reads and writes the practices schema.
type Store struct {
	pool *pgxpool.Pool
}

// NewStore returns a store on pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

const serviceCols = `s.id, s.slug, s.category_code, s.category_name, s.pon_metro_area, s.title, s.state, s.state_reason,
	s.short_description, s.audience, s.how_to, s.what_you_need, s.what_you_get, s.max_days, s.channels, s.conditions,
	s.contact_office, s.contact_email, s.contact_phone, s.contact_pec, s.fully_online, s.archetype, s.life_events,
	s.comuni, s.requires_payment, s.fee_cents`

func scanService(row pgx.Row, extra ...any) (ServiceCard, error) {
	var s ServiceCard
	var events []string
	dest := append([]any{&s.ID, &s.Slug, &s.CategoryCode, &s.CategoryName, &s.PonMetroArea, &s.Title, &s.State, &s.StateReason,
		&s.ShortDescription, &s.Audience, &s.HowTo, &s.WhatYouNeed, &s.WhatYouGet, &s.MaxDays, &s.Channels, &s.Conditions,
		&s.Contacts.Office, &s.Contacts.Email, &s.Contacts.Phone, &s.Contacts.PEC, &s.FullyOnline, &s.Archetype, &events,
		&s.Comuni, &s.RequiresPayment, &s.FeeCents}, extra...)
	if err := row.Scan(dest...); err != nil {
		return ServiceCard{}, err
	}
	for _, e := range events {
		scope, code, ok := strings.Cut(e, "/")
		var n int
		if _, err := fmt.Sscan(code, &n); ok && err == nil {
			s.LifeEvents = append(s.LifeEvents, LifeEventRef{Scope: scope, Code: n})
		}
	}
	return s, nil
}

func lifeEventKeys(refs []LifeEventRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = fmt.Sprintf("%s/%d", r.Scope, r.Code)
	}
	return out
}

// ServicesByIDs returns the services with the given ids, in any order.
func (s *Store) ServicesByIDs(ctx context.Context, ids []string) ([]ServiceCard, error) {
	rows, err := s.pool.Query(ctx, `select `+serviceCols+` from practices.service s where s.id = any($1::uuid[])`, ids)
	if err != nil {
		return nil, fmt.Errorf("services by ids: %w", err)
	}
	return collectServices(rows)
}

func collectServices(rows pgx.Rows) ([]ServiceCard, error) {
	defer rows.Close()
	var out []ServiceCard
	for rows.Next() {
		sv, err := scanService(rows)
		if err != nil {
			return nil, fmt.Errorf("scan service: %w", err)
		}
		out = append(out, sv)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("services: %w", err)
	}
	return out, nil
}

// ServiceCursor is the keyset position of a service in title order.
type ServiceCursor struct {
	Title string
	ID    string
}

// ListServices returns up to limit services matching f after the cursor, in
// (title, id) order, and the number of all matching services.
func (s *Store) ListServices(ctx context.Context, f ServiceFilter, after *ServiceCursor, limit int) ([]ServiceCard, int, error) {
	where := []string{"true"}
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Category != 0 {
		where = append(where, "s.category_code = "+arg(f.Category))
	}
	if f.Comune != "" {
		where = append(where, "(s.comuni is null or "+arg(f.Comune)+" = any(s.comuni))")
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		for _, w := range strings.Fields(t) {
			p := arg("%" + escapeLike(w) + "%")
			where = append(where, "(s.title ilike "+p+" or s.short_description ilike "+p+")")
		}
	}
	cond := strings.Join(where, " and ")
	var total int
	if err := s.pool.QueryRow(ctx, `select count(*) from practices.service s where `+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count services: %w", err)
	}
	if after != nil {
		cond += " and (s.title, s.id) > (" + arg(after.Title) + ", " + arg(after.ID) + "::uuid)"
	}
	rows, err := s.pool.Query(ctx, `select `+serviceCols+` from practices.service s where `+cond+
		` order by s.title, s.id limit `+arg(limit), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list services: %w", err)
	}
	out, err := collectServices(rows)
	return out, total, err
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ServicesOfComuni returns, for each ISTAT code, the services it offers in
// title order. One query for the whole batch.
func (s *Store) ServicesOfComuni(ctx context.Context, codes []string) (map[string][]ServiceCard, error) {
	rows, err := s.pool.Query(ctx, `select `+serviceCols+`, c.code
		from unnest($1::text[]) as c(code)
		join practices.service s on s.comuni is null or c.code = any(s.comuni)
		order by c.code, s.title, s.id`, codes)
	if err != nil {
		return nil, fmt.Errorf("services of comuni: %w", err)
	}
	defer rows.Close()
	out := make(map[string][]ServiceCard, len(codes))
	for rows.Next() {
		var code string
		sv, err := scanService(rows, &code)
		if err != nil {
			return nil, fmt.Errorf("scan service: %w", err)
		}
		out[code] = append(out[code], sv)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("services of comuni: %w", err)
	}
	return out, nil
}

const practiceCols = `p.id, p.service_id, p.applicant_id, p.applicant_fiscal_code, p.organization_id, p.comune, p.status,
	p.protocol_number, p.protocol_date, p.created_at, p.updated_at, p.submitted_at, p.taken_in_charge_at, p.due_by, p.decided_at,
	p.assignee, p.assignee_name, p.assigned_at`

func scanPractice(row pgx.Row, extra ...any) (Practice, error) {
	var p Practice
	var org, proto, assignee *string
	dest := append([]any{&p.ID, &p.ServiceID, &p.ApplicantID, &p.ApplicantFiscalCode, &org, &p.Comune, &p.Status,
		&proto, &p.ProtocolDate, &p.CreatedAt, &p.UpdatedAt, &p.SubmittedAt, &p.TakenInChargeAt, &p.DueBy, &p.DecidedAt,
		&assignee, &p.AssigneeName, &p.AssignedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return Practice{}, err
	}
	if org != nil {
		p.OrganizationID = *org
	}
	if proto != nil {
		p.ProtocolNumber = *proto
	}
	if assignee != nil {
		p.Assignee = *assignee
	}
	return p, nil
}

func collectPractices(rows pgx.Rows) ([]Practice, error) {
	defer rows.Close()
	var out []Practice
	for rows.Next() {
		p, err := scanPractice(rows)
		if err != nil {
			return nil, fmt.Errorf("scan practice: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("practices: %w", err)
	}
	return out, nil
}

// PracticesByIDs returns the practices with the given ids, in any order.
func (s *Store) PracticesByIDs(ctx context.Context, ids []string) ([]Practice, error) {
	rows, err := s.pool.Query(ctx, `select `+practiceCols+` from practices.practice p where p.id = any($1::uuid[])`, ids)
	if err != nil {
		return nil, fmt.Errorf("practices by ids: %w", err)
	}
	return collectPractices(rows)
}

// Visibility restricts the practices a caller sees: all of them (admins),
// or those filed under FiscalCode or addressed to one of Comuni.
type Visibility struct {
	All        bool
	FiscalCode string
	Comuni     []string
	// People and Organizations the caller acts for, each with the
	// services its mandate covers (comma-joined ids; "" for every service).
	People, PeopleServices              []string
	Organizations, OrganizationServices []string
}

// PracticeCursor is the keyset position of a practice in newest-first order.
type PracticeCursor struct {
	CreatedAt time.Time
	ID        string
}

// PersonPage asks for one page of a person's practices.
type PersonPage struct {
	Status Status // "" for any
	After  *PracticeCursor
	Limit  int
	// NoCount skips the count query: every count is 0.
	NoCount bool
}

// PracticesOfPeople returns, for each person id, up to page.Limit of their
// practices visible under vis, newest first, and the number of all their
// visible practices (unless page.NoCount). Two queries for the whole batch,
// one without the count.
func (s *Store) PracticesOfPeople(ctx context.Context, people []string, vis Visibility, page PersonPage) (map[string][]Practice, map[string]int, error) {
	r, err := s.practicesOfPeople(ctx, people, vis, page, false, false)
	return r.Practices, r.Counts, err
}

// PagesRead is what [Store.PracticesOfPeopleRead] reads.
type PagesRead struct {
	Practices map[string][]Practice     // by person id, as PracticesOfPeople
	Counts    map[string]int            // by person id, as PracticesOfPeople
	History   map[string][]StatusChange // by practice id, as HistoryOf; nil unless asked
	// Catalogue is the version of the service catalogue
	// (practices.catalogue_version) in the snapshot the pages were read in.
	Catalogue int64
}

// PracticesOfPeopleRead is [Store.PracticesOfPeople] that also reads, with
// the same statement, the catalogue's version and, with history, the
// status changes of every practice it returns, oldest first, as
// [Store.HistoryOf] does.
func (s *Store) PracticesOfPeopleRead(ctx context.Context, people []string, vis Visibility, page PersonPage, history bool) (PagesRead, error) {
	return s.practicesOfPeople(ctx, people, vis, page, true, history)
}

func (s *Store) practicesOfPeople(ctx context.Context, people []string, vis Visibility, page PersonPage, read, history bool) (PagesRead, error) {
	for _, l := range []*[]string{&vis.Comuni, &vis.People, &vis.PeopleServices, &vis.Organizations, &vis.OrganizationServices} {
		if *l == nil {
			*l = []string{}
		}
	}
	args := []any{people, vis.All, vis.FiscalCode, vis.Comuni, string(page.Status),
		vis.People, vis.PeopleServices, vis.Organizations, vis.OrganizationServices}
	cond := `p.applicant_id = a.pid
		and ($2 or p.applicant_fiscal_code = $3 or p.comune = any($4::text[])
		  or exists (select 1 from unnest($6::uuid[], $7::text[]) m(pid, svcs)
		      where p.organization_id is null and p.applicant_id = m.pid
		        and (m.svcs = '' or p.service_id::text = any(string_to_array(m.svcs, ','))))
		  or exists (select 1 from unnest($8::uuid[], $9::text[]) m(oid, svcs)
		      where p.organization_id = m.oid
		        and (m.svcs = '' or p.service_id::text = any(string_to_array(m.svcs, ',')))))
		and ($5 = '' or p.status = $5)`
	counts := make(map[string]int, len(people))
	if !page.NoCount {
		rows, err := s.pool.Query(ctx, `select a.pid::text, c.n from unnest($1::uuid[]) as a(pid)
		cross join lateral (select count(*) n from practices.practice p where `+cond+`) c`, args...)
		if err != nil {
			return PagesRead{}, fmt.Errorf("count practices of people: %w", err)
		}
		for rows.Next() {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return PagesRead{}, fmt.Errorf("scan count: %w", err)
			}
			counts[id] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return PagesRead{}, fmt.Errorf("count practices of people: %w", err)
		}
	}
	keyset := ""
	if page.After != nil {
		args = append(args, page.After.CreatedAt, page.After.ID)
		keyset = " and (p.created_at, p.id) < ($10, $11::uuid)"
	}
	args = append(args, page.Limit)
	pageSQL := fmt.Sprintf(`select x.* from unnest($1::uuid[]) as a(pid)
		cross join lateral (select `+practiceCols+` from practices.practice p
			where `+cond+keyset+` order by p.created_at desc, p.id desc limit $%d) x`, len(args))
	if !read {
		rows, err := s.pool.Query(ctx, pageSQL, args...)
		if err != nil {
			return PagesRead{}, fmt.Errorf("practices of people: %w", err)
		}
		list, err := collectPractices(rows)
		if err != nil {
			return PagesRead{}, err
		}
		out := make(map[string][]Practice, len(people))
		for _, p := range list {
			out[p.ApplicantID] = append(out[p.ApplicantID], p)
		}
		return PagesRead{Practices: out, Counts: counts}, nil
	}
	// With history, one row per status change of each practice (one row of
	// nulls for a practice without any), in the page's order and then
	// HistoryOf's; each row ends with its person's position and the
	// catalogue's version.
	histSQL, histCols, histOrder := "", "", ""
	if history {
		histCols = ", h.*"
		histSQL = `
		left join lateral (select c.id, c.status, c.at, c.actor_kind, c.actor_id, c.on_behalf_of, c.note
			from practices.status_change c where c.practice_id = x.id) h on true`
		histOrder = ", h.at, h.id"
	}
	rows, err := s.pool.Query(ctx, fmt.Sprintf(`select x.*`+histCols+`, a.ord, coalesce((select version from practices.catalogue_version), 0)
		from unnest($1::uuid[]) with ordinality as a(pid, ord)
		cross join lateral (select `+practiceCols+` from practices.practice p
			where `+cond+keyset+` order by p.created_at desc, p.id desc limit $%d) x`+histSQL+`
		order by a.ord, x.created_at desc, x.id desc`+histOrder, len(args)), args...)
	if err != nil {
		return PagesRead{}, fmt.Errorf("practices of people: %w", err)
	}
	defer rows.Close()
	r := PagesRead{Practices: make(map[string][]Practice, len(people)), Counts: counts}
	if history {
		r.History = map[string][]StatusChange{}
	}
	last := ""
	// A person asked twice gets their practices twice, as without
	// history; each practice's history is taken once. The practice's
	// columns are scanned from the first row of its block only.
	seen := map[string]bool{}
	var lastID, lastOrd []byte
	skip := false
	var (
		id                                      pgtype.Int8
		ord, version                            int64
		at                                      pgtype.Timestamptz
		status, kind, actorID, onBehalfOf, note pgtype.Text
	)
	var tail []any
	if history {
		tail = []any{&id, &status, &at, &kind, &actorID, &onBehalfOf, &note}
	}
	tail = append(tail, &ord, &version)
	n := len(rows.FieldDescriptions())
	repeat := make([]any, n-len(tail), n)
	repeat = append(repeat, tail...) // nil for every column of the practice
	for rows.Next() {
		raw := rows.RawValues()
		if lastID != nil && bytes.Equal(raw[0], lastID) && bytes.Equal(raw[n-2], lastOrd) {
			if err := rows.Scan(repeat...); err != nil {
				return PagesRead{}, fmt.Errorf("scan practice: %w", err)
			}
		} else {
			lastID, lastOrd = append(lastID[:0], raw[0]...), append(lastOrd[:0], raw[n-2]...)
			p, err := scanPractice(rows, tail...)
			if err != nil {
				return PagesRead{}, fmt.Errorf("scan practice: %w", err)
			}
			r.Practices[p.ApplicantID] = append(r.Practices[p.ApplicantID], p)
			last = p.ID
			skip = seen[p.ID]
			seen[p.ID] = true
		}
		r.Catalogue = version
		if !id.Valid || skip {
			continue
		}
		r.History[last] = append(r.History[last], StatusChange{ID: id.Int64, PracticeID: last, Status: Status(status.String), At: at.Time,
			Note: note.String, Actor: Actor{Kind: ActorKind(kind.String), ID: actorID.String, OnBehalfOf: onBehalfOf.String}})
	}
	if err := rows.Err(); err != nil {
		return PagesRead{}, fmt.Errorf("practices of people: %w", err)
	}
	return r, nil
}

// HistoryOf returns the status changes of each practice, oldest first.
func (s *Store) HistoryOf(ctx context.Context, ids []string) (map[string][]StatusChange, error) {
	rows, err := s.pool.Query(ctx, `select id, practice_id, status, at, actor_kind, actor_id, on_behalf_of, note
		from practices.status_change where practice_id = any($1::uuid[]) order by practice_id, at, id`, ids)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	out := make(map[string][]StatusChange, len(ids))
	for rows.Next() {
		var c StatusChange
		if err := rows.Scan(&c.ID, &c.PracticeID, &c.Status, &c.At, &c.Actor.Kind, &c.Actor.ID, &c.Actor.OnBehalfOf, &c.Note); err != nil {
			return nil, fmt.Errorf("scan history: %w", err)
		}
		out[c.PracticeID] = append(out[c.PracticeID], c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	return out, nil
}

// DocumentsOf returns the documents of each practice, oldest first.
func (s *Store) DocumentsOf(ctx context.Context, ids []string) (map[string][]Document, error) {
	rows, err := s.pool.Query(ctx, `select id, practice_id, name, media_type, size_bytes, sha256, uploaded_at, stored
		from practices.document where practice_id = any($1::uuid[]) order by practice_id, uploaded_at, id`, ids)
	if err != nil {
		return nil, fmt.Errorf("documents: %w", err)
	}
	defer rows.Close()
	out := make(map[string][]Document, len(ids))
	for rows.Next() {
		var d Document
		if err := rows.Scan(&d.ID, &d.PracticeID, &d.Name, &d.MediaType, &d.Size, &d.SHA256, &d.UploadedAt, &d.Stored); err != nil {
			return nil, fmt.Errorf("scan document: %w", err)
		}
		out[d.PracticeID] = append(out[d.PracticeID], d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("documents: %w", err)
	}
	return out, nil
}

// InsertPractice stores a new practice with its first history row and
// outbox row.
func (s *Store) InsertPractice(ctx context.Context, p Practice, first StatusChange) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `insert into practices.practice (id, service_id, applicant_id, applicant_fiscal_code,
			organization_id, comune, status, created_at, updated_at)
			values ($1, $2, $3, $4, nullif($5, '')::uuid, $6, $7, $8, $8)`,
			p.ID, p.ServiceID, p.ApplicantID, p.ApplicantFiscalCode, p.OrganizationID, p.Comune, p.Status, p.CreatedAt)
		if err != nil {
			return fmt.Errorf("insert practice: %w", err)
		}
		if err := insertHistory(ctx, tx, first); err != nil {
			return err
		}
		return publish(ctx, tx, p, "", first)
	})
}

// publish writes the outbox row of a status change and announces it with
// pg_notify('practice_status', <event id>), then publishes the change on the bus
// (publishEvents), inside the caller's transaction.
func publish(ctx context.Context, q querier, p Practice, previous Status, c StatusChange) error {
	var eventID int64
	if err := q.QueryRow(ctx, `insert into practices.status_event (practice_id, status, previous_status, at,
		actor_kind, actor_id, on_behalf_of, note, applicant_id, comune) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id`,
		p.ID, c.Status, previous, c.At, c.Actor.Kind, c.Actor.ID, c.Actor.OnBehalfOf, c.Note, p.ApplicantID, p.Comune).Scan(&eventID); err != nil {
		return fmt.Errorf("insert status event: %w", err)
	}
	if _, err := q.Exec(ctx, `select pg_notify('practice_status', $1)`, fmt.Sprint(eventID)); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return publishEvents(ctx, q, p, previous, c)
}

func insertHistory(ctx context.Context, q querier, c StatusChange) error {
	_, err := q.Exec(ctx, `insert into practices.status_change (practice_id, status, at, actor_kind, actor_id, on_behalf_of, note)
		values ($1, $2, $3, $4, $5, $6, $7)`, c.PracticeID, c.Status, c.At, c.Actor.Kind, c.Actor.ID, c.Actor.OnBehalfOf, c.Note)
	if err != nil {
		return fmt.Errorf("insert history: %w", err)
	}
	return nil
}

// HasPracticeIn reports whether person personID has a practice addressed
// to one of comuni (as applicant): what lets an operator of those comuni
// read the person's personal data.
func (s *Store) HasPracticeIn(ctx context.Context, personID string, comuni []string) (bool, error) {
	if !validUUID(personID) || len(comuni) == 0 {
		return false, nil
	}
	var ok bool
	err := s.pool.QueryRow(ctx, `select exists(select 1 from practices.practice
		where applicant_id = $1 and comune = any($2::text[]))`, strings.ToLower(personID), comuni).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("has practice in: %w", err)
	}
	return ok, nil
}

// PracticeParties returns the applicant's fiscal code and the comune of
// practice id; found is false when there is none.
func (s *Store) PracticeParties(ctx context.Context, id string) (applicantFiscalCode, comune string, found bool, err error) {
	if !validUUID(id) {
		return "", "", false, nil
	}
	err = s.pool.QueryRow(ctx, `select applicant_fiscal_code, comune from practices.practice where id = $1`,
		strings.ToLower(id)).Scan(&applicantFiscalCode, &comune)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("practice parties: %w", err)
	}
	return applicantFiscalCode, comune, true, nil
}

// ErrNotFound is returned by Transition when the practice does not exist.
var ErrNotFound = errors.New("practice not found")

// Locked is a practice locked for update inside a transition, with the
// terms of its service.
type Locked struct {
	Practice        Practice
	RequiresPayment bool
	MaxDays         int
}

// Change is what a transition writes: the practice's new state (status and
// timestamps), the history row, and whether to assign a protocol number in
// ProtocolYear.
type Change struct {
	Practice     Practice
	History      StatusChange
	Previous     Status
	ProtocolYear int // > 0: assign the next protocol number of the comune in this year
}

// Transition locks practice id (select … for update), lets decide compute
// the change, then writes the practice, the history row and the outbox row
// and notifies 'practice_status', all in one transaction. decide's error
// aborts without writing anything.
func (s *Store) Transition(ctx context.Context, id string, decide func(Locked) (Change, error)) (Practice, error) {
	var out Practice
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = transitionTx(ctx, tx, id, decide)
		return err
	})
	return out, err
}

// transitionTx is Transition inside the caller's transaction tx.
func transitionTx(ctx context.Context, tx pgx.Tx, id string, decide func(Locked) (Change, error)) (Practice, error) {
	var out Practice
	err := func() error {
		var l Locked
		p, err := scanPractice(tx.QueryRow(ctx, `select `+practiceCols+`, s.requires_payment, s.max_days
			from practices.practice p join practices.service s on s.id = p.service_id
			where p.id = $1 for update of p`, id), &l.RequiresPayment, &l.MaxDays)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("lock practice: %w", err)
		}
		l.Practice = p
		ch, err := decide(l)
		if err != nil {
			return err
		}
		np := ch.Practice
		if ch.ProtocolYear > 0 {
			var seq int64
			if err := tx.QueryRow(ctx, `insert into practices.protocol_counter (comune, year, last) values ($1, $2, 1)
				on conflict (comune, year) do update set last = practices.protocol_counter.last + 1
				returning last`, np.Comune, ch.ProtocolYear).Scan(&seq); err != nil {
				return fmt.Errorf("protocol counter: %w", err)
			}
			np.ProtocolNumber = ProtocolNumber(np.Comune, ch.ProtocolYear, seq)
		}
		_, err = tx.Exec(ctx, `update practices.practice set status = $2, updated_at = $3, protocol_number = nullif($4, ''),
			protocol_date = $5, submitted_at = $6, taken_in_charge_at = $7, due_by = $8, decided_at = $9 where id = $1`,
			np.ID, np.Status, np.UpdatedAt, np.ProtocolNumber, np.ProtocolDate, np.SubmittedAt, np.TakenInChargeAt, np.DueBy, np.DecidedAt)
		if err != nil {
			return fmt.Errorf("update practice: %w", err)
		}
		if err := insertHistory(ctx, tx, ch.History); err != nil {
			return err
		}
		if err := publish(ctx, tx, np, ch.Previous, ch.History); err != nil {
			return err
		}
		out = np
		return nil
	}()
	return out, err
}

// ProtocolNumber formats a protocol number: <ISTAT>/<year>/<seq>.
func ProtocolNumber(comune string, year int, seq int64) string {
	return fmt.Sprintf("%s/%d/%07d", comune, year, seq)
}

// EventsAfter returns the outbox events with id > after, oldest first, at
// most limit; practiceID, when not empty, restricts them to one practice.
func (s *Store) EventsAfter(ctx context.Context, practiceID string, after int64, limit int) ([]StatusEvent, error) {
	rows, err := s.pool.Query(ctx, `select id, practice_id, status, previous_status, at, actor_kind, actor_id, on_behalf_of, note, comune
		from practices.status_event where id > $1 and ($2 = '' or practice_id = nullif($2, '')::uuid)
		order by id limit $3`, after, practiceID, limit)
	if err != nil {
		return nil, fmt.Errorf("status events: %w", err)
	}
	defer rows.Close()
	var out []StatusEvent
	for rows.Next() {
		var e StatusEvent
		if err := rows.Scan(&e.ID, &e.PracticeID, &e.Status, &e.Previous, &e.At, &e.Actor.Kind, &e.Actor.ID, &e.Actor.OnBehalfOf, &e.Note, &e.Comune); err != nil {
			return nil, fmt.Errorf("scan status event: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("status events: %w", err)
	}
	return out, nil
}

// InsertDocument attaches d to its practice if the practice is still in
// one of open. It reports false when the practice is not (any more) in one
// of those statuses.
func (s *Store) InsertDocument(ctx context.Context, d Document, open []Status) (bool, error) {
	statuses := make([]string, len(open))
	for i, st := range open {
		statuses[i] = string(st)
	}
	tag, err := s.pool.Exec(ctx, `insert into practices.document (id, practice_id, name, media_type, size_bytes, sha256, uploaded_at)
		select $1, p.id, $3, $4, $5, $6, $7 from practices.practice p where p.id = $2 and p.status = any($8::text[])`,
		d.ID, d.PracticeID, d.Name, d.MediaType, d.Size, d.SHA256, d.UploadedAt, statuses)
	if err != nil {
		return false, fmt.Errorf("insert document: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// Stats computes the control-room figures of the practices submitted in
// [f.From, f.To), restricted to comuni unless all is set.
func (s *Store) Stats(ctx context.Context, f StatsFilter, all bool, comuni []string) (Stats, error) {
	var st Stats
	// The conditions are assembled so that each query's plan can use the
	// (service_id, comune, submitted_at) and (comune, submitted_at) indexes.
	where := []string{"p.submitted_at is not null"}
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.ServiceID != "" {
		where = append(where, "p.service_id = "+arg(f.ServiceID)+"::uuid")
	}
	if f.Comune != "" {
		where = append(where, "p.comune = "+arg(f.Comune))
	}
	if f.From != nil {
		where = append(where, "p.submitted_at >= "+arg(*f.From))
	}
	if f.To != nil {
		where = append(where, "p.submitted_at < "+arg(*f.To))
	}
	if !all {
		where = append(where, "p.comune = any("+arg(comuni)+"::text[])")
	}
	err := s.pool.QueryRow(ctx, `with sel as (
			select p.decided_at, p.due_by, extract(epoch from p.decided_at - p.submitted_at) / 86400.0 as days
			from practices.practice p where `+strings.Join(where, " and ")+`)
		select count(*)::int,
			count(decided_at)::int,
			percentile_cont(0.5) within group (order by days) filter (where decided_at is not null),
			percentile_cont(0.9) within group (order by days) filter (where decided_at is not null),
			(count(*) filter (where decided_at > due_by))::float8 / nullif(count(decided_at), 0)
		from sel`, append([]any{pgx.QueryExecModeExec}, args...)...). // planned for its values: ranges vary widely
		Scan(&st.Count, &st.Decided, &st.MedianDaysToDecision, &st.P90DaysToDecision, &st.ShareDecidedAfterDue)
	if err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	return st, nil
}

func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}
