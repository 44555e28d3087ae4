package territory

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// querier is what the store needs from a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Store reads the territory schema.
type Store struct {
	db querier
}

// NewStore returns a store over db (a *pgxpool.Pool or a pgx.Tx).
func NewStore(db querier) *Store { return &Store{db: db} }

const comuneCols = `c.istat_code, c.name, c.cadastral_code, c.province, c.capital, c.postal_codes,
	c.population_2021, c.population_2011, c.lat, c.lon, c.zona_id`

func scanComune(row pgx.Row, extra ...any) (Comune, error) {
	var c Comune
	dest := append([]any{&c.IstatCode, &c.Name, &c.CadastralCode, &c.Province, &c.Capital, &c.PostalCodes,
		&c.Population2021, &c.Population2011, &c.Lat, &c.Lon, &c.ZonaID}, extra...)
	err := row.Scan(dest...)
	return c, err
}

const zonaCols = `z.id, z.name, z.theme, z.declared_comuni, z.declared_population, z.declared_area_km2`

func scanZona(row pgx.Row, extra ...any) (Zona, error) {
	var z Zona
	dest := append([]any{&z.ID, &z.Name, &z.Theme, &z.DeclaredComuni, &z.DeclaredPopulation, &z.DeclaredAreaKm2}, extra...)
	err := row.Scan(dest...)
	return z, err
}

const nilCols = `n.id, n.name, n.area_km2, n.lat, n.lon, n.municipio_id`

func scanNil(row pgx.Row, extra ...any) (Nil, error) {
	var n Nil
	dest := append([]any{&n.ID, &n.Name, &n.AreaKm2, &n.Lat, &n.Lon, &n.MunicipioID}, extra...)
	err := row.Scan(dest...)
	return n, err
}

func scanMunicipio(row pgx.Row, extra ...any) (Municipio, error) {
	var m Municipio
	err := row.Scan(append([]any{&m.ID, &m.Name}, extra...)...)
	return m, err
}

