package culture_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/subgraphs/culture"
)

// icsLines checks the physical lines of an iCalendar object (RFC 5545 §3.1:
// CRLF line ends, at most 75 octets, valid UTF-8 on every line, so that no
// character is split by folding) and returns the unfolded content lines.
func icsLines(t *testing.T, ics string) []string {
	t.Helper()
	if !strings.HasSuffix(ics, "\r\n") {
		t.Fatal("does not end with CRLF")
	}
	phys := strings.Split(strings.TrimSuffix(ics, "\r\n"), "\r\n")
	var out []string
	for i, l := range phys {
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("line %d: bare CR or LF", i)
		}
		if len(l) > 75 {
			t.Fatalf("line %d: %d octets", i, len(l))
		}
		if !utf8.ValidString(l) {
			t.Fatalf("line %d: a UTF-8 sequence is split: %q", i, l)
		}
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			if len(out) == 0 {
				t.Fatal("continuation before any line")
			}
			out[len(out)-1] += l[1:]
			continue
		}
		out = append(out, l)
	}
	return out
}

// unescape reverses TEXT escaping (RFC 5545 §3.3.11), failing on a bare
// backslash or an unescaped comma or semicolon.
func unescape(t *testing.T, v string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			if i+1 == len(v) {
				t.Fatalf("trailing backslash in %q", v)
			}
			i++
			switch v[i] {
			case 'n', 'N':
				b.WriteByte('\n')
			case '\\', ';', ',':
				b.WriteByte(v[i])
			default:
				t.Fatalf("bad escape \\%c in %q", v[i], v)
			}
		case ';', ',':
			t.Fatalf("unescaped %c in %q", c, v)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

type vevent map[string][]string // property (with parameters) → values

func parseICS(t *testing.T, ics string) (cal map[string]string, events []vevent) {
	t.Helper()
	cal = map[string]string{}
	var stack []string
	var cur vevent
	for _, l := range icsLines(t, ics) {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("no colon in %q", l)
		}
		switch name {
		case "BEGIN":
			stack = append(stack, value)
			if value == "VEVENT" {
				cur = vevent{}
			}
			continue
		case "END":
			if len(stack) == 0 || stack[len(stack)-1] != value {
				t.Fatalf("END:%s does not close %v", value, stack)
			}
			stack = stack[:len(stack)-1]
			if value == "VEVENT" {
				events = append(events, cur)
				cur = nil
			}
			continue
		}
		if cur != nil {
			cur[name] = append(cur[name], value)
		} else if len(stack) == 1 {
			cal[name] = value
		}
	}
	if len(stack) != 0 {
		t.Fatalf("unclosed %v", stack)
	}
	return cal, events
}

func f64(v float64) *float64 { return &v }

func TestWriteICSFollowsRFC5545(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	noErr(t, err)
	venue := &culture.Venue{ID: 7, Name: "SORMANI", Address: "CORSO DI PORTA VITTORIA, 6", URL: "www.comune.milano.it/biblioteche"}
	tricky := "Incontro: «Milano, città; d'acqua»\\ e poi\nun a capo — " + strings.Repeat("è", 60)
	entries := []culture.CalendarEntry{
		{Event: culture.Event{ID: "0b1c2d3e-0000-4000-8000-000000000001", Title: tricky, Description: "Ingresso libero, prenotazione; consigliata.",
			Category: "1.1.2", StartsAt: time.Date(2026, 12, 10, 17, 0, 0, 0, time.UTC), EndsAt: time.Date(2026, 12, 10, 18, 30, 0, 0, time.UTC),
			VenueID: &venue.ID, Comune: culture.MilanoIstat, Lat: f64(45.4602), Lon: f64(9.1994), Organizer: "Comune di Milano"}, Venue: venue},
		{Event: culture.Event{ID: "0b1c2d3e-0000-4000-8000-000000000002", Title: "Festa d'estate", Category: "2.4.1",
			StartsAt: time.Date(2027, 7, 1, 16, 0, 0, 0, time.UTC), EndsAt: time.Date(2027, 7, 3, 20, 0, 0, 0, time.UTC),
			Comune: "015209", Lat: f64(45.53496), Lon: f64(9.242552)}, ComuneName: "Sesto San Giovanni"},
	}
	stamp := time.Date(2026, 12, 5, 19, 30, 0, 0, time.UTC)
	var buf bytes.Buffer
	noErr(t, culture.WriteICS(&buf, culture.Calendar{Name: "Eventi, Milano", Stamp: stamp, Entries: entries},
		func(code string) string { return map[string]string{"1.1.2": "Presentazione di libro"}[code] }, rome))
	cal, events := parseICS(t, buf.String())
	eq(t, "2.0", cal["VERSION"])
	if cal["PRODID"] == "" {
		t.Error("no PRODID")
	}
	if !strings.Contains(buf.String(), "BEGIN:VTIMEZONE\r\nTZID:Europe/Rome\r\n") {
		t.Error("TZID used without its VTIMEZONE")
	}
	eq(t, 2, len(events), "VEVENTs")
	for i, e := range events {
		for _, p := range []string{"UID", "DTSTAMP", "DTSTART;TZID=Europe/Rome", "DTEND;TZID=Europe/Rome", "SUMMARY", "GEO"} {
			if len(e[p]) != 1 {
				t.Errorf("event %d: %d %s properties, want 1", i, len(e[p]), p)
			}
		}
		eq(t, "20261205T193000Z", e["DTSTAMP"][0], "DTSTAMP in UTC")
		matches(t, `^[0-9a-f-]{36}@citizengraph\.comune\.milano\.it$`, e["UID"][0])
		matches(t, `^-?[0-9]+\.[0-9]{6};-?[0-9]+\.[0-9]{6}$`, e["GEO"][0])
	}
	// Winter (CET, +1) and summer (CEST, +2) local times.
	eq(t, "20261210T180000", events[0]["DTSTART;TZID=Europe/Rome"][0])
	eq(t, "20261210T193000", events[0]["DTEND;TZID=Europe/Rome"][0])
	eq(t, "20270701T180000", events[1]["DTSTART;TZID=Europe/Rome"][0])
	eq(t, "20270703T220000", events[1]["DTEND;TZID=Europe/Rome"][0])
	eq(t, tricky, unescape(t, events[0]["SUMMARY"][0]), "SUMMARY round trip")
	eq(t, "Ingresso libero, prenotazione; consigliata.", unescape(t, events[0]["DESCRIPTION"][0]))
	eq(t, "Sormani, Corso di Porta Vittoria, 6, Milano", unescape(t, events[0]["LOCATION"][0]))
	eq(t, "Sesto San Giovanni", unescape(t, events[1]["LOCATION"][0]))
	eq(t, "http://www.comune.milano.it/biblioteche", events[0]["URL"][0])
	eq(t, 0, len(events[1]["URL"]), "no URL without a venue site")
	eq(t, "45.460200;9.199400", events[0]["GEO"][0])
	eq(t, "Presentazione di libro", events[0]["CATEGORIES"][0])
	eq(t, "Eventi, Milano", unescape(t, cal["X-WR-CALNAME"]))
}

