package compose_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"golang.org/x/tools/txtar"

	"github.com/citizengraph/citizengraph/internal/gateway/compose"
	"github.com/citizengraph/citizengraph/internal/gateway/plan"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
)

// plannerGaps are queries over accepted fixtures the planner cannot plan
// yet, keyed by fixture and query, each naming why. Each must still fail;
// when one is planned the test fails until its entry is deleted.
var plannerGaps = map[string]string{
	"satisfiability-value-types/query { config { locale currency } }": "a value type at the root split across subgraphs (Query.config): Apollo fetches config from a and b in parallel and merges; the planner jumps only through an entity ancestor",
}

// TestAcceptedIsPlannable checks composition's satisfiability against the
// query planner: for every supergraph a fixture composes, a query reaching
// each field along each path of the API schema (up to a depth, each field
// once per path of types from the nearest entity) is planned without error.
// A composition that accepts a field the planner cannot reach would answer
// QUERY_PLANNING_FAILED at run time instead of failing at composition.
func TestAcceptedIsPlannable(t *testing.T) {
	paths, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	fixtures := map[string][]compose.Subgraph{}
	for _, path := range paths {
		a, err := txtar.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var subs []compose.Subgraph
		for _, f := range a.Files {
			if name, ok := strings.CutPrefix(f.Name, "subgraphs/"); ok {
				name = strings.TrimSuffix(name, ".graphqls")
				subs = append(subs, compose.Subgraph{Name: name, URL: "http://" + name + ".example/graphql", SDL: string(f.Data)})
			}
		}
		fixtures[strings.TrimSuffix(filepath.Base(path), ".txtar")] = subs
	}
	// The conformance harness's test subgraphs.
	sdls, err := filepath.Glob("../gatewaytest/subgraphs/*/schema.graphqls")
	if err != nil || len(sdls) == 0 {
		t.Fatalf("no gatewaytest subgraphs: %v", err)
	}
	for _, p := range sdls {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(filepath.Dir(p))
		fixtures["gatewaytest"] = append(fixtures["gatewaytest"], compose.Subgraph{Name: name, URL: "http://" + name + ".example/graphql", SDL: string(b)})
	}
	total := 0
	for _, fixture := range slices.Sorted(maps.Keys(fixtures)) {
		sdl, err := compose.Compose(fixtures[fixture])
		if err != nil {
			if fixture == "gatewaytest" {
				t.Fatalf("the gatewaytest subgraphs do not compose: %v", err)
			}
			continue // refused: nothing to plan
		}
		t.Run(fixture, func(t *testing.T) {
			sg, err := supergraph.Parse(sdl)
			if err != nil {
				t.Fatal(err)
			}
			qs := reachingQueries(sg, 6, 1500)
			total += len(qs)
			for _, q := range qs {
				doc, errs := gqlparser.LoadQuery(sg.API, q)
				if len(errs) > 0 {
					t.Errorf("generated query is invalid: %v\n%s", errs, q)
					continue
				}
				_, err := plan.BuildWithOptions(sg, doc, doc.Operations[0], plan.Options{})
				gap, known := plannerGaps[fixture+"/"+q]
				switch {
				case known && err == nil:
					t.Errorf("planner gap %q is planned now: delete it from plannerGaps", gap)
				case known:
					t.Logf("known planner gap: %s: %v", gap, err)
				case err != nil:
					t.Errorf("composition accepts a field the planner cannot reach: %v\n%s", err, q)
				}
			}
		})
	}
	t.Logf("%d queries planned", total)
}

