package payments

import (
	"context"

	"github.com/citizengraph/citizengraph/subgraphs/identity"
	"strings"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/citizengraph/citizengraph/internal/loader"

	"github.com/citizengraph/citizengraph/internal/apperr"
)

// Loaders batch the reads of one GraphQL operation: every key asked for
// within the wait window is loaded with one query.
type Loaders struct {
	positions    *dataloader.Loader[string, Position]
	installments *loader.Batched[string, []Installment]
	byPractice   *loader.Batched[string, []Position]
	pages        *dataloader.Loader[pageKey, *Page]

	mandates loader.Memo[string, identity.Principal] // by fiscal code, for the operation
}

// mandatesOf memoizes, for the operation, whom fc may act for: concurrent
// resolvers asking for the same fc share one lookup.
func (l *Loaders) mandatesOf(ctx context.Context, r Registry, fc string, at time.Time) (identity.Principal, error) {
	return l.mandates.Get(ctx, fc, func(ctx context.Context) (identity.Principal, error) { return r.Of(ctx, fc, at) })
}

// pageKey identifies one person's page request; the non-person fields group
// the keys batched into one query.
type pageKey struct {
	PersonID string
	group    pageGroup
}

type pageGroup struct {
	Status      string
	First       int
	After       string
	All         bool
	NoCount     bool   // totalCount not selected
	FiscalCodes string // joined with commas
	Comuni      string // joined with commas
}

// NewLoaders returns fresh loaders on store that gather keys for wait
// (0: loader.DefaultWait).
func NewLoaders(store *Store, wait time.Duration) *Loaders {
	return &Loaders{
		positions: loader.New(wait, func(ctx context.Context, keys []string) []*dataloader.Result[Position] {
			m, err := store.PositionsByIUPD(ctx, keys)
			out := make([]*dataloader.Result[Position], len(keys))
			for i, k := range keys {
				switch p, ok := m[k]; {
				case err != nil:
					out[i] = &dataloader.Result[Position]{Error: err}
				case !ok:
					out[i] = &dataloader.Result[Position]{Error: apperr.E("payments.Loaders", apperr.NotFound, "no payment position with this IUPD")}
				default:
					out[i] = &dataloader.Result[Position]{Data: p}
				}
			}
			return out
		}),
		installments: loader.NewBatched(wait, func(ctx context.Context, keys []string) []*dataloader.Result[[]Installment] {
			m, err := store.InstallmentsByPosition(ctx, keys)
			out := make([]*dataloader.Result[[]Installment], len(keys))
			for i, k := range keys {
				out[i] = &dataloader.Result[[]Installment]{Data: m[k], Error: err}
			}
			return out
		}),
		byPractice: loader.NewBatched(wait, func(ctx context.Context, keys []string) []*dataloader.Result[[]Position] {
			m, err := store.PositionsByPractice(ctx, keys)
			out := make([]*dataloader.Result[[]Position], len(keys))
			for i, k := range keys {
				out[i] = &dataloader.Result[[]Position]{Data: m[k], Error: err}
			}
			return out
		}),
		pages: loader.New(wait, func(ctx context.Context, keys []pageKey) []*dataloader.Result[*Page] {
			out := make([]*dataloader.Result[*Page], len(keys))
			groups := map[pageGroup][]int{}
			for i, k := range keys {
				groups[k.group] = append(groups[k.group], i)
			}
			for g, idx := range groups {
				ids := make([]string, len(idx))
				for j, i := range idx {
					ids[j] = keys[i].PersonID
				}
				q := PageQuery{First: g.First, After: g.After, Scope: Scope{All: g.All}, NoCount: g.NoCount}
				if g.FiscalCodes != "" {
					q.Scope.FiscalCodes = strings.Split(g.FiscalCodes, ",")
				}
				if g.Status != "" {
					st := PositionStatus(g.Status)
					q.Status = &st
				}
				if g.Comuni != "" {
					q.Scope.Comuni = strings.Split(g.Comuni, ",")
				}
				m, err := store.PeoplePages(ctx, ids, q)
				for _, i := range idx {
					out[i] = &dataloader.Result[*Page]{Data: m[keys[i].PersonID], Error: err}
				}
			}
			return out
		}),
	}
}

type loadersKey struct{}

// WithLoaders returns ctx carrying fresh loaders that gather keys for wait;
// install it once per GraphQL operation.
func (s *Service) WithLoaders(ctx context.Context, wait time.Duration) context.Context {
	return context.WithValue(ctx, loadersKey{}, NewLoaders(s.store, wait))
}

// LoadersFrom returns the loaders of ctx, or nil.
func LoadersFrom(ctx context.Context) *Loaders {
	l, _ := ctx.Value(loadersKey{}).(*Loaders)
	return l
}
