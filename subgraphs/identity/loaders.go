package identity

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/graph-gophers/dataloader/v7"

	"github.com/citizengraph/citizengraph/internal/loader"

	"github.com/citizengraph/citizengraph/internal/apperr"
)

// Loaders batch the lookups of one GraphQL operation. They cache for the
// operation's lifetime only, so a new set is made per operation.
type Loaders struct {
	people        *dataloader.Loader[string, *Person]
	organizations *dataloader.Loader[string, *Organization]
	orgsByRep     *dataloader.Loader[string, []*Organization]
	delegationsBy map[DelegationColumn]*dataloader.Loader[string, []*Delegation]
	messagePages  *loader.Batched[messageKey, *MessagePage]
	accessWrites  *dataloader.Loader[accessKey, struct{}]

	clients  loader.Memo[string, []string]  // person id + comuni → those with a practice of the person
	mandates loader.Memo[string, Principal] // by fiscal code, for the operation
	accesses loader.Memo[string, struct{}]  // person id + data recorded in the access log
	// request identifies the operation in the access log.
	request string
}

// mandatesOf memoizes, for the operation, whom fc may act for: concurrent
// resolvers asking for the same fc share one lookup.
func (l *Loaders) mandatesOf(ctx context.Context, m *Mandates, fc string, at time.Time) (Principal, error) {
	return l.mandates.Get(ctx, fc, func(ctx context.Context) (Principal, error) { return m.Of(ctx, fc, at) })
}

// clientOf memoizes, for the operation, those of comuni person has a
// practice in.
func (l *Loaders) clientOf(ctx context.Context, links PracticeLinks, person string, comuni []string) ([]string, error) {
	return l.clients.Get(ctx, person+"|"+strings.Join(comuni, ","), func(ctx context.Context) ([]string, error) {
		return links.ComuniWithPractices(ctx, person, comuni)
	})
}

// messageKey identifies one recipient's page under one filter and window.
type messageKey struct {
	Person   string
	Unread   bool
	First    int
	AfterUs  int64
	AfterID  string
	HasAfter bool
	NoTotal  bool // totalCount not selected: not counted
}

func (k messageKey) query() MessageQuery {
	q := MessageQuery{UnreadOnly: k.Unread, First: k.First, NoCount: k.NoTotal}
	if k.HasAfter {
		q.After = &messageCursor{CreatedAt: time.UnixMicro(k.AfterUs).UTC(), ID: k.AfterID}
	}
	return q
}

// NewLoaders returns a fresh set of loaders on store that gather keys for
// wait before each batch (0: loader.DefaultWait).
func NewLoaders(store *Store, wait time.Duration) *Loaders {
	l := &Loaders{delegationsBy: map[DelegationColumn]*dataloader.Loader[string, []*Delegation]{}, request: uuid.NewString()}
	l.people = loader.New(wait, byID(store.PeopleByIDs, func(p *Person) string { return p.ID }))
	l.organizations = loader.New(wait, byID(store.OrganizationsByIDs, func(o *Organization) string { return o.ID }))
	l.orgsByRep = loader.New(wait, groupBy(store.OrganizationsByRepresentatives, func(o *Organization) string { return o.RepresentativeID }))
	for col, key := range map[DelegationColumn]func(*Delegation) string{
		ByDelegatorPerson:       func(d *Delegation) string { return d.DelegatorPersonID },
		ByDelegatorOrganization: func(d *Delegation) string { return d.DelegatorOrganizationID },
		ByDelegate:              func(d *Delegation) string { return d.DelegateID },
	} {
		load := func(ctx context.Context, ids []string) ([]*Delegation, error) {
			return store.DelegationsBy(ctx, col, ids)
		}
		l.delegationsBy[col] = loader.New(wait, groupBy(load, key))
	}
	l.messagePages = loader.NewBatched(wait, messageBatch(store))
	l.accessWrites = loader.New(wait, accessBatch(store, l.request, time.Now))
	return l
}

