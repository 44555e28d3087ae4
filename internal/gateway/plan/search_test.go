package plan_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"

	"github.com/citizengraph/citizengraph/internal/gateway/compose"
	"github.com/citizengraph/citizengraph/internal/gateway/plan"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
)

const fed = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@requires", "@external"])
`

// keyChain composes n+1 subgraphs s000..s<n> over one entity T: s<i> knows T
// by key k<i> and resolves k<i+1>, so from s000 the field leaf of s<n> is
// reached only through n jumps, each needing the key the previous one got.
func keyChain(t *testing.T, n int) *supergraph.Supergraph {
	t.Helper()
	var subs []compose.Subgraph
	for i := 0; i <= n; i++ {
		var sdl strings.Builder
		sdl.WriteString(fed)
		if i == 0 {
			sdl.WriteString("type Query { t: T }\n")
		}
		fmt.Fprintf(&sdl, "type T @key(fields: \"k%d\") {\n  k%d: ID! @shareable\n", i, i)
		if i < n {
			fmt.Fprintf(&sdl, "  k%d: ID! @shareable\n", i+1)
		} else {
			sdl.WriteString("  leaf: String\n")
		}
		sdl.WriteString("}\n")
		name := fmt.Sprintf("s%03d", i)
		subs = append(subs, compose.Subgraph{Name: name, URL: "http://" + name, SDL: sdl.String()})
	}
	sdl, err := compose.Compose(subs)
	must(t, err)
	sg, err := supergraph.Parse(sdl)
	must(t, err)
	return sg
}

func buildOp(t *testing.T, sg *supergraph.Supergraph, query string, opts plan.Options) (*plan.Plan, error) {
	t.Helper()
	doc, errs := gqlparser.LoadQuery(sg.API, query)
	if len(errs) > 0 {
		t.Fatalf("operation: %v", errs)
	}
	return plan.BuildWithOptions(sg, doc, doc.Operations[0], opts)
}

// TestKeyChainAnyLength plans entity chains longer than any fixed depth: the
// search is bounded by its budget, not by the schema. Every jump is planned
// once, after the fetch that gives its key.
func TestKeyChainAnyLength(t *testing.T) {
	for _, n := range []int{1, 2, 5, 70, 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			sg := keyChain(t, n)
			p, err := buildOp(t, sg, "{ t { leaf } }", plan.Options{})
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			if len(p.Fetches) != n+1 {
				t.Fatalf("%d fetches, want %d:\n%s", len(p.Fetches), n+1, p)
			}
			// Fetch i+1 goes to s<i+1> and waits for the fetch giving k<i+1>.
			for i, f := range p.Fetches {
				if want := fmt.Sprintf("s%03d", i); f.Subgraph != want {
					t.Fatalf("fetch %d to %s, want %s:\n%s", i, f.Subgraph, want, p)
				}
				if i > 0 && (len(f.DependsOn) == 0 || f.DependsOn[len(f.DependsOn)-1] != i-1) {
					t.Fatalf("fetch %d depends on %v, want it to follow fetch %d", i, f.DependsOn, i-1)
				}
			}
		})
	}
}

// TestSearchBudget: planning that needs more search than its budget fails
// with a planning error, never a partial plan; the same operation plans
// within the default budget.
func TestSearchBudget(t *testing.T) {
	sg := keyChain(t, 30)
	_, err := buildOp(t, sg, "{ t { leaf } }", plan.Options{SearchBudget: 50})
	var pe *plan.Error
	if !errors.As(err, &pe) || !strings.Contains(pe.Msg, "search budget") {
		t.Fatalf("err = %v, want a search budget planning error", err)
	}
	if _, err := buildOp(t, sg, "{ t { leaf } }", plan.Options{}); err != nil {
		t.Fatalf("default budget: %v", err)
	}
	// Fields of the root subgraph need no search at all.
	if _, err := buildOp(t, sg, "{ t { k0 k1 } }", plan.Options{SearchBudget: 1}); err != nil {
		t.Fatalf("no jump: %v", err)
	}
}

// TestCheapestRoute: with a direct key and a chain both reaching a field,
// the direct jump (one fetch) wins; a requirement fetched from another
// subgraph is sequenced before the field that needs it.
func TestCheapestRoute(t *testing.T) {
	subs := []compose.Subgraph{
		{Name: "a", URL: "http://a", SDL: fed + `type Query { t: T }
type T @key(fields: "id") { id: ID! x: ID! @shareable }`},
		{Name: "b", URL: "http://b", SDL: fed + `type T @key(fields: "x") { x: ID! @shareable y: ID! @shareable w: Int }`},
		{Name: "c", URL: "http://c", SDL: fed + `type T @key(fields: "y") @key(fields: "id") { id: ID! y: ID! @shareable z: String
  w: Int @external
  v: Int @requires(fields: "w")
}`},
	}
	sdl, err := compose.Compose(subs)
	must(t, err)
	sg, err := supergraph.Parse(sdl)
	must(t, err)
	p, err := buildOp(t, sg, "{ t { z } }", plan.Options{})
	must(t, err)
	if len(p.Fetches) != 2 || p.Fetches[1].Subgraph != "c" || !strings.Contains(p.Fetches[1].Inputs[0].Fields[0].Name, "id") {
		t.Fatalf("want a then c by key id:\n%s", p)
	}
	p, err = buildOp(t, sg, "{ t { v } }", plan.Options{})
	must(t, err)
	// a → b (key x) for w, then c (key id) with w.
	if len(p.Fetches) != 3 || p.Fetches[1].Subgraph != "b" || p.Fetches[2].Subgraph != "c" || len(p.Fetches[2].DependsOn) != 2 {
		t.Fatalf("want a, b for the requirement, then c after both:\n%s", p)
	}
}
