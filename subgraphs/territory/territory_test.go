package territory_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/db"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/seedgen"
	"github.com/citizengraph/citizengraph/subgraphs/territory"
)

func seeded(t *testing.T) (*pgxpool.Pool, *territory.Service) {
	t.Helper()
	pool := devdb.NewTestDB(t, db.Migration{Schema: "territory", Files: territory.Migrations()})
	noErr(t, territory.Seed(context.Background(), pool, seedgen.Params{People: 10, Seed: 1}))
	return pool, territory.NewService(territory.NewStore(pool))
}

func TestSeedIsIdempotent(t *testing.T) {
	pool, _ := seeded(t)
	ctx := context.Background()
	noErr(t, territory.Seed(ctx, pool, seedgen.Params{People: 1000, Seed: 2}))
	for table, want := range map[string]int{"comune": 133, "zona": 8, "municipio": 9, "nil": 88} {
		var n int
		noErr(t, pool.QueryRow(ctx, "select count(*) from territory."+table).Scan(&n))
		eq(t, want, n, table)
	}
	var assigned int
	noErr(t, pool.QueryRow(ctx, "select count(*) from territory.comune where zona_id is not null").Scan(&assigned))
	eq(t, 85, assigned, "84 comuni + Milano have a known zona; the others stay NULL")
}

func TestComune(t *testing.T) {
	_, svc := seeded(t)
	ctx := context.Background()
	c, err := svc.Comune(ctx, "015146")
	noErr(t, err)
	eq(t, "Milano", c.Name)
	eq(t, "F205", c.CadastralCode)
	eq(t, true, c.Capital)
	eq(t, 42, len(c.PostalCodes), "len(c.PostalCodes)")
	if c.ZonaID == nil {
		t.Fatal("Milano has no zona")
	}
	eq(t, 0, *c.ZonaID)

	_, err = svc.Comune(ctx, "15146")
	isKind(t, apperr.Invalid, err, "short code")
	_, err = svc.Comune(ctx, "999999")
	isKind(t, apperr.NotFound, err, "unknown code")
}

func TestComuniWalkAllPages(t *testing.T) {
	_, svc := seeded(t)
	ctx := context.Background()
	seen := map[string]bool{}
	var names []string
	after := ""
	pages := 0
	for {
		p, err := svc.Comuni(ctx, territory.ComuneQuery{First: 10, After: after, WithTotal: true})
		noErr(t, err)
		eq(t, 133, p.Total)
		pages++
		for i, c := range p.Comuni {
			eq(t, false, seen[c.IstatCode], "duplicate "+c.IstatCode)
			seen[c.IstatCode] = true
			names = append(names, territory.Fold(c.Name))
			after = p.Cursors[i]
		}
		if !p.HasNext {
			break
		}
	}
	eq(t, 133, len(seen), "len(seen)")
	eq(t, 14, pages)
	eq(t, true, slices.IsSorted(names), "names sorted")
}

func TestComuniFilters(t *testing.T) {
	_, svc := seeded(t)
	ctx := context.Background()
	p, err := svc.Comuni(ctx, territory.ComuneQuery{NamePrefix: "CERNUSCO", First: 100, WithTotal: true})
	noErr(t, err)
	if len(p.Comuni) != 1 {
		t.Fatalf("len(p.Comuni) = %d, want 1", len(p.Comuni))
	}
	eq(t, "Cernusco sul Naviglio", p.Comuni[0].Name)

	p, err = svc.Comuni(ctx, territory.ComuneQuery{NamePrefix: "sàn", First: 100, WithTotal: true})
	noErr(t, err)
	eq(t, p.Total, len(p.Comuni))
	eq(t, true, len(p.Comuni) >= 5, "at least 5 San… comuni")
	for _, c := range p.Comuni {
		matches(t, `^San`, c.Name)
	}

	p, err = svc.Comuni(ctx, territory.ComuneQuery{NamePrefix: "%", First: 100})
	noErr(t, err)
	eq(t, 0, len(p.Comuni), "LIKE wildcards are literal")

	p, err = svc.Comuni(ctx, territory.ComuneQuery{Zona: "4", First: 100, WithTotal: true})
	noErr(t, err)
	eq(t, 6, p.Total)
	var names []string
	for _, c := range p.Comuni {
		names = append(names, c.Name)
	}
	eq(t, []string{"Bresso", "Cinisello Balsamo", "Cormano", "Cusano Milanino", "Paderno Dugnano", "Sesto San Giovanni"}, names)

	for _, q := range []territory.ComuneQuery{
		{First: 0}, {First: 101}, {First: 10, Zona: "x"}, {First: 10, After: "not-a-cursor"},
	} {
		_, err := svc.Comuni(ctx, q)
		isKind(t, apperr.Invalid, err, q)
	}
}

