package main

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// BenchmarkPracticeStatusLive measures live status end to end: per
// iteration two status changes made through the gateway (the operator asks
// for an integration, the citizen answers it), each received by a
// WebSocket subscriber through the gateway with the practice's comune
// (territory), applicant (identity) and payments resolved for the event.
// BenchmarkPracticeStatusChange, the same changes with nobody subscribed,
// is its reference.
func BenchmarkPracticeStatusLive(b *testing.B) { benchStatusChanges(b, true) }

// BenchmarkPracticeStatusChange is BenchmarkPracticeStatusLive's reference.
func BenchmarkPracticeStatusChange(b *testing.B) { benchStatusChanges(b, false) }

func benchStatusChanges(b *testing.B, live bool) {
	ctx := context.Background()
	p := practiceInProgress(b)
	url, pool, id, citizen, operator, act, fiscalCode := p.url, p.pool, p.id, p.citizen, p.operator, p.act, p.fiscalCode

	var ws *wsClient
	if live {
		var recorded int
		if err := pool.QueryRow(ctx, `select count(*) from practices.status_event where practice_id = $1`, id).Scan(&recorded); err != nil {
			b.Fatal(err)
		}
		ws = dialWS(b, url, "Bearer "+citizen)
		ws.subscribe("1", map[string]any{"id": id})
		for range recorded { // the replay
			ws.next("1")
		}
	}
	step := func(tok, mutation, want string) {
		act(tok, mutation)
		if ws != nil {
			if e := ws.next("1"); e.Status != want || e.Practice.Comune.Name == "" || e.Practice.Applicant.FiscalCode != fiscalCode {
				b.Fatalf("event %+v, want %s", e, want)
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		step(operator, `requestIntegration(id: $id, note: "a copy of the ID card")`, "INTEGRATION_REQUESTED")
		step(citizen, "answerIntegration(id: $id)", "IN_PROGRESS")
	}
}

// BenchmarkOpenSubscription opens one more subscription per iteration — a
// WebSocket connection through the gateway, subscribed to a practice,
// until its first replayed event (with its comune, applicant and payments)
// arrives — and keeps them all open, reporting the heap and goroutines
// each open subscription holds (client side included: it is the same
// process).
func BenchmarkOpenSubscription(b *testing.B) {
	ctx := context.Background()
	_, pool, iss, srv := serveGraph(b, seedgen.Params{People: 60, Seed: 5})
	url := srv.URL + "/graphql"
	// The practices' own outbox rows, so that each subscription replays.
	rows, err := pool.Query(ctx, `select distinct practice_id::text from practices.status_event`)
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		b.Fatal("no practice with events")
	}
	admin, err := iss.Token(auth.Claims{Subject: "admin-1", Roles: []string{auth.RoleAdmin}}, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	settle := func() (uint64, int) {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse, runtime.NumGoroutine()
	}
	heap0, g0 := settle()
	open := 0
	b.ReportAllocs()
	for b.Loop() {
		ws := dialWS(b, url, "Bearer "+admin)
		ws.subscribe("1", map[string]any{"id": ids[open%len(ids)]})
		if e := ws.next("1"); e.Practice.Comune.Name == "" {
			b.Fatalf("event %+v", e)
		}
		open++
	}
	heap1, g1 := settle()
	b.ReportMetric(float64(heap1-heap0)/float64(open), "heap-B/sub")
	b.ReportMetric(float64(g1-g0)/float64(open), "goroutines/sub")
}

// BenchmarkStatusFanOut measures one status change delivered to N
// WebSocket subscribers of the same practice through the gateway (a
// control room watching a file): per iteration two changes, each awaited
// by every subscriber, with the cross-subgraph fields resolved for each.
func BenchmarkStatusFanOut(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) { benchFanOut(b, n) })
	}
}

func benchFanOut(b *testing.B, n int) {
	ctx := context.Background()
	p := practiceInProgress(b)
	url, pool, id, citizen, operator, act := p.url, p.pool, p.id, p.citizen, p.operator, p.act
	var recorded int
	if err := pool.QueryRow(ctx, `select count(*) from practices.status_event where practice_id = $1`, id).Scan(&recorded); err != nil {
		b.Fatal(err)
	}
	subs := make([]*wsClient, n)
	for i := range subs {
		subs[i] = dialWS(b, url, "Bearer "+operator)
		subs[i].subscribe("1", map[string]any{"id": id})
		for range recorded {
			subs[i].next("1")
		}
	}
	step := func(tok, mutation, want string) {
		act(tok, mutation)
		var wg sync.WaitGroup
		for _, ws := range subs {
			wg.Go(func() {
				if e := ws.next("1"); e.Status != want || e.Practice.Comune.Name == "" {
					b.Errorf("event %+v, want %s", e, want)
				}
			})
		}
		wg.Wait()
	}
	b.ReportAllocs()
	for b.Loop() {
		step(operator, `requestIntegration(id: $id, note: "a copy of the ID card")`, "INTEGRATION_REQUESTED")
		step(citizen, "answerIntegration(id: $id)", "IN_PROGRESS")
	}
}

// inProgress is a practice taken in charge through the gateway, with the
// tokens of its applicant and of an operator of its comune.
type inProgress struct {
	url, id, fiscalCode string
	pool                *pgxpool.Pool
	citizen, operator   string
	act                 func(token, mutation string) // a status mutation on the practice
}

func practiceInProgress(b *testing.B) inProgress {
	b.Helper()
	ctx := context.Background()
	_, pool, iss, srv := serveGraph(b, seedgen.Params{People: 60, Seed: 5})
	url := srv.URL + "/graphql"
	var personID, fiscalCode, serviceID, comune string
	if err := pool.QueryRow(ctx, `select applicant_id::text, applicant_fiscal_code, service_id, comune
		from practices.practice order by id limit 1`).Scan(&personID, &fiscalCode, &serviceID, &comune); err != nil {
		b.Fatal(err)
	}
	token := func(c auth.Claims) string {
		t, err := iss.Token(c, time.Hour)
		if err != nil {
			b.Fatal(err)
		}
		return t
	}
	citizen := token(auth.Claims{FiscalCode: fiscalCode, Roles: []string{auth.RoleCitizen}})
	operator := token(auth.Claims{Subject: "op-1", Roles: []string{auth.RoleOperator}, Comuni: []string{comune}})
	id, status := newSubmittedPractice(b, url, citizen, serviceID, comune, personID)
	act := func(tok, mutation string) {
		b.Helper()
		if r := postVars(b, url, tok, `mutation($id: ID!) { `+mutation+` { status } }`, map[string]any{"id": id}); len(r.Errors) > 0 {
			b.Fatalf("%s: %+v", mutation, r.Errors)
		}
	}
	if status == "PAYMENT_PENDING" {
		act(operator, "confirmPracticePayment(id: $id)")
	}
	act(operator, "registerPractice(id: $id)")
	act(operator, "takePracticeInCharge(id: $id)")
	return inProgress{url: url, id: id, fiscalCode: fiscalCode, pool: pool, citizen: citizen, operator: operator, act: act}
}
