package identity_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/schema"
)

func TestMe(t *testing.T) {
	e := newTestEnv(t)
	const q = `{ me { id fiscalCode displayName birthDate sex birthplace { cadastralCode } residence { comune { istatCode } source } } }`

	r := e.do(t, nil, q, nil)
	if get(r.Data, "me") != nil || !slices.Equal(r.codes(), []string{"UNAUTHENTICATED"}) {
		t.Fatalf("anonymous me: data %v errors %v", r.Data, r.Errors)
	}

	p := e.person(3)
	r = e.do(t, e.citizen(3), q, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("me: %v", r.Errors)
	}
	want := map[string]any{
		"id": p.ID, "fiscalCode": p.FiscalCode, "displayName": p.GivenName + " " + p.FamilyName,
		"birthDate": p.BirthDate.Format("2006-01-02"), "sex": string(p.Sex),
	}
	for k, v := range want {
		if got := get(r.Data, "me", k); got != v {
			t.Errorf("me.%s = %v, want %v", k, got, v)
		}
	}
	if got := get(r.Data, "me", "birthplace", "cadastralCode"); got != p.BirthplaceCadastral {
		t.Errorf("birthplace = %v, want %s", got, p.BirthplaceCadastral)
	}
	if got := get(r.Data, "me", "residence", "comune", "istatCode"); got != p.Residence {
		t.Errorf("residence = %v, want %s", got, p.Residence)
	}
	if got := get(r.Data, "me", "residence", "source"); got != "ANPR" {
		t.Errorf("residence source = %v", got)
	}

	// A principal whose fiscal code is not registered has no person.
	r = e.do(t, &auth.Principal{FirstParty: true, FiscalCode: "ZZZZZZ00A01F205X", Roles: []string{auth.RoleCitizen}}, q, nil)
	if len(r.Errors) > 0 || get(r.Data, "me") != nil {
		t.Fatalf("unregistered me: data %v errors %v", r.Data, r.Errors)
	}
}

// personalQuery reads the public fields and every personal field.
const personalQuery = `query($id: ID!) { person(id: $id) {
	id displayName givenName familyName organizations { id }
	fiscalCode birthDate sex email phone
	birthplace { name } registry { source verifiedAt } residence { comune { istatCode } }
	notificationPreferences { language }
	delegationsGiven { id } delegationsReceived { id }
	messages(first: 1) { totalCount }
} }`

var personalFieldNames = []string{"fiscalCode", "birthDate", "sex", "email", "phone", "birthplace", "registry",
	"residence", "notificationPreferences", "delegationsGiven", "delegationsReceived", "messages"}

func TestPersonalDataVisibility(t *testing.T) {
	e := newTestEnv(t)
	const target = 5
	p := e.person(target)
	otherComune := "015146" // Milano
	if p.Residence == otherComune {
		otherComune = "015002"
	}
	e.filePractice(t, p, otherComune)
	cases := []struct {
		name      string
		principal *auth.Principal
		code      string // "" when the personal data is visible
	}{
		{"self", e.citizen(target), ""},
		{"admin", &auth.Principal{FirstParty: true, Subject: "admin", Roles: []string{auth.RoleAdmin}}, ""},
		{"operator of a comune the person filed a practice with", &auth.Principal{FirstParty: true, Subject: "op", Roles: []string{auth.RoleOperator}, Comuni: []string{otherComune}}, ""},
		{"operator of the residence, no practice there", &auth.Principal{FirstParty: true, Subject: "op2", Roles: []string{auth.RoleOperator}, Comuni: []string{p.Residence}}, "FORBIDDEN"},
		{"operator elsewhere", &auth.Principal{FirstParty: true, Subject: "op3", Roles: []string{auth.RoleOperator}, Comuni: []string{"015182"}}, "FORBIDDEN"},
		{"third-party app without profile:read", &auth.Principal{Subject: "app", FiscalCode: p.FiscalCode, Roles: []string{auth.RoleCitizen}, Client: "civic-app", Scopes: []string{auth.ScopePaymentsRead}}, "FORBIDDEN"},
		{"another citizen", e.citizen(target + 1), "FORBIDDEN"},
		{"anonymous", nil, "UNAUTHENTICATED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do(t, c.principal, personalQuery, map[string]any{"id": p.ID})
			person, _ := get(r.Data, "person").(map[string]any)
			if person == nil {
				t.Fatalf("person is null: %v", r.Errors)
			}
			if person["displayName"] != p.GivenName+" "+p.FamilyName || person["id"] != p.ID {
				t.Errorf("public fields: %v", person)
			}
			if _, ok := person["organizations"].([]any); !ok {
				t.Errorf("organizations should be public: %v", person["organizations"])
			}
			if c.code == "" {
				if len(r.Errors) > 0 {
					t.Fatalf("errors: %v", r.Errors)
				}
				if person["fiscalCode"] != p.FiscalCode || person["email"] != p.Email || get(person, "messages", "totalCount") == nil {
					t.Errorf("personal data missing: %v", person)
				}
				return
			}
			denied := map[string]bool{}
			for _, err := range r.Errors {
				if err.code() != c.code || len(err.Path) != 2 || err.Path[0] != "person" {
					t.Errorf("unexpected error %+v", err)
					continue
				}
				denied[fmt.Sprint(err.Path[1])] = true
			}
			for _, f := range personalFieldNames {
				if person[f] != nil {
					t.Errorf("%s visible: %v", f, person[f])
				}
				if !denied[f] {
					t.Errorf("%s: no %s error", f, c.code)
				}
			}
			if len(r.Errors) != len(personalFieldNames) {
				t.Errorf("%d errors, want %d", len(r.Errors), len(personalFieldNames))
			}
		})
	}
}

