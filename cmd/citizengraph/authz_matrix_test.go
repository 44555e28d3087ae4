package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"

	culturegql "github.com/citizengraph/citizengraph/graph/culture"
	identitygql "github.com/citizengraph/citizengraph/graph/identity"
	paymentsgql "github.com/citizengraph/citizengraph/graph/payments"
	practicesgql "github.com/citizengraph/citizengraph/graph/practices"
	territorygql "github.com/citizengraph/citizengraph/graph/territory"
	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// matrixOp is one row of the authorization matrix: an operation of the
// public schema (or an _entities lookup of one entity type of one
// subgraph) about A's data, with every actor's expected outcome.
type matrixOp struct {
	name     string // "Query.practice", "Mutation.createPractice (for A)", "_entities practices Practice"
	field    string // the root field answered (its null-ness and errors decide the outcome)
	subgraph string // the subgraph the direct path posts to
	scope    string // the scope the operation needs ("" for none)
	query    string
	// vars returns the variables of one cell, setting up fresh state when
	// the operation changes it.
	vars    func(t *testing.T, f *fixture) map[string]any
	expect  map[string]string
	sub     bool // a subscription
	upload  bool // a multipart request with a file for $file (uploadMutation)
	gateway bool // through the gateway only (it spans subgraphs)
	direct  bool // directly against the subgraph only (_entities)
	// classify, when set, refines "ok" (e.g. empty lists, limited views).
	classify func(raw json.RawMessage) string
}

// outcome reduces a response to the cell's outcome.
func (op *matrixOp) outcome(r gqlResult) string {
	if len(r.Errors) > 0 {
		codes := map[string]bool{}
		for _, e := range r.Errors {
			c, _ := e.Extensions["code"].(string)
			codes[c] = true
		}
		if len(codes) != 1 {
			return fmt.Sprintf("mixed %v", r.Errors)
		}
		for c := range codes {
			return c
		}
	}
	raw, found := r.Data[op.field]
	if !found || string(raw) == "null" {
		return null
	}
	if op.field == "_entities" {
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil || len(list) != 1 {
			return "malformed " + string(raw)
		}
		raw = list[0]
		if string(raw) == "null" {
			return null
		}
	}
	if op.classify != nil {
		return op.classify(raw)
	}
	return ok
}

// emptyIf classifies data holding "totalCount":0 or an empty list as empty.
func emptyIf(raw json.RawMessage) string {
	s := string(raw)
	if strings.Contains(s, `"totalCount":0`) || strings.Contains(s, `:[]`) {
		return empty
	}
	return ok
}

// installmentView tells a full installment from a payer's limited view.
func installmentView(raw json.RawMessage) string {
	var in struct {
		Position *struct{ Iupd string }
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return "malformed"
	}
	if in.Position == nil {
		return limited
	}
	return ok
}

// Standard expectations.
var (
	public = expect(ok)
	// A's object, read: A, the delegate in scope, the comune's operators,
	// admins and A's app with the scope; NOT_FOUND (as for an unknown id)
	// for everyone else who may ask.
	personalRead = expect(nf, anon, unauth, citizen, ok, delIn, ok, opComune, ok, admin, ok, appAll, ok, appMissing, forbid, appNone, forbid)
	// A's data in a list or count: filtered to nothing for those who may
	// not see it.
	personalList = expect(empty, anon, unauth, citizen, ok, delIn, ok, opComune, ok, admin, ok, appAll, ok, appMissing, forbid, appNone, forbid)
	// An applicant's action on A's practice.
	applicantAction = expect(nf, anon, unauth, citizen, ok, delIn, ok, opComune, forbid, admin, forbid, appAll, ok, appMissing, forbid, appNone, forbid)
	// An operator's action on A's practice.
	operatorAction = expect(nf, anon, unauth, citizen, forbid, delIn, forbid, opComune, ok, admin, ok, appAll, forbid, appMissing, forbid, appNone, forbid)
	// The caller's own data, by the token: every registered person; no
	// fiscal code, no person.
	ownData = expect(ok, anon, unauth, opComune, nf, opOther, nf, admin, nf, appMissing, forbid, appNone, forbid, clientCreds, nf)
	// A's personal data on Person: A, the comune's operators (A has a
	// practice there), admins, A's app with the scope.
	personalField = expect(forbid, anon, unauth, citizen, ok, opComune, ok, admin, ok, appAll, ok)
	// An entity type a subgraph only references (resolvable: false): not
	// resolved there, for anybody.
	notResolvedHere = expect("BAD_USER_INPUT")
)