// collect runs sql and scans every row with scan.
func collect[T any](ctx context.Context, db querier, op string, scan func(pgx.Row, ...any) (T, error), sql string, args ...any) ([]T, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: scan: %w", op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// AllComuni returns every comune, in no particular order.
func (s *Store) AllComuni(ctx context.Context) ([]Comune, error) {
	return collect(ctx, s.db, "territory: comuni", scanComune, `select `+comuneCols+` from territory.comune c`)
}

// ComuniByIstat returns the comuni with the given codes, in no particular order.
func (s *Store) ComuniByIstat(ctx context.Context, codes []string) ([]Comune, error) {
	return collect(ctx, s.db, "territory: comuni by istat", scanComune,
		`select `+comuneCols+` from territory.comune c where c.istat_code = any($1)`, codes)
}

// comuniWhere builds the filter of a comuni query; args continue after the
// ones already in args.
func comuniWhere(prefix string, zona *int, args []any) (string, []any) {
	var conds []string
	if prefix != "" {
		args = append(args, likeEscape(Fold(prefix))+"%")
		conds = append(conds, `(c.name_key collate "C") like $`+strconv.Itoa(len(args)))
	}
	if zona != nil {
		args = append(args, *zona)
		conds = append(conds, `c.zona_id = $`+strconv.Itoa(len(args)))
	}
	if len(conds) == 0 {
		return "true", args
	}
	return strings.Join(conds, " and "), args
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ComuniPage returns up to limit comuni matching the filter after the
// keyset position (nameKey, istat), in (name_key, istat_code) order.
func (s *Store) ComuniPage(ctx context.Context, prefix string, zona *int, after []string, limit int) ([]Comune, []string, error) {
	where, args := comuniWhere(prefix, zona, nil)
	if after != nil {
		args = append(args, after[0], after[1])
		where += fmt.Sprintf(` and (c.name_key collate "C", c.istat_code) > ($%d::text collate "C", $%d::text)`, len(args)-1, len(args))
	}
	args = append(args, limit)
	rows, err := s.db.Query(ctx, `select `+comuneCols+`, c.name_key from territory.comune c where `+where+
		` order by c.name_key collate "C", c.istat_code limit $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, nil, fmt.Errorf("territory: comuni page: %w", err)
	}
	defer rows.Close()
	var out []Comune
	var keys []string
	for rows.Next() {
		var key string
		c, err := scanComune(rows, &key)
		if err != nil {
			return nil, nil, fmt.Errorf("territory: comuni page: scan: %w", err)
		}
		out = append(out, c)
		keys = append(keys, key)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("territory: comuni page: %w", err)
	}
	return out, keys, nil
}

// CountComuni counts the comuni matching the filter.
func (s *Store) CountComuni(ctx context.Context, prefix string, zona *int) (int, error) {
	where, args := comuniWhere(prefix, zona, nil)
	var n int
	if err := s.db.QueryRow(ctx, `select count(*) from territory.comune c where `+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("territory: count comuni: %w", err)
	}
	return n, nil
}

// ComuniOfZone returns the known members of each zona, ordered by name.
func (s *Store) ComuniOfZone(ctx context.Context, zone []int) ([]Comune, error) {
	return collect(ctx, s.db, "territory: comuni of zone", scanComune,
		`select `+comuneCols+` from territory.comune c where c.zona_id = any($1)
		 order by c.name_key collate "C", c.istat_code`, zone)
}

// Zone returns every zona, ordered by id.
func (s *Store) Zone(ctx context.Context) ([]Zona, error) {
	return collect(ctx, s.db, "territory: zone", scanZona, `select `+zonaCols+` from territory.zona z order by z.id`)
}

// ZoneByIDs returns the zone with the given ids.
func (s *Store) ZoneByIDs(ctx context.Context, ids []int) ([]Zona, error) {
	return collect(ctx, s.db, "territory: zone by id", scanZona,
		`select `+zonaCols+` from territory.zona z where z.id = any($1)`, ids)
}

// ZonaOfComuni returns the zona of each given comune that has one, keyed
// by ISTAT code.
func (s *Store) ZonaOfComuni(ctx context.Context, codes []string) (map[string]Zona, error) {
	rows, err := s.db.Query(ctx, `select `+zonaCols+`, c.istat_code from territory.comune c
		join territory.zona z on z.id = c.zona_id where c.istat_code = any($1)`, codes)
	if err != nil {
		return nil, fmt.Errorf("territory: zona of comuni: %w", err)
	}
	defer rows.Close()
	out := make(map[string]Zona, len(codes))
	for rows.Next() {
		var code string
		z, err := scanZona(rows, &code)
		if err != nil {
			return nil, fmt.Errorf("territory: zona of comuni: scan: %w", err)
		}
		out[code] = z
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("territory: zona of comuni: %w", err)
	}
	return out, nil
}

// Municipi returns the municipi with the given ids, or all when ids is nil,
// ordered by id.
func (s *Store) Municipi(ctx context.Context, ids []int) ([]Municipio, error) {
	return collect(ctx, s.db, "territory: municipi", scanMunicipio,
		`select m.id, m.name from territory.municipio m where $1::int[] is null or m.id = any($1) order by m.id`, ids)
}

// Nils returns the NIL with the given ids, or all when ids is nil, ordered by id.
func (s *Store) Nils(ctx context.Context, ids []int) ([]Nil, error) {
	return collect(ctx, s.db, "territory: nil", scanNil,
		`select `+nilCols+` from territory.nil n where $1::int[] is null or n.id = any($1) order by n.id`, ids)
}

// NilsOfMunicipi returns the NIL whose prevalent municipio is one of ids, ordered by id.
func (s *Store) NilsOfMunicipi(ctx context.Context, ids []int) ([]Nil, error) {
	return collect(ctx, s.db, "territory: nil of municipi", scanNil,
		`select `+nilCols+` from territory.nil n where n.municipio_id = any($1) order by n.id`, ids)
}

// MunicipioOfNils returns the prevalent municipio of each given NIL that has
// one, keyed by NIL id.
func (s *Store) MunicipioOfNils(ctx context.Context, ids []int) (map[int]Municipio, error) {
	rows, err := s.db.Query(ctx, `select m.id, m.name, n.id from territory.nil n
		join territory.municipio m on m.id = n.municipio_id where n.id = any($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("territory: municipio of nil: %w", err)
	}
	defer rows.Close()
	out := make(map[int]Municipio, len(ids))
	for rows.Next() {
		var id int
		m, err := scanMunicipio(rows, &id)
		if err != nil {
			return nil, fmt.Errorf("territory: municipio of nil: scan: %w", err)
		}
		out[id] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("territory: municipio of nil: %w", err)
	}
	return out, nil
}