// byID adapts a "rows for these ids" query to a loader batch: results in
// key order, nil for unknown keys.
func byID[V any](load func(context.Context, []string) ([]*V, error), id func(*V) string) dataloader.BatchFunc[string, *V] {
	return func(ctx context.Context, keys []string) []*dataloader.Result[*V] {
		rows, err := load(ctx, keys)
		out := make([]*dataloader.Result[*V], len(keys))
		if err != nil {
			for i := range out {
				out[i] = &dataloader.Result[*V]{Error: err}
			}
			return out
		}
		m := make(map[string]*V, len(rows))
		for _, r := range rows {
			m[id(r)] = r
		}
		for i, k := range keys {
			out[i] = &dataloader.Result[*V]{Data: m[k]}
		}
		return out
	}
}

// groupBy adapts a "rows related to these ids" query to a loader batch,
// keeping the query's order within each group.
func groupBy[V any](load func(context.Context, []string) ([]*V, error), key func(*V) string) dataloader.BatchFunc[string, []*V] {
	return func(ctx context.Context, keys []string) []*dataloader.Result[[]*V] {
		rows, err := load(ctx, keys)
		out := make([]*dataloader.Result[[]*V], len(keys))
		if err != nil {
			for i := range out {
				out[i] = &dataloader.Result[[]*V]{Error: err}
			}
			return out
		}
		m := make(map[string][]*V, len(keys))
		for _, r := range rows {
			m[key(r)] = append(m[key(r)], r)
		}
		for i, k := range keys {
			v := m[k]
			if v == nil {
				v = []*V{}
			}
			out[i] = &dataloader.Result[[]*V]{Data: v}
		}
		return out
	}
}

// messageBatch answers the keys sharing one filter and window with one
// store call (two queries), whatever the number of recipients.
func messageBatch(store *Store) dataloader.BatchFunc[messageKey, *MessagePage] {
	return func(ctx context.Context, keys []messageKey) []*dataloader.Result[*MessagePage] {
		type window struct {
			Unread   bool
			First    int
			AfterUs  int64
			AfterID  string
			HasAfter bool
			NoTotal  bool
		}
		groups := map[window][]int{}
		var order []window
		for i, k := range keys {
			w := window{k.Unread, k.First, k.AfterUs, k.AfterID, k.HasAfter, k.NoTotal}
			if _, ok := groups[w]; !ok {
				order = append(order, w)
			}
			groups[w] = append(groups[w], i)
		}
		out := make([]*dataloader.Result[*MessagePage], len(keys))
		for _, w := range order {
			idx := groups[w]
			ids := make([]string, len(idx))
			for j, i := range idx {
				ids[j] = keys[i].Person
			}
			q := keys[idx[0]].query()
			pages, counts, err := store.MessagePages(ctx, ids, q)
			for _, i := range idx {
				if err != nil {
					out[i] = &dataloader.Result[*MessagePage]{Error: err}
					continue
				}
				page := newMessagePage(pages[keys[i].Person], q.First, counts[keys[i].Person])
				out[i] = &dataloader.Result[*MessagePage]{Data: page}
			}
		}
		return out
	}
}

// newMessagePage is the page of up to first of msgs (read with one more,
// to tell whether a next page exists) and total.
func newMessagePage(msgs []*Message, first, total int) *MessagePage {
	page := &MessagePage{TotalCount: total}
	if len(msgs) > first {
		msgs, page.HasNextPage = msgs[:first], true
	}
	page.Messages = msgs
	page.Cursors = make([]string, len(msgs))
	for j, m := range msgs {
		page.Cursors[j] = messageCursor{CreatedAt: m.CreatedAt, ID: m.ID}.encode()
	}
	return page
}

type loadersKey struct{}

// WithLoaders returns ctx carrying a fresh set of loaders on the service's
// store that gather keys for wait. Install it once per operation.
func (s *Service) WithLoaders(ctx context.Context, wait time.Duration) context.Context {
	return context.WithValue(ctx, loadersKey{}, NewLoaders(s.store, wait))
}

// LoadersFrom returns the loaders of ctx, or nil.
func LoadersFrom(ctx context.Context) *Loaders {
	l, _ := ctx.Value(loadersKey{}).(*Loaders)
	return l
}

// loaders returns the operation's loaders, or a fresh set when ctx has
// none (a call outside a GraphQL operation).
func (s *Service) loaders(ctx context.Context) *Loaders {
	if l := LoadersFrom(ctx); l != nil {
		return l
	}
	return NewLoaders(s.store, 0)
}

func wrapLoad(op string, err error) error {
	if err == nil {
		return nil
	}
	return apperr.Wrap(op, err)
}