func matrixOps(f *fixture) []*matrixOp {
	id := func(v string) func(*testing.T, *fixture) map[string]any {
		return func(*testing.T, *fixture) map[string]any { return map[string]any{"id": v} }
	}
	none := func(*testing.T, *fixture) map[string]any { return nil }
	fresh := func(status string) func(*testing.T, *fixture) map[string]any {
		return func(t *testing.T, f *fixture) map[string]any { return map[string]any{"id": f.draft(t, status)} }
	}
	rep := func(typ, key, value string) func(*testing.T, *fixture) map[string]any {
		return func(*testing.T, *fixture) map[string]any {
			return map[string]any{"r": []map[string]any{{"__typename": typ, key: value}}}
		}
	}
	const entities = `query($r: [_Any!]!) { _entities(representations: $r) { %s } }`
	doc := map[string]any{"name": "allegato.pdf", "mediaType": "application/pdf", "size": 1024, "sha256": strings.Repeat("ab", 32)}
	ops := []*matrixOp{
		// identity
		{name: "Query.me", field: "me", subgraph: "identity", query: `{ me { id displayName } }`, vars: none,
			expect: expect(ok, anon, unauth, opComune, null, opOther, null, admin, null, clientCreds, null)},
		{name: "Query.person (public fields)", field: "person", subgraph: "identity", query: `query($id: ID!) { person(id: $id) { id displayName organizations { id } } }`,
			vars: id(f.aID), expect: public},
		{name: "Query.person (profile)", field: "person", subgraph: "identity", scope: auth.ScopeProfileRead,
			query: `query($id: ID!) { person(id: $id) { id fiscalCode email residence { address } } }`, vars: id(f.aID), expect: personalField},
		{name: "Query.person (messages)", field: "person", subgraph: "identity", scope: auth.ScopeMessagesRead,
			query: `query($id: ID!) { person(id: $id) { messages(first: 1) { totalCount } } }`, vars: id(f.aID),
			expect: expect(forbid, anon, unauth, citizen, ok, delIn, ok, opComune, ok, admin, ok, appAll, ok)},
		{name: "Query.person (delegations)", field: "person", subgraph: "identity", scope: auth.ScopeDelegationsRead,
			query: `query($id: ID!) { person(id: $id) { delegationsGiven { id areas } delegationsReceived { id } } }`, vars: id(f.aID), expect: personalField},
		{name: "Query.person (practices)", field: "person", subgraph: "identity", scope: auth.ScopePracticesRead, gateway: true,
			query: `query($id: ID!) { person(id: $id) { practices(first: 5) { totalCount } } }`, vars: id(f.aID), expect: personalList, classify: emptyIf},
		{name: "Query.person (payments)", field: "person", subgraph: "identity", scope: auth.ScopePaymentsRead, gateway: true,
			query: `query($id: ID!) { person(id: $id) { payments(first: 5) { totalCount } } }`, vars: id(f.aID), expect: personalList, classify: emptyIf},
		{name: "Query.person (access log)", field: "person", subgraph: "identity", scope: auth.ScopeProfileRead,
			query: `query($id: ID!) { person(id: $id) { accessLog(first: 5) { totalCount nodes { role via data comuni { istatCode } } } } }`, vars: id(f.aID),
			expect: expect(forbid, anon, unauth, citizen, ok, appAll, ok)},
		{name: "Query.personByFiscalCode", field: "personByFiscalCode", subgraph: "identity",
			query:  `query($fc: String!) { personByFiscalCode(fiscalCode: $fc, reason: "sportello anagrafe") { id displayName } }`,
			vars:   func(*testing.T, *fixture) map[string]any { return map[string]any{"fc": f.aFC} },
			expect: expect(forbid, anon, unauth, opComune, ok, opOther, null, admin, ok)},
		{name: "Query.organization", field: "organization", subgraph: "identity", query: `query($id: ID!) { organization(id: $id) { id name legalForm } }`,
			vars: id(f.org), expect: public},
		{name: "Query.organization (delegations)", field: "organization", subgraph: "identity", scope: auth.ScopeDelegationsRead,
			query: `query($id: ID!) { organization(id: $id) { delegations { id } } }`, vars: id(f.org),
			expect: expect(forbid, anon, unauth, opComune, ok, admin, ok)},
		{name: "Mutation.updateContacts", field: "updateContacts", subgraph: "identity", scope: auth.ScopeProfileWrite,
			query: `mutation { updateContacts(input: {phone: "+39 02 1234567"}) { id } }`, vars: none, expect: ownData},
		{name: "Mutation.updateNotificationPreferences", field: "updateNotificationPreferences", subgraph: "identity", scope: auth.ScopeProfileWrite,
			query: `mutation { updateNotificationPreferences(input: {email: false, sms: false, io: true, language: "it"}) { id } }`, vars: none, expect: ownData},
		{name: "Mutation.grantDelegation", field: "grantDelegation", subgraph: "identity", scope: auth.ScopeDelegationsWrite,
			query: `mutation($fc: String!) { grantDelegation(input: {delegateFiscalCode: $fc, areas: [PAYMENTS]}) { id areas } }`,
			vars:  func(t *testing.T, f *fixture) map[string]any { return map[string]any{"fc": f.grantee()} }, expect: ownData},
		{name: "Mutation.grantDelegation (for an organization)", field: "grantDelegation", subgraph: "identity", scope: auth.ScopeDelegationsWrite,
			query: `mutation($fc: String!, $org: ID!) { grantDelegation(input: {delegateFiscalCode: $fc, organizationId: $org}) { id } }`,
			vars: func(t *testing.T, f *fixture) map[string]any {
				return map[string]any{"fc": f.grantee(), "org": f.org}
			}, expect: expect(forbid, anon, unauth, opComune, nf, opOther, nf, admin, nf, clientCreds, nf)},
		{name: "Mutation.revokeDelegation", field: "revokeDelegation", subgraph: "identity", scope: auth.ScopeDelegationsWrite,
			query:  `mutation($id: ID!) { revokeDelegation(id: $id) { id status } }`,
			vars:   func(t *testing.T, f *fixture) map[string]any { return map[string]any{"id": f.delegationOfA(t)} },
			expect: expect(nf, anon, unauth, citizen, ok, appAll, ok, appMissing, forbid, appNone, forbid)},
		{name: "Mutation.markMessageRead", field: "markMessageRead", subgraph: "identity", scope: auth.ScopeMessagesWrite,
			query: `mutation($id: ID!) { markMessageRead(id: $id) { id readAt } }`, vars: id(f.message),
			expect: expect(nf, anon, unauth, citizen, ok, delIn, ok, appAll, ok, appMissing, forbid, appNone, forbid)},
		{name: "_entities identity Person", field: "_entities", subgraph: "identity", direct: true,
			query: fmt.Sprintf(entities, `... on Person { id displayName }`), vars: rep("Person", "id", f.aID), expect: public},
		{name: "_entities identity Person (profile)", field: "_entities", subgraph: "identity", direct: true, scope: auth.ScopeProfileRead,
			query: fmt.Sprintf(entities, `... on Person { id fiscalCode phone }`), vars: rep("Person", "id", f.aID), expect: personalField},
		{name: "_entities identity Organization", field: "_entities", subgraph: "identity", direct: true,
			query: fmt.Sprintf(entities, `... on Organization { id name }`), vars: rep("Organization", "id", f.org), expect: public},
		{name: "_entities identity Comune", field: "_entities", subgraph: "identity", direct: true,
			query: fmt.Sprintf(entities, `... on Comune { istatCode }`), vars: rep("Comune", "istatCode", f.comune), expect: notResolvedHere},
		{name: "_entities identity Practice", field: "_entities", subgraph: "identity", direct: true,
			query: fmt.Sprintf(entities, `... on Practice { id }`), vars: rep("Practice", "id", f.practice), expect: notResolvedHere},
		{name: "_entities identity PaymentPosition", field: "_entities", subgraph: "identity", direct: true,
			query: fmt.Sprintf(entities, `... on PaymentPosition { iupd }`), vars: rep("PaymentPosition", "iupd", f.iupd), expect: notResolvedHere},

		// practices
		{name: "Query.practice", field: "practice", subgraph: "practices", scope: auth.ScopePracticesRead,
			query: `query($id: ID!) { practice(id: $id) { id status history { actor { kind } } documents { id } } }`, vars: id(f.practice), expect: personalRead},
		{name: "Query.service", field: "service", subgraph: "practices", query: `query($id: ID!) { service(id: $id) { id title } }`, vars: id(f.service), expect: public},
		{name: "Query.services", field: "services", subgraph: "practices", query: `{ services(first: 3) { totalCount nodes { id } } }`, vars: none, expect: public},
		{name: "Query.serviceStats", field: "serviceStats", subgraph: "practices", query: `{ serviceStats { count decided } }`, vars: none,
			expect: expect(forbid, anon, unauth, opComune, ok, opOther, ok, admin, ok)},
		{name: "Mutation.createPractice", field: "createPractice", subgraph: "practices", scope: auth.ScopePracticesWrite,
			query: `mutation($in: CreatePracticeInput!) { createPractice(input: $in) { id status } }`,
			vars: func(t *testing.T, f *fixture) map[string]any {
				return map[string]any{"in": map[string]any{"serviceId": f.freeService, "comune": f.comune}}
			}, expect: expect(ok, anon, unauth, opComune, forbid, opOther, forbid, admin, forbid, appMissing, forbid, appNone, forbid, clientCreds, forbid)},
		{name: "Mutation.createPractice (for A)", field: "createPractice", subgraph: "practices", scope: auth.ScopePracticesWrite,
			query: `mutation($in: CreatePracticeInput!) { createPractice(input: $in) { id status } }`,
			vars: func(t *testing.T, f *fixture) map[string]any {
				return map[string]any{"in": map[string]any{"serviceId": f.freeService, "comune": f.comune, "applicantId": f.aID}}
			}, expect: expect(forbid, anon, unauth, citizen, ok, delIn, ok, appAll, ok)},
		{name: "Mutation.createPractice (for an organization)", field: "createPractice", subgraph: "practices", scope: auth.ScopePracticesWrite,
			query: `mutation($in: CreatePracticeInput!) { createPractice(input: $in) { id status } }`,
			vars: func(t *testing.T, f *fixture) map[string]any {
				return map[string]any{"in": map[string]any{"serviceId": f.freeService, "comune": f.comune, "organizationId": f.org}}
			}, expect: expect(forbid, anon, unauth)},
		{name: "Mutation.submitPractice", field: "submitPractice", subgraph: "practices", scope: auth.ScopePracticesWrite,
			query: `mutation($id: ID!) { submitPractice(id: $id) { id status } }`, vars: fresh("DRAFT"), expect: applicantAction},
		{name: "Mutation.withdrawPractice", field: "withdrawPractice", subgraph: "practices", scope: auth.ScopePracticesWrite,
			query: `mutation($id: ID!) { withdrawPractice(id: $id) { id status } }`, vars: fresh("DRAFT"), expect: applicantAction},
		{name: "Mutation.answerIntegration", field: "answerIntegration", subgraph: "practices", scope: auth.ScopePracticesWrite,
			query: `mutation($id: ID!) { answerIntegration(id: $id, note: "allegata") { id status } }`, vars: fresh("INTEGRATION_REQUESTED"), expect: applicantAction},
		{name: "Mutation.addDocument", field: "addDocument", subgraph: "practices", scope: auth.ScopePracticesWrite,
			query: `mutation($id: ID!, $in: DocumentInput!) { addDocument(practiceId: $id, input: $in) { id } }`,
			vars: func(t *testing.T, f *fixture) map[string]any {
				return map[string]any{"id": f.draft(t, "DRAFT"), "in": doc}
			}, expect: expect(nf, anon, unauth, citizen, ok, delIn, ok, opComune, confl, admin, confl, appAll, ok, appMissing, forbid, appNone, forbid)},
		{name: "Mutation.uploadDocument", field: "uploadDocument", subgraph: "practices", scope: auth.ScopePracticesWrite, upload: true,
			query: uploadMutation, vars: fresh("DRAFT"),
			expect: expect(nf, anon, unauth, citizen, ok, delIn, ok, opComune, confl, admin, confl, appAll, ok, appMissing, forbid, appNone, forbid)},
		{name: "Mutation.confirmPracticePayment", field: "confirmPracticePayment", subgraph: "practices", scope: auth.ScopePracticesWrite,
			query: `mutation($id: ID!) { confirmPracticePayment(id: $id) { id status } }`, vars: fresh("PAYMENT_PENDING"), expect: operatorAction},
		{name: "Mutation.registerPractice", field: "registerPractice", subgraph: "practices", scope: auth.ScopePracticesWrite,
			query: `mutation($id: ID!) { registerPractice(id: $id) { id status } }`, vars: fresh("SUBMITTED"), expect: operatorAction},
		{name: "Mutation.takePracticeInCharge", field: "takePracticeInCharge", subgraph: "practices", scope: auth.ScopePracticesWrite,
			query: `mutation($id: ID!) { takePracticeInCharge(id: $id) { id status } }`, vars: fresh("REGISTERED"), expect: operatorAction},
		{name: "Mutation.requestIntegration", field: "requestIntegration", subgraph: "practices", scope: auth.ScopePracticesWrite,
			query: `mutation($id: ID!) { requestIntegration(id: $id, note: "manca un documento") { id status } }`, vars: fresh("IN_PROGRESS"), expect: operatorAction},
		{name: "Mutation.completePractice", field: "completePractice", subgraph: "practices", scope: auth.ScopePracticesWrite,
			query: `mutation($id: ID!) { completePractice(id: $id) { id status } }`, vars: fresh("IN_PROGRESS"), expect: operatorAction},
		{name: "Mutation.rejectPractice", field: "rejectPractice", subgraph: "practices", scope: auth.ScopePracticesWrite,
			query: `mutation($id: ID!) { rejectPractice(id: $id, note: "requisiti mancanti") { id status } }`, vars: fresh("REGISTERED"), expect: operatorAction},
		{name: "Query.workQueue", field: "workQueue", subgraph: "practices",
			query: `{ workQueue(first: 5, filter: {statuses: [SUBMITTED, COMPLETED]}) { totalCount countsByStatus { status count } nodes { id assignment { operatorId } } } }`, vars: none,
			expect: expect(forbid, anon, unauth, opComune, ok, opOther, ok, admin, ok)},
		{name: "Query.controlRoom", field: "controlRoom", subgraph: "practices",
			query: `{ controlRoom { scope { from to comuni { istatCode } } backlog { status count } weeks { submitted decided } byServiceAndComune { service { id } submitted } } }`, vars: none,
			expect: expect(forbid, anon, unauth, opComune, ok, opOther, ok, admin, ok)},
		{name: "Mutation.takePractice", field: "takePractice", subgraph: "practices", scope: auth.ScopePracticesWrite,
			query: `mutation($id: ID!) { takePractice(id: $id) { id assignment { operatorId } } }`, vars: fresh("SUBMITTED"), expect: operatorAction},
		{name: "Mutation.releasePractice", field: "releasePractice", subgraph: "practices", scope: auth.ScopePracticesWrite,
			query: `mutation($id: ID!) { releasePractice(id: $id) { id assignment { operatorId } } }`,
			vars: func(t *testing.T, f *fixture) map[string]any {
				id := f.draft(t, "SUBMITTED")
				f.must(t, opComune, `mutation($id: ID!) { takePractice(id: $id) { id } }`, map[string]any{"id": id})
				return map[string]any{"id": id}
			}, expect: expect(nf, anon, unauth, citizen, forbid, delIn, forbid, opComune, ok, admin, ok, appAll, forbid, appMissing, forbid, appNone, forbid)},
		{name: "Subscription.practiceStatusChanged", field: "practiceStatusChanged", subgraph: "practices", scope: auth.ScopePracticesRead, sub: true,
			query: `subscription($id: ID!) { practiceStatusChanged(id: $id) { cursor status } }`, vars: id(f.practice), expect: personalRead},
		{name: "_entities practices Practice", field: "_entities", subgraph: "practices", direct: true, scope: auth.ScopePracticesRead,
			query: fmt.Sprintf(entities, `... on Practice { id status }`), vars: rep("Practice", "id", f.practice), expect: personalRead},
		{name: "_entities practices Service", field: "_entities", subgraph: "practices", direct: true,
			query: fmt.Sprintf(entities, `... on Service { id title }`), vars: rep("Service", "id", f.service), expect: public},
		{name: "_entities practices Person", field: "_entities", subgraph: "practices", direct: true, scope: auth.ScopePracticesRead,
			query: fmt.Sprintf(entities, `... on Person { practices(first: 5) { totalCount } }`), vars: rep("Person", "id", f.aID),
			expect: personalList, classify: emptyIf},
		{name: "_entities practices Comune", field: "_entities", subgraph: "practices", direct: true,
			query: fmt.Sprintf(entities, `... on Comune { istatCode services { id } }`), vars: rep("Comune", "istatCode", f.comune), expect: public},
		{name: "_entities practices Organization", field: "_entities", subgraph: "practices", direct: true,
			query: fmt.Sprintf(entities, `... on Organization { id }`), vars: rep("Organization", "id", f.org), expect: notResolvedHere},

		// payments
		{name: "Query.paymentPosition", field: "paymentPosition", subgraph: "payments", scope: auth.ScopePaymentsRead,
			query: `query($id: ID!) { paymentPosition(iupd: $id) { iupd status debtorFiscalCode installments { receipt { receiptId } } } }`,
			vars:  id(f.iupd), expect: expect(null, anon, unauth, citizen, ok, delIn, ok, opComune, ok, admin, ok, appAll, ok, appMissing, forbid, appNone, forbid)},
		{name: "Query.installment", field: "installment", subgraph: "payments", scope: auth.ScopePaymentsRead,
			query:  `query($n: String!) { installment(noticeNumber: $n) { status amountCents receipt { receiptId } position { iupd } } }`,
			vars:   func(*testing.T, *fixture) map[string]any { return map[string]any{"n": f.notice} },
			expect: expect(null, anon, unauth, citizen, ok, delIn, ok, opComune, ok, admin, ok, appAll, ok, appMissing, forbid, appNone, forbid), classify: installmentView},
		{name: "Query.installment (with the debtor's fiscal code)", field: "installment", subgraph: "payments", scope: auth.ScopePaymentsRead,
			query:  `query($n: String!, $fc: String) { installment(noticeNumber: $n, debtorFiscalCode: $fc) { status amountCents receipt { receiptId } position { iupd } } }`,
			vars:   func(*testing.T, *fixture) map[string]any { return map[string]any{"n": f.notice, "fc": f.aFC} },
			expect: expect(limited, anon, unauth, citizen, ok, delIn, ok, opComune, ok, admin, ok, appAll, ok, appMissing, forbid, appNone, forbid), classify: installmentView},
		{name: "Query.paymentTaxonomy", field: "paymentTaxonomy", subgraph: "payments", query: `{ paymentTaxonomy(macroArea: "TRIBUTI") { code } }`, vars: none, expect: public},
		{name: "Mutation.createPaymentPosition", field: "createPaymentPosition", subgraph: "payments",
			query: `mutation($in: CreatePaymentPositionInput!) { createPaymentPosition(input: $in) { iupd status } }`,
			vars: func(*testing.T, *fixture) map[string]any {
				return map[string]any{"in": map[string]any{"comune": f.comune, "debtorId": f.aID, "debtorFiscalCode": f.aFC, "debtorName": "Debitore",
					"description": "Diritti", "installments": []map[string]any{{"amountCents": 500, "description": "Diritti", "dueDate": "2099-01-31", "taxonomyCode": "9/0101101IM/"}}}}
			}, expect: expect(forbid, anon, unauth, opComune, ok, admin, ok)},
		{name: "Mutation.publishPaymentPosition", field: "publishPaymentPosition", subgraph: "payments",
			query: `mutation($id: ID!) { publishPaymentPosition(iupd: $id) { iupd status } }`,
			vars: func(t *testing.T, f *fixture) map[string]any {
				iupd, _ := f.position(t, true)
				return map[string]any{"id": iupd}
			}, expect: expect(nf, anon, unauth, citizen, forbid, opComune, ok, admin, ok, appAll, forbid, appMissing, forbid, appNone, forbid)},
		{name: "Mutation.invalidatePaymentPosition", field: "invalidatePaymentPosition", subgraph: "payments",
			query: `mutation($id: ID!) { invalidatePaymentPosition(iupd: $id) { iupd status } }`,
			vars: func(t *testing.T, f *fixture) map[string]any {
				iupd, _ := f.position(t, false)
				return map[string]any{"id": iupd}
			}, expect: expect(nf, anon, unauth, citizen, forbid, opComune, ok, admin, ok, appAll, forbid, appMissing, forbid, appNone, forbid)},
		{name: "Mutation.payInstallment", field: "payInstallment", subgraph: "payments", scope: auth.ScopePaymentsWrite,
			query: `mutation($n: String!, $k: String!) { payInstallment(noticeNumber: $n, idempotencyKey: $k, method: CARD) { receipt { receiptId } } }`,
			vars: func(t *testing.T, f *fixture) map[string]any {
				_, n := f.position(t, false)
				return map[string]any{"n": n, "k": f.key()}
			}, expect: expect(nf, anon, unauth, citizen, ok, delIn, ok, opComune, ok, admin, ok, appAll, ok, appMissing, forbid, appNone, forbid)},
		{name: "Mutation.payInstallment (with the debtor's fiscal code)", field: "payInstallment", subgraph: "payments", scope: auth.ScopePaymentsWrite,
			query: `mutation($n: String!, $k: String!, $fc: String) { payInstallment(noticeNumber: $n, idempotencyKey: $k, method: CARD, debtorFiscalCode: $fc) { receipt { receiptId } installment { position { iupd } } } }`,
			vars: func(t *testing.T, f *fixture) map[string]any {
				_, n := f.position(t, false)
				return map[string]any{"n": n, "k": f.key(), "fc": f.aFC}
			}, expect: expect(ok, anon, unauth, appMissing, forbid, appNone, forbid)},
		{name: "_entities payments PaymentPosition", field: "_entities", subgraph: "payments", direct: true, scope: auth.ScopePaymentsRead,
			query: fmt.Sprintf(entities, `... on PaymentPosition { iupd status }`), vars: rep("PaymentPosition", "iupd", f.iupd),
			expect: expect(nf, anon, unauth, citizen, ok, delIn, ok, opComune, ok, admin, ok, appAll, ok, appMissing, forbid, appNone, forbid)},
		{name: "_entities payments Person", field: "_entities", subgraph: "payments", direct: true, scope: auth.ScopePaymentsRead,
			query: fmt.Sprintf(entities, `... on Person { payments(first: 5) { totalCount } }`), vars: rep("Person", "id", f.aID),
			expect: personalList, classify: emptyIf},
		{name: "_entities payments Practice", field: "_entities", subgraph: "payments", direct: true, scope: auth.ScopePaymentsRead,
			query: fmt.Sprintf(entities, `... on Practice { payments { iupd } }`), vars: rep("Practice", "id", f.practice),
			expect: personalList, classify: emptyIf},
		{name: "_entities payments Comune", field: "_entities", subgraph: "payments", direct: true,
			query: fmt.Sprintf(entities, `... on Comune { istatCode }`), vars: rep("Comune", "istatCode", f.comune), expect: notResolvedHere},

		// culture
		{name: "Query.event", field: "event", subgraph: "culture", query: `query($id: ID!) { event(id: $id) { id title } }`, vars: id(f.eventID), expect: public},
		{name: "Query.events", field: "events", subgraph: "culture", query: `{ events(first: 2) { totalCount } }`, vars: none, expect: public},
		{name: "Query.venue", field: "venue", subgraph: "culture", query: `query($id: ID!) { venue(id: $id) { id name } }`, vars: id(f.venueID), expect: public},
		{name: "Query.venues", field: "venues", subgraph: "culture", query: `{ venues(first: 2) { nodes { id } } }`, vars: none, expect: public},
		{name: "Query.eventCategories", field: "eventCategories", subgraph: "culture", query: `{ eventCategories { __typename } }`, vars: none, expect: public},
		{name: "Query.venuesNear", field: "venuesNear", subgraph: "culture", query: `{ venuesNear(near: {lat: 45.4642, lon: 9.19, radiusMeters: 2000}, first: 2) { nodes { id } } }`, vars: none, expect: public},
		{name: "Query.eventsNear", field: "eventsNear", subgraph: "culture", query: `{ eventsNear(near: {lat: 45.4642, lon: 9.19, radiusMeters: 5000}, includePast: true, first: 2) { totalCount } }`, vars: none, expect: public},
		{name: "_entities culture Event", field: "_entities", subgraph: "culture", direct: true,
			query: fmt.Sprintf(entities, `... on Event { id title }`), vars: rep("Event", "id", f.eventID), expect: public},
		{name: "_entities culture Venue", field: "_entities", subgraph: "culture", direct: true,
			query: fmt.Sprintf(entities, `... on Venue { id name }`), vars: rep("Venue", "id", f.venueID), expect: public},
		{name: "_entities culture Comune", field: "_entities", subgraph: "culture", direct: true,
			query: fmt.Sprintf(entities, `... on Comune { istatCode }`), vars: rep("Comune", "istatCode", f.comune), expect: public},
		{name: "_entities culture Nil", field: "_entities", subgraph: "culture", direct: true,
			query: fmt.Sprintf(entities, `... on Nil { id }`), vars: rep("Nil", "id", f.nilID), expect: notResolvedHere},

		// territory
		{name: "Query.comune", field: "comune", subgraph: "territory", query: `query($id: ID!) { comune(istatCode: $id) { istatCode name } }`, vars: id(f.comune), expect: public},
		{name: "Query.comuni", field: "comuni", subgraph: "territory", query: `{ comuni(first: 2) { totalCount } }`, vars: none, expect: public},
		{name: "Query.zoneOmogenee", field: "zoneOmogenee", subgraph: "territory", query: `{ zoneOmogenee { id } }`, vars: none, expect: public},
		{name: "Query.zonaOmogenea", field: "zonaOmogenea", subgraph: "territory", query: `{ zonaOmogenea(id: "0") { id } }`, vars: none, expect: public},
		{name: "Query.municipi", field: "municipi", subgraph: "territory", query: `{ municipi { id } }`, vars: none, expect: public},
		{name: "Query.municipio", field: "municipio", subgraph: "territory", query: `{ municipio(id: "1") { id } }`, vars: none, expect: public},
		{name: "Query.nil", field: "nil", subgraph: "territory", query: `{ nil { id } }`, vars: none, expect: public},
		{name: "Query.nilById", field: "nilById", subgraph: "territory", query: `query($id: ID!) { nilById(id: $id) { id } }`, vars: id(f.nilID), expect: public},
		{name: "Query.placeAt", field: "placeAt", subgraph: "territory", query: `{ placeAt(latitude: 45.4642, longitude: 9.19) { comune { istatCode } nil { id } } }`, vars: none, expect: public},
		{name: "_entities territory Comune", field: "_entities", subgraph: "territory", direct: true,
			query: fmt.Sprintf(entities, `... on Comune { istatCode name }`), vars: rep("Comune", "istatCode", f.comune), expect: public},
		{name: "_entities territory Municipio", field: "_entities", subgraph: "territory", direct: true,
			query: fmt.Sprintf(entities, `... on Municipio { id }`), vars: rep("Municipio", "id", "1"), expect: public},
		{name: "_entities territory Nil", field: "_entities", subgraph: "territory", direct: true,
			query: fmt.Sprintf(entities, `... on Nil { id }`), vars: rep("Nil", "id", f.nilID), expect: public},
		{name: "_entities territory ZonaOmogenea", field: "_entities", subgraph: "territory", direct: true,
			query: fmt.Sprintf(entities, `... on ZonaOmogenea { id }`), vars: rep("ZonaOmogenea", "id", "0"), expect: public},
	}
	return ops
}