// Random text of every kind survives escaping and folding: the unfolded,
// unescaped SUMMARY is the title (control characters other than newline and
// tab are dropped, as TEXT may not hold them).
func TestWriteICSRandomText(t *testing.T) {
	rome, _ := time.LoadLocation("Europe/Rome")
	alphabet := []rune("aZ09 ,;:\\\n\t\"'àèìòù€😀漢\x01\x7f")
	r := rand.New(rand.NewPCG(9, 9))
	ctl := regexp.MustCompile("[\x00-\x08\x0b-\x1f\x7f]")
	for i := range 300 {
		n := r.IntN(200)
		rs := make([]rune, n)
		for j := range rs {
			rs[j] = alphabet[r.IntN(len(alphabet))]
		}
		title := string(rs)
		var buf bytes.Buffer
		noErr(t, culture.WriteICS(&buf, culture.Calendar{Stamp: time.Now(), Entries: []culture.CalendarEntry{{Event: culture.Event{
			ID: "x", Title: title, StartsAt: time.Now(), EndsAt: time.Now()}}}}, func(string) string { return "" }, rome))
		_, events := parseICS(t, buf.String())
		if got, want := unescape(t, events[0]["SUMMARY"][0]), ctl.ReplaceAllString(strings.ReplaceAll(title, "\r\n", "\n"), ""); got != want {
			t.Fatalf("case %d: %q round-trips to %q", i, want, got)
		}
	}
}

func TestCalendarFeed(t *testing.T) {
	_, svc := seeded(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	noErr(t, svc.Calendar(ctx, &buf, culture.CalendarQuery{Comune: culture.MilanoIstat, Limit: 500, Now: now}))
	_, events := parseICS(t, buf.String())
	if len(events) == 0 {
		t.Fatal("no upcoming events in Milano")
	}
	upcoming := all(t, svc, culture.EventQuery{Comune: culture.MilanoIstat, From: &now})
	eq(t, min(len(upcoming), 500), len(events), "the upcoming events")
	for i, e := range events {
		if !strings.HasPrefix(e["UID"][0], upcoming[i].ID+"@") {
			t.Fatalf("event %d: %s, want %s (by start)", i, e["UID"][0], upcoming[i].ID)
		}
	}
	buf.Reset()
	noErr(t, svc.Calendar(ctx, &buf, culture.CalendarQuery{Near: &culture.Near{Lat: duomoLat, Lon: duomoLon, Radius: radius(1000)}, Past: true, Limit: 3, Now: now}))
	_, events = parseICS(t, buf.String())
	eq(t, 3, len(events), "limit")
	for _, q := range []culture.CalendarQuery{{Limit: 0}, {Limit: 501}, {Limit: 5, Comune: "x"},
		{Limit: 5, Near: &culture.Near{Lat: 45, Lon: 9}}, {Limit: 5, Venue: "1", Near: &culture.Near{Lat: 45, Lon: 9, Radius: radius(10)}}} {
		buf.Reset()
		isKind(t, apperr.Invalid, svc.Calendar(ctx, &buf, q), q)
		eq(t, 0, buf.Len(), "nothing written on a bad request")
	}
}
