package culture

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/keyset"
)

// MaxRadius is the largest search radius, in metres: the metropolitan city
// fits in it.
const MaxRadius = 50_000

// Near is a point (WGS84 decimal degrees) and an optional radius in metres
// (nil: no limit).
type Near struct {
	Lat, Lon float64
	Radius   *float64
}

// NearQuery selects places by distance from a point: within the radius
// and/or inside a comune or a NIL.
type NearQuery struct {
	Near      Near
	Comune    string // ISTAT code; "" for any
	Nil       string // NIL id; "" for any
	Kind      string // venues: BIBLIOTECHE or ARCHIVI; "" for any
	Category  string // events: category code and its subtypes; "" for any
	From, To  *time.Time
	Past      bool // events: include those already over
	First     int
	After     string
	WithTotal bool
	Now       time.Time // the "now" of upcoming; zero: time.Now()
}

// VenueNear is a venue and its distance from the point asked about.
type VenueNear struct {
	Venue    Venue
	Distance float64 // metres
}

// EventNear is an event and its distance from the point asked about.
type EventNear struct {
	Event    Event
	Distance float64 // metres
}

// Page is a page of T in distance order.
type Page[T any] struct {
	Items   []T
	Cursors []string
	HasNext bool
	Total   int
}

// nearFilter is a parsed NearQuery.
type nearFilter struct {
	lat, lon, radius float64
	comune, kind     string
	nil              *int
	events           eventFilter
	after            *nearKey
}

// nearKey is the keyset position of a distance-ordered page: the distance
// as PostgreSQL computed it (exactly round-tripped) then the id (events: the
// start then the id).
type nearKey struct {
	distance float64
	startsAt time.Time
	id       string
}

func (s *Service) nearFilter(op string, q NearQuery, events bool) (nearFilter, error) {
	f := nearFilter{lat: q.Near.Lat, lon: q.Near.Lon, comune: q.Comune, kind: q.Kind}
	n := q.Near
	if math.IsNaN(n.Lat) || math.IsNaN(n.Lon) || n.Lat < -90 || n.Lat > 90 || n.Lon < -180 || n.Lon > 180 {
		return f, apperr.E(op, apperr.Invalid, "near: lat must be in [-90, 90] and lon in [-180, 180] (WGS84 decimal degrees)")
	}
	switch r := n.Radius; {
	case r == nil && q.Comune == "" && q.Nil == "":
		return f, apperr.E(op, apperr.Invalid, "give near.radiusMeters, comune or nil: a search by distance needs a bound")
	case r != nil && !(*r > 0 && *r <= MaxRadius):
		return f, apperr.Errorf(op, apperr.Invalid, "near.radiusMeters must be greater than 0 and at most %d", MaxRadius)
	case r != nil:
		f.radius = *r
	}
	if q.First < 1 || q.First > MaxPage {
		return f, apperr.Errorf(op, apperr.Invalid, "first must be between 1 and %d", MaxPage)
	}
	if q.Comune != "" && !validIstat(q.Comune) {
		return f, apperr.Errorf(op, apperr.Invalid, "invalid ISTAT code %q: want 6 digits", q.Comune)
	}
	if q.Nil != "" {
		id, ok := parseID(q.Nil)
		if !ok {
			return f, apperr.Errorf(op, apperr.Invalid, "invalid NIL id %q", q.Nil)
		}
		f.nil = &id
	}
	if events {
		from := q.From
		if !q.Past {
			now := q.Now
			if now.IsZero() {
				now = time.Now()
			}
			if from == nil || from.Before(now) {
				from = &now
			}
		}
		ef, err := s.eventFilter(op, EventQuery{Category: q.Category, From: from, To: q.To})
		if err != nil {
			return f, err
		}
		if q.From != nil && q.To != nil && q.To.Before(*q.From) {
			return f, apperr.E(op, apperr.Invalid, "to is before from")
		}
		f.events = ef
	}
	if q.After != "" {
		k, ok := parseNearCursor(q.After, events)
		if !ok {
			return f, apperr.E(op, apperr.Invalid, "invalid cursor")
		}
		f.after = &k
	}
	return f, nil
}