// TestAuthorizationMatrix runs every operation of the public schema (and
// every entity type's _entities lookup) as every actor, through the
// gateway and directly against the owning subgraph, and asserts each
// cell's outcome.
func TestAuthorizationMatrix(t *testing.T) {
	_, pool, iss, srv := serveGraph(t, seedgen.Params{People: 80, Seed: 7})
	f := newFixture(t, pool, iss, srv.URL)
	ops := matrixOps(f)
	cells := 0
	for _, op := range ops {
		if len(op.expect) != len(actors) {
			t.Fatalf("%s: %d expectations for %d actors", op.name, len(op.expect), len(actors))
		}
		paths := map[string]string{"gateway": srv.URL + "/graphql", "subgraph": srv.URL + "/subgraphs/" + op.subgraph}
		for _, path := range []string{"gateway", "subgraph"} {
			if (path == "gateway" && op.direct) || (path == "subgraph" && op.gateway) {
				continue
			}
			for _, a := range actors {
				t.Run(op.name+"/"+path+"/"+a, func(t *testing.T) {
					vars := op.vars(t, f)
					var r gqlResult
					switch {
					case op.sub:
						r = firstEvent(t, paths[path], f.token(t, a, op.scope), op.query, vars)
					case op.upload:
						id, _ := vars["id"].(string)
						_, r = callUpload(t, paths[path], f.token(t, a, op.scope), id, "allegato.pdf", "application/pdf", []byte("%PDF-1.7\n%%EOF\n"))
					default:
						r = call(t, paths[path], f.token(t, a, op.scope), op.query, vars)
					}
					want := op.expect[a]
					if path == "gateway" {
						want = atGateway(op, a, want)
					}
					if got := op.outcome(r); got != want {
						t.Errorf("got %s, want %s (data %s, errors %+v)", got, want, r.Data[op.field], r.Errors)
					}
				})
				cells++
			}
		}
	}
	t.Logf("authorization matrix: %d rows × %d actors, %d cells", len(ops), len(actors), cells)
}

