package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

type logEntry struct {
	ID     string
	Role   string
	Via    string
	Data   []string
	Reason *string
	Comuni []struct{ IstatCode string }
}

// accessLogOf reads the whole access log of the caller through the
// gateway, two entries a page.
func accessLogOf(t *testing.T, url, token string) []logEntry {
	t.Helper()
	var out []logEntry
	vars := map[string]any{}
	for range 1000 {
		r := call(t, url, token, `query($after: String) { me { accessLog(first: 2, after: $after) {
			totalCount nodes { id role via data reason comuni { istatCode name } } pageInfo { hasNextPage endCursor } } } }`, vars)
		if len(r.Errors) > 0 {
			t.Fatalf("access log: %+v", r.Errors)
		}
		var me struct {
			AccessLog struct {
				TotalCount int
				Nodes      []logEntry
				PageInfo   struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		if err := json.Unmarshal(r.Data["me"], &me); err != nil {
			t.Fatal(err)
		}
		out = append(out, me.AccessLog.Nodes...)
		if !me.AccessLog.PageInfo.HasNextPage {
			if me.AccessLog.TotalCount != len(out) {
				t.Fatalf("totalCount %d, walked %d", me.AccessLog.TotalCount, len(out))
			}
			return out
		}
		vars["after"] = me.AccessLog.PageInfo.EndCursor
	}
	t.Fatal("the walk does not end")
	return nil
}

// TestAccessLog: every operator's and admin's access to a person's data
// through the gateway is one entry of the person's access log, written
// once per request whatever the number of fields and paths, with who,
// which comune, how, what and why; nothing else is logged; the log is the
// person's alone; and data whose access cannot be recorded is not
// returned.
func TestAccessLog(t *testing.T) {
	_, pool, iss, srv := serveGraph(t, seedgen.Params{People: 80, Seed: 31})
	f := newFixture(t, pool, iss, srv.URL)
	ctx := context.Background()
	gw := srv.URL + "/graphql"
	count := func() int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, `select count(*) from identity.access_log where person_id = $1`, f.aID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const opFC = "VRDGPP70A01F205Z"
	opNamed := f.mint(t, auth.Claims{Subject: "op-verdi", FiscalCode: opFC, Name: "Giuseppe Verdi", Roles: []string{auth.RoleOperator}, Comuni: []string{f.otherComune, f.comune}})
	steps := []struct {
		name, actor, token, query string
		vars                      map[string]any
		logged                    bool
		code                      string   // of the errors of a step not logged ("" for none)
		want                      logEntry // role, via, data, reason of the entry
	}{
		{name: "lookup with profile fields, and the same person again under aliases", token: opNamed, query: `query($fc: String!, $id: ID!) {
			a: personByFiscalCode(fiscalCode: $fc, reason: "sportello anagrafe, ticket 42") { id fiscalCode email residence { address } }
			b: person(id: $id) { phone delegationsGiven { id } }
			c: personByFiscalCode(fiscalCode: $fc) { birthDate } }`,
			vars: map[string]any{"fc": strings.ToLower(f.aFC), "id": f.aID}, logged: true,
			want: logEntry{Role: "OPERATOR", Via: "FISCAL_CODE_LOOKUP", Data: []string{"DELEGATIONS", "LOOKUP", "PROFILE"}, Reason: ptr("sportello anagrafe, ticket 42")}},
		{name: "person by id: messages and delegations", actor: opComune, query: `query($id: ID!) { person(id: $id) { messages(first: 2) { totalCount } delegationsReceived { id } } }`,
			vars: map[string]any{"id": f.aID}, logged: true, want: logEntry{Role: "OPERATOR", Via: "PERSON", Data: []string{"DELEGATIONS", "MESSAGES"}}},
		{name: "a practice's applicant", actor: opComune, query: `query($id: ID!) { practice(id: $id) { applicant { fiscalCode birthDate } } }`,
			vars: map[string]any{"id": f.practice}, logged: true, want: logEntry{Role: "OPERATOR", Via: "RELATED", Data: []string{"PROFILE"}}},
		{name: "admin lookup", actor: admin, query: `query($fc: String!) { personByFiscalCode(fiscalCode: $fc) { displayName } }`,
			vars: map[string]any{"fc": f.aFC}, logged: true, want: logEntry{Role: "ADMIN", Via: "FISCAL_CODE_LOOKUP", Data: []string{"LOOKUP"}}},
		// Not accesses of the administration, or nothing read.
		{name: "public fields", actor: opComune, query: `query($id: ID!) { person(id: $id) { displayName organizations { id } } }`, vars: map[string]any{"id": f.aID}},
		{name: "the person herself", actor: citizen, query: `{ me { fiscalCode email messages(first: 1) { totalCount } delegationsGiven { id } } }`},
		{name: "her delegate reading messages", actor: delIn, query: `query($id: ID!) { person(id: $id) { messages(first: 1) { totalCount } } }`, vars: map[string]any{"id": f.aID}},
		{name: "operator elsewhere: lookup finds nobody", actor: opOther, query: `query($fc: String!) { personByFiscalCode(fiscalCode: $fc) { id } }`, vars: map[string]any{"fc": f.aFC}},
		{name: "operator elsewhere: fields refused", actor: opOther, query: `query($id: ID!) { person(id: $id) { fiscalCode } }`, vars: map[string]any{"id": f.aID}, code: "FORBIDDEN"},
		{name: "citizen lookup refused", actor: other, query: `query($fc: String!) { personByFiscalCode(fiscalCode: $fc) { id } }`, vars: map[string]any{"fc": f.aFC}, code: "FORBIDDEN"},
		{name: "malformed fiscal code", actor: opComune, query: `query($fc: String!) { personByFiscalCode(fiscalCode: $fc) { id } }`,
			vars: map[string]any{"fc": f.aFC[:15] + string(rune('A'+(f.aFC[15]-'A'+1)%26))}, code: "BAD_USER_INPUT"},
	}
	var want []logEntry
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			tok := s.token
			if tok == "" {
				tok = f.tokens[s.actor]
			}
			before := count()
			r := call(t, gw, tok, s.query, s.vars)
			after := count()
			if s.logged {
				if len(r.Errors) > 0 {
					t.Fatalf("%+v", r.Errors)
				}
				if after != before+1 {
					t.Fatalf("%d entries written, want 1", after-before)
				}
				want = append([]logEntry{s.want}, want...)
				return
			}
			if after != before {
				t.Fatalf("%d entries written, want none (errors %+v)", after-before, r.Errors)
			}
			code := ""
			if len(r.Errors) > 0 {
				code, _ = r.Errors[0].Extensions["code"].(string)
			}
			if code != s.code {
				t.Fatalf("errors %+v, want code %q", r.Errors, s.code)
			}
		})
	}
	got := accessLogOf(t, gw, f.tokens[citizen])
	if len(got) != len(want) {
		t.Fatalf("the log has %d entries, want %d: %+v", len(got), len(want), got)
	}
	for i, g := range got {
		w := want[i]
		if g.Role != w.Role || g.Via != w.Via || !slices.Equal(g.Data, w.Data) || (w.Reason == nil) != (g.Reason == nil) ||
			(w.Reason != nil && *w.Reason != *g.Reason) {
			t.Errorf("entry %d: %+v, want %+v", i, g, w)
		}
		var comuni []string
		for _, c := range g.Comuni {
			comuni = append(comuni, c.IstatCode)
		}
		if wantComuni := []string{f.comune}; g.Role == "OPERATOR" && !slices.Equal(comuni, wantComuni) || g.Role == "ADMIN" && len(comuni) != 0 {
			t.Errorf("entry %d names comuni %v", i, comuni)
		}
	}
	// Who the operator was is kept, not shown to the citizen.
	var actorID, actorName string
	if err := pool.QueryRow(ctx, `select actor_id, actor_name from identity.access_log where id = $1`, got[len(got)-1].ID).Scan(&actorID, &actorName); err != nil {
		t.Fatal(err)
	}
	if actorID != opFC || actorName != "Giuseppe Verdi" {
		t.Errorf("the first entry records %q %q", actorID, actorName)
	}

	t.Run("the log is the person's alone", func(t *testing.T) {
		q := `query($id: ID!) { person(id: $id) { accessLog(first: 5) { totalCount } } }`
		for _, a := range []string{other, delIn, opComune, admin, appNone} {
			r := call(t, gw, f.tokens[a], q, map[string]any{"id": f.aID})
			if len(r.Errors) == 0 || strings.Contains(string(r.Data["person"]), "totalCount") {
				t.Errorf("%s reads the log: %s", a, r.Data["person"])
			}
		}
		if r := call(t, gw, f.tokens[appAll], q, map[string]any{"id": f.aID}); len(r.Errors) > 0 {
			t.Errorf("her app with profile:read: %+v", r.Errors)
		}
		for _, e := range accessLogOf(t, gw, f.tokens[other]) {
			for _, g := range got {
				if e.ID == g.ID {
					t.Errorf("another citizen's log holds %+v", e)
				}
			}
		}
	})

	t.Run("no data without its entry", func(t *testing.T) {
		if _, err := pool.Exec(ctx, `create function identity.refuse_access() returns trigger language plpgsql as
			$$ begin raise exception 'access log unavailable'; end $$;
			create trigger refuse before insert on identity.access_log for each row execute function identity.refuse_access()`); err != nil {
			t.Fatal(err)
		}
		defer pool.Exec(ctx, `drop trigger refuse on identity.access_log`) //nolint:errcheck
		for _, q := range []string{
			`query($fc: String!, $id: ID!) { personByFiscalCode(fiscalCode: $fc) { id } }`,
			`query($fc: String!, $id: ID!) { person(id: $id) { fiscalCode email } }`,
		} {
			r := call(t, gw, f.tokens[opComune], q, map[string]any{"fc": f.aFC, "id": f.aID})
			raw, _ := json.Marshal(r.Data)
			if len(r.Errors) == 0 || strings.Contains(string(raw), f.aFC) || string(r.Data["personByFiscalCode"]) == `{"id":"`+f.aID+`"}` {
				t.Errorf("%s: answered %s %+v", q, raw, r.Errors)
			}
			for _, e := range r.Errors {
				if strings.Contains(e.Message, "access log unavailable") || strings.Contains(e.Message, "insert") {
					t.Errorf("internal detail leaked: %q", e.Message)
				}
			}
		}
	})
}

func ptr(s string) *string { return &s }
