package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/seedgen"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
)

// Mandates follow the delegations as stored, at the instant asked: active
// ones only, with their areas and services, plus legal representations.
func TestMandatesFollowDelegations(t *testing.T) {
	pool := seeded(t, seedgen.Params{People: 30, Seed: 5})
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
	if len(ids) < 3 {
		t.Fatalf("people without delegations: %d", len(ids))
	}
	now := time.Now().UTC()
	svc := identity.NewService(identity.NewStore(pool), identity.WithClock(func() time.Time { return now }))
	as := func(fc string) context.Context {
		return auth.WithPrincipal(ctx, &auth.Principal{FirstParty: true, Subject: fc, FiscalCode: fc, Roles: []string{auth.RoleCitizen}})
	}
	// ids[0] delegates ids[1] for payments and messages, every service.
	d, err := svc.GrantDelegation(as(fcs[0]), identity.GrantInput{DelegateFiscalCode: fcs[1], Areas: []string{"payments", identity.AreaMessages}})
	if err != nil {
		t.Fatal(err)
	}
	m := svc.Mandates()
	of := func(fc string, at time.Time) identity.Principal {
		t.Helper()
		p, err := m.Of(ctx, fc, at)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := of(fcs[1], now.Add(time.Second))
	if p.PersonID != ids[1] || len(p.Mandates) != 1 {
		t.Fatalf("delegate's mandates: %+v", p)
	}
	if _, ok := p.Allows(identity.AreaPayments, "", ids[0], "", ""); !ok {
		t.Fatal("payments not covered")
	}
	if _, ok := p.Allows(identity.AreaPractices, "", ids[0], "", ""); ok {
		t.Fatal("practices covered by a payments and messages delegation")
	}
	if _, ok := p.Allows(identity.AreaPayments, "", ids[2], "", ""); ok {
		t.Fatal("covers a third person")
	}
	if got := p.FiscalCodesFor(identity.AreaPayments); len(got) != 1 || got[0] != fcs[0] {
		t.Fatalf("fiscal codes for payments: %v", got)
	}
	if len(of(fcs[1], now.Add(-time.Hour)).Mandates) != 0 {
		t.Fatal("a mandate before validFrom")
	}
	if len(of(fcs[0], now).Mandates) != 0 {
		t.Fatal("the delegator got a mandate")
	}
	// The delegate reads the delegator's messages, not their profile.
	delegator, _ := svc.Person(ctx, ids[0])
	if err := svc.CheckPersonalData(as(fcs[1]), identity.GroupMessages, delegator); err != nil {
		t.Fatalf("delegate reads messages: %v", err)
	}
	if err := svc.CheckPersonalData(as(fcs[1]), identity.GroupProfile, delegator); err == nil {
		t.Fatal("delegate reads the profile")
	}
	// Revocation takes effect at once.
	if _, err := svc.RevokeDelegation(as(fcs[0]), d.ID); err != nil {
		t.Fatal(err)
	}
	if len(of(fcs[1], now.Add(time.Second)).Mandates) != 0 {
		t.Fatal("a revoked delegation still grants")
	}
	if err := svc.CheckPersonalData(as(fcs[1]), identity.GroupMessages, delegator); err == nil {
		t.Fatal("revoked delegate reads messages")
	}
	// A delegation limited to a service covers practices of it only.
	until := now.Add(time.Hour)
	if _, err := svc.GrantDelegation(as(fcs[0]), identity.GrantInput{DelegateFiscalCode: fcs[2], Services: []string{"AAAAAAAA-0000-4000-8000-000000000001"}, ValidTo: &until}); err != nil {
		t.Fatal(err)
	}
	p = of(fcs[2], now.Add(time.Minute))
	if _, ok := p.Allows(identity.AreaPractices, "aaaaaaaa-0000-4000-8000-000000000001", ids[0], "", ""); !ok {
		t.Fatal("service not covered")
	}
	if _, ok := p.Allows(identity.AreaPractices, "aaaaaaaa-0000-4000-8000-000000000002", ids[0], "", ""); ok {
		t.Fatal("another service covered")
	}
	if _, ok := p.Allows(identity.AreaPayments, "", ids[0], "", ""); ok {
		t.Fatal("payments covered by a delegation limited to a service")
	}
	if len(of(fcs[2], until).Mandates) != 0 {
		t.Fatal("an expired delegation still grants")
	}
	// Legal representatives hold a mandate for their organization.
	var rep, org string
	if err := pool.QueryRow(ctx, `select p.fiscal_code, o.id::text from identity.organization o
		join identity.person p on p.id = o.legal_representative_id limit 1`).Scan(&rep, &org); err != nil {
		t.Fatal(err)
	}
	if _, ok := of(rep, now).Allows(identity.AreaPractices, "x", "", "", org); !ok {
		t.Fatal("legal representative without mandate")
	}
	if _, err := svc.GrantDelegation(as(fcs[0]), identity.GrantInput{DelegateFiscalCode: fcs[1], Areas: []string{"everything"}}); err == nil {
		t.Fatal("unknown area accepted")
	}
}