func parseNearCursor(c string, events bool) (nearKey, bool) {
	var k nearKey
	n := 2
	if events {
		n = 3
	}
	parts, ok := keyset.Decode(c, n)
	if !ok {
		return k, false
	}
	d, err := strconv.ParseFloat(parts[0], 64)
	if err != nil || math.IsNaN(d) || math.IsInf(d, 0) || d < 0 {
		return k, false
	}
	k.distance, k.id = d, parts[n-1]
	if events {
		t, err := time.Parse(time.RFC3339Nano, parts[1])
		if err != nil || uuid.Validate(k.id) != nil {
			return k, false
		}
		k.startsAt = t.UTC()
	} else if _, ok := parseID(k.id); !ok {
		return k, false
	}
	return k, true
}

func distanceText(d float64) string { return strconv.FormatFloat(d, 'g', -1, 64) }

// VenuesNear returns a page of venues in distance order.
func (s *Service) VenuesNear(ctx context.Context, q NearQuery) (Page[VenueNear], error) {
	const op = "culture.VenuesNear"
	f, err := s.nearFilter(op, q, false)
	if err != nil {
		return Page[VenueNear]{}, err
	}
	vs, err := s.store.VenuesNear(ctx, f, q.First+1)
	if err != nil {
		return Page[VenueNear]{}, apperr.Wrap(op, err)
	}
	p := Page[VenueNear]{}
	if len(vs) > q.First {
		p.HasNext, vs = true, vs[:q.First]
	}
	p.Items = vs
	for _, v := range vs {
		p.Cursors = append(p.Cursors, keyset.Encode(distanceText(v.Distance), strconv.Itoa(v.Venue.ID)))
	}
	if q.WithTotal {
		f.after = nil
		if p.Total, err = s.store.CountVenuesNear(ctx, f); err != nil {
			return Page[VenueNear]{}, apperr.Wrap(op, err)
		}
	}
	return p, nil
}

// EventsNear returns a page of events in distance order, then start and id.
func (s *Service) EventsNear(ctx context.Context, q NearQuery) (Page[EventNear], error) {
	const op = "culture.EventsNear"
	f, err := s.nearFilter(op, q, true)
	if err != nil {
		return Page[EventNear]{}, err
	}
	es, err := s.store.EventsNear(ctx, f, q.First+1)
	if err != nil {
		return Page[EventNear]{}, apperr.Wrap(op, err)
	}
	p := Page[EventNear]{}
	if len(es) > q.First {
		p.HasNext, es = true, es[:q.First]
	}
	p.Items = es
	for _, e := range es {
		p.Cursors = append(p.Cursors, keyset.Encode(distanceText(e.Distance), e.Event.StartsAt.UTC().Format(time.RFC3339Nano), e.Event.ID))
	}
	if q.WithTotal {
		f.after = nil
		if p.Total, err = s.store.CountEventsNear(ctx, f); err != nil {
			return Page[EventNear]{}, apperr.Wrap(op, err)
		}
	}
	return p, nil
}

// The point is always $1 (longitude) and $2 (latitude), so that it is a
// constant of the query and the GiST indexes serve ST_DWithin.
const (
	geogPoint = `ST_SetSRID(ST_MakePoint($1::float8, $2::float8), 4326)::geography`
)