// reachingQueries returns one query per field per path of the API schema
// (fields with their required arguments, type conditions for every possible
// type of an abstract position), up to depth levels, each (type, field)
// once per chain of types since the nearest entity, at most limit queries.
func reachingQueries(sg *supergraph.Supergraph, depth, limit int) []string {
	api := sg.API
	type node struct {
		typ   string
		open  []string // opening of the query down to typ
		chain string   // types and fields since the nearest entity
		depth int
	}
	isEntity := func(name string) bool {
		t := sg.Types[name]
		if t == nil {
			return false
		}
		for _, g := range t.Graphs {
			if len(t.ResolvableKeys(g)) > 0 {
				return true
			}
		}
		return false
	}
	var out []string
	seen := map[string]bool{}
	var queue []node
	for _, op := range []struct {
		kw string
		t  *ast.Definition
	}{{"query", api.Query}, {"mutation", api.Mutation}} {
		if op.t != nil {
			queue = append(queue, node{typ: op.t.Name, open: []string{op.kw + " {"}, chain: op.t.Name})
		}
	}
	for len(queue) > 0 && len(out) < limit {
		n := queue[0]
		queue = queue[1:]
		def := api.Types[n.typ]
		if def == nil {
			continue
		}
		if def.Kind == ast.Interface || def.Kind == ast.Union {
			for _, pt := range api.GetPossibleTypes(def) {
				chain := n.chain + "<" + pt.Name
				if isEntity(pt.Name) {
					chain = pt.Name
				}
				queue = append(queue, node{typ: pt.Name, open: append(slices.Clip(n.open), "... on "+pt.Name+" {"), chain: chain, depth: n.depth})
			}
			if def.Kind == ast.Union {
				continue
			}
		}
		// Every leaf of the type at once: fields of one value type that
		// live in different subgraphs are merged into one object.
		var leaves []string
		for _, f := range def.Fields {
			if ft := api.Types[f.Type.Name()]; !strings.HasPrefix(f.Name, "__") && (ft.Kind == ast.Scalar || ft.Kind == ast.Enum) {
				leaves = append(leaves, f.Name+requiredArgs(api, f))
			}
		}
		if len(leaves) > 1 && !seen[n.chain+".*"] {
			seen[n.chain+".*"] = true
			out = append(out, strings.Join(n.open, " ")+" "+strings.Join(leaves, " ")+strings.Repeat(" }", len(n.open)))
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			key := n.chain + "." + f.Name
			if seen[key] {
				continue
			}
			seen[key] = true
			call := f.Name + requiredArgs(api, f)
			ft := api.Types[f.Type.Name()]
			composite := ft.Kind == ast.Object || ft.Kind == ast.Interface || ft.Kind == ast.Union
			leaf := call
			if composite {
				leaf += " { __typename }"
			}
			out = append(out, strings.Join(n.open, " ")+" "+leaf+strings.Repeat(" }", len(n.open)))
			if composite && n.depth+1 < depth {
				chain := key + ">" + ft.Name
				if isEntity(ft.Name) {
					chain = ft.Name
				}
				queue = append(queue, node{typ: ft.Name, open: append(slices.Clip(n.open), call+" {"), chain: chain, depth: n.depth + 1})
			}
		}
	}
	return out
}

// requiredArgs renders the field's required arguments with placeholder
// values.
func requiredArgs(api *ast.Schema, f *ast.FieldDefinition) string {
	var parts []string
	for _, a := range f.Arguments {
		if a.Type.NonNull && a.DefaultValue == nil {
			parts = append(parts, a.Name+": "+placeholder(api, a.Type, 0))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func placeholder(api *ast.Schema, t *ast.Type, depth int) string {
	if t.Elem != nil {
		return "[]"
	}
	def := api.Types[t.NamedType]
	switch {
	case def == nil:
		return "null"
	case def.Kind == ast.Enum:
		return def.EnumValues[0].Name
	case def.Kind == ast.InputObject:
		var parts []string
		for _, f := range def.Fields {
			if f.Type.NonNull && f.DefaultValue == nil && depth < 5 {
				parts = append(parts, f.Name+": "+placeholder(api, f.Type, depth+1))
			}
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	switch t.NamedType {
	case "Int":
		return "1"
	case "Float":
		return "1.5"
	case "Boolean":
		return "true"
	case "ID":
		return `"1"`
	}
	return fmt.Sprintf("%q", "1")
}
