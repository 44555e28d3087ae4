package practices_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/seedgen"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

const (
	milan   = practices.MilanIstat
	rho     = "015182" // Rho
	aliceFC = "RSSMRA80A41F205X"
	bobFC   = "BNCLCU75C12F205Y"
)

var (
	aliceID = "11111111-1111-4111-8111-111111111111"
	bobID   = "22222222-2222-4222-8222-222222222222"
)

func alice() *auth.Principal {
	return &auth.Principal{FirstParty: true, Subject: "alice", FiscalCode: aliceFC, Roles: []string{auth.RoleCitizen}}
}

func bob() *auth.Principal {
	return &auth.Principal{FirstParty: true, Subject: "bob", FiscalCode: bobFC, Roles: []string{auth.RoleCitizen}}
}

func operatorOf(comuni ...string) *auth.Principal {
	return &auth.Principal{FirstParty: true, Subject: "op", FiscalCode: "VRDGPP70A01F205Z", Roles: []string{auth.RoleOperator}, Comuni: comuni}
}

func admin() *auth.Principal {
	return &auth.Principal{FirstParty: true, Subject: "admin", Roles: []string{auth.RoleAdmin}}
}

func as(p *auth.Principal) context.Context { return auth.WithPrincipal(context.Background(), p) }

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// registry is an in-memory practices.Registry: people by fiscal code and
// the mandates each holds (the identity subgraph's rules are tested there).
type registry struct {
	mu       sync.Mutex
	people   map[string]string // fiscal code → person id
	mandates map[string][]identity.Mandate
}

func (r *registry) Of(_ context.Context, fc string, _ time.Time) (identity.Principal, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return identity.Principal{PersonID: r.people[fc], FiscalCode: fc, Mandates: r.mandates[fc]}, nil
}

func (r *registry) set(fc string, ms ...identity.Mandate) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mandates[fc] = ms
}

type env struct {
	reg   *registry
	pool  *pgxpool.Pool
	svc   *practices.Service
	clock *clock
}

// newEnv returns a service on a fresh database holding the catalogue.
func newEnv(t testing.TB) *env {
	t.Helper()
	pool := devdb.NewTestDB(t, practices.Migration())
	if err := practices.Seed(context.Background(), pool, seedgen.Params{People: 0, Seed: 1}); err != nil {
		t.Fatalf("seed catalogue: %v", err)
	}
	c := &clock{t: time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)}
	reg := &registry{people: map[string]string{aliceFC: aliceID, bobFC: bobID}, mandates: map[string][]identity.Mandate{}}
	svc, err := practices.NewService(practices.NewStore(pool), practices.WithClock(c.now), practices.WithRegistry(reg))
	if err != nil {
		t.Fatal(err)
	}
	return &env{reg: reg, pool: pool, svc: svc, clock: c}
}

// Catalogue cards used by the tests.
var (
	freeService = practices.ServiceIDFor("cambio-residenza")           // 45 days, free, everywhere
	paidService = practices.ServiceIDFor("carta-identita-elettronica") // 10 days, paid, everywhere
	milanOnly   = practices.ServiceIDFor("permesso-area-c")
	inactive    = practices.ServiceIDFor("bonus-energia-2024")
)

func (e *env) create(t testing.TB, service, comune string) *practices.Practice {
	t.Helper()
	p, err := e.svc.CreatePractice(as(alice()), practices.CreateInput{ServiceID: service, Comune: comune, ApplicantID: aliceID})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return p
}

func (e *env) act(t testing.TB, who *auth.Principal, id string, a practices.Action) *practices.Practice {
	t.Helper()
	e.clock.advance(time.Hour)
	p, err := e.svc.Act(as(who), id, a, "nota di prova")
	if err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	return p
}

// pathTo lists the actions (with their party) leading from DRAFT to status.
var pathTo = map[practices.Status][]practices.Action{
	practices.StatusDraft:                {},
	practices.StatusPaymentPending:       {practices.ActionSubmit},
	practices.StatusSubmitted:            {practices.ActionSubmit},
	practices.StatusRegistered:           {practices.ActionSubmit, practices.ActionRegister},
	practices.StatusInProgress:           {practices.ActionSubmit, practices.ActionRegister, practices.ActionTakeInCharge},
	practices.StatusIntegrationRequested: {practices.ActionSubmit, practices.ActionRegister, practices.ActionTakeInCharge, practices.ActionRequestIntegration},
	practices.StatusCompleted:            {practices.ActionSubmit, practices.ActionRegister, practices.ActionTakeInCharge, practices.ActionComplete},
	practices.StatusRejected:             {practices.ActionSubmit, practices.ActionRegister, practices.ActionReject},
	practices.StatusWithdrawn:            {practices.ActionWithdraw},
}

var citizenActions = map[practices.Action]bool{
	practices.ActionSubmit: true, practices.ActionWithdraw: true, practices.ActionAnswerIntegration: true,
}

func actorFor(a practices.Action) *auth.Principal {
	if citizenActions[a] {
		return alice()
	}
	return operatorOf(milan)
}

// practiceIn creates a Milan practice and walks it to status.
func (e *env) practiceIn(t testing.TB, status practices.Status) *practices.Practice {
	t.Helper()
	service := freeService
	if status == practices.StatusPaymentPending {
		service = paidService
	}
	p := e.create(t, service, milan)
	for _, a := range pathTo[status] {
		p = e.act(t, actorFor(a), p.ID, a)
	}
	if p.Status != status {
		t.Fatalf("walked to %s, want %s", p.Status, status)
	}
	return p
}

func kindOf(err error) string {
	if err == nil {
		return "ok"
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Kind.Code()
	}
	return "untyped: " + err.Error()
}

type counts struct{ history, events int }

func (e *env) counts(t testing.TB, id string) counts {
	t.Helper()
	var c counts
	err := e.pool.QueryRow(context.Background(), `select
		(select count(*) from practices.status_change where practice_id = $1),
		(select count(*) from practices.status_event where practice_id = $1)`, id).Scan(&c.history, &c.events)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
