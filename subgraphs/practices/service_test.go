package practices_test

import (
	"context"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func TestCreatePracticeValidation(t *testing.T) {
	e := newEnv(t)
	ctx := as(alice())
	cases := []struct {
		name string
		ctx  context.Context
		in   practices.CreateInput
		want string
	}{
		{"anonymous", context.Background(), practices.CreateInput{ServiceID: freeService, Comune: milan, ApplicantID: aliceID}, "UNAUTHENTICATED"},
		{"no fiscal code", as(admin()), practices.CreateInput{ServiceID: freeService, Comune: milan, ApplicantID: aliceID}, "FORBIDDEN"},
		{"unknown service", ctx, practices.CreateInput{ServiceID: bobID, Comune: milan, ApplicantID: aliceID}, "BAD_USER_INPUT"},
		{"malformed service", ctx, practices.CreateInput{ServiceID: "x", Comune: milan, ApplicantID: aliceID}, "BAD_USER_INPUT"},
		{"unknown comune", ctx, practices.CreateInput{ServiceID: freeService, Comune: "058091", ApplicantID: aliceID}, "BAD_USER_INPUT"},
		{"milan only", ctx, practices.CreateInput{ServiceID: milanOnly, Comune: rho, ApplicantID: aliceID}, "BAD_USER_INPUT"},
		{"inactive", ctx, practices.CreateInput{ServiceID: inactive, Comune: milan, ApplicantID: aliceID}, "BAD_USER_INPUT"},
		{"bad applicant", ctx, practices.CreateInput{ServiceID: freeService, Comune: milan, ApplicantID: "me"}, "BAD_USER_INPUT"},
		{"bad organization", ctx, practices.CreateInput{ServiceID: freeService, Comune: milan, ApplicantID: aliceID, OrganizationID: "acme"}, "BAD_USER_INPUT"},
		{"ok", ctx, practices.CreateInput{ServiceID: milanOnly, Comune: milan, ApplicantID: aliceID}, "ok"},
		// Alice's fiscal code is now bound to aliceID.
		{"someone else's id", ctx, practices.CreateInput{ServiceID: freeService, Comune: milan, ApplicantID: bobID}, "FORBIDDEN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := e.svc.CreatePractice(c.ctx, c.in)
			if got := kindOf(err); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
			if err == nil && (p.Status != practices.StatusDraft || p.ApplicantFiscalCode != aliceFC || p.ApplicantID != aliceID) {
				t.Fatalf("created %+v", p)
			}
		})
	}
}

func TestAuthorization(t *testing.T) {
	e := newEnv(t)
	p := e.practiceIn(t, practices.StatusSubmitted) // Milan
	cases := []struct {
		name   string
		who    *auth.Principal
		read   string
		action practices.Action
		act    string
	}{
		{"anonymous", nil, "UNAUTHENTICATED", practices.ActionWithdraw, "UNAUTHENTICATED"},
		{"applicant", alice(), "ok", practices.ActionRegister, "FORBIDDEN"},
		{"other citizen", bob(), "NOT_FOUND", practices.ActionWithdraw, "NOT_FOUND"},
		{"operator elsewhere", operatorOf(rho), "NOT_FOUND", practices.ActionRegister, "NOT_FOUND"},
		{"operator of the comune as citizen", operatorOf(milan), "ok", practices.ActionWithdraw, "FORBIDDEN"},
		{"citizen claiming operator comuni", &auth.Principal{FirstParty: true, FiscalCode: bobFC, Roles: []string{auth.RoleCitizen}, Comuni: []string{milan}}, "NOT_FOUND", practices.ActionRegister, "NOT_FOUND"},
		{"admin", admin(), "ok", practices.ActionRegister, "ok"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			if c.who != nil {
				ctx = as(c.who)
			}
			_, err := e.svc.Practice(ctx, p.ID)
			if got := kindOf(err); got != c.read {
				t.Fatalf("read: got %s, want %s", got, c.read)
			}
			before := e.counts(t, p.ID)
			_, err = e.svc.Act(ctx, p.ID, c.action, "")
			if got := kindOf(err); got != c.act {
				t.Fatalf("%s: got %s, want %s", c.action, got, c.act)
			}
			if err != nil && e.counts(t, p.ID) != before {
				t.Fatal("a refused action wrote rows")
			}
		})
	}
	if _, err := e.svc.Practice(as(admin()), "00000000-0000-4000-8000-000000000000"); kindOf(err) != "NOT_FOUND" {
		t.Fatalf("missing practice: %s", kindOf(err))
	}
	if _, err := e.svc.Act(as(admin()), "00000000-0000-4000-8000-000000000000", practices.ActionRegister, ""); kindOf(err) != "NOT_FOUND" {
		t.Fatalf("act on missing practice: %s", kindOf(err))
	}
}

