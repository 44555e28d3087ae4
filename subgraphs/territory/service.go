package territory

import (
	"github.com/citizengraph/citizengraph/internal/keyset"

	"context"
	"strconv"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/apperr"
)

// MaxPage is the largest page a client may ask for.
const MaxPage = 100

// Service answers the territory subgraph's questions. Territory data are
// public: no principal is needed.
type Service struct {
	store  *Store
	comuni *comuniCache // nil: comuni read from the database each time
}

// Option configures a Service.
type Option func(*Service)

// WithComuniInMemory makes ComuniByIstat (the comuni of _entities) answer
// from every comune held in memory while a listener on pool follows
// their changes (migration 003 announces each), instead of reading them
// for each request.
func WithComuniInMemory(pool *pgxpool.Pool) Option {
	return func(s *Service) { s.comuni = &comuniCache{pool: pool} }
}

// NewService returns a service over st.
func NewService(st *Store, opts ...Option) *Service {
	s := &Service{store: st}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Comune returns the comune with the given ISTAT code.
func (s *Service) Comune(ctx context.Context, code string) (*Comune, error) {
	const op = "territory.Comune"
	if !ValidIstat(code) {
		return nil, apperr.Errorf(op, apperr.Invalid, "invalid ISTAT code %q: want 6 digits", code)
	}
	cs, err := s.store.ComuniByIstat(ctx, []string{code})
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if len(cs) == 0 {
		return nil, apperr.Errorf(op, apperr.NotFound, "no comune with ISTAT code %s", code)
	}
	return &cs[0], nil
}

// ComuniByIstat returns the comuni with the given codes in the same order,
// nil where no comune has the code (malformed codes included). One query,
// or none with the comuni in memory (WithComuniInMemory).
func (s *Service) ComuniByIstat(ctx context.Context, codes []string) ([]*Comune, error) {
	if s.comuni != nil {
		if out, ok := s.comuni.lookup(ctx, s.store, codes); ok {
			return out, nil
		}
	}
	cs, err := s.store.ComuniByIstat(ctx, codes)
	if err != nil {
		return nil, apperr.Wrap("territory.ComuniByIstat", err)
	}
	return inOrder(codes, cs, func(c Comune) string { return c.IstatCode }), nil
}

// Comuni returns a page of comuni ordered by folded name, then ISTAT code.
func (s *Service) Comuni(ctx context.Context, q ComuneQuery) (ComunePage, error) {
	const op = "territory.Comuni"
	if q.First < 1 || q.First > MaxPage {
		return ComunePage{}, apperr.Errorf(op, apperr.Invalid, "first must be between 1 and %d", MaxPage)
	}
	var zona *int
	if q.Zona != "" {
		id, ok := parseID(q.Zona)
		if !ok {
			return ComunePage{}, apperr.Errorf(op, apperr.Invalid, "invalid zona id %q", q.Zona)
		}
		zona = &id
	}
	var after []string
	if q.After != "" {
		var ok bool
		if after, ok = keyset.Decode(q.After, 2); !ok {
			return ComunePage{}, apperr.E(op, apperr.Invalid, "invalid cursor")
		}
	}
	cs, keys, err := s.store.ComuniPage(ctx, q.NamePrefix, zona, after, q.First+1)
	if err != nil {
		return ComunePage{}, apperr.Wrap(op, err)
	}
	var p ComunePage
	if len(cs) > q.First {
		p.HasNext = true
		cs, keys = cs[:q.First], keys[:q.First]
	}
	p.Comuni = cs
	p.Cursors = make([]string, len(cs))
	for i, c := range cs {
		p.Cursors[i] = keyset.Encode(keys[i], c.IstatCode)
	}
	if q.WithTotal {
		if p.Total, err = s.store.CountComuni(ctx, q.NamePrefix, zona); err != nil {
			return ComunePage{}, apperr.Wrap(op, err)
		}
	}
	return p, nil
}

// ZonaOfComune returns the zona of a comune, nil when the sources assign it
// to none. Batched per operation.
func (s *Service) ZonaOfComune(ctx context.Context, code string) (*Zona, error) {
	z, err := s.loaders(ctx).zonaOfComune.Load(ctx, code)()
	return z, apperr.Wrap("territory.ZonaOfComune", err)
}

// MunicipiOfComune returns Milan's municipi for Milano, none for any other comune.
func (s *Service) MunicipiOfComune(ctx context.Context, code string) ([]Municipio, error) {
	if code != MilanoIstat {
		return nil, nil
	}
	ms, err := s.loaders(ctx).municipiOfComune.Load(ctx, code)()
	return ms, apperr.Wrap("territory.MunicipiOfComune", err)
}

// Zone returns every zona omogenea (Milano included), ordered by id.
func (s *Service) Zone(ctx context.Context) ([]Zona, error) {
	zs, err := s.store.Zone(ctx)
	return zs, apperr.Wrap("territory.Zone", err)
}

// Zona returns the zona with the given id.
func (s *Service) Zona(ctx context.Context, id string) (*Zona, error) {
	const op = "territory.Zona"
	n, ok := parseID(id)
	if !ok {
		return nil, apperr.Errorf(op, apperr.Invalid, "invalid zona id %q", id)
	}
	zs, err := s.store.ZoneByIDs(ctx, []int{n})
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if len(zs) == 0 {
		return nil, apperr.Errorf(op, apperr.NotFound, "no zona omogenea with id %s", id)
	}
	return &zs[0], nil
}

// ZoneByIDs returns the zone with the given ids in the same order, nil where
// missing. One query.
func (s *Service) ZoneByIDs(ctx context.Context, ids []string) ([]*Zona, error) {
	zs, err := s.store.ZoneByIDs(ctx, numericIDs(ids))
	if err != nil {
		return nil, apperr.Wrap("territory.ZoneByIDs", err)
	}
	return inOrder(ids, zs, func(z Zona) string { return itoa(z.ID) }), nil
}

// ComuniOfZona returns the known members of a zona, ordered by name.
func (s *Service) ComuniOfZona(ctx context.Context, id string) ([]Comune, error) {
	n, ok := parseID(id)
	if !ok {
		return nil, nil
	}
	cs, err := s.loaders(ctx).comuniOfZona.Load(ctx, n)()
	return cs, apperr.Wrap("territory.ComuniOfZona", err)
}

// ZonaComplete reports whether the known members of the zona are as many as
// the declared count.
func (s *Service) ZonaComplete(ctx context.Context, id string, declared int) (bool, error) {
	cs, err := s.ComuniOfZona(ctx, id)
	if err != nil {
		return false, err
	}
	return len(cs) == declared, nil
}

// Municipi returns Milan's municipi ordered by id.
func (s *Service) Municipi(ctx context.Context) ([]Municipio, error) {
	ms, err := s.store.Municipi(ctx, nil)
	return ms, apperr.Wrap("territory.Municipi", err)
}

// Municipio returns the municipio with the given id.
func (s *Service) Municipio(ctx context.Context, id string) (*Municipio, error) {
	const op = "territory.Municipio"
	n, ok := parseID(id)
	if !ok {
		return nil, apperr.Errorf(op, apperr.Invalid, "invalid municipio id %q", id)
	}
	ms, err := s.store.Municipi(ctx, []int{n})
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if len(ms) == 0 {
		return nil, apperr.Errorf(op, apperr.NotFound, "no municipio with id %s", id)
	}
	return &ms[0], nil
}

// MunicipiByIDs returns the municipi with the given ids in the same order,
// nil where missing. One query.
func (s *Service) MunicipiByIDs(ctx context.Context, ids []string) ([]*Municipio, error) {
	ms, err := s.store.Municipi(ctx, nonNil(numericIDs(ids)))
	if err != nil {
		return nil, apperr.Wrap("territory.MunicipiByIDs", err)
	}
	return inOrder(ids, ms, func(m Municipio) string { return itoa(m.ID) }), nil
}

// NilOfMunicipio returns the NIL whose prevalent municipio is id (approximate).
func (s *Service) NilOfMunicipio(ctx context.Context, id string) ([]Nil, error) {
	n, ok := parseID(id)
	if !ok {
		return nil, nil
	}
	ns, err := s.loaders(ctx).nilOfMunicipio.Load(ctx, n)()
	return ns, apperr.Wrap("territory.NilOfMunicipio", err)
}

// Nils returns Milan's NIL ordered by id.
func (s *Service) Nils(ctx context.Context) ([]Nil, error) {
	ns, err := s.store.Nils(ctx, nil)
	return ns, apperr.Wrap("territory.Nils", err)
}

// Nil returns the NIL with the given id.
func (s *Service) Nil(ctx context.Context, id string) (*Nil, error) {
	const op = "territory.Nil"
	n, ok := parseID(id)
	if !ok {
		return nil, apperr.Errorf(op, apperr.Invalid, "invalid NIL id %q", id)
	}
	ns, err := s.store.Nils(ctx, []int{n})
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if len(ns) == 0 {
		return nil, apperr.Errorf(op, apperr.NotFound, "no NIL with id %s", id)
	}
	return &ns[0], nil
}

// NilsByIDs returns the NIL with the given ids in the same order, nil where
// missing. One query.
func (s *Service) NilsByIDs(ctx context.Context, ids []string) ([]*Nil, error) {
	ns, err := s.store.Nils(ctx, nonNil(numericIDs(ids)))
	if err != nil {
		return nil, apperr.Wrap("territory.NilsByIDs", err)
	}
	return inOrder(ids, ns, func(n Nil) string { return itoa(n.ID) }), nil
}

// MunicipioOfNil returns the prevalent municipio of a NIL, nil when unknown.
func (s *Service) MunicipioOfNil(ctx context.Context, id string) (*Municipio, error) {
	n, ok := parseID(id)
	if !ok {
		return nil, nil
	}
	m, err := s.loaders(ctx).municipioOfNil.Load(ctx, n)()
	return m, apperr.Wrap("territory.MunicipioOfNil", err)
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

// numericIDs keeps the well-formed ids.
func numericIDs(ids []string) []int {
	out := make([]int, 0, len(ids))
	for _, s := range ids {
		if n, ok := parseID(s); ok {
			out = append(out, n)
		}
	}
	return out
}

// nonNil makes an empty id list mean "none" rather than "all".
func nonNil(ids []int) []int {
	if ids == nil {
		return []int{}
	}
	return ids
}

func itoa(n int) string { return strconv.Itoa(n) }
