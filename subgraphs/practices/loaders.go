package practices

import (
	"context"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/citizengraph/citizengraph/internal/loader"
)

// Loaders batch the reads of one GraphQL operation: each kind of lookup
// costs one query per batch, whatever the number of parents.
type Loaders struct {
	Services       *loader.Batched[string, *ServiceCard]
	ComuneServices *dataloader.Loader[string, []ServiceCard]
	History        *loader.Batched[string, []StatusChange]
	Documents      *loader.Batched[string, []Document]
	PersonPractice *loader.Batched[PersonPracticesKey, PracticePage]
}

// PersonPracticesKey is one Person.practices lookup.
type PersonPracticesKey struct {
	PersonID string
	Args     PersonPracticesArgs
}

type loadersKey struct{}

// NewLoaders returns fresh loaders over svc that gather keys for wait
// (0: loader.DefaultWait).
func NewLoaders(svc *Service, wait time.Duration) *Loaders {
	return &Loaders{
		Services: loader.NewBatched(wait, func(ctx context.Context, ids []string) []*dataloader.Result[*ServiceCard] {
			cards, errs := svc.ServiceCardsByIDs(ctx, ids)
			out := make([]*dataloader.Result[*ServiceCard], len(ids))
			for i := range ids {
				out[i] = &dataloader.Result[*ServiceCard]{Data: cards[i], Error: errs[i]}
			}
			return out
		}),
		ComuneServices: loader.New(wait, func(ctx context.Context, codes []string) []*dataloader.Result[[]ServiceCard] {
			lists, err := svc.ServicesOfComuni(ctx, codes)
			return results(len(codes), lists, err)
		}),
		History: loader.NewBatched(wait, func(ctx context.Context, ids []string) []*dataloader.Result[[]StatusChange] {
			lists, err := svc.History(ctx, ids)
			return results(len(ids), lists, err)
		}),
		Documents: loader.NewBatched(wait, func(ctx context.Context, ids []string) []*dataloader.Result[[]Document] {
			lists, err := svc.Documents(ctx, ids)
			return results(len(ids), lists, err)
		}),
		PersonPractice: loader.NewBatched(wait, personPracticesBatch(svc, nil, false)),
	}
}

// PrefetchPersonPractices is PersonPractice.Prefetch reading, with the
// same statement, the catalogue's version (returned: the newest of the
// statements', 0 when every page was cached) and, with history, the
// history of every practice of the pages, priming History with it
// (Service.PersonPracticesRead).
func (l *Loaders) PrefetchPersonPractices(ctx context.Context, svc *Service, keys []PersonPracticesKey, history bool) (map[PersonPracticesKey]PracticePage, int64) {
	var catalogue int64
	pages := l.PersonPractice.PrefetchWith(ctx, keys, personPracticesBatch(svc, func(pages []PracticePage, extras PagesExtras) {
		catalogue = max(catalogue, extras.Catalogue)
		if !history {
			return
		}
		for _, pg := range pages {
			for _, p := range pg.Practices {
				l.History.Prime(ctx, p.ID, extras.History[p.ID])
			}
		}
	}, history))
	return pages, catalogue
}

// PrefetchServicesAt is Services.Prefetch answered by
// Service.ServiceCardsAt(catalogue).
func (l *Loaders) PrefetchServicesAt(ctx context.Context, svc *Service, catalogue int64, ids []string) {
	l.Services.PrefetchWith(ctx, ids, func(ctx context.Context, ids []string) []*dataloader.Result[*ServiceCard] {
		cards, errs := svc.ServiceCardsAt(ctx, catalogue, ids)
		out := make([]*dataloader.Result[*ServiceCard], len(ids))
		for i := range ids {
			out[i] = &dataloader.Result[*ServiceCard]{Data: cards[i], Error: errs[i]}
		}
		return out
	})
}

// personPracticesBatch loads Person.practices pages, one lookup per
// distinct argument set; with read set, each lookup reads what
// Service.PersonPracticesRead reads beside the pages (with history, their
// histories) and hands it to read.
func personPracticesBatch(svc *Service, read func([]PracticePage, PagesExtras), history bool) dataloader.BatchFunc[PersonPracticesKey, PracticePage] {
	return func(ctx context.Context, keys []PersonPracticesKey) []*dataloader.Result[PracticePage] {
		// Keys of one batch usually share their arguments (the same
		// field under a list); one lookup per distinct argument set.
		out := make([]*dataloader.Result[PracticePage], len(keys))
		groups := map[PersonPracticesArgs][]int{}
		var order []PersonPracticesArgs
		for i, k := range keys {
			if _, ok := groups[k.Args]; !ok {
				order = append(order, k.Args)
			}
			groups[k.Args] = append(groups[k.Args], i)
		}
		for _, args := range order {
			idx := groups[args]
			people := make([]string, len(idx))
			for j, i := range idx {
				people[j] = keys[i].PersonID
			}
			var pages []PracticePage
			var err error
			if read != nil {
				var extras PagesExtras
				if pages, extras, err = svc.PersonPracticesRead(ctx, people, args, history); err == nil {
					read(pages, extras)
				}
			} else {
				pages, err = svc.PersonPractices(ctx, people, args)
			}
			for j, i := range idx {
				if err != nil {
					out[i] = &dataloader.Result[PracticePage]{Error: err}
				} else {
					out[i] = &dataloader.Result[PracticePage]{Data: pages[j]}
				}
			}
		}
		return out
	}
}

func results[V any](n int, data []V, err error) []*dataloader.Result[V] {
	out := make([]*dataloader.Result[V], n)
	for i := range out {
		if err != nil {
			out[i] = &dataloader.Result[V]{Error: err}
		} else {
			out[i] = &dataloader.Result[V]{Data: data[i]}
		}
	}
	return out
}

// WithLoaders returns ctx carrying fresh loaders that gather keys for wait,
// for one operation.
func (s *Service) WithLoaders(ctx context.Context, wait time.Duration) context.Context {
	return context.WithValue(ctx, loadersKey{}, NewLoaders(s, wait))
}

// LoadersFrom returns the loaders of ctx, or nil.
func LoadersFrom(ctx context.Context) *Loaders {
	l, _ := ctx.Value(loadersKey{}).(*Loaders)
	return l
}
