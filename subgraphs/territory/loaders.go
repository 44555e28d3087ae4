package territory

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/citizengraph/citizengraph/internal/loader"
)

// Loaders batch the lookups of one GraphQL operation: each loader turns the
// keys requested by sibling fields into one SQL query. They are created per
// operation (their cache must not outlive it).
type Loaders struct {
	zonaOfComune     *dataloader.Loader[string, *Zona]
	municipiOfComune *dataloader.Loader[string, []Municipio]
	comuniOfZona     *dataloader.Loader[int, []Comune]
	nilOfMunicipio   *dataloader.Loader[int, []Nil]
	municipioOfNil   *dataloader.Loader[int, *Municipio]
	comuneBoundary   *dataloader.Loader[string, json.RawMessage]
	nilBoundary      *dataloader.Loader[int, json.RawMessage]
}

type loadersKey struct{}

// NewLoaders returns fresh loaders over st that gather keys for wait
// (0: loader.DefaultWait).
func NewLoaders(st *Store, wait time.Duration) *Loaders {
	return &Loaders{
		zonaOfComune: loader.FromMap(wait, func(ctx context.Context, codes []string) (map[string]*Zona, error) {
			m, err := st.ZonaOfComuni(ctx, codes)
			if err != nil {
				return nil, err
			}
			out := make(map[string]*Zona, len(m))
			for k, z := range m {
				out[k] = &z
			}
			return out, nil
		}),
		municipiOfComune: loader.FromMap(wait, func(ctx context.Context, codes []string) (map[string][]Municipio, error) {
			out := make(map[string][]Municipio, len(codes))
			for _, c := range codes {
				if c == MilanoIstat {
					all, err := st.Municipi(ctx, nil)
					if err != nil {
						return nil, err
					}
					out[c] = all
				}
			}
			return out, nil
		}),
		comuniOfZona: loader.FromMap(wait, func(ctx context.Context, ids []int) (map[int][]Comune, error) {
			cs, err := st.ComuniOfZone(ctx, ids)
			if err != nil {
				return nil, err
			}
			out := make(map[int][]Comune, len(ids))
			for _, c := range cs {
				out[*c.ZonaID] = append(out[*c.ZonaID], c)
			}
			return out, nil
		}),
		nilOfMunicipio: loader.FromMap(wait, func(ctx context.Context, ids []int) (map[int][]Nil, error) {
			ns, err := st.NilsOfMunicipi(ctx, ids)
			if err != nil {
				return nil, err
			}
			out := make(map[int][]Nil, len(ids))
			for _, n := range ns {
				out[*n.MunicipioID] = append(out[*n.MunicipioID], n)
			}
			return out, nil
		}),
		municipioOfNil: loader.FromMap(wait, func(ctx context.Context, ids []int) (map[int]*Municipio, error) {
			m, err := st.MunicipioOfNils(ctx, ids)
			if err != nil {
				return nil, err
			}
			out := make(map[int]*Municipio, len(m))
			for k, v := range m {
				out[k] = &v
			}
			return out, nil
		}),
		comuneBoundary: loader.FromMap(wait, st.ComuneBoundaries),
		nilBoundary:    loader.FromMap(wait, st.NilBoundaries),
	}
}

// WithLoaders returns ctx carrying fresh loaders of the service that gather
// keys for wait; install it once per operation. They are built when the
// operation first asks for them: an operation that needs none (the comuni
// of _entities, answered from memory) builds none.
func (s *Service) WithLoaders(ctx context.Context, wait time.Duration) context.Context {
	return context.WithValue(ctx, loadersKey{}, &lazyLoaders{build: func() *Loaders { return NewLoaders(s.store, wait) }})
}

// lazyLoaders builds an operation's loaders on first use.
type lazyLoaders struct {
	once  sync.Once
	build func() *Loaders
	l     *Loaders
}

func (z *lazyLoaders) get() *Loaders {
	z.once.Do(func() { z.l = z.build() })
	return z.l
}

// LoadersFrom returns the loaders in ctx, or nil.
func LoadersFrom(ctx context.Context) *Loaders {
	if z, _ := ctx.Value(loadersKey{}).(*lazyLoaders); z != nil {
		return z.get()
	}
	return nil
}

// loaders returns the operation's loaders, or fresh ones (no batching across
// calls) when the caller installed none.
func (s *Service) loaders(ctx context.Context) *Loaders {
	if l := LoadersFrom(ctx); l != nil {
		return l
	}
	return NewLoaders(s.store, 0)
}
