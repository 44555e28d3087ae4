package culture

import (
	"github.com/citizengraph/citizengraph/internal/keyset"

	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/opendata"
)

// MaxPage is the largest page a client may ask for.
const MaxPage = 100

// Service answers the culture subgraph's questions. Events and venues are
// public: no principal is needed.
type Service struct {
	store *Store

	vocabOnce  sync.Once
	categories map[string]Category
	order      []string // category codes in vocabulary order
	vocabErr   error
}

// NewService returns a service over st.
func NewService(st *Store) *Service { return &Service{store: st} }

// vocabulary returns the public-event types, parsed once from the embedded
// open data.
func (s *Service) vocabulary() (map[string]Category, []string, error) {
	s.vocabOnce.Do(func() {
		types, err := opendata.EventTypes()
		if err != nil {
			s.vocabErr = fmt.Errorf("culture: event types: %w", err)
			return
		}
		s.categories = make(map[string]Category, len(types))
		for _, t := range types {
			s.categories[t.Code] = categoryOf(t)
			s.order = append(s.order, t.Code)
		}
	})
	return s.categories, s.order, s.vocabErr
}

func categoryOf(t opendata.EventType) Category {
	return Category{Code: t.Code, Parent: t.Parent, Level: t.Level, NameIT: t.NameIT, NameEN: t.NameEN,
		Definition: t.Definition, URI: t.URI}
}

// Category returns the public-event type with the given code.
func (s *Service) Category(code string) (*Category, error) {
	cats, _, err := s.vocabulary()
	if err != nil {
		return nil, apperr.Wrap("culture.Category", err)
	}
	c, ok := cats[code]
	if !ok {
		return nil, nil
	}
	return &c, nil
}

// Categories returns every public-event type in vocabulary order.
func (s *Service) Categories() ([]Category, error) {
	cats, order, err := s.vocabulary()
	if err != nil {
		return nil, apperr.Wrap("culture.Categories", err)
	}
	out := make([]Category, len(order))
	for i, c := range order {
		out[i] = cats[c]
	}
	return out, nil
}

// Event returns the event with the given id.
func (s *Service) Event(ctx context.Context, id string) (*Event, error) {
	const op = "culture.Event"
	if uuid.Validate(id) != nil {
		return nil, apperr.Errorf(op, apperr.Invalid, "invalid event id %q", id)
	}
	es, err := s.store.EventsByIDs(ctx, []string{id})
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if len(es) == 0 {
		return nil, apperr.Errorf(op, apperr.NotFound, "no event with id %s", id)
	}
	return &es[0], nil
}

// EventsByIDs returns the events with the given ids in the same order, nil
// where missing. One query.
func (s *Service) EventsByIDs(ctx context.Context, ids []string) ([]*Event, error) {
	es, err := s.store.EventsByIDs(ctx, ids)
	if err != nil {
		return nil, apperr.Wrap("culture.EventsByIDs", err)
	}
	return inOrder(ids, es, func(e Event) string { return e.ID }), nil
}

// Events returns a page of events ordered by start, then id.
func (s *Service) Events(ctx context.Context, q EventQuery) (EventPage, error) {
	const op = "culture.Events"
	f, err := s.eventFilter(op, q)
	if err != nil {
		return EventPage{}, err
	}
	after, err := parsePage(op, q.First, q.After)
	if err != nil {
		return EventPage{}, err
	}
	es, err := s.store.EventsPage(ctx, f, after, q.First+1)
	if err != nil {
		return EventPage{}, apperr.Wrap(op, err)
	}
	p := eventPage(es, q.First)
	if q.WithTotal {
		if p.Total, err = s.store.CountEvents(ctx, f); err != nil {
			return EventPage{}, apperr.Wrap(op, err)
		}
	}
	return p, nil
}

