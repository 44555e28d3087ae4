package practices_test

import (
	"context"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

const (
	carlaFC = "VRDCRL90A41F205Q"
	carlaID = "33333333-3333-4333-8333-333333333333"
	acmeID  = "44444444-4444-4444-8444-444444444444"
	acmeFC  = "01234567890"
)

func carla() *auth.Principal {
	return &auth.Principal{FirstParty: true, Subject: "carla", FiscalCode: carlaFC, Roles: []string{auth.RoleCitizen}}
}

// Bob is alice's delegate: he files and acts for her only on the services
// and areas the delegation covers, and only while he holds it.
func TestDelegateActsForDelegator(t *testing.T) {
	e := newEnv(t)
	e.reg.people[carlaFC] = carlaID
	forAlice := identity.Mandate{DelegationID: "d1", PersonID: aliceID, PersonFiscalCode: aliceFC, Services: []string{freeService}}

	// Without a delegation: FORBIDDEN, the same as for an unknown person.
	_, err := e.svc.CreatePractice(as(bob()), practices.CreateInput{ServiceID: freeService, Comune: milan, ApplicantID: aliceID})
	_, errUnknown := e.svc.CreatePractice(as(bob()), practices.CreateInput{ServiceID: freeService, Comune: milan, ApplicantID: carlaID[:35] + "4"})
	if kindOf(err) != "FORBIDDEN" || apperr.PublicMessage(err) != apperr.PublicMessage(errUnknown) || kindOf(errUnknown) != "FORBIDDEN" {
		t.Fatalf("no delegation: %v / unknown person: %v", err, errUnknown)
	}

	e.reg.set(bobFC, forAlice)
	p, err := e.svc.CreatePractice(as(bob()), practices.CreateInput{ServiceID: freeService, Comune: milan, ApplicantID: aliceID})
	if err != nil {
		t.Fatal(err)
	}
	if p.ApplicantID != aliceID || p.ApplicantFiscalCode != aliceFC {
		t.Fatalf("filed as %s/%s, want alice", p.ApplicantID, p.ApplicantFiscalCode)
	}
	// Out of the delegation's services.
	if _, err := e.svc.CreatePractice(as(bob()), practices.CreateInput{ServiceID: paidService, Comune: milan, ApplicantID: aliceID}); kindOf(err) != "FORBIDDEN" {
		t.Fatalf("service not covered: %v", kindOf(err))
	}
	// Alice sees it as hers; bob reads and submits it for her.
	if _, err := e.svc.Practice(as(alice()), p.ID); err != nil {
		t.Fatalf("delegator reads: %v", err)
	}
	if _, err := e.svc.Practice(as(bob()), p.ID); err != nil {
		t.Fatalf("delegate reads: %v", err)
	}
	e.act(t, bob(), p.ID, practices.ActionSubmit)
	hist, err := e.svc.History(context.Background(), []string{p.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hist[0] {
		if h.Actor.Kind != practices.ActorCitizen || h.Actor.ID != bobFC || h.Actor.OnBehalfOf != aliceFC {
			t.Fatalf("history %+v, want bob on behalf of alice", h.Actor)
		}
	}
	// Person.practices: bob sees alice's practice of the covered service.
	args, _ := practices.CheckPersonPracticesArgs(nil, nil, nil)
	pages, err := e.svc.PersonPractices(as(bob()), []string{aliceID}, args)
	if err != nil || pages[0].Total != 1 {
		t.Fatalf("delegate's view of alice's practices: %v %+v", err, pages)
	}
	// A practice of another service stays hidden.
	other := e.create(t, paidService, milan)
	if _, err := e.svc.Practice(as(bob()), other.ID); kindOf(err) != "NOT_FOUND" {
		t.Fatalf("other service: %v", kindOf(err))
	}
	// A delegation for payments only grants nothing here.
	e.reg.set(bobFC, identity.Mandate{DelegationID: "d2", PersonID: aliceID, PersonFiscalCode: aliceFC, Areas: []string{identity.AreaPayments}})
	if _, err := e.svc.Practice(as(bob()), p.ID); kindOf(err) != "NOT_FOUND" {
		t.Fatalf("payments-only delegation reads practices: %v", kindOf(err))
	}
	// Revoked (no mandate any more): refused at once.
	e.reg.set(bobFC)
	if _, err := e.svc.Practice(as(bob()), p.ID); kindOf(err) != "NOT_FOUND" {
		t.Fatalf("after revocation: %v", kindOf(err))
	}
	if _, err := e.svc.Act(as(bob()), p.ID, practices.ActionWithdraw, ""); kindOf(err) != "NOT_FOUND" {
		t.Fatalf("act after revocation: %v", kindOf(err))
	}
	pages, err = e.svc.PersonPractices(as(bob()), []string{aliceID}, args)
	if err != nil || pages[0].Total != 0 {
		t.Fatalf("after revocation, alice's practices: %v %+v", err, pages)
	}
}

func TestOrganizationPractices(t *testing.T) {
	e := newEnv(t)
	e.reg.people[carlaFC] = carlaID
	in := practices.CreateInput{ServiceID: freeService, Comune: milan, OrganizationID: acmeID}
	if _, err := e.svc.CreatePractice(as(alice()), in); kindOf(err) != "FORBIDDEN" {
		t.Fatalf("not a representative: %v", kindOf(err))
	}
	e.reg.set(aliceFC, identity.Mandate{OrganizationID: acmeID, OrganizationFiscalCode: acmeFC}) // legal representative
	p, err := e.svc.CreatePractice(as(alice()), in)
	if err != nil {
		t.Fatal(err)
	}
	if p.OrganizationID != acmeID || p.ApplicantID != aliceID {
		t.Fatalf("stored %+v", p)
	}
	// The organization's delegate reads it; a delegate of alice as a person does not.
	e.reg.set(carlaFC, identity.Mandate{DelegationID: "d", OrganizationID: acmeID, OrganizationFiscalCode: acmeFC})
	e.reg.set(bobFC, identity.Mandate{DelegationID: "d2", PersonID: aliceID, PersonFiscalCode: aliceFC})
	if _, err := e.svc.Practice(as(carla()), p.ID); err != nil {
		t.Fatalf("organization's delegate: %v", err)
	}
	if _, err := e.svc.Practice(as(bob()), p.ID); kindOf(err) != "NOT_FOUND" {
		t.Fatalf("alice's personal delegate reads the organization's practice: %v", kindOf(err))
	}
	e.act(t, carla(), p.ID, practices.ActionSubmit)
	hist, _ := e.svc.History(context.Background(), []string{p.ID})
	last := hist[0][len(hist[0])-1]
	if last.Actor.ID != carlaFC || last.Actor.OnBehalfOf != acmeFC {
		t.Fatalf("history %+v", last.Actor)
	}
	if _, err := e.svc.CreatePractice(as(alice()), practices.CreateInput{ServiceID: freeService, Comune: milan, OrganizationID: acmeID, ApplicantID: bobID}); kindOf(err) != "BAD_USER_INPUT" {
		t.Fatalf("organization with another applicant: %v", kindOf(err))
	}
}

func TestScopesOfThirdPartyApps(t *testing.T) {
	e := newEnv(t)
	p := e.create(t, freeService, milan)
	app := func(scopes ...string) *auth.Principal {
		return &auth.Principal{Subject: "alice", FiscalCode: aliceFC, Roles: []string{auth.RoleCitizen}, Client: "civic-app", Scopes: scopes}
	}
	if _, err := e.svc.Practice(as(app(auth.ScopePaymentsRead)), p.ID); kindOf(err) != "FORBIDDEN" {
		t.Fatalf("read without practices:read: %v", kindOf(err))
	}
	if _, err := e.svc.Practice(as(app(auth.ScopePracticesRead)), p.ID); err != nil {
		t.Fatalf("read with practices:read: %v", err)
	}
	if _, err := e.svc.Act(as(app(auth.ScopePracticesRead)), p.ID, practices.ActionSubmit, ""); kindOf(err) != "FORBIDDEN" {
		t.Fatalf("write with read only: %v", kindOf(err))
	}
	if _, err := e.svc.CreatePractice(as(app(auth.ScopePracticesRead)), practices.CreateInput{ServiceID: freeService, Comune: milan}); kindOf(err) != "FORBIDDEN" {
		t.Fatalf("create with read only: %v", kindOf(err))
	}
	if _, err := e.svc.Act(as(app(auth.ScopePracticesRead, auth.ScopePracticesWrite)), p.ID, practices.ActionSubmit, ""); err != nil {
		t.Fatalf("write with practices:write: %v", err)
	}
}

// Operators' fiscal codes are shown to operators of the comune and admins
// only; citizens see the role.
func TestOperatorIdentityInHistory(t *testing.T) {
	e := newEnv(t)
	p := e.practiceIn(t, practices.StatusRegistered)
	hist, _ := e.svc.History(context.Background(), []string{p.ID})
	seen := func(who *auth.Principal) string {
		for _, c := range e.svc.ViewHistory(as(who), milan, hist[0]) {
			if c.Actor.Kind == practices.ActorOperator {
				return c.Actor.ID
			}
		}
		t.Fatal("no operator in the history")
		return ""
	}
	if seen(alice()) != "" || seen(operatorOf(rho)) != "" {
		t.Fatal("an operator's fiscal code reached a citizen or another comune's operator")
	}
	if seen(operatorOf(milan)) == "" || seen(admin()) == "" {
		t.Fatal("the comune's operators lost the operator's fiscal code")
	}
}

// A revoked delegation ends the delegate's stream with a coded error.
func TestWatchEndsWhenDelegationIsRevoked(t *testing.T) {
	e := newEnv(t)
	p := e.create(t, freeService, milan)
	e.reg.set(bobFC, identity.Mandate{DelegationID: "d", PersonID: aliceID, PersonFiscalCode: aliceFC})
	ctx, cancel := context.WithCancel(as(bob()))
	defer cancel()
	ch, err := e.svc.WatchPractice(ctx, p.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Denied != nil || ev.Status != practices.StatusDraft {
		t.Fatalf("first event %+v", ev)
	}
	e.reg.set(bobFC)
	e.act(t, alice(), p.ID, practices.ActionSubmit)
	ev := next(t, ch)
	if ev.Denied == nil || kindOf(ev.Denied) != "NOT_FOUND" || ev.Status != "" {
		t.Fatalf("after revocation: %+v", ev)
	}
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("the stream goes on after the denial")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not end")
	}
}
