package main

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/auth"
)

const controlRoomQuery = `query($f: ControlRoomFilter) { controlRoom(filter: $f) {
	scope { from to comuni { istatCode } service { id } }
	backlog { comune { istatCode } status count overdue }
	weeks { weekStart submitted decided decidedLate shareDecidedLate medianDaysToDecision }
	byServiceAndComune { service { id } comune { istatCode } submitted decided decidedLate shareDecidedLate medianDaysToDecision backlog } } }`

type controlRoomAnswer struct {
	Scope struct {
		From, To time.Time
		Comuni   []struct{ IstatCode string }
	}
	Backlog []struct {
		Comune         struct{ IstatCode string }
		Status         string
		Count, Overdue int
	}
	Weeks []struct {
		WeekStart                       time.Time
		Submitted, Decided, DecidedLate int
		ShareDecidedLate                *float64
		MedianDaysToDecision            *float64
	}
	ByServiceAndComune []struct {
		Service                                  struct{ ID string }
		Comune                                   struct{ IstatCode string }
		Submitted, Decided, DecidedLate, Backlog int
		ShareDecidedLate                         *float64
		MedianDaysToDecision                     *float64
	}
}

// median is percentile_cont(0.5).
func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	sort.Float64s(xs)
	m := xs[len(xs)/2]
	if len(xs)%2 == 0 {
		m = (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
	}
	return &m
}

func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) < 1e-6
}

func fmtFloat(f *float64) string {
	if f == nil {
		return "null"
	}
	return fmt.Sprintf("%.6f", *f)
}