// TestMatrixCoversTheSchema fails when an operation of any subgraph (a
// root field of Query, Mutation or Subscription) or an entity type of any
// subgraph's _entities has no row in the matrix.
func TestMatrixCoversTheSchema(t *testing.T) {
	ops := matrixOps(&fixture{})
	rows := map[string]bool{}
	for _, op := range ops {
		if op.field == "_entities" {
			parts := strings.Fields(op.name) // _entities <subgraph> <Type>
			rows["_entities "+parts[1]+" "+parts[2]] = true
			continue
		}
		rows[strings.SplitN(op.name, " ", 2)[0]] = true
	}
	schemas := map[string]graphql.ExecutableSchema{
		"identity":  identitygql.NewExecutableSchema(identitygql.Config{}),
		"practices": practicesgql.NewExecutableSchema(practicesgql.Config{}),
		"payments":  paymentsgql.NewExecutableSchema(paymentsgql.Config{}),
		"culture":   culturegql.NewExecutableSchema(culturegql.Config{}),
		"territory": territorygql.NewExecutableSchema(territorygql.Config{}),
	}
	var missing []string
	for name, es := range schemas {
		s := es.Schema()
		for _, root := range []string{"Query", "Mutation", "Subscription"} {
			def := s.Types[root]
			if def == nil {
				continue
			}
			for _, fd := range def.Fields {
				if strings.HasPrefix(fd.Name, "_") {
					continue
				}
				if !rows[root+"."+fd.Name] {
					missing = append(missing, root+"."+fd.Name)
				}
			}
		}
		if u := s.Types["_Entity"]; u != nil {
			for _, typ := range u.Types {
				if !rows["_entities "+name+" "+typ] {
					missing = append(missing, "_entities "+name+" "+typ)
				}
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("operations without a row in the authorization matrix: %s", strings.Join(missing, ", "))
	}
}

// countingHandler counts log records at ERROR or above.
type countingHandler struct {
	mu     sync.Mutex
	errors []string
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.mu.Lock()
		defer h.mu.Unlock()
		var b bytes.Buffer
		b.WriteString(r.Message)
		r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&b, " %s=%v", a.Key, a.Value); return true })
		h.errors = append(h.errors, b.String())
	}
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