func TestDueByAndOverdue(t *testing.T) {
	e := newEnv(t)
	start := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	e.clock.set(start)
	p := e.create(t, freeService, milan) // 45 days
	if p.DueBy != nil || p.Overdue(start.AddDate(1, 0, 0)) {
		t.Fatal("a draft has no term")
	}
	p, err := e.svc.Act(as(alice()), p.ID, practices.ActionSubmit, "")
	if err != nil {
		t.Fatal(err)
	}
	want := start.AddDate(0, 0, 45)
	if !p.SubmittedAt.Equal(start) || !p.DueBy.Equal(want) {
		t.Fatalf("submitted %v due %v, want %v / %v", p.SubmittedAt, p.DueBy, start, want)
	}
	if p.Overdue(want) || !p.Overdue(want.Add(time.Second)) {
		t.Fatal("overdue must flip right after dueBy")
	}
	e.clock.set(start.AddDate(0, 0, 1))
	p = e.act(t, operatorOf(milan), p.ID, practices.ActionRegister)
	p = e.act(t, operatorOf(milan), p.ID, practices.ActionTakeInCharge)
	if p.ProtocolDate == nil || !strings.HasPrefix(p.ProtocolNumber, milan+"/2026/") || p.TakenInChargeAt == nil {
		t.Fatalf("protocol %q %v, taken %v", p.ProtocolNumber, p.ProtocolDate, p.TakenInChargeAt)
	}
	// Decided two days late: overdue for ever, whatever the clock.
	e.clock.set(want.AddDate(0, 0, 2))
	p, err = e.svc.Act(as(operatorOf(milan)), p.ID, practices.ActionComplete, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.DecidedAt == nil || !p.Overdue(start) {
		t.Fatal("decided after dueBy must be overdue")
	}
	// Withdrawn before the term: never overdue.
	q := e.practiceIn(t, practices.StatusInProgress)
	q = e.act(t, alice(), q.ID, practices.ActionWithdraw)
	if q.Overdue(q.DueBy.AddDate(1, 0, 0)) {
		t.Fatal("a withdrawn practice is not overdue")
	}
}

func TestProtocolNumbersIncrease(t *testing.T) {
	e := newEnv(t)
	var last string
	for i := range 3 {
		p := e.practiceIn(t, practices.StatusRegistered)
		want := milan + "/2026/000000" + string(rune('1'+i))
		if p.ProtocolNumber != want || p.ProtocolNumber <= last {
			t.Fatalf("protocol %q, want %q", p.ProtocolNumber, want)
		}
		last = p.ProtocolNumber
	}
}

func TestDocuments(t *testing.T) {
	e := newEnv(t)
	good := practices.DocumentInput{Name: "carta-identita.pdf", MediaType: "application/pdf", Size: 123456,
		SHA256: strings.Repeat("ab", 32)}
	draft := e.practiceIn(t, practices.StatusDraft)
	bad := []practices.DocumentInput{
		{Name: "", MediaType: good.MediaType, Size: good.Size, SHA256: good.SHA256},
		{Name: "../etc/passwd", MediaType: good.MediaType, Size: good.Size, SHA256: good.SHA256},
		{Name: good.Name, MediaType: "application/x-msdownload", Size: good.Size, SHA256: good.SHA256},
		{Name: good.Name, MediaType: good.MediaType, Size: 0, SHA256: good.SHA256},
		{Name: good.Name, MediaType: good.MediaType, Size: -5, SHA256: good.SHA256},
		{Name: good.Name, MediaType: good.MediaType, Size: practices.MaxDocumentSize + 1, SHA256: good.SHA256},
		{Name: good.Name, MediaType: good.MediaType, Size: good.Size, SHA256: strings.Repeat("a", 63)},
		{Name: good.Name, MediaType: good.MediaType, Size: good.Size, SHA256: strings.Repeat("g", 64)},
	}
	for i, in := range bad {
		if _, err := e.svc.AddDocument(as(alice()), draft.ID, in); kindOf(err) != "BAD_USER_INPUT" {
			t.Fatalf("bad document %d: %s", i, kindOf(err))
		}
	}
	upper := good
	upper.SHA256 = strings.ToUpper(good.SHA256)
	d, err := e.svc.AddDocument(as(alice()), draft.ID, upper)
	if err != nil {
		t.Fatal(err)
	}
	if d.SHA256 != good.SHA256 || d.Size != good.Size || d.PracticeID != draft.ID {
		t.Fatalf("stored %+v", d)
	}
	if _, err := e.svc.AddDocument(as(bob()), draft.ID, good); kindOf(err) != "NOT_FOUND" {
		t.Fatalf("stranger: %s", kindOf(err))
	}
	// The applicant cannot add documents while the office handles the
	// practice; the operator can.
	inProgress := e.practiceIn(t, practices.StatusInProgress)
	if _, err := e.svc.AddDocument(as(alice()), inProgress.ID, good); kindOf(err) != "CONFLICT" {
		t.Fatalf("applicant while in progress: %s", kindOf(err))
	}
	if _, err := e.svc.AddDocument(as(operatorOf(milan)), inProgress.ID, good); err != nil {
		t.Fatalf("operator while in progress: %v", err)
	}
	closed := e.practiceIn(t, practices.StatusCompleted)
	if _, err := e.svc.AddDocument(as(admin()), closed.ID, good); kindOf(err) != "CONFLICT" {
		t.Fatalf("closed practice: %s", kindOf(err))
	}
	docs, err := e.svc.Documents(context.Background(), []string{draft.ID, inProgress.ID, closed.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs[0]) != 1 || len(docs[1]) != 1 || len(docs[2]) != 0 {
		t.Fatalf("documents per practice: %d %d %d", len(docs[0]), len(docs[1]), len(docs[2]))
	}
}

func TestStats(t *testing.T) {
	e := newEnv(t)
	day0 := time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC)
	day := func(n float64) time.Time { return day0.Add(time.Duration(n * float64(24*time.Hour))) }
	op := operatorOf(milan)
	// decide files a practice at day0 in comune and decides it after days
	// (or never, for a negative value).
	decide := func(comune string, days float64, action practices.Action) {
		e.clock.set(day0)
		p, err := e.svc.CreatePractice(as(alice()), practices.CreateInput{ServiceID: freeService, Comune: comune, ApplicantID: aliceID})
		if err != nil {
			t.Fatal(err)
		}
		operator := operatorOf(comune)
		for _, a := range []practices.Action{practices.ActionSubmit, practices.ActionRegister, practices.ActionTakeInCharge} {
			who := operator
			if a == practices.ActionSubmit {
				who = alice()
			}
			if _, err := e.svc.Act(as(who), p.ID, a, ""); err != nil {
				t.Fatal(err)
			}
		}
		if days < 0 {
			return
		}
		e.clock.set(day(days))
		if _, err := e.svc.Act(as(operator), p.ID, action, "esito"); err != nil {
			t.Fatal(err)
		}
	}
	decide(milan, 10, practices.ActionComplete)
	decide(milan, 20, practices.ActionReject)
	decide(milan, 50, practices.ActionComplete) // the term is 45 days: late
	decide(milan, -1, "")                       // still open
	e.create(t, freeService, milan)             // a draft: not submitted, not counted
	decide(rho, 5, practices.ActionComplete)    // another comune

	st, err := e.svc.Stats(as(op), practices.StatsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// Days to decision in Milan: 10, 20, 50 → median 20, p90 = 20 + 0.8·30 = 44.
	if st.Count != 4 || st.Decided != 3 || !near(st.MedianDaysToDecision, 20) || !near(st.P90DaysToDecision, 44) ||
		!near(st.ShareDecidedAfterDue, 1.0/3) {
		t.Fatalf("operator stats %+v", show(st))
	}
	st, err = e.svc.Stats(as(admin()), practices.StatsFilter{ServiceID: freeService})
	if err != nil {
		t.Fatal(err)
	}
	// Adding Rho's 5 days: 5, 10, 20, 50 → median 15, p90 = 20 + 0.7·30 = 41.
	if st.Count != 5 || st.Decided != 4 || !near(st.MedianDaysToDecision, 15) || !near(st.P90DaysToDecision, 41) ||
		!near(st.ShareDecidedAfterDue, 0.25) {
		t.Fatalf("admin stats %+v", show(st))
	}
	from, to := day(-1), day0.Add(time.Hour)
	st, err = e.svc.Stats(as(admin()), practices.StatsFilter{Comune: rho, From: &from, To: &to})
	if err != nil || st.Count != 1 || !near(st.MedianDaysToDecision, 5) || !near(st.ShareDecidedAfterDue, 0) {
		t.Fatalf("rho window: %v %+v", err, show(st))
	}
	st, err = e.svc.Stats(as(admin()), practices.StatsFilter{ServiceID: paidService})
	if err != nil || st.Count != 0 || st.MedianDaysToDecision != nil || st.ShareDecidedAfterDue != nil {
		t.Fatalf("empty: %v %+v", err, show(st))
	}
	for _, c := range []struct {
		who  *auth.Principal
		f    practices.StatsFilter
		want string
	}{
		{alice(), practices.StatsFilter{}, "FORBIDDEN"},
		{op, practices.StatsFilter{Comune: rho}, "FORBIDDEN"},
		{admin(), practices.StatsFilter{ServiceID: "nope"}, "BAD_USER_INPUT"},
		{admin(), practices.StatsFilter{From: &to, To: &from}, "BAD_USER_INPUT"},
	} {
		if _, err := e.svc.Stats(as(c.who), c.f); kindOf(err) != c.want {
			t.Fatalf("%+v: %s, want %s", c.f, kindOf(err), c.want)
		}
	}
	if _, err := e.svc.Stats(context.Background(), practices.StatsFilter{}); kindOf(err) != "UNAUTHENTICATED" {
		t.Fatal("anonymous stats")
	}
}

func near(v *float64, want float64) bool { return v != nil && math.Abs(*v-want) < 1e-6 }

func show(s practices.Stats) map[string]any {
	f := func(v *float64) any {
		if v == nil {
			return nil
		}
		return *v
	}
	return map[string]any{"count": s.Count, "decided": s.Decided, "median": f(s.MedianDaysToDecision),
		"p90": f(s.P90DaysToDecision), "late": f(s.ShareDecidedAfterDue)}
}

func TestPersonPracticesPagination(t *testing.T) {
	e := newEnv(t)
	e.clock.set(time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC))
	var ids []string
	for range 7 {
		e.clock.advance(time.Hour)
		ids = append(ids, e.create(t, freeService, milan).ID)
	}
	ids = append(ids, e.create(t, freeService, milan).ID) // same instant as the previous one
	bobs, err := e.svc.CreatePractice(as(bob()), practices.CreateInput{ServiceID: freeService, Comune: rho, ApplicantID: bobID})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	after := ""
	for {
		args := practices.PersonPracticesArgs{First: 3, After: after}
		pages, err := e.svc.PersonPractices(as(alice()), []string{aliceID, bobID}, args)
		if err != nil {
			t.Fatal(err)
		}
		if pages[0].Total != 8 || pages[1].Total != 0 {
			t.Fatalf("totals %d %d: alice must not see bob's practices", pages[0].Total, pages[1].Total)
		}
		for _, p := range pages[0].Practices {
			seen = append(seen, p.ID)
		}
		if !pages[0].HasNextPage {
			break
		}
		after = practices.EncodePracticeCursor(pages[0].Practices[len(pages[0].Practices)-1])
	}
	if len(seen) != 8 {
		t.Fatalf("paged %d practices, want 8", len(seen))
	}
	got := map[string]bool{}
	for _, id := range seen {
		if got[id] {
			t.Fatalf("practice %s seen twice", id)
		}
		got[id] = true
	}
	for _, id := range ids {
		if !got[id] {
			t.Fatalf("practice %s never seen", id)
		}
	}
	// Newest first.
	list, errs := e.svc.PracticesByIDs(as(admin()), seen)
	for i := 1; i < len(list); i++ {
		if errs[i] != nil || list[i].CreatedAt.After(list[i-1].CreatedAt) {
			t.Fatal("not newest first")
		}
	}
	// The operator of Rho sees bob's practice, not alice's Milan ones.
	pages, err := e.svc.PersonPractices(as(operatorOf(rho)), []string{aliceID, bobID}, practices.PersonPracticesArgs{First: 10})
	if err != nil || pages[0].Total != 0 || pages[1].Total != 1 || pages[1].Practices[0].ID != bobs.ID {
		t.Fatalf("operator view: %v %+v", err, pages)
	}
	// Status filter.
	e.act(t, alice(), ids[0], practices.ActionSubmit)
	pages, err = e.svc.PersonPractices(as(admin()), []string{aliceID}, practices.PersonPracticesArgs{First: 10, Status: practices.StatusSubmitted})
	if err != nil || pages[0].Total != 1 || pages[0].Practices[0].ID != ids[0] {
		t.Fatalf("status filter: %v %+v", err, pages)
	}
	for _, bad := range []struct {
		first int
		after string
	}{{0, ""}, {101, ""}, {10, "not-a-cursor"}, {10, "WyJ4Il0"}} {
		first, after := bad.first, bad.after
		if _, err := practices.CheckPersonPracticesArgs(nil, &first, &after); kindOf(err) != "BAD_USER_INPUT" {
			t.Fatalf("first=%d after=%q: %s", first, after, kindOf(err))
		}
	}
	if _, err := e.svc.PersonPractices(context.Background(), []string{aliceID}, practices.PersonPracticesArgs{First: 1}); kindOf(err) != "UNAUTHENTICATED" {
		t.Fatal("anonymous Person.practices")
	}
}

// TestPersonPracticesWithHistoryAsSeparately checks that the pages read
// with their histories in one statement are the pages PersonPractices
// answers, and the histories those History answers for their practices,
// for every kind of caller, filter and window.
func TestPersonPracticesWithHistoryAsSeparately(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i := range 7 {
		e.clock.advance(time.Hour)
		comune := milan
		if i%3 == 0 {
			comune = rho
		}
		ids = append(ids, e.create(t, freeService, comune).ID)
	}
	e.act(t, alice(), ids[1], practices.ActionSubmit)
	e.act(t, alice(), ids[2], practices.ActionSubmit)
	e.act(t, operatorOf(milan), ids[2], practices.ActionRegister)
	if _, err := e.svc.CreatePractice(as(bob()), practices.CreateInput{ServiceID: paidService, Comune: rho, ApplicantID: bobID}); err != nil {
		t.Fatal(err)
	}
	// A practice without any history row.
	if _, err := e.pool.Exec(context.Background(), `delete from practices.status_change where practice_id = $1`, ids[4]); err != nil {
		t.Fatal(err)
	}
	e.reg.set(bobFC, identity.Mandate{DelegationID: "d1", PersonID: aliceID, PersonFiscalCode: aliceFC, Services: []string{freeService}})
	cursor := func(ctx context.Context, args practices.PersonPracticesArgs) string {
		pages, err := e.svc.PersonPractices(ctx, []string{aliceID}, args)
		if err != nil || len(pages[0].Practices) == 0 {
			return ""
		}
		return practices.EncodePracticeCursor(pages[0].Practices[0])
	}
	callers := map[string]context.Context{"alice": as(alice()), "bob (delegate)": as(bob()), "operator of Rho": as(operatorOf(rho)),
		"admin": as(admin()), "anonymous": context.Background()}
	people := []string{aliceID, bobID, "33333333-3333-4333-8333-333333333333", "not-a-uuid", aliceID}
	var compared, withHistory int
	for name, ctx := range callers {
		for _, args := range []practices.PersonPracticesArgs{
			{First: 10}, {First: 2}, {First: 10, NoTotal: true}, {First: 3, Status: practices.StatusSubmitted},
			{First: 2, After: cursor(as(admin()), practices.PersonPracticesArgs{First: 2})},
		} {
			want, wantErr := e.svc.PersonPractices(ctx, people, args)
			got, extras, err := e.svc.PersonPracticesRead(ctx, people, args, true)
			hist := extras.History
			if kindOf(err) != kindOf(wantErr) {
				t.Fatalf("%s %+v: error %v, want %v", name, args, err, wantErr)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s %+v: pages\n%+v\nwant\n%+v", name, args, got, want)
			}
			for _, pg := range got {
				for _, p := range pg.Practices {
					h, err := e.svc.History(ctx, []string{p.ID})
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(hist[p.ID], h[0]) {
						t.Fatalf("%s %+v: history of %s\n%+v\nwant\n%+v", name, args, p.ID, hist[p.ID], h[0])
					}
					withHistory += len(h[0])
				}
			}
			compared++
		}
	}
	if withHistory < 20 {
		t.Fatalf("only %d history rows compared", withHistory)
	}
	t.Logf("%d calls compared, %d history rows", compared, withHistory)
}

// TestServiceCardsAtAnswersAsByIDs checks that the cards served from the
// catalogue in memory are those ServiceCardsByIDs reads, for known,
// unknown and malformed ids, that a change of the catalogue is seen by
// the next caller holding the new version, and that a card handed out
// shares nothing with the cache.
func TestServiceCardsAtAnswersAsByIDs(t *testing.T) {
	e := newEnv(t)
	ctx := as(alice())
	e.create(t, freeService, milan) // the version comes with the practices read
	version := func() int64 {
		_, extras, err := e.svc.PersonPracticesRead(ctx, []string{aliceID}, practices.PersonPracticesArgs{First: 1}, false)
		if err != nil {
			t.Fatal(err)
		}
		return extras.Catalogue
	}
	ids := []string{freeService, strings.ToUpper(paidService), milanOnly, inactive, bobID, "not-a-uuid", freeService}
	same := func(when string, v int64) {
		t.Helper()
		want, wantErrs := e.svc.ServiceCardsByIDs(ctx, ids)
		got, errs := e.svc.ServiceCardsAt(ctx, v, ids)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: cards\n%+v\nwant\n%+v", when, got, want)
		}
		for i := range ids {
			if kindOf(errs[i]) != kindOf(wantErrs[i]) {
				t.Fatalf("%s: %s: error %v, want %v", when, ids[i], errs[i], wantErrs[i])
			}
		}
	}
	v1 := version()
	if v1 == 0 {
		t.Fatal("no catalogue version read with the pages")
	}
	same("first read", v1)
	same("from memory", v1)
	// A card handed out shares nothing with the cache.
	got, _ := e.svc.ServiceCardsAt(ctx, v1, []string{freeService})
	got[0].Title, got[0].Channels[0] = "changed by a caller", "changed"
	same("after a caller changed its copy", v1)
	// A change of the catalogue bumps the version; the next read at the
	// new version sees it.
	if _, err := e.pool.Exec(context.Background(), `update practices.service set title = title || ' (aggiornato)' where id = $1`, freeService); err != nil {
		t.Fatal(err)
	}
	v2 := version()
	if v2 <= v1 {
		t.Fatalf("version %d after a change, was %d", v2, v1)
	}
	same("after a change", v2)
	if got, _ := e.svc.ServiceCardsAt(ctx, v2, []string{freeService}); !strings.HasSuffix(got[0].Title, "(aggiornato)") {
		t.Fatalf("title %q after the change", got[0].Title)
	}
	// A caller still holding the old version reads the catalogue again
	// rather than trust a copy of another version.
	if got, _ := e.svc.ServiceCardsAt(ctx, v1, []string{freeService}); !strings.HasSuffix(got[0].Title, "(aggiornato)") {
		t.Fatalf("title %q at an older version", got[0].Title)
	}
	// Deleting and inserting bump it too.
	if _, err := e.pool.Exec(context.Background(), `insert into practices.service select (md5('x'))::uuid, 'x-copy', category_code, category_name,
		pon_metro_area, 'Copia', state, state_reason, short_description, audience, how_to, what_you_need, what_you_get, max_days,
		channels, conditions, contact_office, contact_email, contact_phone, contact_pec, fully_online, archetype, life_events, comuni,
		requires_payment, fee_cents, position from practices.service where id = $1`, freeService); err != nil {
		t.Fatal(err)
	}
	v3 := version()
	if _, err := e.pool.Exec(context.Background(), `delete from practices.service where slug = 'x-copy'`); err != nil {
		t.Fatal(err)
	}
	if v4 := version(); v3 <= v2 || v4 <= v3 {
		t.Fatalf("versions %d, %d, %d after an insert and a delete", v2, v3, v4)
	}
}