// TestControlRoomMatchesTheTable: the control room's backlog, weekly series
// and per service and comune figures, through the gateway, equal what the
// test computes from the practices table, for windows of several shapes
// and an operator of two comuni, a single comune and a single service.
func TestControlRoomMatchesTheTable(t *testing.T) {
	d := newDesk(t, 400, 37)
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	comuni := []string{d.comuni[0], d.comuni[1]}
	op := d.operator(t, "VRDGPP70A01F205Z", "Giuseppe Verdi", comuni...)
	all := d.rows(t)
	var someService string
	for _, r := range all {
		if r.Comune == d.comuni[0] && r.DecidedAt != nil {
			someService = r.Service
			break
		}
	}
	weekStart := func(t time.Time) time.Time {
		l := t.In(rome)
		day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, rome)
		return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	}
	cases := []struct {
		from, to        time.Time
		comune, service string
	}{
		{from: time.Date(2026, 6, 1, 0, 0, 0, 0, rome), to: time.Date(2026, 11, 2, 0, 0, 0, 0, rome)},
		{from: time.Date(2026, 3, 18, 13, 7, 0, 0, time.UTC), to: time.Date(2026, 10, 29, 4, 0, 0, 0, time.UTC), comune: d.comuni[1]}, // across both DST changes
		{from: time.Date(2025, 11, 5, 0, 0, 0, 0, time.UTC), to: time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC), service: someService},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			f := map[string]any{"from": c.from.Format(time.RFC3339), "to": c.to.Format(time.RFC3339)}
			scope := comuni
			if c.comune != "" {
				f["comune"], scope = c.comune, []string{c.comune}
			}
			if c.service != "" {
				f["service"] = c.service
			}
			before := time.Now()
			r := call(t, d.url, op, controlRoomQuery, map[string]any{"f": f})
			after := time.Now()
			if len(r.Errors) > 0 {
				t.Fatalf("%+v", r.Errors)
			}
			var got controlRoomAnswer
			if err := json.Unmarshal(r.Data["controlRoom"], &got); err != nil {
				t.Fatal(err)
			}
			if !got.Scope.From.Equal(c.from) || !got.Scope.To.Equal(c.to) || len(got.Scope.Comuni) != len(scope) {
				t.Errorf("scope %+v", got.Scope)
			}
			in := func(r queueRow) bool {
				return slices.Contains(scope, r.Comune) && (c.service == "" || r.Service == c.service)
			}
			inWindow := func(t *time.Time) bool { return t != nil && !t.Before(c.from) && t.Before(c.to) }
			open := []string{"PAYMENT_PENDING", "SUBMITTED", "REGISTERED", "IN_PROGRESS", "INTEGRATION_REQUESTED"}

			// Backlog.
			backlog := func(now time.Time) map[string][2]int {
				m := map[string][2]int{}
				for _, r := range all {
					if !in(r) || !slices.Contains(open, r.Status) {
						continue
					}
					k := r.Comune + "/" + r.Status
					v := m[k]
					v[0]++
					if r.DueBy != nil && r.DueBy.Before(now) {
						v[1]++
					}
					m[k] = v
				}
				return m
			}
			want := backlog(before)
			if fmt.Sprint(want) != fmt.Sprint(backlog(after)) {
				t.Skip("a due date fell inside the request")
			}
			if len(got.Backlog) != len(want) {
				t.Errorf("backlog has %d entries, want %d", len(got.Backlog), len(want))
			}
			for _, b := range got.Backlog {
				if w := want[b.Comune.IstatCode+"/"+b.Status]; w != [2]int{b.Count, b.Overdue} {
					t.Errorf("backlog %s %s: %d (%d overdue), want %v", b.Comune.IstatCode, b.Status, b.Count, b.Overdue, w)
				}
			}
			if !sort.SliceIsSorted(got.Backlog, func(i, j int) bool {
				a, b := got.Backlog[i], got.Backlog[j]
				return a.Comune.IstatCode < b.Comune.IstatCode || a.Comune.IstatCode == b.Comune.IstatCode &&
					slices.Index(open, a.Status) < slices.Index(open, b.Status)
			}) {
				t.Error("backlog out of order")
			}

			// Weeks.
			type week struct {
				sub, dec, late int
				days           []float64
			}
			weeks := map[time.Time]*week{}
			var starts []time.Time
			for w := weekStart(c.from); w.Before(c.to); w = w.AddDate(0, 0, 7) {
				weeks[w] = &week{}
				starts = append(starts, w)
			}
			for _, r := range all {
				if !in(r) {
					continue
				}
				if inWindow(r.SubmittedAt) {
					weeks[weekStart(*r.SubmittedAt)].sub++
				}
				if inWindow(r.DecidedAt) {
					w := weeks[weekStart(*r.DecidedAt)]
					w.dec++
					if r.DueBy != nil && r.DecidedAt.After(*r.DueBy) {
						w.late++
					}
					w.days = append(w.days, r.DecidedAt.Sub(*r.SubmittedAt).Hours()/24)
				}
			}
			if len(got.Weeks) != len(starts) {
				t.Fatalf("%d weeks, want %d", len(got.Weeks), len(starts))
			}
			decided := 0
			for i, g := range got.Weeks {
				w := weeks[starts[i]]
				decided += w.dec
				var sh *float64
				if w.dec > 0 {
					v := float64(w.late) / float64(w.dec)
					sh = &v
				}
				if !g.WeekStart.Equal(starts[i]) || g.Submitted != w.sub || g.Decided != w.dec || g.DecidedLate != w.late ||
					!sameFloat(g.MedianDaysToDecision, median(w.days)) || !sameFloat(g.ShareDecidedLate, sh) {
					t.Errorf("week %s: %v %d %d %d %s %s, want %v %d %d %d %s %s", starts[i], g.WeekStart, g.Submitted, g.Decided, g.DecidedLate,
						fmtFloat(g.MedianDaysToDecision), fmtFloat(g.ShareDecidedLate), starts[i], w.sub, w.dec, w.late, fmtFloat(median(w.days)), fmtFloat(sh))
				}
			}
			if decided == 0 {
				t.Error("nothing decided in the window: the case says little")
			}

			// Per service and comune.
			type fig struct {
				sub, dec, late, open int
				days                 []float64
			}
			figs := map[string]*fig{}
			get := func(r queueRow) *fig {
				k := r.Service + "/" + r.Comune
				if figs[k] == nil {
					figs[k] = &fig{}
				}
				return figs[k]
			}
			for _, r := range all {
				if !in(r) {
					continue
				}
				if inWindow(r.SubmittedAt) {
					get(r).sub++
				}
				if inWindow(r.DecidedAt) {
					f := get(r)
					f.dec++
					if r.DecidedAt.After(*r.DueBy) {
						f.late++
					}
					f.days = append(f.days, r.DecidedAt.Sub(*r.SubmittedAt).Hours()/24)
				}
				if slices.Contains(open, r.Status) {
					get(r).open++
				}
			}
			if len(got.ByServiceAndComune) != len(figs) {
				t.Errorf("%d service/comune entries, want %d", len(got.ByServiceAndComune), len(figs))
			}
			for _, g := range got.ByServiceAndComune {
				w := figs[g.Service.ID+"/"+g.Comune.IstatCode]
				if w == nil {
					t.Errorf("unexpected %s/%s", g.Service.ID, g.Comune.IstatCode)
					continue
				}
				if g.Submitted != w.sub || g.Decided != w.dec || g.DecidedLate != w.late || g.Backlog != w.open || !sameFloat(g.MedianDaysToDecision, median(w.days)) {
					t.Errorf("%s/%s: %+v, want %+v median %s", g.Service.ID, g.Comune.IstatCode, g, *w, fmtFloat(median(w.days)))
				}
			}
		})
	}

	t.Run("refusals", func(t *testing.T) {
		citizen := d.token(t, auth.Claims{FiscalCode: "RSSMRA80A41F205X", Roles: []string{auth.RoleCitizen}})
		elsewhere := d.operator(t, "BNCLCU75C12F205Y", "", "015002")
		for _, c := range []struct {
			name, token string
			f           map[string]any
			want        string
		}{
			{"anonymous", "", nil, "UNAUTHORIZED_FIELD_OR_TYPE"},
			{"citizen", citizen, nil, "FORBIDDEN"},
			{"another comune", elsewhere, map[string]any{"comune": d.comuni[0]}, "FORBIDDEN"},
			{"from after to", op, map[string]any{"from": "2026-05-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"}, "BAD_USER_INPUT"},
			{"a century", op, map[string]any{"from": "1926-05-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"}, "BAD_USER_INPUT"},
			{"service not an id", op, map[string]any{"service": "cie"}, "BAD_USER_INPUT"},
		} {
			r := call(t, d.url, c.token, `query($f: ControlRoomFilter) { controlRoom(filter: $f) { weeks { submitted } } }`, map[string]any{"f": c.f})
			code := ""
			if len(r.Errors) > 0 {
				code, _ = r.Errors[0].Extensions["code"].(string)
			}
			if code != c.want {
				t.Errorf("%s: %+v, want %s", c.name, r.Errors, c.want)
			}
			if strings.Contains(string(r.Data["controlRoom"]), "submitted") {
				t.Errorf("%s: answered %s", c.name, r.Data["controlRoom"])
			}
		}
	})
}