// TestClientMistakesAreClientErrors sends scalar values of the wrong form
// and malformed _entities representations, through the gateway and to the
// subgraphs: each is BAD_USER_INPUT, and nothing is logged at ERROR.
func TestClientMistakesAreClientErrors(t *testing.T) {
	h := &countingHandler{}
	prev := slog.Default()
	slog.SetDefault(slog.New(h))
	t.Cleanup(func() { slog.SetDefault(prev) })
	_, pool, iss, srv := serveGraph(t, seedgen.Params{People: 80, Seed: 5})
	f := newFixture(t, pool, iss, srv.URL)
	createPos := `mutation($in: CreatePaymentPositionInput!) { createPaymentPosition(input: $in) { iupd } }`
	position := func(amount, due any) map[string]any {
		return map[string]any{"in": map[string]any{"comune": f.comune, "debtorId": f.aID, "debtorFiscalCode": f.aFC, "debtorName": "D",
			"description": "Diritti", "installments": []map[string]any{{"amountCents": amount, "description": "Diritti", "dueDate": due, "taxonomyCode": "9/0101101IM/"}}}}
	}
	ent := `query($r: [_Any!]!) { _entities(representations: $r) { __typename } }`
	cases := []struct {
		name, subgraph, query string
		vars                  map[string]any
		direct                bool
	}{
		{"DateTime of the wrong form", "practices", `query($from: DateTime) { serviceStats(from: $from) { count } }`, map[string]any{"from": "yesterday"}, false},
		{"DateTime without offset", "practices", `query($from: DateTime) { serviceStats(from: $from) { count } }`, map[string]any{"from": "2026-03-10T09:30:00"}, false},
		{"DateTime literal", "practices", `{ serviceStats(from: "10/03/2026") { count } }`, nil, false},
		{"Date of the wrong form", "payments", createPos, position(500, "31/12/2099"), false},
		{"Int64 with a fraction", "payments", createPos, position(12.5, "2099-12-31"), false},
		{"Int64 out of range", "payments", createPos, position("99999999999999999999", "2099-12-31"), false},
		{"Int64 of the wrong type", "payments", createPos, position(true, "2099-12-31"), false},
		{"representation without __typename", "practices", ent, map[string]any{"r": []any{map[string]any{"id": f.practice}}}, true},
		{"representation of an unknown type", "practices", ent, map[string]any{"r": []any{map[string]any{"__typename": "Spaceship", "id": "1"}}}, true},
		{"representation without its key", "payments", ent, map[string]any{"r": []any{map[string]any{"__typename": "PaymentPosition"}}}, true},
		{"representation with a null key", "identity", ent, map[string]any{"r": []any{map[string]any{"__typename": "Person", "id": nil}}}, true},
		{"representation with a key of the wrong type", "territory", ent, map[string]any{"r": []any{map[string]any{"__typename": "Comune", "istatCode": []any{1}}}}, true},
		{"representation that is not an object", "culture", ent, map[string]any{"r": []any{"Event:1"}}, true},
	}
	for _, c := range cases {
		for _, path := range []string{"gateway", "subgraph"} {
			if path == "gateway" && c.direct {
				continue
			}
			url := srv.URL + "/graphql"
			if path == "subgraph" {
				url = srv.URL + "/subgraphs/" + c.subgraph
			}
			t.Run(c.name+"/"+path, func(t *testing.T) {
				r := call(t, url, f.tokens[admin], c.query, c.vars)
				if len(r.Errors) == 0 {
					t.Fatalf("no error: %s", r.Data)
				}
				coded := false
				for _, e := range r.Errors {
					code := e.Extensions["code"]
					if path == "gateway" && code == nil && strings.HasPrefix(e.Message, "Cannot return null for non-nullable field") {
						// The gateway relays the subgraph's BAD_USER_INPUT
						// and adds the non-null violation it causes, without
						// a code.
						continue
					}
					if code != "BAD_USER_INPUT" {
						t.Errorf("error %q with code %v, want BAD_USER_INPUT", e.Message, code)
					}
					coded = true
				}
				if !coded {
					t.Errorf("no BAD_USER_INPUT error: %+v", r.Errors)
				}
			})
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.errors) > 0 {
		t.Fatalf("client mistakes logged at ERROR: %s", strings.Join(h.errors, "\n"))
	}
}

// sseStream follows a subscription over GraphQL-over-SSE: each payload on
// the channel, closed when the stream completes or ends.
func sseStream(t *testing.T, ctx context.Context, url, token, query string, vars map[string]any) <-chan gqlResult {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan gqlResult, 16)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if sc.Text() == "event: complete" {
				return
			}
			if d, found := strings.CutPrefix(sc.Text(), "data: "); found && strings.TrimSpace(d) != "" {
				var r gqlResult
				if json.Unmarshal([]byte(d), &r) == nil {
					out <- r
				}
			}
		}
	}()
	return out
}

