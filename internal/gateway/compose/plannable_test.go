package compose

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"golang.org/x/tools/txtar"

	"github.com/citizengraph/citizengraph/internal/gateway/plan"
	sgparse "github.com/citizengraph/citizengraph/internal/gateway/supergraph"
)

// Known planner gaps: kinds of queries over accepted compositions that the
// planner refuses (loudly: QUERY_PLANNING_FAILED), each naming why. Each
// kind must still occur (when none does any more, the test fails until it
// is deleted here).
const (
	gapValueTypeNoEntity     = "a field of a value type that only another subgraph resolves, with no entity above it to jump through (at the root, or below an abstract type or a value type reached from the root): Apollo takes the parent field from each subgraph and merges; the planner jumps only through an entity ancestor"
	gapRequiresNonResolvable = "a @requires field of an entity whose @key is resolvable: false in the requiring subgraph: Apollo's planner resumes there with _entities anyway (which such a subgraph need not answer); ours refuses to plan it"
	gapParentSubgraph        = "a field of an entity that only subgraphs with unresolvable keys resolve, reachable only by taking the parent field from such a subgraph: Apollo chooses the parent field's subgraph for its sub-selection; the planner chooses it first and cannot jump there"
)

var plannerGaps = []string{gapValueTypeNoEntity, gapRequiresNonResolvable, gapParentSubgraph}

var cannotPlan = regexp.MustCompile(`cannot plan (\w+)\.(\w+) from subgraph "(\w+)"`)

// knownGap classifies a planning failure as a known planner gap ("" when
// it is none).
func knownGap(sg *sgparse.Supergraph, err error) string {
	m := cannotPlan.FindStringSubmatch(err.Error())
	if m == nil {
		return ""
	}
	t := sg.Types[m[1]]
	if t == nil {
		return ""
	}
	entity := false
	for _, g := range t.Graphs {
		entity = entity || len(t.ResolvableKeys(g)) > 0
	}
	if !entity {
		return gapValueTypeNoEntity
	}
	f := t.Fields[m[2]]
	if f == nil {
		return ""
	}
	for _, j := range f.Joins {
		if len(j.RequiresSel) > 0 && len(t.ResolvableKeys(j.Graph)) == 0 && len(t.Keys[j.Graph]) > 0 {
			return gapRequiresNonResolvable
		}
	}
	resolvers := 0
	for _, j := range f.Joins {
		if j.Graph == "" || j.External {
			continue
		}
		resolvers++
		if len(t.ResolvableKeys(j.Graph)) > 0 {
			return ""
		}
	}
	if resolvers == 0 && len(f.Joins) == 0 {
		for _, g := range t.Graphs {
			if len(t.ResolvableKeys(g)) > 0 {
				return ""
			}
		}
	}
	return gapParentSubgraph
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
	fixtures := map[string][]Subgraph{}
	for _, path := range paths {
		a, err := txtar.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var subs []Subgraph
		for _, f := range a.Files {
			if name, ok := strings.CutPrefix(f.Name, "subgraphs/"); ok {
				name = strings.TrimSuffix(name, ".graphqls")
				subs = append(subs, Subgraph{Name: name, URL: "http://" + name + ".example/graphql", SDL: string(f.Data)})
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
		fixtures["gatewaytest"] = append(fixtures["gatewaytest"], Subgraph{Name: name, URL: "http://" + name + ".example/graphql", SDL: string(b)})
	}
	// The random compositions of TestRandomAgainstApollo.
	rng := rand.New(rand.NewPCG(randomSeed, 1))
	for i := range randomCount {
		fixtures[fmt.Sprintf("random/r%03d", i)] = randomSubgraphs(rng)
	}
	total := 0
	gapsSeen := map[string]int{}
	for _, fixture := range slices.Sorted(maps.Keys(fixtures)) {
		sdl, err := Compose(fixtures[fixture])
		if err != nil {
			if fixture == "gatewaytest" {
				t.Fatalf("the gatewaytest subgraphs do not compose: %v", err)
			}
			continue // refused: nothing to plan
		}
		t.Run(fixture, func(t *testing.T) {
			sg, err := sgparse.Parse(sdl)
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
				if err == nil {
					continue
				}
				if gap := knownGap(sg, err); gap != "" {
					gapsSeen[gap]++
					continue
				}
				t.Errorf("composition accepts a field the planner cannot reach: %v\n%s", err, q)
			}
		})
	}
	t.Logf("%d queries planned; known planner gaps: %v", total, gapsSeen)
	for _, gap := range plannerGaps {
		if gapsSeen[gap] == 0 {
			t.Errorf("known planner gap no longer occurs: %s (delete it from plannerGaps)", gap)
		}
	}
}

// reachingQueries returns one query per field per path of the API schema
// (fields with their required arguments, type conditions for every possible
// type of an abstract position), up to depth levels, each (type, field)
// once per chain of types since the nearest entity, at most limit queries.
func reachingQueries(sg *sgparse.Supergraph, depth, limit int) []string {
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
