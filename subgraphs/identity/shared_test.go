package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/seedgen"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
)

// TestSharedMandatesOneSnapshotPerRequest checks that under
// WithSharedMandates a fiscal code's mandates are looked up once for the
// request (a delegation written behind the request's back is not seen),
// that granting or revoking a delegation within the request forgets them,
// and that without it every lookup reads afresh.
func TestSharedMandatesOneSnapshotPerRequest(t *testing.T) {
	pool := seeded(t, seedgen.Params{People: 30, Seed: 6})
	ctx := context.Background()
	var ids, fcs []string
	rows, err := pool.Query(ctx, `select id::text, fiscal_code from identity.person
		where id not in (select delegate_id from identity.delegation)
		  and id not in (select legal_representative_id from identity.organization)
		order by id limit 3`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, fc string
		if err := rows.Scan(&id, &fc); err != nil {
			t.Fatal(err)
		}
		ids, fcs = append(ids, id), append(fcs, fc)
	}
	if rows.Close(); len(ids) < 3 {
		t.Fatalf("people without delegations: %d", len(ids))
	}
	now := time.Now().UTC()
	svc := identity.NewService(identity.NewStore(pool), identity.WithClock(func() time.Time { return now }))
	m := svc.Mandates()
	as := func(ctx context.Context, fc string) context.Context {
		return auth.WithPrincipal(ctx, &auth.Principal{FirstParty: true, Subject: fc, FiscalCode: fc, Roles: []string{auth.RoleCitizen}})
	}
	mandates := func(ctx context.Context, fc string) int {
		t.Helper()
		p, err := m.Of(ctx, fc, now.Add(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Mandates)
	}
	req := identity.WithSharedMandates(ctx)
	if n := mandates(req, fcs[1]); n != 0 {
		t.Fatalf("%d mandates before any delegation", n)
	}
	// Written behind the request's back: the request keeps its snapshot,
	// a lookup outside it sees the row.
	if _, err := pool.Exec(ctx, `insert into identity.delegation (id, delegator_person_id, delegate_id, services, areas, valid_from, created_at)
		values (gen_random_uuid(), $1, $2, '{}', '{}', $3, $3)`, ids[2], ids[1], now); err != nil {
		t.Fatal(err)
	}
	if n := mandates(req, fcs[1]); n != 0 {
		t.Fatalf("the request saw %d mandates after its first lookup, want its snapshot (0)", n)
	}
	if n := mandates(ctx, fcs[1]); n != 1 {
		t.Fatalf("a lookup outside the request saw %d mandates, want 1", n)
	}
	// A grant within the request: the rest of the request sees both.
	d, err := svc.GrantDelegation(as(req, fcs[0]), identity.GrantInput{DelegateFiscalCode: fcs[1], Areas: []string{identity.AreaPayments}})
	if err != nil {
		t.Fatal(err)
	}
	if n := mandates(req, fcs[1]); n != 2 {
		t.Fatalf("after a grant within the request: %d mandates, want 2", n)
	}
	if _, err := svc.RevokeDelegation(as(req, fcs[0]), d.ID); err != nil {
		t.Fatal(err)
	}
	if n := mandates(req, fcs[1]); n != 1 {
		t.Fatalf("after a revocation within the request: %d mandates, want 1", n)
	}
}