// TestRevokedDelegationEndsTheStream: a delegate following the delegator's
// practice loses the stream, with a coded error, at the first event after
// the delegation is revoked — through the gateway and at the subgraph.
func TestRevokedDelegationEndsTheStream(t *testing.T) {
	_, pool, iss, srv := serveGraph(t, seedgen.Params{People: 80, Seed: 9})
	f := newFixture(t, pool, iss, srv.URL)
	ctx := context.Background()
	const q = `subscription($id: ID!) { practiceStatusChanged(id: $id) { cursor status practice { id } } }`
	for _, path := range []struct{ name, url string }{{"gateway", srv.URL + "/graphql"}, {"subgraph", srv.URL + "/subgraphs/practices"}} {
		url := path.url
		t.Run(path.name, func(t *testing.T) {
			if _, err := pool.Exec(ctx, `insert into identity.delegation (id, delegator_person_id, delegate_id, valid_from)
				select gen_random_uuid(), $1, p.id, now() - interval '1 minute' from identity.person p where p.fiscal_code = $2`,
				f.aID, f.personFC[delIn]); err != nil {
				t.Fatal(err)
			}
			id := f.draft(t, "DRAFT")
			sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			events := sseStream(t, sctx, url, f.tokens[delIn], q, map[string]any{"id": id})
			first := <-events
			if len(first.Errors) > 0 || !strings.Contains(string(first.Data["practiceStatusChanged"]), `"status":"DRAFT"`) {
				t.Fatalf("first event: %s %+v", first.Data["practiceStatusChanged"], first.Errors)
			}
			if _, err := pool.Exec(ctx, `update identity.delegation set revoked_at = now()
				where delegator_person_id = $1 and revoked_at is null
				  and delegate_id = (select id from identity.person where fiscal_code = $2)`, f.aID, f.personFC[delIn]); err != nil {
				t.Fatal(err)
			}
			f.must(t, citizen, `mutation($id: ID!) { submitPractice(id: $id) { id } }`, map[string]any{"id": id})
			last, open := <-events
			if !open || len(last.Errors) == 0 || last.Errors[0].Extensions["code"] != nf {
				t.Fatalf("after the revocation: open %v, %s %+v", open, last.Data["practiceStatusChanged"], last.Errors)
			}
			if strings.Contains(string(last.Data["practiceStatusChanged"]), "SUBMITTED") {
				t.Fatalf("the event after the revocation leaked: %s", last.Data["practiceStatusChanged"])
			}
			select {
			case r, open := <-events:
				if open {
					t.Fatalf("the stream goes on: %+v", r)
				}
			case <-sctx.Done():
				t.Fatal("the stream did not end")
			}
		})
	}
}

