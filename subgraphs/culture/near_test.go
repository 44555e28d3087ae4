package culture_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/opendata"
	"github.com/citizengraph/citizengraph/subgraphs/culture"
)

const duomoLat, duomoLon = 45.4642, 9.1900

func radius(m float64) *float64 { return &m }

// haversine is the great-circle distance in metres on a sphere of the
// WGS84 mean radius: an independent reference for PostGIS' spheroid
// distance (they differ by well under 0.5%).
func haversine(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371008.8
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

// allVenuesNear walks every page of q.
func allVenuesNear(t *testing.T, svc *culture.Service, q culture.NearQuery) []culture.VenueNear {
	t.Helper()
	var out []culture.VenueNear
	for {
		p, err := svc.VenuesNear(context.Background(), q)
		noErr(t, err)
		out = append(out, p.Items...)
		if !p.HasNext {
			return out
		}
		q.After = p.Cursors[len(p.Cursors)-1]
	}
}

func allEventsNear(t *testing.T, svc *culture.Service, q culture.NearQuery) []culture.EventNear {
	t.Helper()
	var out []culture.EventNear
	for {
		p, err := svc.EventsNear(context.Background(), q)
		noErr(t, err)
		out = append(out, p.Items...)
		if !p.HasNext {
			return out
		}
		q.After = p.Cursors[len(p.Cursors)-1]
	}
}

// The venues within a radius, by distance, against a brute-force reference
// over the open data: same set (up to the spheroid/sphere difference at
// the rim), nondecreasing distances, each within 0.5% of the reference.
func TestVenuesNearMatchesBruteForce(t *testing.T) {
	_, svc := seeded(t)
	libs, err := opendata.Libraries()
	noErr(t, err)
	for _, c := range []struct {
		lat, lon, r float64
		first       int
	}{
		{duomoLat, duomoLon, 1500, 7}, {duomoLat, duomoLon, 400, 100}, {45.5153, 9.1932, 3000, 5}, {45.47, 9.15, 2500, 3},
	} {
		got := allVenuesNear(t, svc, culture.NearQuery{Near: culture.Near{Lat: c.lat, Lon: c.lon, Radius: radius(c.r)}, First: c.first})
		ids := map[int]bool{}
		for i, v := range got {
			if ids[v.Venue.ID] {
				t.Fatalf("venue %d twice across pages", v.Venue.ID)
			}
			ids[v.Venue.ID] = true
			ref := haversine(c.lat, c.lon, v.Venue.Lat, v.Venue.Lon)
			if v.Distance > c.r || math.Abs(v.Distance-ref) > 0.005*ref+0.5 {
				t.Errorf("venue %d: distance %.1f, reference %.1f, radius %.0f", v.Venue.ID, v.Distance, ref, c.r)
			}
			if i > 0 && (v.Distance < got[i-1].Distance || v.Distance == got[i-1].Distance && v.Venue.ID < got[i-1].Venue.ID) {
				t.Errorf("venues %d, %d out of order", i-1, i)
			}
		}
		want := 0
		for _, l := range libs {
			d := haversine(c.lat, c.lon, l.Lat, l.Lon)
			if d < c.r*0.995 {
				want++
				if !ids[l.ID] {
					t.Errorf("venue %d at %.0f m missing within %.0f m", l.ID, d, c.r)
				}
			}
		}
		if len(got) < want || want == 0 {
			t.Errorf("%v: %d venues, reference %d", c, len(got), want)
		}
		p, err := svc.VenuesNear(context.Background(), culture.NearQuery{Near: culture.Near{Lat: c.lat, Lon: c.lon, Radius: radius(c.r)}, First: 1, WithTotal: true})
		noErr(t, err)
		eq(t, len(got), p.Total, "totalCount")
	}
}

func TestVenuesNearInsideNilAndComune(t *testing.T) {
	_, svc := seeded(t)
	libs, err := opendata.Libraries()
	noErr(t, err)
	inDuomo := 0
	for _, l := range libs {
		if l.NilID == 1 {
			inDuomo++
		}
	}
	got := allVenuesNear(t, svc, culture.NearQuery{Near: culture.Near{Lat: duomoLat, Lon: duomoLon}, Nil: "1", First: 4})
	eq(t, inDuomo, len(got), "venues in NIL 1")
	for i, v := range got {
		eq(t, 1, *v.Venue.NilID, "NIL")
		if i > 0 && v.Distance < got[i-1].Distance {
			t.Errorf("out of order at %d", i)
		}
	}
	all := allVenuesNear(t, svc, culture.NearQuery{Near: culture.Near{Lat: duomoLat, Lon: duomoLon}, Comune: culture.MilanoIstat, First: 100})
	eq(t, len(libs), len(all), "every venue is in Milano")
	none := allVenuesNear(t, svc, culture.NearQuery{Near: culture.Near{Lat: duomoLat, Lon: duomoLon}, Comune: "015209", First: 100})
	eq(t, 0, len(none), "no venue in Sesto San Giovanni")
	// radius and NIL together: the intersection.
	both := allVenuesNear(t, svc, culture.NearQuery{Near: culture.Near{Lat: duomoLat, Lon: duomoLon, Radius: radius(300)}, Nil: "1", First: 100})
	for _, v := range both {
		if v.Distance > 300 || *v.Venue.NilID != 1 {
			t.Errorf("venue %d outside the intersection", v.Venue.ID)
		}
	}
}

func TestEventsNearUpcomingByDefault(t *testing.T) {
	_, svc := seeded(t)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	near := culture.Near{Lat: duomoLat, Lon: duomoLon, Radius: radius(2500)}
	upcoming := allEventsNear(t, svc, culture.NearQuery{Near: near, First: 9, Now: now})
	everything := allEventsNear(t, svc, culture.NearQuery{Near: near, First: 100, Past: true, Now: now})
	if len(upcoming) == 0 || len(everything) <= len(upcoming) {
		t.Fatalf("%d upcoming of %d events: want some of each", len(upcoming), len(everything))
	}
	var wantUpcoming []string
	for i, e := range everything {
		if e.Distance > 2500 {
			t.Errorf("event %s at %.0f m", e.Event.ID, e.Distance)
		}
		if e.Event.Lat == nil {
			t.Fatalf("event %s without a location", e.Event.ID)
		}
		if ref := haversine(duomoLat, duomoLon, *e.Event.Lat, *e.Event.Lon); math.Abs(e.Distance-ref) > 0.005*ref+0.5 {
			t.Errorf("event %s: distance %.1f, reference %.1f", e.Event.ID, e.Distance, ref)
		}
		if i > 0 {
			a, b := everything[i-1], e
			if b.Distance < a.Distance || b.Distance == a.Distance && (b.Event.StartsAt.Before(a.Event.StartsAt) ||
				b.Event.StartsAt.Equal(a.Event.StartsAt) && b.Event.ID <= a.Event.ID) {
				t.Fatalf("events %d, %d out of order", i-1, i)
			}
		}
		if !e.Event.EndsAt.Before(now) {
			wantUpcoming = append(wantUpcoming, e.Event.ID)
		}
	}
	var gotUpcoming []string
	for _, e := range upcoming {
		gotUpcoming = append(gotUpcoming, e.Event.ID)
	}
	eq(t, wantUpcoming, gotUpcoming, "upcoming = the events not over at now, same order")
	// A from before now does not bring past events back; includePast does.
	early := now.Add(-365 * 24 * time.Hour)
	again := allEventsNear(t, svc, culture.NearQuery{Near: near, First: 100, Now: now, From: &early})
	eq(t, len(upcoming), len(again), "from in the past without includePast")
}

func TestEventsNearInsideComuneAndNil(t *testing.T) {
	pool, svc := seeded(t)
	ctx := context.Background()
	// Events held around another comune are at its centroid.
	sesto := allEventsNear(t, svc, culture.NearQuery{Near: culture.Near{Lat: duomoLat, Lon: duomoLon}, Comune: "015209", Past: true, First: 50})
	var want int
	noErr(t, pool.QueryRow(ctx, `select count(*) from culture.event where comune = '015209'`).Scan(&want))
	eq(t, want, len(sesto), "events in Sesto San Giovanni")
	for _, e := range sesto {
		eq(t, 45.53496, *e.Event.Lat, "at the comune's centroid")
	}
	inNil := allEventsNear(t, svc, culture.NearQuery{Near: culture.Near{Lat: duomoLat, Lon: duomoLon}, Nil: "1", Past: true, First: 100})
	noErr(t, pool.QueryRow(ctx, `select count(*) from culture.event e join culture.venue v on v.id = e.venue_id where v.nil_id = 1`).Scan(&want))
	eq(t, want, len(inNil), "events in NIL 1")
	if want == 0 {
		t.Fatal("no events in NIL 1 to check")
	}
}

func TestNearRejectsBadInput(t *testing.T) {
	_, svc := seeded(t)
	ctx := context.Background()
	ok := culture.Near{Lat: duomoLat, Lon: duomoLon, Radius: radius(1000)}
	for name, q := range map[string]culture.NearQuery{
		"no bound":       {Near: culture.Near{Lat: duomoLat, Lon: duomoLon}, First: 10},
		"zero radius":    {Near: culture.Near{Lat: duomoLat, Lon: duomoLon, Radius: radius(0)}, First: 10},
		"negative":       {Near: culture.Near{Lat: duomoLat, Lon: duomoLon, Radius: radius(-5)}, First: 10},
		"too far":        {Near: culture.Near{Lat: duomoLat, Lon: duomoLon, Radius: radius(50_001)}, First: 10},
		"NaN radius":     {Near: culture.Near{Lat: duomoLat, Lon: duomoLon, Radius: radius(math.NaN())}, First: 10},
		"latitude":       {Near: culture.Near{Lat: 90.5, Lon: duomoLon, Radius: radius(1000)}, First: 10},
		"longitude":      {Near: culture.Near{Lat: duomoLat, Lon: math.NaN(), Radius: radius(1000)}, First: 10},
		"first 0":        {Near: ok, First: 0},
		"first 101":      {Near: ok, First: 101},
		"comune":         {Near: ok, Comune: "15146", First: 10},
		"nil":            {Near: ok, Nil: "x", First: 10},
		"cursor":         {Near: ok, After: "garbage", First: 10},
		"category":       {Near: ok, Category: "9.9.9", First: 10},
		"events cursor":  {Near: ok, After: "MTAwfDEyMw", First: 10},
		"venue cursor 2": {Near: ok, After: "", First: 10, Comune: "abc"},
	} {
		_, err1 := svc.VenuesNear(ctx, q)
		_, err2 := svc.EventsNear(ctx, q)
		if name != "category" {
			isKind(t, apperr.Invalid, err1, name, " venues")
		}
		isKind(t, apperr.Invalid, err2, name, " events")
	}
	// A venue cursor is not an event cursor.
	p, err := svc.VenuesNear(ctx, culture.NearQuery{Near: ok, First: 1})
	noErr(t, err)
	_, err = svc.EventsNear(ctx, culture.NearQuery{Near: ok, First: 1, After: p.Cursors[0]})
	isKind(t, apperr.Invalid, err, "venue cursor for events")
	if slices.Contains(p.Cursors, "") {
		t.Error("empty cursor")
	}
}
