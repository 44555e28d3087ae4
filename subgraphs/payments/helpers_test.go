package payments

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/db"
	"github.com/citizengraph/citizengraph/internal/devdb"
)

const (
	milano   = "015146"
	monza    = "015002" // Abbiategrasso; any other metro comune
	debtorFC = "RSSMRA80A01F205X"
)

type env struct {
	pool  *pgxpool.Pool
	store *Store
	svc   *Service
	psp   *Sandbox
}

func newEnv(t testing.TB, opts ...Option) *env {
	t.Helper()
	pool := devdb.NewTestDB(t, db.Migration{Schema: "payments", Files: Migrations()})
	store := NewStore(pool)
	cs, err := Creditors()
	if err != nil {
		t.Fatal(err)
	}
	if err := store.EnsureCreditors(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
	psp := NewSandbox()
	svc, err := NewService(store, psp, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return &env{pool: pool, store: store, svc: svc, psp: psp}
}

func as(p *auth.Principal) context.Context {
	ctx := context.Background()
	if p != nil {
		ctx = auth.WithPrincipal(ctx, p)
	}
	return ctx
}

func operator(comuni ...string) *auth.Principal {
	return &auth.Principal{FirstParty: true, Subject: "op-" + comuni[0], FiscalCode: "VRDLGU70A01F205Z", Roles: []string{auth.RoleOperator}, Comuni: comuni}
}

func citizen(fc string) *auth.Principal {
	return &auth.Principal{FirstParty: true, Subject: "sub-" + fc, FiscalCode: fc, Roles: []string{auth.RoleCitizen}}
}

var admin = &auth.Principal{FirstParty: true, Subject: "admin", Roles: []string{auth.RoleAdmin}}

func validFC(t testing.TB) string {
	t.Helper()
	// A syntactically valid code: computed check character.
	return debtorFC[:15] + string(checkChar(debtorFC[:15]))
}

func checkChar(s string) byte { return codicefiscaleCheck(s) }

func wantKind(t testing.TB, err error, kind apperr.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", kind)
	}
	if got := apperr.KindOf(err); got != kind {
		t.Fatalf("got %s (%v), want %s", got, err, kind)
	}
}

func future(days int) string {
	return time.Now().UTC().AddDate(0, 0, days).Format(time.DateOnly)
}

func createInput(t testing.TB, comune string, amounts ...int64) CreateInput {
	in := CreateInput{Comune: comune, DebtorID: "2d3c1a52-0000-4000-8000-000000000001", DebtorFiscalCode: validFC(t),
		DebtorName: "Mario Rossi", Description: "Diritti di segreteria", PracticeID: "practice-1"}
	for k, a := range amounts {
		in.Installments = append(in.Installments, InstallmentInput{AmountCents: a, Description: "Rata",
			DueDate: future(30 * (k + 1)), TaxonomyCode: "9/0101101IM/"})
	}
	return in
}

// published creates and publishes a position of milano owed by debtor.
func (e *env) published(t testing.TB, amounts ...int64) (*Position, []Installment) {
	t.Helper()
	op := as(operator(milano))
	p, err := e.svc.Create(op, createInput(t, milano, amounts...))
	if err != nil {
		t.Fatal(err)
	}
	p, err = e.svc.Publish(op, p.IUPD)
	if err != nil {
		t.Fatal(err)
	}
	ins, err := e.svc.Installments(op, p.IUPD)
	if err != nil {
		t.Fatal(err)
	}
	return p, ins
}
