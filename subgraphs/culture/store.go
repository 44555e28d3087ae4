package culture

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// querier is what the store needs from a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Store reads the culture schema.
type Store struct {
	db querier
}

// NewStore returns a store over db (a *pgxpool.Pool or a pgx.Tx).
func NewStore(db querier) *Store { return &Store{db: db} }

const venueCols = `v.id, v.name, v.kind, v.subtype, v.place_type, v.place_type_name, v.place_type_uri,
	coalesce(v.owner, ''), v.address, v.comune, v.nil_id, coalesce(v.phone, ''), coalesce(v.email, ''),
	coalesce(v.url, ''), v.accessible, v.lat, v.lon`

func scanVenue(row pgx.Row, extra ...any) (Venue, error) {
	var v Venue
	var ptCode, ptName, ptURI *string
	dest := append([]any{&v.ID, &v.Name, &v.Kind, &v.Subtype, &ptCode, &ptName, &ptURI, &v.Owner, &v.Address,
		&v.Comune, &v.NilID, &v.Phone, &v.Email, &v.URL, &v.Accessible, &v.Lat, &v.Lon}, extra...)
	if err := row.Scan(dest...); err != nil {
		return v, err
	}
	if ptCode != nil && ptName != nil && ptURI != nil {
		v.PlaceType = &PlaceType{Code: *ptCode, Name: *ptName, URI: *ptURI}
	}
	return v, nil
}

const eventCols = `e.id, e.title, e.description, e.category, e.starts_at, e.ends_at, e.venue_id, e.comune,
	e.zona_id, e.price_cents, coalesce(e.organizer, ''), e.lat, e.lon`

func scanEvent(row pgx.Row, extra ...any) (Event, error) {
	var e Event
	dest := append([]any{&e.ID, &e.Title, &e.Description, &e.Category, &e.StartsAt, &e.EndsAt, &e.VenueID,
		&e.Comune, &e.ZonaID, &e.PriceCents, &e.Organizer, &e.Lat, &e.Lon}, extra...)
	err := row.Scan(dest...)
	e.StartsAt, e.EndsAt = e.StartsAt.UTC(), e.EndsAt.UTC()
	return e, err
}

// collect runs sql and scans every row with scan.
func collect[T any](ctx context.Context, db querier, op string, scan func(pgx.Row, ...any) (T, error), sql string, args ...any) ([]T, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: scan: %w", op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// where accumulates SQL conditions and their arguments.
type where struct {
	conds []string
	args  []any
}

// add appends a condition; each ? in cond becomes the next placeholder.
func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return "true"
	}
	return strings.Join(w.conds, " and ")
}

// eventFilter is the parsed filter of an event query.
type eventFilter struct {
	comune   string
	zona     *int
	venue    *int
	nilID    *int
	category string
	from, to *time.Time
	text     string
}

