package territory

import (
	"context"
	"encoding/json"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"

	"github.com/citizengraph/citizengraph/internal/apperr"
)

// Place is where a point lies: its comune and, in Milano, its NIL and the
// NIL's prevalent municipio.
type Place struct {
	Lat, Lon  float64
	Comune    Comune
	Nil       *Nil       // nil outside Milano
	Municipio *Municipio // the NIL's prevalent municipio; nil when unknown
}

// boundaryTolerance is how far (in degrees, about 25-35 m at Milan's
// latitude) a point may lie from an outline and still be placed in it: the
// simplified outlines leave slivers of a few metres between neighbours.
const boundaryTolerance = 0.0003

// ValidPoint reports whether lat, lon are WGS84 decimal degrees.
func ValidPoint(lat, lon float64) bool {
	return !math.IsNaN(lat) && !math.IsNaN(lon) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}

// PlaceAt returns where the point lies, nil outside the metropolitan city.
func (s *Service) PlaceAt(ctx context.Context, lat, lon float64) (*Place, error) {
	const op = "territory.PlaceAt"
	if !ValidPoint(lat, lon) {
		return nil, apperr.E(op, apperr.Invalid, "latitude must be in [-90, 90] and longitude in [-180, 180] (WGS84 decimal degrees)")
	}
	// The NIL outlines are Milan's own and finer (3 m against the comuni's
	// 10 m): a point inside one is in Milano whatever the coarser outline of
	// a neighbouring comune says.
	n, inside, err := s.store.NilAt(ctx, lat, lon)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	var c *Comune
	if inside {
		cs, err := s.store.ComuniByIstat(ctx, []string{MilanoIstat})
		if err != nil {
			return nil, apperr.Wrap(op, err)
		}
		if len(cs) > 0 {
			c = &cs[0]
		}
	} else if c, err = s.store.ComuneAt(ctx, lat, lon); err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if c == nil {
		return nil, nil
	}
	p := &Place{Lat: lat, Lon: lon, Comune: *c}
	if c.IstatCode != MilanoIstat {
		return p, nil
	}
	p.Nil = n
	if p.Nil != nil && p.Nil.MunicipioID != nil {
		ms, err := s.store.Municipi(ctx, []int{*p.Nil.MunicipioID})
		if err != nil {
			return nil, apperr.Wrap(op, err)
		}
		if len(ms) > 0 {
			p.Municipio = &ms[0]
		}
	}
	return p, nil
}

// ComuneBoundary returns a comune's boundary as a GeoJSON MultiPolygon,
// batched per operation.
func (s *Service) ComuneBoundary(ctx context.Context, code string) (json.RawMessage, error) {
	g, err := s.loaders(ctx).comuneBoundary.Load(ctx, code)()
	return g, apperr.Wrap("territory.ComuneBoundary", err)
}

// NilBoundary returns a NIL's boundary as a GeoJSON MultiPolygon, batched
// per operation.
func (s *Service) NilBoundary(ctx context.Context, id string) (json.RawMessage, error) {
	n, ok := parseID(id)
	if !ok {
		return nil, nil
	}
	g, err := s.loaders(ctx).nilBoundary.Load(ctx, n)()
	return g, apperr.Wrap("territory.NilBoundary", err)
}

// pointSQL is the point ($1 latitude, $2 longitude) as a PostGIS geometry.
const pointSQL = `ST_SetSRID(ST_MakePoint($2::float8, $1::float8), 4326)`

// ComuneAt returns the comune whose boundary covers the point, or the
// nearest within boundaryTolerance; nil when none. Ties (overlapping
// simplified outlines) go to the lower ISTAT code.
func (s *Store) ComuneAt(ctx context.Context, lat, lon float64) (*Comune, error) {
	cs, err := collect(ctx, s.db, "territory: comune at", scanComune,
		fmt.Sprintf(`select %s from territory.comune c
			where ST_DWithin(c.boundary, %s, $3)
			order by ST_Distance(c.boundary, %[2]s), c.istat_code limit 1`, comuneCols, pointSQL),
		lat, lon, boundaryTolerance)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	return &cs[0], nil
}

// NilAt returns the NIL whose boundary covers the point (inside), or the
// nearest within boundaryTolerance; nil when none.
func (s *Store) NilAt(ctx context.Context, lat, lon float64) (n *Nil, inside bool, err error) {
	var dist float64
	ns, err := collect(ctx, s.db, "territory: nil at", func(row pgx.Row, _ ...any) (Nil, error) {
		return scanNil(row, &dist)
	}, fmt.Sprintf(`select %s, ST_Distance(n.boundary, %s) from territory.nil n
			where ST_DWithin(n.boundary, %[2]s, $3)
			order by 7, n.id limit 1`, nilCols, pointSQL),
		lat, lon, boundaryTolerance)
	if err != nil || len(ns) == 0 {
		return nil, false, err
	}
	return &ns[0], dist == 0, nil
}

// ComuneBoundaries returns the GeoJSON boundaries of the given comuni, keyed
// by ISTAT code.
func (s *Store) ComuneBoundaries(ctx context.Context, codes []string) (map[string]json.RawMessage, error) {
	return boundaries[string](ctx, s, "territory: comune boundaries",
		`select istat_code, ST_AsGeoJSON(boundary, 6) from territory.comune where istat_code = any($1) and boundary is not null`, codes)
}

// NilBoundaries returns the GeoJSON boundaries of the given NIL, keyed by id.
func (s *Store) NilBoundaries(ctx context.Context, ids []int) (map[int]json.RawMessage, error) {
	return boundaries[int](ctx, s, "territory: nil boundaries",
		`select id, ST_AsGeoJSON(boundary, 6) from territory.nil where id = any($1) and boundary is not null`, ids)
}

func boundaries[K comparable](ctx context.Context, s *Store, op, sql string, keys any) (map[K]json.RawMessage, error) {
	rows, err := s.db.Query(ctx, sql, keys)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer rows.Close()
	out := map[K]json.RawMessage{}
	for rows.Next() {
		var k K
		var g string
		if err := rows.Scan(&k, &g); err != nil {
			return nil, fmt.Errorf("%s: scan: %w", op, err)
		}
		out[k] = json.RawMessage(g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}
