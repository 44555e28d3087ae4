package territory_test

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"testing"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/opendata"
	"github.com/citizengraph/citizengraph/subgraphs/territory"
)

func TestPlaceAtKnownPlaces(t *testing.T) {
	_, svc := seeded(t)
	ctx := context.Background()
	for _, c := range []struct {
		name              string
		lat, lon          float64
		comune, nil, mun  string // "" when none
		outsideMetroplCty bool
	}{
		{name: "Piazza del Duomo", lat: 45.4642, lon: 9.1900, comune: "015146", nil: "DUOMO", mun: "1"},
		{name: "Biblioteca Niguarda", lat: 45.515282, lon: 9.193155, comune: "015146", nil: "NIGUARDA - CA' GRANDA - PRATO CENTENARO - Q.RE FULVIO TESTI", mun: "9"},
		{name: "Stazione di Sesto San Giovanni", lat: 45.5414, lon: 9.2387, comune: "015209"},
		{name: "Rho Fiera", lat: 45.5210, lon: 9.0868, comune: "015182"},
		{name: "Monza (province of Monza e Brianza)", lat: 45.5845, lon: 9.2744, outsideMetroplCty: true},
		{name: "Bergamo", lat: 45.6983, lon: 9.6773, outsideMetroplCty: true},
		{name: "Roma", lat: 41.9028, lon: 12.4964, outsideMetroplCty: true},
		{name: "Null Island", lat: 0, lon: 0, outsideMetroplCty: true},
	} {
		p, err := svc.PlaceAt(ctx, c.lat, c.lon)
		noErr(t, err)
		if c.outsideMetroplCty {
			if p != nil {
				t.Errorf("%s: want null, got comune %s", c.name, p.Comune.Name)
			}
			continue
		}
		if p == nil {
			t.Errorf("%s: no place", c.name)
			continue
		}
		eq(t, c.comune, p.Comune.IstatCode, c.name, " comune")
		gotNil, gotMun := "", ""
		if p.Nil != nil {
			gotNil = p.Nil.Name
		}
		if p.Municipio != nil {
			gotMun = strconv.Itoa(p.Municipio.ID)
		}
		eq(t, c.nil, gotNil, c.name, " NIL")
		eq(t, c.mun, gotMun, c.name, " municipio")
	}
}

// Every library and archive of the open data lies in the NIL the Comune di
// Milano gives for it (an independent source: the venues' own id_nil).
func TestPlaceAtAgreesWithVenuesNil(t *testing.T) {
	_, svc := seeded(t)
	ctx := context.Background()
	libs, err := opendata.Libraries()
	noErr(t, err)
	bad := 0
	for _, l := range libs {
		p, err := svc.PlaceAt(ctx, l.Lat, l.Lon)
		noErr(t, err)
		if p == nil || p.Comune.IstatCode != territory.MilanoIstat || p.Nil == nil || p.Nil.ID != l.NilID {
			bad++
			got := "none"
			if p != nil && p.Nil != nil {
				got = strconv.Itoa(p.Nil.ID)
			}
			t.Errorf("venue %d %q at %v,%v: NIL %s, want %d", l.ID, l.Name, l.Lat, l.Lon, got, l.NilID)
		}
	}
	t.Logf("%d venues checked, %d disagree", len(libs), bad)
}

// Every public drinking fountain of Milan lies in the NIL the Comune di
// Milano gives for it; its municipio is the NIL's prevalent one for most
// (NIL straddle municipi: the link is approximate by construction).
func TestPlaceAtAgreesWithFountains(t *testing.T) {
	_, svc := seeded(t)
	ctx := context.Background()
	fs, err := opendata.Fountains()
	noErr(t, err)
	eq(t, 721, len(fs), "fountains")
	sameMunicipio := 0
	for _, f := range fs {
		p, err := svc.PlaceAt(ctx, f.Lat, f.Lon)
		noErr(t, err)
		if p == nil || p.Nil == nil || p.Nil.ID != f.NilID {
			t.Errorf("fountain %s at %v,%v: placed %+v, want NIL %d", f.ID, f.Lat, f.Lon, p, f.NilID)
			continue
		}
		if p.Municipio != nil && p.Municipio.ID == f.Municipio {
			sameMunicipio++
		}
	}
	if sameMunicipio < len(fs)*9/10 {
		t.Errorf("municipio agrees for %d of %d fountains, want at least 90%%", sameMunicipio, len(fs))
	}
	t.Logf("NIL agrees for every fountain; municipio for %d of %d", sameMunicipio, len(fs))
}

