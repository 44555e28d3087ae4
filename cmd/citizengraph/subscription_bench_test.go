package main

import (
	"context"
	"testing"
	"time"

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
