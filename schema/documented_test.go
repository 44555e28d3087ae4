package schema_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/citizengraph/citizengraph/internal/gateway/compose"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
	"github.com/citizengraph/citizengraph/schema"
)

// builtinDirectives are the directives every GraphQL server defines; their
// descriptions come from the specification, not from our schema.
var builtinDirectives = map[string]bool{
	"include": true, "skip": true, "deprecated": true, "specifiedBy": true,
	"oneOf": true, "defer": true, "stream": true,
}

// elements maps every element of a client-facing schema, by schema
// coordinate, to its description ("" when it has none): types (objects,
// interfaces, unions, enums, input objects, custom scalars), fields,
// arguments, enum values, input fields, and directives other than the
// built-in ones, with their arguments. Built-in and introspection types are
// left out: their descriptions come from the specification.
func elements(s *ast.Schema) map[string]string {
	out := map[string]string{}
	for name, d := range s.Types {
		if d.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		out[name] = d.Description
		for _, f := range d.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			out[name+"."+f.Name] = f.Description
			for _, a := range f.Arguments {
				out[name+"."+f.Name+"("+a.Name+":)"] = a.Description
			}
		}
		for _, v := range d.EnumValues {
			out[name+"."+v.Name] = v.Description
		}
	}
	for name, d := range s.Directives {
		if builtinDirectives[name] {
			continue
		}
		out["@"+name] = d.Description
		for _, a := range d.Arguments {
			out["@"+name+"("+a.Name+":)"] = a.Description
		}
	}
	return out
}