func (f nearFilter) venueWhere() *where {
	w := &where{args: []any{f.lon, f.lat}}
	if f.radius > 0 {
		w.add("ST_DWithin(v.geog, "+geogPoint+", ?)", f.radius)
	}
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

// VenuesNear returns up to limit venues matching f after its keyset
// position, nearest first.
func (s *Store) VenuesNear(ctx context.Context, f nearFilter, limit int) ([]VenueNear, error) {
	w := f.venueWhere()
	dist := "ST_Distance(v.geog, " + geogPoint + ")"
	if f.after != nil {
		id, _ := strconv.Atoi(f.after.id)
		w.add("("+dist+", v.id) > (?::float8, ?::int)", f.after.distance, id)
	}
	w.args = append(w.args, limit)
	return collect(ctx, s.db, "culture: venues near", func(row pgx.Row, _ ...any) (VenueNear, error) {
		var vn VenueNear
		v, err := scanVenue(row, &vn.Distance)
		vn.Venue = v
		return vn, err
	}, fmt.Sprintf(`select %s, %s from culture.venue v where %s order by 18, v.id limit $%d`,
		venueCols, dist, w.sql(), len(w.args)), w.args...)
}

// CountVenuesNear counts the venues matching f.
func (s *Store) CountVenuesNear(ctx context.Context, f nearFilter) (int, error) {
	w := f.venueWhere()
	var n int
	if err := s.db.QueryRow(ctx, `select count(*) from culture.venue v where `+w.sql(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("culture: count venues near: %w", err)
	}
	return n, nil
}

func (f nearFilter) eventWhere() *where {
	ew := f.events.where()
	w := &where{args: []any{f.lon, f.lat}}
	if f.radius > 0 {
		// Implies a location; an extra "geog is not null" would make the
		// GiST index scan visit every entry.
		w.add("ST_DWithin(e.geog, "+geogPoint+", ?)", f.radius)
		if f.events.from != nil {
			// The same as ends_at >= from, in the form of the index
			// event_geog_time, so that one scan narrows place and time.
			w.add("tstzrange(e.starts_at, e.ends_at, '[]') && tstzrange(?::timestamptz, null)", *f.events.from)
		}
	} else {
		w.add("e.geog is not null")
	}
	if f.comune != "" {
		w.add("e.comune = ?", f.comune)
	}
	if f.nil != nil {
		w.add("e.venue_id in (select v.id from culture.venue v where v.nil_id = ?)", *f.nil)
	}
	// Renumber the event filter's placeholders after ours.
	for _, c := range ew.conds {
		w.conds = append(w.conds, renumber(c, len(w.args)))
	}
	w.args = append(w.args, ew.args...)
	return w
}

// renumber shifts the $n placeholders of cond by off.
func renumber(cond string, off int) string {
	out := make([]byte, 0, len(cond)+8)
	for i := 0; i < len(cond); i++ {
		if cond[i] != '$' {
			out = append(out, cond[i])
			continue
		}
		j := i + 1
		for j < len(cond) && cond[j] >= '0' && cond[j] <= '9' {
			j++
		}
		n, err := strconv.Atoi(cond[i+1 : j])
		if err != nil {
			out = append(out, cond[i])
			continue
		}
		out = append(out, '$')
		out = strconv.AppendInt(out, int64(n+off), 10)
		i = j - 1
	}
	return string(out)
}

// EventsNear returns up to limit events matching f after its keyset
// position, nearest first, then by start and id.
func (s *Store) EventsNear(ctx context.Context, f nearFilter, limit int) ([]EventNear, error) {
	sql, args := f.eventsNearSQL(limit)
	return collect(ctx, s.db, "culture: events near", func(row pgx.Row, _ ...any) (EventNear, error) {
		var en EventNear
		e, err := scanEvent(row, &en.Distance)
		en.Event = e
		return en, err
	}, sql, args...)
}

func (f nearFilter) eventsNearSQL(limit int) (string, []any) {
	w := f.eventWhere()
	dist := "ST_Distance(e.geog, " + geogPoint + ")"
	if f.after != nil {
		w.add("("+dist+", e.starts_at, e.id) > (?::float8, ?::timestamptz, ?::text)", f.after.distance, f.after.startsAt, f.after.id)
	}
	w.args = append(w.args, limit)
	return fmt.Sprintf(`select %s, %s from culture.event e where %s order by 14, e.starts_at, e.id limit $%d`,
		eventCols, dist, w.sql(), len(w.args)), w.args
}

// CountEventsNear counts the events matching f.
func (s *Store) CountEventsNear(ctx context.Context, f nearFilter) (int, error) {
	w := f.eventWhere()
	var n int
	if err := s.db.QueryRow(ctx, `select count(*) from culture.event e where `+w.sql(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("culture: count events near: %w", err)
	}
	return n, nil
}