// TestHistoryShowsWhoActedForWhom: the history records the delegate on
// behalf of the delegator, and shows an operator's fiscal code only to
// operators of the comune and admins (citizens see the role and comune).
func TestHistoryShowsWhoActedForWhom(t *testing.T) {
	_, pool, iss, srv := serveGraph(t, seedgen.Params{People: 80, Seed: 11})
	f := newFixture(t, pool, iss, srv.URL)
	const opFC = "VRDGPP70A01F205Z"
	f.tokens["operator with a fiscal code"] = f.mint(t, auth.Claims{FiscalCode: opFC, Roles: []string{auth.RoleOperator}, Comuni: []string{f.comune}})
	data := f.must(t, delIn, `mutation($in: CreatePracticeInput!) { createPractice(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"serviceId": f.freeService, "comune": f.comune, "applicantId": f.aID}})
	id := field(t, data, "createPractice", "id")
	f.must(t, citizen, `mutation($id: ID!) { submitPractice(id: $id) { id } }`, map[string]any{"id": id})
	f.must(t, "operator with a fiscal code", `mutation($id: ID!) { registerPractice(id: $id) { id } }`, map[string]any{"id": id})
	const q = `query($id: ID!) { practice(id: $id) { applicantFiscalCode history { status actor { kind id onBehalfOf comune { istatCode } } } } }`
	type change struct {
		Status string
		Actor  struct {
			Kind, ID, OnBehalfOf string
			Comune               *struct{ IstatCode string }
		}
	}
	read := func(actor string) []change {
		t.Helper()
		var p struct {
			ApplicantFiscalCode string
			History             []change
		}
		if err := json.Unmarshal(f.must(t, actor, q, map[string]any{"id": id})["practice"], &p); err != nil {
			t.Fatal(err)
		}
		if p.ApplicantFiscalCode != f.aFC || len(p.History) != 3 {
			t.Fatalf("%s reads %+v", actor, p)
		}
		return p.History
	}
	for _, who := range []string{citizen, delIn, opComune, admin} {
		h := read(who)
		if h[0].Actor.Kind != "CITIZEN" || h[0].Actor.ID != f.personFC[delIn] || h[0].Actor.OnBehalfOf != f.aFC {
			t.Errorf("%s: creation by %+v, want the delegate on behalf of the citizen", who, h[0].Actor)
		}
		if h[1].Actor.ID != f.aFC || h[1].Actor.OnBehalfOf != "" {
			t.Errorf("%s: submission by %+v, want the citizen herself", who, h[1].Actor)
		}
		op := h[2].Actor
		if op.Kind != "OPERATOR" || op.Comune == nil || op.Comune.IstatCode != f.comune {
			t.Errorf("%s: registration by %+v, want an operator of %s", who, op, f.comune)
		}
		wantID := ""
		if who == opComune || who == admin {
			wantID = opFC
		}
		if op.ID != wantID {
			t.Errorf("%s sees the operator as %q, want %q", who, op.ID, wantID)
		}
	}
}