func TestPersonalDataThroughEntitiesAndRelations(t *testing.T) {
	e := newTestEnv(t)
	// Organization 0's representative is person 0; person 1 looks at it.
	rep := e.person(e.plan.OrganizationRepresentative(0))
	const q = `query($reps: [_Any!]!) { _entities(representations: $reps) {
		... on Person { id email }
		... on Organization { id legalRepresentative { id displayName email } }
	} }`
	reps := []any{
		map[string]any{"__typename": "Person", "id": rep.ID},
		map[string]any{"__typename": "Organization", "id": e.plan.OrganizationID(0)},
	}
	r := e.do(t, e.citizen(1), q, map[string]any{"reps": reps})
	if get(r.Data, "_entities", 0, "id") != rep.ID || get(r.Data, "_entities", 0, "email") != nil {
		t.Errorf("entity person: %v", get(r.Data, "_entities", 0))
	}
	if get(r.Data, "_entities", 1, "legalRepresentative", "displayName") != rep.GivenName+" "+rep.FamilyName ||
		get(r.Data, "_entities", 1, "legalRepresentative", "email") != nil {
		t.Errorf("representative: %v", get(r.Data, "_entities", 1))
	}
	paths := map[string]string{}
	for _, err := range r.Errors {
		paths[fmt.Sprint(err.Path)] = err.code()
	}
	want := map[string]string{
		"[_entities 0 email]":                     "FORBIDDEN",
		"[_entities 1 legalRepresentative email]": "FORBIDDEN",
	}
	if fmt.Sprint(paths) != fmt.Sprint(want) {
		t.Errorf("errors %v, want %v", paths, want)
	}
	// The representative sees their own e-mail on both paths.
	r = e.do(t, e.citizen(e.plan.OrganizationRepresentative(0)), q, map[string]any{"reps": reps})
	if len(r.Errors) > 0 || get(r.Data, "_entities", 0, "email") != rep.Email ||
		get(r.Data, "_entities", 1, "legalRepresentative", "email") != rep.Email {
		t.Errorf("own data: %v %v", r.Data, r.Errors)
	}
}