func (f eventFilter) where() *where {
	w := &where{}
	if f.comune != "" {
		w.add("e.comune = ?", f.comune)
	}
	if f.zona != nil {
		w.add("e.zona_id = ?", *f.zona)
	}
	if f.venue != nil {
		w.add("e.venue_id = ?", *f.venue)
	}
	if f.nilID != nil {
		w.add("e.venue_id in (select v.id from culture.venue v where v.nil_id = ?)", *f.nilID)
	}
	if f.category != "" {
		w.add("(e.category = ? or e.category like ?)", f.category, likeEscape(f.category)+".%")
	}
	if f.from != nil {
		w.add("e.ends_at >= ?", *f.from)
	}
	if f.to != nil {
		w.add("e.starts_at < ?", *f.to)
	}
	if f.text != "" {
		w.add("e.search @@ websearch_to_tsquery('italian', ?)", f.text)
	}
	return w
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// eventKey is the keyset position of an event.
type eventKey struct {
	startsAt time.Time
	id       string
}

// EventsPage returns up to limit events matching f after the keyset
// position, in (starts_at, id) order.
func (s *Store) EventsPage(ctx context.Context, f eventFilter, after *eventKey, limit int) ([]Event, error) {
	w := f.where()
	if after != nil {
		w.add("(e.starts_at, e.id) > (?, ?)", after.startsAt, after.id)
	}
	w.args = append(w.args, limit)
	return collect(ctx, s.db, "culture: events page", scanEvent,
		`select `+eventCols+` from culture.event e where `+w.sql()+
			` order by e.starts_at, e.id limit $`+strconv.Itoa(len(w.args)), w.args...)
}

// CountEvents counts the events matching f.
func (s *Store) CountEvents(ctx context.Context, f eventFilter) (int, error) {
	w := f.where()
	var n int
	if err := s.db.QueryRow(ctx, `select count(*) from culture.event e where `+w.sql(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("culture: count events: %w", err)
	}
	return n, nil
}

// ComuniEvents returns, for each comune, up to limit of its events in
// [from, to) after the keyset position, and the number of its events in the
// range (when withTotal), in one query.
func (s *Store) ComuniEvents(ctx context.Context, comuni []string, from, to *time.Time, after *eventKey, limit int, withTotal bool) (map[string][]Event, map[string]int, error) {
	f := eventFilter{from: from, to: to}
	w := f.where()
	w.add("e.comune = k.comune")
	pageWhere := &where{conds: append([]string(nil), w.conds...), args: w.args}
	if after != nil {
		pageWhere.add("(e.starts_at, e.id) > (?, ?)", after.startsAt, after.id)
	}
	args := append(pageWhere.args, comuni, limit)
	nComuni, nLimit := len(args)-1, len(args)
	count := "0"
	if withTotal {
		count = "(select count(*) from culture.event e where " + w.sql() + ")"
	}
	sql := fmt.Sprintf(`select k.comune, %s, p.* from unnest($%d::text[]) k(comune)
		left join lateral (select %s from culture.event e where %s order by e.starts_at, e.id limit $%d) p on true`,
		count, nComuni, eventCols, pageWhere.sql(), nLimit)
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("culture: comuni events: %w", err)
	}
	defer rows.Close()
	events := make(map[string][]Event, len(comuni))
	totals := make(map[string]int, len(comuni))
	for rows.Next() {
		var comune string
		var total int
		var id *string
		var e Event
		var venue, zona, price *int
		var title, desc, cat, comune2, org *string
		var starts, ends *time.Time
		var lat, lon *float64
		if err := rows.Scan(&comune, &total, &id, &title, &desc, &cat, &starts, &ends, &venue, &comune2, &zona, &price, &org, &lat, &lon); err != nil {
			return nil, nil, fmt.Errorf("culture: comuni events: scan: %w", err)
		}
		totals[comune] = total
		if id == nil {
			continue // a comune without events in the page
		}
		e = Event{ID: *id, Title: *title, Description: *desc, Category: *cat, StartsAt: starts.UTC(), EndsAt: ends.UTC(),
			VenueID: venue, Comune: *comune2, ZonaID: zona, PriceCents: price, Organizer: *org, Lat: lat, Lon: lon}
		events[comune] = append(events[comune], e)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("culture: comuni events: %w", err)
	}
	return events, totals, nil
}

// EventsByIDs returns the events with the given ids, in no particular order.
func (s *Store) EventsByIDs(ctx context.Context, ids []string) ([]Event, error) {
	return collect(ctx, s.db, "culture: events by id", scanEvent,
		`select `+eventCols+` from culture.event e where e.id = any($1)`, ids)
}

// VenuesByIDs returns the venues with the given ids, in no particular order.
func (s *Store) VenuesByIDs(ctx context.Context, ids []int) ([]Venue, error) {
	return collect(ctx, s.db, "culture: venues by id", scanVenue,
		`select `+venueCols+` from culture.venue v where v.id = any($1)`, ids)
}

// VenueOfEvents returns the venue of each given event that has one, keyed by event id.
func (s *Store) VenueOfEvents(ctx context.Context, ids []string) (map[string]Venue, error) {
	rows, err := s.db.Query(ctx, `select `+venueCols+`, e.id from culture.event e
		join culture.venue v on v.id = e.venue_id where e.id = any($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("culture: venue of events: %w", err)
	}
	defer rows.Close()
	out := make(map[string]Venue, len(ids))
	for rows.Next() {
		var id string
		v, err := scanVenue(rows, &id)
		if err != nil {
			return nil, fmt.Errorf("culture: venue of events: scan: %w", err)
		}
		out[id] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("culture: venue of events: %w", err)
	}
	return out, nil
}

// VenuesOfComuni returns the venues in the given comuni, ordered by name.
func (s *Store) VenuesOfComuni(ctx context.Context, comuni []string) ([]Venue, error) {
	return collect(ctx, s.db, "culture: venues of comuni", scanVenue,
		`select `+venueCols+` from culture.venue v where v.comune = any($1) order by v.name_key collate "C", v.id`, comuni)
}

type venueFilter struct {
	comune, kind string
	nil          *int
}

func (f venueFilter) where() *where {
	w := &where{}
	if f.comune != "" {
		w.add("v.comune = ?", f.comune)
	}
	if f.nil != nil {
		w.add("v.nil_id = ?", *f.nil)
	}
	if f.kind != "" {
		w.add("v.kind = ?", f.kind)
	}
	return w
}

// VenuesPage returns up to limit venues matching f after the keyset
// position (name key, id), in that order.
func (s *Store) VenuesPage(ctx context.Context, f venueFilter, after []string, limit int) ([]Venue, []string, error) {
	w := f.where()
	if after != nil {
		id, _ := strconv.Atoi(after[1])
		w.add(`(v.name_key collate "C", v.id) > (?::text collate "C", ?::int)`, after[0], id)
	}
	w.args = append(w.args, limit)
	rows, err := s.db.Query(ctx, `select `+venueCols+`, v.name_key from culture.venue v where `+w.sql()+
		` order by v.name_key collate "C", v.id limit $`+strconv.Itoa(len(w.args)), w.args...)
	if err != nil {
		return nil, nil, fmt.Errorf("culture: venues page: %w", err)
	}
	defer rows.Close()
	var out []Venue
	var keys []string
	for rows.Next() {
		var key string
		v, err := scanVenue(rows, &key)
		if err != nil {
			return nil, nil, fmt.Errorf("culture: venues page: scan: %w", err)
		}
		out = append(out, v)
		keys = append(keys, key)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("culture: venues page: %w", err)
	}
	return out, keys, nil
}

// CountVenues counts the venues matching f.
func (s *Store) CountVenues(ctx context.Context, f venueFilter) (int, error) {
	w := f.where()
	var n int
	if err := s.db.QueryRow(ctx, `select count(*) from culture.venue v where `+w.sql(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("culture: count venues: %w", err)
	}
	return n, nil
}
