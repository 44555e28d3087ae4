package gatewaytest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"

	"github.com/citizengraph/citizengraph/internal/gateway/plan"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
)

// TestApolloSupergraphLoads checks that the Apollo-composed supergraph of the
// test subgraphs loads and that its API schema is the client-facing one.
func TestApolloSupergraphLoads(t *testing.T) {
	sdl, err := os.ReadFile(filepath.Join("testdata", "supergraph.apollo.graphqls"))
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse(string(sdl))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	var names []string
	for _, s := range sg.Subgraphs {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "accounts,faults,inventory,products,reviews,shipping" {
		t.Errorf("subgraphs = %s", got)
	}
	user := sg.API.Types["User"]
	if user == nil || user.Fields.ForName("name") == nil || user.Fields.ForName("reviews") == nil {
		t.Fatalf("API User lacks fields: %+v", user)
	}
	if user.Fields.ForName("secret") != nil {
		t.Error("@inaccessible User.secret is in the API schema")
	}
	for _, internal := range []string{"_Entity", "_Service", "join__Graph", "link__Purpose"} {
		if sg.API.Types[internal] != nil {
			t.Errorf("API schema exposes %s", internal)
		}
	}
	if q := sg.API.Query; q.Fields.ForName("_entities") != nil || q.Fields.ForName("_service") != nil {
		t.Error("API Query exposes federation fields")
	}
}

// TestCasesPlan builds a plan for every conformance case over the
// Apollo-composed supergraph: cases whose golden is a validation failure
// must fail validation, every other case must plan.
func TestCasesPlan(t *testing.T) {
	sdl, err := os.ReadFile(filepath.Join("testdata", "supergraph.apollo.graphqls"))
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse(string(sdl))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	cases, err := LoadCases(filepath.Join("testdata", "queries"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			golden, err := os.ReadFile(c.GoldenPath)
			if err != nil {
				t.Fatal(err)
			}
			wantInvalid := strings.Contains(string(golden), `"GRAPHQL_VALIDATION_FAILED"`)
			doc, gerr := gqlparser.LoadQuery(sg.API, c.Query)
			if wantInvalid {
				if gerr == nil {
					t.Fatal("the operation validated against the API schema; want a validation error")
				}
				return
			}
			if gerr != nil {
				t.Fatalf("validate: %v", gerr)
			}
			if _, err := plan.Build(sg, doc, doc.Operations[0]); err != nil {
				t.Fatalf("plan: %v", err)
			}
		})
	}
}