func TestEntitiesBatchOneQueryPerType(t *testing.T) {
	pool, qc := devdb.NewCountingTestDB(t, migration())
	e := newEnv(t, pool, countingWait)
	var reps []any
	var wantIDs []string
	missing := uuid.NewString()
	for k := 0; k < 100; k++ {
		switch {
		case k == 37:
			reps = append(reps, map[string]any{"__typename": "Person", "id": missing})
			wantIDs = append(wantIDs, "")
		case k%3 == 0:
			id := e.plan.OrganizationID((k * 7) % e.plan.Organizations())
			reps = append(reps, map[string]any{"__typename": "Organization", "id": id})
			wantIDs = append(wantIDs, id)
		default:
			id := e.plan.PersonID((k * 13) % e.plan.People)
			reps = append(reps, map[string]any{"__typename": "Person", "id": id})
			wantIDs = append(wantIDs, id)
		}
	}
	const q = `query($reps: [_Any!]!) { _entities(representations: $reps) {
		__typename
		... on Person { id displayName }
		... on Organization { id vatNumber name }
	} }`
	qc.Reset()
	r := e.do(t, e.citizen(0), q, map[string]any{"reps": reps})
	if n := qc.Count(); n != 2 {
		t.Errorf("%d queries, want 2 (one per type):\n%s", n, strings.Join(qc.Queries(), "\n"))
	}
	ents, _ := get(r.Data, "_entities").([]any)
	if len(ents) != 100 {
		t.Fatalf("%d entities: %v", len(ents), r.Errors)
	}
	for k, want := range wantIDs {
		if want == "" {
			if ents[k] != nil {
				t.Errorf("missing key resolved to %v", ents[k])
			}
			continue
		}
		if got := get(ents[k], "id"); got != want {
			t.Errorf("entity %d: id %v, want %s", k, got, want)
		}
		wantType := reps[k].(map[string]any)["__typename"]
		if got := get(ents[k], "__typename"); got != wantType {
			t.Errorf("entity %d: type %v, want %v", k, got, wantType)
		}
	}
	if len(r.Errors) != 1 || r.Errors[0].code() != "NOT_FOUND" || fmt.Sprint(r.Errors[0].Path) != "[_entities 37]" {
		t.Errorf("errors: %+v", r.Errors)
	}
}

func TestPersonAndOrganizationQueries(t *testing.T) {
	e := newTestEnv(t)
	const q = `query($o: ID!, $p: ID!) {
		organization(id: $o) { id vatNumber legalForm seat { istatCode } registry { source } legalRepresentative { id organizations { id } } }
		person(id: $p) { id }
		nobody: person(id: "not-a-uuid") { id }
	}`
	r := e.do(t, nil, q, map[string]any{"o": e.plan.OrganizationID(2), "p": e.plan.PersonID(9)})
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %v", r.Errors)
	}
	rep := e.plan.PersonID(e.plan.OrganizationRepresentative(2))
	if get(r.Data, "organization", "legalRepresentative", "id") != rep || get(r.Data, "organization", "registry", "source") != "REGISTRO_IMPRESE" {
		t.Errorf("organization: %v", get(r.Data, "organization"))
	}
	orgs, _ := get(r.Data, "organization", "legalRepresentative", "organizations").([]any)
	found := false
	for _, o := range orgs {
		found = found || get(o, "id") == e.plan.OrganizationID(2)
	}
	if !found {
		t.Errorf("representative's organizations %v lack organization 2", orgs)
	}
	if get(r.Data, "person", "id") != e.plan.PersonID(9) || get(r.Data, "nobody") != nil {
		t.Errorf("person lookups: %v", r.Data)
	}
}

func TestServiceSDL(t *testing.T) {
	e := newTestEnv(t)
	r := e.do(t, nil, `{ _service { sdl } }`, nil)
	sdl, _ := get(r.Data, "_service", "sdl").(string)
	for _, want := range []string{`type Person @key(fields: "id")`, `type Organization @key(fields: "id")`,
		`type Comune @key(fields: "istatCode", resolvable: false)`, `type PageInfo @shareable`} {
		if !strings.Contains(sdl, want) {
			t.Errorf("sdl lacks %q", want)
		}
	}
}

func TestServiceSDLIsTheCheckedInSchema(t *testing.T) {
	e := newTestEnv(t)
	r := e.do(t, nil, `{ _service { sdl } }`, nil)
	want, err := schema.Subgraph("identity")
	if err != nil {
		t.Fatal(err)
	}
	if got := get(r.Data, "_service", "sdl"); strings.TrimSpace(fmt.Sprint(got)) != strings.TrimSpace(want) {
		t.Errorf("served SDL differs from schema/identity")
	}
}