// undocumented lists, sorted, the elements of a client-facing schema (see
// elements) without a description.
func undocumented(s *ast.Schema) []string {
	var out []string
	for coord, desc := range elements(s) {
		if strings.TrimSpace(desc) == "" {
			out = append(out, coord)
		}
	}
	slices.Sort(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// subgraphs returns the five subgraphs as the gateway composes them.
func subgraphs(t *testing.T) []compose.Subgraph {
	t.Helper()
	var sgs []compose.Subgraph
	for _, name := range schema.Names() {
		sdl, err := schema.Subgraph(name)
		if err != nil {
			t.Fatal(err)
		}
		sgs = append(sgs, compose.Subgraph{Name: name, URL: "http://" + name + ".example/graphql", SDL: sdl})
	}
	if len(sgs) != 5 {
		t.Fatalf("want the five subgraphs, got %d", len(sgs))
	}
	return sgs
}

// TestPublicSchemaDocumented composes the subgraphs, derives the API schema
// the gateway exposes (no federation internals, no @inaccessible elements)
// and requires a description on every element of it. It checks both a fresh
// composition of schema/*/*.graphqls and the committed supergraph the gateway
// serves.
func TestPublicSchemaDocumented(t *testing.T) {
	sdl, err := compose.Compose(subgraphs(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, sdl string }{
		{"composed", sdl},
		{"schema/supergraph.graphqls", schema.Supergraph()},
	} {
		t.Run(c.name, func(t *testing.T) {
			sg, err := supergraph.Parse(c.sdl)
			if err != nil {
				t.Fatal(err)
			}
			if len(sg.API.Types) < 100 {
				t.Fatalf("API schema has only %d types: not the composed graph", len(sg.API.Types))
			}
			if u := undocumented(sg.API); len(u) > 0 {
				t.Errorf("%d elements of the public schema have no description:\n\t%s", len(u), strings.Join(u, "\n\t"))
			}
		})
	}
}

// TestUndocumentedDetects shows the check fails: a synthetic schema missing
// one description of each kind is reported element by element, and the same
// schema fully documented is not.
func TestUndocumentedDetects(t *testing.T) {
	const bare = `
directive @cacheHint(maxAge: Int) on FIELD_DEFINITION
scalar Money
interface Node { id: ID! }
type Query { node(id: ID!): Node  things(kind: Kind, where: Where): [Thing!]! }
type Thing implements Node { id: ID!  price: Money @deprecated(reason: "gone") }
union Result = Thing
enum Kind { A B }
input Where { kind: Kind }
`
	const documented = `
"Caching."
directive @cacheHint("Seconds." maxAge: Int) on FIELD_DEFINITION
"Cents."
scalar Money
"Has an id."
interface Node { "Id." id: ID! }
"Root."
type Query { "One." node("Its id." id: ID!): Node  "All." things("Kind." kind: Kind, "Where." where: Where): [Thing!]! }
"A thing."
type Thing implements Node { "Id." id: ID!  "Price." price: Money @deprecated(reason: "gone") }
"Results."
union Result = Thing
"Kinds."
enum Kind { "a" A "b" B }
"Filter."
input Where { "Kind." kind: Kind }
`
	want := []string{
		"@cacheHint", "@cacheHint(maxAge:)",
		"Kind", "Kind.A", "Kind.B",
		"Money",
		"Node", "Node.id",
		"Query", "Query.node", "Query.node(id:)", "Query.things", "Query.things(kind:)", "Query.things(where:)",
		"Result",
		"Thing", "Thing.id", "Thing.price",
		"Where", "Where.kind",
	}
	if got := undocumented(mustSchema(t, bare)); !slices.Equal(got, want) {
		t.Errorf("undocumented(bare):\n got %q\nwant %q", got, want)
	}
	if got := undocumented(mustSchema(t, documented)); len(got) != 0 {
		t.Errorf("undocumented(documented) = %q, want none", got)
	}
	// One description removed is one element reported.
	one := strings.Replace(documented, `"Price." price`, `price`, 1)
	if got := undocumented(mustSchema(t, one)); !slices.Equal(got, []string{"Thing.price"}) {
		t.Errorf("undocumented(one removed) = %q, want [Thing.price]", got)
	}
}

func mustSchema(t *testing.T, sdl string) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Input: sdl})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// descriptions maps each element of a subgraph SDL (by schema coordinate) to
// its description, for the elements that have one.
func descriptions(sdl string) (map[string]string, error) {
	doc, err := parser.ParseSchema(&ast.Source{Input: sdl})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	put := func(coord, desc string) {
		if strings.TrimSpace(desc) != "" {
			out[coord] = desc
		}
	}
	for _, d := range append(slices.Clone(doc.Definitions), doc.Extensions...) {
		put(d.Name, d.Description)
		for _, f := range d.Fields {
			put(d.Name+"."+f.Name, f.Description)
			for _, a := range f.Arguments {
				put(d.Name+"."+f.Name+"("+a.Name+":)", a.Description)
			}
		}
		for _, v := range d.EnumValues {
			put(d.Name+"."+v.Name, v.Description)
		}
	}
	for _, d := range doc.Directives {
		put("@"+d.Name, d.Description)
		for _, a := range d.Arguments {
			put("@"+d.Name+"("+a.Name+":)", a.Description)
		}
	}
	return out, nil
}

// inconsistent lists the elements declared with different descriptions in
// different subgraphs. Composition keeps one of them (the most frequent), so
// a shared type or field must say the same thing wherever it is described.
func inconsistent(sgs []compose.Subgraph) ([]string, error) {
	byCoord := map[string]map[string][]string{} // coordinate → description → subgraphs
	for _, sg := range sgs {
		ds, err := descriptions(sg.SDL)
		if err != nil {
			return nil, fmt.Errorf("subgraph %s: %w", sg.Name, err)
		}
		for coord, desc := range ds {
			if byCoord[coord] == nil {
				byCoord[coord] = map[string][]string{}
			}
			byCoord[coord][desc] = append(byCoord[coord][desc], sg.Name)
		}
	}
	var out []string
	for _, coord := range sortedKeys(byCoord) {
		if len(byCoord[coord]) < 2 {
			continue
		}
		var parts []string
		for _, desc := range sortedKeys(byCoord[coord]) {
			parts = append(parts, fmt.Sprintf("%v: %q", byCoord[coord][desc], desc))
		}
		out = append(out, coord+": "+strings.Join(parts, "; "))
	}
	return out, nil
}

// TestSharedDescriptionsAgree requires the elements declared in several
// subgraphs (@shareable value types, entity keys, the root types) to carry
// the same description wherever they carry one, and the composed supergraph
// to keep it: the one documented, not an empty one.
func TestSharedDescriptionsAgree(t *testing.T) {
	sgs := subgraphs(t)
	bad, err := inconsistent(sgs)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("%d elements are described differently in different subgraphs:\n\t%s", len(bad), strings.Join(bad, "\n\t"))
	}
	sdl, err := compose.Compose(sgs)
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse(sdl)
	if err != nil {
		t.Fatal(err)
	}
	composed := elements(sg.API)
	// Every description given by some subgraph for an element of the API
	// schema is the composed one.
	checked := 0
	for _, s := range sgs {
		ds, err := descriptions(s.SDL)
		if err != nil {
			t.Fatal(err)
		}
		for coord, desc := range ds {
			got, public := composed[coord]
			if !public {
				continue // a federation internal or an element not in the API schema
			}
			checked++
			if got != desc {
				t.Errorf("%s: subgraph %s describes it %q, the composed API schema %q", coord, s.Name, desc, got)
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d descriptions checked against the composed schema", checked)
	}
}

// TestInconsistentDetects shows the consistency check fails on two subgraphs
// describing a shared type differently, and passes when one leaves it bare.
func TestInconsistentDetects(t *testing.T) {
	a := compose.Subgraph{Name: "a", SDL: `"Paging." type PageInfo @shareable { "More?" hasNextPage: Boolean! }`}
	b := compose.Subgraph{Name: "b", SDL: `"Pagination." type PageInfo @shareable { hasNextPage: Boolean! }`}
	got, err := inconsistent([]compose.Subgraph{a, b})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`PageInfo: [b]: "Pagination."; [a]: "Paging."`}
	if !slices.Equal(got, want) {
		t.Errorf("inconsistent = %q, want %q", got, want)
	}
	b.SDL = `type PageInfo @shareable { hasNextPage: Boolean! }`
	if got, err := inconsistent([]compose.Subgraph{a, b}); err != nil || len(got) != 0 {
		t.Errorf("inconsistent = %q, %v; want none", got, err)
	}
}
