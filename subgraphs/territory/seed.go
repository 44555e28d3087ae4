package territory

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/opendata"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// Seed loads the real places from the embedded open data, replacing whatever
// the tables hold, in one transaction. Places do not depend on p: they are
// loaded whatever the number of people.
func Seed(ctx context.Context, pool *pgxpool.Pool, p seedgen.Params) error {
	_ = p
	comuni, err := opendata.Comuni()
	if err != nil {
		return fmt.Errorf("territory: seed: %w", err)
	}
	zone, err := opendata.Zone()
	if err != nil {
		return fmt.Errorf("territory: seed: %w", err)
	}
	members, err := opendata.ZonaMembers()
	if err != nil {
		return fmt.Errorf("territory: seed: %w", err)
	}
	municipi, err := opendata.Municipi()
	if err != nil {
		return fmt.Errorf("territory: seed: %w", err)
	}
	nils, err := opendata.Nils()
	if err != nil {
		return fmt.Errorf("territory: seed: %w", err)
	}
	zonaOf, err := zonaMembership(zone, members)
	if err != nil {
		return fmt.Errorf("territory: seed: %w", err)
	}

	zonaRows := make([][]any, len(zone))
	for i, z := range zone {
		zonaRows[i] = []any{z.ID, z.Name, z.Theme, z.DeclaredComuni, z.DeclaredPop, z.DeclaredAreaKm2}
	}
	comuneRows := make([][]any, len(comuni))
	for i, c := range comuni {
		var zona *int
		if id, ok := zonaOf[c.IstatCode]; ok {
			zona = &id
		}
		postal := c.CAP
		if postal == nil {
			postal = []string{}
		}
		comuneRows[i] = []any{c.IstatCode, c.Name, Fold(c.Name), c.CadastralCode, c.Province, c.Capital, postal,
			c.Population2021, c.Population2011, c.Lat, c.Lon, zona}
	}
	municipioRows := make([][]any, len(municipi))
	for i, m := range municipi {
		municipioRows[i] = []any{m.ID, m.Name}
	}
	nilRows := make([][]any, len(nils))
	for i, n := range nils {
		var mun *int
		if n.Municipio != 0 {
			mun = &n.Municipio
		}
		nilRows[i] = []any{n.ID, n.Name, n.AreaKm2, n.Lat, n.Lon, mun}
	}

	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("territory: seed: begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	if _, err := tx.Exec(ctx, `truncate territory.nil, territory.municipio, territory.comune, territory.zona`); err != nil {
		return fmt.Errorf("territory: seed: truncate: %w", err)
	}
	for _, t := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"zona", []string{"id", "name", "theme", "declared_comuni", "declared_population", "declared_area_km2"}, zonaRows},
		{"comune", []string{"istat_code", "name", "name_key", "cadastral_code", "province", "capital", "postal_codes",
			"population_2021", "population_2011", "lat", "lon", "zona_id"}, comuneRows},
		{"municipio", []string{"id", "name"}, municipioRows},
		{"nil", []string{"id", "name", "area_km2", "lat", "lon", "municipio_id"}, nilRows},
	} {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"territory", t.table}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
			return fmt.Errorf("territory: seed %s: %w", t.table, err)
		}
	}
	if err := seedBoundaries(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("territory: seed: commit: %w", err)
	}
	return nil
}

// zonaMembership maps ISTAT code → zona id from the known assignments, which
// name the zona; comuni without an assignment are absent.
func zonaMembership(zone []opendata.Zona, members []opendata.ZonaMember) (map[string]int, error) {
	byName := make(map[string]int, len(zone))
	for _, z := range zone {
		byName[z.Name] = z.ID
	}
	out := make(map[string]int, len(members))
	for _, m := range members {
		id, ok := byName[m.Zona]
		if !ok {
			return nil, fmt.Errorf("comune %s assigned to unknown zona %q", m.IstatCode, m.Zona)
		}
		out[m.IstatCode] = id
	}
	return out, nil
}

// seedBoundaries loads the outlines of the comuni and of the NIL into their
// PostGIS columns, as valid MultiPolygons (the simplified source rings are
// repaired where simplification made them invalid). Every place must get one.
func seedBoundaries(ctx context.Context, tx pgx.Tx) error {
	for _, t := range []struct {
		table, key, cast string
		load             func() ([]opendata.Boundary, error)
	}{
		{"comune", "istat_code", "text", opendata.ComuneBoundaries},
		{"nil", "id", "int", opendata.NilBoundaries},
	} {
		bs, err := t.load()
		if err != nil {
			return fmt.Errorf("territory: seed %s boundaries: %w", t.table, err)
		}
		codes, geoms := make([]string, len(bs)), make([]string, len(bs))
		for i, b := range bs {
			codes[i], geoms[i] = b.Code, string(b.Geometry)
		}
		sql := fmt.Sprintf(`update territory.%[1]s p
			set boundary = ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(b.geom), 4326)), 3))
			from unnest($1::text[], $2::text[]) b(code, geom) where p.%[2]s = b.code::%[3]s`, t.table, t.key, t.cast)
		if _, err := tx.Exec(ctx, sql, codes, geoms); err != nil {
			return fmt.Errorf("territory: seed %s boundaries: %w", t.table, err)
		}
		var missing int
		if err := tx.QueryRow(ctx, fmt.Sprintf(`select count(*) from territory.%s where boundary is null`, t.table)).Scan(&missing); err != nil {
			return fmt.Errorf("territory: seed %s boundaries: %w", t.table, err)
		}
		if missing > 0 {
			return fmt.Errorf("territory: seed: %d %s rows have no boundary in the open data", missing, t.table)
		}
	}
	return nil
}