func (s *Service) eventFilter(op string, q EventQuery) (eventFilter, error) {
	f := eventFilter{comune: q.Comune, category: q.Category, from: q.From, to: q.To, text: q.Text}
	if q.Comune != "" && !validIstat(q.Comune) {
		return f, apperr.Errorf(op, apperr.Invalid, "invalid ISTAT code %q: want 6 digits", q.Comune)
	}
	if q.Zona != "" {
		id, ok := parseID(q.Zona)
		if !ok {
			return f, apperr.Errorf(op, apperr.Invalid, "invalid zona id %q", q.Zona)
		}
		f.zona = &id
	}
	if q.Venue != "" {
		id, ok := parseID(q.Venue)
		if !ok {
			return f, apperr.Errorf(op, apperr.Invalid, "invalid venue id %q", q.Venue)
		}
		f.venue = &id
	}
	if q.Nil != "" {
		id, ok := parseID(q.Nil)
		if !ok {
			return f, apperr.Errorf(op, apperr.Invalid, "invalid NIL id %q", q.Nil)
		}
		f.nilID = &id
	}
	if q.Category != "" {
		cats, _, err := s.vocabulary()
		if err != nil {
			return f, apperr.Wrap(op, err)
		}
		if _, ok := cats[q.Category]; !ok {
			return f, apperr.Errorf(op, apperr.Invalid, "unknown event category %q", q.Category)
		}
	}
	if q.From != nil && q.To != nil && q.To.Before(*q.From) {
		return f, apperr.E(op, apperr.Invalid, "to is before from")
	}
	if len(q.Text) > 200 {
		return f, apperr.E(op, apperr.Invalid, "text is longer than 200 characters")
	}
	return f, nil
}

// parsePage checks a page size and decodes an event cursor.
func parsePage(op string, first int, after string) (*eventKey, error) {
	if first < 1 || first > MaxPage {
		return nil, apperr.Errorf(op, apperr.Invalid, "first must be between 1 and %d", MaxPage)
	}
	if after == "" {
		return nil, nil
	}
	parts, ok := keyset.Decode(after, 2)
	if !ok {
		return nil, apperr.E(op, apperr.Invalid, "invalid cursor")
	}
	t, err := time.Parse(time.RFC3339Nano, parts[0])
	if err != nil {
		return nil, apperr.E(op, apperr.Invalid, "invalid cursor")
	}
	return &eventKey{startsAt: t.UTC(), id: parts[1]}, nil
}

func eventCursor(e Event) string {
	return keyset.Encode(e.StartsAt.UTC().Format(time.RFC3339Nano), e.ID)
}

// eventPage trims a limit+1 result to a page.
func eventPage(es []Event, first int) EventPage {
	var p EventPage
	if len(es) > first {
		p.HasNext = true
		es = es[:first]
	}
	p.Events = es
	p.Cursors = make([]string, len(es))
	for i, e := range es {
		p.Cursors[i] = eventCursor(e)
	}
	return p
}

// ComuneEvents returns a page of a comune's events in [from, to), batched
// per operation with the other comuni asked with the same arguments.
func (s *Service) ComuneEvents(ctx context.Context, comune string, from, to *time.Time, first int, after string, withTotal bool) (EventPage, error) {
	const op = "culture.ComuneEvents"
	key, err := parsePage(op, first, after)
	if err != nil {
		return EventPage{}, err
	}
	if from != nil && to != nil && to.Before(*from) {
		return EventPage{}, apperr.E(op, apperr.Invalid, "to is before from")
	}
	k := comuneEventsKey{comune: comune, limit: first + 1, withTotal: withTotal}
	if from != nil {
		k.from = from.UTC()
	}
	if to != nil {
		k.to = to.UTC()
	}
	if key != nil {
		k.after, k.hasAfter = *key, true
	}
	res, err := s.loaders(ctx).comuneEvents.Load(ctx, k)()
	if err != nil {
		return EventPage{}, apperr.Wrap(op, err)
	}
	p := eventPage(res.events, first)
	p.Total = res.total
	return p, nil
}

// VenueOfEvent returns the venue of an event, nil when it has none.
func (s *Service) VenueOfEvent(ctx context.Context, eventID string) (*Venue, error) {
	v, err := s.loaders(ctx).venueOfEvent.Load(ctx, eventID)()
	return v, apperr.Wrap("culture.VenueOfEvent", err)
}

