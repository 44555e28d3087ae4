package culture

import (
	"context"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/citizengraph/citizengraph/internal/loader"
)

// Loaders batch the lookups of one GraphQL operation: the keys requested by
// sibling fields become one SQL query. Create them per operation.
type Loaders struct {
	venueOfEvent   *dataloader.Loader[string, *Venue]
	venuesOfComune *dataloader.Loader[string, []Venue]
	venueByID      *dataloader.Loader[int, *Venue]
	comuneEvents   *dataloader.Loader[comuneEventsKey, comuneEvents]
}

// comuneEventsKey asks for one page of a comune's events; the arguments are
// part of the key so that comuni asked with the same arguments share a query.
type comuneEventsKey struct {
	comune    string
	from, to  time.Time // zero: unbounded
	after     eventKey
	hasAfter  bool
	limit     int
	withTotal bool
}

type comuneEvents struct {
	events []Event
	total  int
}

type loadersKey struct{}

// NewLoaders returns fresh loaders over st that gather keys for wait
// (0: loader.DefaultWait).
func NewLoaders(st *Store, wait time.Duration) *Loaders {
	return &Loaders{
		venueOfEvent: loader.FromMap(wait, func(ctx context.Context, ids []string) (map[string]*Venue, error) {
			m, err := st.VenueOfEvents(ctx, ids)
			if err != nil {
				return nil, err
			}
			out := make(map[string]*Venue, len(m))
			for k, v := range m {
				out[k] = &v
			}
			return out, nil
		}),
		venuesOfComune: loader.FromMap(wait, func(ctx context.Context, codes []string) (map[string][]Venue, error) {
			vs, err := st.VenuesOfComuni(ctx, codes)
			if err != nil {
				return nil, err
			}
			out := make(map[string][]Venue, len(codes))
			for _, v := range vs {
				out[v.Comune] = append(out[v.Comune], v)
			}
			return out, nil
		}),
		venueByID: loader.FromMap(wait, func(ctx context.Context, ids []int) (map[int]*Venue, error) {
			vs, err := st.VenuesByIDs(ctx, ids)
			if err != nil {
				return nil, err
			}
			out := make(map[int]*Venue, len(vs))
			for i := range vs {
				out[vs[i].ID] = &vs[i]
			}
			return out, nil
		}),
		comuneEvents: loader.FromMap(wait, func(ctx context.Context, keys []comuneEventsKey) (map[comuneEventsKey]comuneEvents, error) {
			// One query per distinct set of arguments (usually one).
			groups := map[comuneEventsKey][]string{}
			for _, k := range keys {
				args := k
				args.comune = ""
				groups[args] = append(groups[args], k.comune)
			}
			out := make(map[comuneEventsKey]comuneEvents, len(keys))
			for args, comuni := range groups {
				var from, to *time.Time
				if !args.from.IsZero() {
					from = &args.from
				}
				if !args.to.IsZero() {
					to = &args.to
				}
				var after *eventKey
				if args.hasAfter {
					after = &args.after
				}
				evs, totals, err := st.ComuniEvents(ctx, comuni, from, to, after, args.limit, args.withTotal)
				if err != nil {
					return nil, err
				}
				for _, c := range comuni {
					k := args
					k.comune = c
					out[k] = comuneEvents{events: evs[c], total: totals[c]}
				}
			}
			return out, nil
		}),
	}
}

// WithLoaders returns ctx carrying fresh loaders that gather keys for wait;
// install it once per operation.
func (s *Service) WithLoaders(ctx context.Context, wait time.Duration) context.Context {
	return context.WithValue(ctx, loadersKey{}, NewLoaders(s.store, wait))
}

// LoadersFrom returns the loaders in ctx, or nil.
func LoadersFrom(ctx context.Context) *Loaders {
	l, _ := ctx.Value(loadersKey{}).(*Loaders)
	return l
}

func (s *Service) loaders(ctx context.Context) *Loaders {
	if l := LoadersFrom(ctx); l != nil {
		return l
	}
	return NewLoaders(s.store, 0)
}