// A point inside each comune's and each NIL's own outline (PostGIS'
// ST_PointOnSurface) is placed in that comune and NIL.
func TestPlaceAtPointOnSurfaceOfEveryPlace(t *testing.T) {
	pool, svc := seeded(t)
	ctx := context.Background()
	for _, q := range []struct{ kind, sql string }{
		{"comune", `select istat_code, ST_Y(ST_PointOnSurface(boundary)), ST_X(ST_PointOnSurface(boundary)) from territory.comune`},
		{"nil", `select id::text, ST_Y(ST_PointOnSurface(boundary)), ST_X(ST_PointOnSurface(boundary)) from territory.nil`},
	} {
		rows, err := pool.Query(ctx, q.sql)
		noErr(t, err)
		type pt struct {
			code     string
			lat, lon float64
		}
		var pts []pt
		for rows.Next() {
			var p pt
			noErr(t, rows.Scan(&p.code, &p.lat, &p.lon))
			pts = append(pts, p)
		}
		noErr(t, rows.Err())
		want := map[string]int{"comune": 133, "nil": 88}[q.kind]
		eq(t, want, len(pts), q.kind, " points")
		for _, p := range pts {
			got, err := svc.PlaceAt(ctx, p.lat, p.lon)
			noErr(t, err)
			switch {
			case got == nil:
				t.Errorf("%s %s: point %v,%v not placed", q.kind, p.code, p.lat, p.lon)
			case q.kind == "comune" && got.Comune.IstatCode != p.code:
				t.Errorf("comune %s: point placed in %s", p.code, got.Comune.IstatCode)
			case q.kind == "nil" && (got.Nil == nil || strconv.Itoa(got.Nil.ID) != p.code):
				t.Errorf("nil %s: point placed in %+v", p.code, got.Nil)
			}
		}
	}
}

func TestPlaceAtRejectsBadCoordinates(t *testing.T) {
	_, svc := seeded(t)
	for _, c := range [][2]float64{{91, 9}, {-90.5, 9}, {45, 180.1}, {45, -181}, {math.NaN(), 9}, {45, math.Inf(1)}} {
		_, err := svc.PlaceAt(context.Background(), c[0], c[1])
		isKind(t, apperr.Invalid, err, c)
	}
}

// geometry is the part of GeoJSON (RFC 7946) the boundaries use.
type geometry struct {
	Type        string          `json:"type"`
	Coordinates [][][][]float64 `json:"coordinates"`
}

// checkMultiPolygon checks RFC 7946 §3.1.6-3.1.7: a MultiPolygon of linear
// rings of at least four positions, closed, in lon-lat order (here: inside
// Lombardy's box).
func checkMultiPolygon(t *testing.T, name string, raw json.RawMessage) {
	t.Helper()
	var g geometry
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatalf("%s: not GeoJSON: %v", name, err)
	}
	if g.Type != "MultiPolygon" || len(g.Coordinates) == 0 {
		t.Fatalf("%s: type %q with %d polygons", name, g.Type, len(g.Coordinates))
	}
	for _, poly := range g.Coordinates {
		if len(poly) == 0 {
			t.Fatalf("%s: empty polygon", name)
		}
		for _, ring := range poly {
			if len(ring) < 4 {
				t.Fatalf("%s: ring of %d positions", name, len(ring))
			}
			first, last := ring[0], ring[len(ring)-1]
			if first[0] != last[0] || first[1] != last[1] {
				t.Fatalf("%s: ring not closed", name)
			}
			for _, pos := range ring {
				if len(pos) != 2 || pos[0] < 8.4 || pos[0] > 9.6 || pos[1] < 45.1 || pos[1] > 45.7 {
					t.Fatalf("%s: position %v outside the metropolitan city or not [lon, lat]", name, pos)
				}
			}
		}
	}
}

func TestBoundariesAreValidGeoJSON(t *testing.T) {
	pool, svc := seeded(t)
	ctx := context.Background()
	cs, err := opendata.Comuni()
	noErr(t, err)
	for _, c := range cs {
		g, err := svc.ComuneBoundary(ctx, c.IstatCode)
		noErr(t, err)
		checkMultiPolygon(t, c.Name, g)
	}
	for id := 1; id <= 88; id++ {
		g, err := svc.NilBoundary(ctx, strconv.Itoa(id))
		noErr(t, err)
		checkMultiPolygon(t, "NIL "+strconv.Itoa(id), g)
	}
	var invalid int
	noErr(t, pool.QueryRow(ctx, `select (select count(*) from territory.comune where not ST_IsValid(boundary))
		+ (select count(*) from territory.nil where not ST_IsValid(boundary))`).Scan(&invalid))
	eq(t, 0, invalid, "invalid geometries")
	// The NIL tile Milano: their areas add up to the official 181.76 km², and
	// so does Milano's own outline (both within 1%).
	var nilKm2, milanoKm2 float64
	noErr(t, pool.QueryRow(ctx, `select (select sum(ST_Area(boundary::geography)) / 1e6 from territory.nil),
		(select ST_Area(boundary::geography) / 1e6 from territory.comune where istat_code = '015146')`).Scan(&nilKm2, &milanoKm2))
	for name, a := range map[string]float64{"NIL": nilKm2, "Milano": milanoKm2} {
		if math.Abs(a-181.76)/181.76 > 0.01 {
			t.Errorf("%s area %.2f km², want 181.76 ± 1%%", name, a)
		}
	}
	g, err := svc.NilBoundary(ctx, "999")
	noErr(t, err)
	if g != nil {
		t.Errorf("unknown NIL has a boundary: %s", g)
	}
}