// VenuesOfComune returns the venues in a comune, ordered by name.
func (s *Service) VenuesOfComune(ctx context.Context, comune string) ([]Venue, error) {
	vs, err := s.loaders(ctx).venuesOfComune.Load(ctx, comune)()
	return vs, apperr.Wrap("culture.VenuesOfComune", err)
}

// Venue returns the venue with the given id.
func (s *Service) Venue(ctx context.Context, id string) (*Venue, error) {
	const op = "culture.Venue"
	n, ok := parseID(id)
	if !ok {
		return nil, apperr.Errorf(op, apperr.Invalid, "invalid venue id %q", id)
	}
	v, err := s.loaders(ctx).venueByID.Load(ctx, n)()
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if v == nil {
		return nil, apperr.Errorf(op, apperr.NotFound, "no venue with id %s", id)
	}
	return v, nil
}

// VenuesByIDs returns the venues with the given ids in the same order, nil
// where missing. One query.
func (s *Service) VenuesByIDs(ctx context.Context, ids []string) ([]*Venue, error) {
	nums := make([]int, 0, len(ids))
	for _, id := range ids {
		if n, ok := parseID(id); ok {
			nums = append(nums, n)
		}
	}
	vs, err := s.store.VenuesByIDs(ctx, nums)
	if err != nil {
		return nil, apperr.Wrap("culture.VenuesByIDs", err)
	}
	return inOrder(ids, vs, func(v Venue) string { return strconv.Itoa(v.ID) }), nil
}

// Venues returns a page of venues ordered by name, then id.
func (s *Service) Venues(ctx context.Context, q VenueQuery) (VenuePage, error) {
	const op = "culture.Venues"
	if q.First < 1 || q.First > MaxPage {
		return VenuePage{}, apperr.Errorf(op, apperr.Invalid, "first must be between 1 and %d", MaxPage)
	}
	f := venueFilter{comune: q.Comune, kind: q.Kind}
	if q.Comune != "" && !validIstat(q.Comune) {
		return VenuePage{}, apperr.Errorf(op, apperr.Invalid, "invalid ISTAT code %q: want 6 digits", q.Comune)
	}
	if q.Nil != "" {
		id, ok := parseID(q.Nil)
		if !ok {
			return VenuePage{}, apperr.Errorf(op, apperr.Invalid, "invalid NIL id %q", q.Nil)
		}
		f.nil = &id
	}
	var after []string
	if q.After != "" {
		parts, ok := keyset.Decode(q.After, 2)
		if ok {
			_, err := strconv.Atoi(parts[1])
			ok = err == nil
		}
		if !ok {
			return VenuePage{}, apperr.E(op, apperr.Invalid, "invalid cursor")
		}
		after = parts
	}
	vs, keys, err := s.store.VenuesPage(ctx, f, after, q.First+1)
	if err != nil {
		return VenuePage{}, apperr.Wrap(op, err)
	}
	var p VenuePage
	if len(vs) > q.First {
		p.HasNext = true
		vs, keys = vs[:q.First], keys[:q.First]
	}
	p.Venues = vs
	p.Cursors = make([]string, len(vs))
	for i, v := range vs {
		p.Cursors[i] = keyset.Encode(keys[i], strconv.Itoa(v.ID))
	}
	if q.WithTotal {
		if p.Total, err = s.store.CountVenues(ctx, f); err != nil {
			return VenuePage{}, apperr.Wrap(op, err)
		}
	}
	return p, nil
}

// inOrder lays rows out in the order of keys, nil where a key has no row.
func inOrder[T any](keys []string, rows []T, key func(T) string) []*T {
	byKey := make(map[string]*T, len(rows))
	for i := range rows {
		byKey[key(rows[i])] = &rows[i]
	}
	out := make([]*T, len(keys))
	for i, k := range keys {
		out[i] = byKey[k]
	}
	return out
}
