package plan_test

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/citizengraph/citizengraph/internal/gateway/compose"
	"github.com/citizengraph/citizengraph/internal/gateway/plan"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
)

// Abstract types whose possible types differ between subgraphs: every
// subgraph query must be valid against that subgraph's own schema (Apollo
// Federation: a fragment on a type the subgraph does not know, or that is
// not a member of the abstract type there, is expanded to the concrete
// types the subgraph knows, or dropped).
var variedSubgraphs = []compose.Subgraph{
	{Name: "a", URL: "http://a", SDL: `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
type Query { things: [Thing!]! nodes: [Node!]! }
union Thing = Book | Film
interface Node { id: ID! }
interface Titled { title: String }
type Book implements Node & Titled @key(fields: "id") { id: ID! title: String }
type Film implements Node & Titled @key(fields: "id") { id: ID! title: String name: String }
`},
	{Name: "b", URL: "http://b", SDL: `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
type Query { featured: [Thing!]! tagged: [Node!]! }
union Thing = Book | Song
interface Node { id: ID! }
type Book implements Node @key(fields: "id") { id: ID! pages: Int }
type Song implements Node @key(fields: "id") { id: ID! length: Int }
type Film @key(fields: "id") { id: ID! rating: Int }
`},
}

// federationPrelude makes a subgraph SDL loadable on its own, with the
// _entities field the gateway queries.
const federationPrelude = `
directive @link(url: String, import: [String]) repeatable on SCHEMA
directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @shareable on OBJECT | FIELD_DEFINITION
scalar _Any
`

func TestSubgraphQueriesValidAgainstTheirSchemas(t *testing.T) {
	sdl, err := compose.Compose(variedSubgraphs)
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse(sdl)
	if err != nil {
		t.Fatal(err)
	}
	schemas := map[string]*ast.Schema{}
	for _, s := range variedSubgraphs {
		entities := "Book | Film"
		if s.Name == "b" {
			entities = "Book | Song | Film"
		}
		schemas[s.Name] = gqlparser.MustLoadSchema(&ast.Source{Name: s.Name, Input: federationPrelude + s.SDL +
			"\nunion _Entity = " + entities + "\nextend type Query { _entities(representations: [_Any!]!): [_Entity]! }\n"})
	}
	for _, q := range []string{
		`{ featured { ... on Film { name rating } ... on Book { pages title } ... on Song { length } } }`,
		`{ featured { ... on Titled { title } ... on Node { id } } }`,
		`{ tagged { id ... on Film { rating name } ... on Titled { title } } }`,
		`{ things { ... on Node { id ... on Song { length } } ... on Film { rating } } nodes { ... on Book { pages } } }`,
	} {
		doc, errs := gqlparser.LoadQuery(sg.API, q)
		if errs != nil {
			t.Fatalf("%s: %v", q, errs)
		}
		p, err := plan.Build(sg, doc, doc.Operations[0])
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for _, f := range p.Fetches {
			if _, errs := gqlparser.LoadQuery(schemas[f.Subgraph], f.Query); errs != nil {
				t.Errorf("%s\nquery to %s is invalid there: %s\n%v\nplan:\n%s", q, f.Subgraph, f.Query, errs, p)
			}
		}
		if q == `{ featured { ... on Titled { title } ... on Node { id } } }` && !strings.Contains(p.String(), "... on Book") {
			t.Errorf("the fragment on Titled, unknown to b, is not expanded to Book:\n%s", p)
		}
	}
}