func TestZonaMembership(t *testing.T) {
	_, svc := seeded(t)
	ctx := context.Background()
	zs, err := svc.Zone(ctx)
	noErr(t, err)
	if len(zs) != 8 {
		t.Fatalf("len(zs) = %d, want 8", len(zs))
	}
	complete := map[string]bool{}
	for _, z := range zs {
		ok, err := svc.ZonaComplete(ctx, itoa(z.ID), z.DeclaredComuni)
		noErr(t, err)
		complete[z.Name] = ok
	}
	eq(t, map[string]bool{
		"Milano (capoluogo)": true, "Adda Martesana": true, "Alto Milanese": true, "Nord Milano": true, "Sud Est": true,
		"Nord Ovest": false, "Magentino e Abbiatense": false, "Sud Ovest": false,
	}, complete)

	z, err := svc.ZonaOfComune(ctx, "015002") // Abbiategrasso: no source assigns it
	noErr(t, err)
	eq(t, true, z == nil, "z is nil")
	z, err = svc.ZonaOfComune(ctx, "015009") // Arese
	noErr(t, err)
	if z == nil {
		t.Fatal("z is nil")
	}
	eq(t, "Nord Ovest", z.Name)
}

func TestMilanoMunicipiAndNil(t *testing.T) {
	_, svc := seeded(t)
	ctx := context.Background()
	ms, err := svc.Municipi(ctx)
	noErr(t, err)
	if len(ms) != 9 {
		t.Fatalf("len(ms) = %d, want 9", len(ms))
	}
	ns, err := svc.Nils(ctx)
	noErr(t, err)
	if len(ns) != 88 {
		t.Fatalf("len(ns) = %d, want 88", len(ns))
	}
	assigned := 0
	for _, m := range ms {
		nils, err := svc.NilOfMunicipio(ctx, itoa(m.ID))
		noErr(t, err)
		assigned += len(nils)
		for _, n := range nils {
			mm, err := svc.MunicipioOfNil(ctx, itoa(n.ID))
			noErr(t, err)
			if mm == nil {
				t.Fatal("mm is nil")
			}
			eq(t, m.ID, mm.ID)
		}
	}
	eq(t, 84, assigned, "4 NIL have no prevalent municipio")
	m, err := svc.MunicipioOfNil(ctx, "39")
	noErr(t, err)
	eq(t, true, m == nil, "m is nil")

	mm, err := svc.MunicipiOfComune(ctx, territory.MilanoIstat)
	noErr(t, err)
	eq(t, 9, len(mm), "len(mm)")
	mm, err = svc.MunicipiOfComune(ctx, "015009")
	noErr(t, err)
	eq(t, 0, len(mm))
}

func TestByIDsKeepRequestOrder(t *testing.T) {
	_, svc := seeded(t)
	ctx := context.Background()
	cs, err := svc.ComuniByIstat(ctx, []string{"015146", "000000", "015009", "bad"})
	noErr(t, err)
	if len(cs) != 4 {
		t.Fatalf("len(cs) = %d, want 4", len(cs))
	}
	eq(t, "Milano", cs[0].Name)
	eq(t, true, cs[1] == nil, "cs[1] is nil")
	eq(t, "Arese", cs[2].Name)
	eq(t, true, cs[3] == nil, "cs[3] is nil")

	zs, err := svc.ZoneByIDs(ctx, []string{"7", "0", "42", "x"})
	noErr(t, err)
	eq(t, "Sud Ovest", zs[0].Name)
	eq(t, "Milano (capoluogo)", zs[1].Name)
	eq(t, true, zs[2] == nil, "zs[2] is nil")
	eq(t, true, zs[3] == nil, "zs[3] is nil")

	ns, err := svc.NilsByIDs(ctx, []string{"2", "1", "89"})
	noErr(t, err)
	eq(t, "BRERA", ns[0].Name)
	eq(t, "DUOMO", ns[1].Name)
	eq(t, true, ns[2] == nil, "ns[2] is nil")
}

func TestFold(t *testing.T) {
	eq(t, "cassina de' pecchi", territory.Fold("Cassina de’ Pecchi"))
	eq(t, "citta", territory.Fold("Città"))
}
