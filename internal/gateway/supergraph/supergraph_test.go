package supergraph_test

import (
	"os"
	"strings"
	"testing"

	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
)

func load(t *testing.T) *supergraph.Supergraph {
	t.Helper()
	sdl, err := os.ReadFile("../plan/testdata/shop.supergraph.graphql")
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse(string(sdl))
	if err != nil {
		t.Fatal(err)
	}
	return sg
}

func TestParseModel(t *testing.T) {
	sg := load(t)
	var names []string
	for _, g := range sg.Subgraphs {
		names = append(names, g.Name+"="+g.URL)
	}
	if got := strings.Join(names, " "); got != "accounts=http://accounts.local/graphql catalog=http://catalog.local/graphql media=http://media.local/graphql shipping=http://shipping.local/graphql" {
		t.Fatalf("subgraphs %s", got)
	}
	p := sg.Type("Product")
	if strings.Join(p.Graphs, ",") != "catalog,media,shipping" {
		t.Fatalf("Product graphs %v", p.Graphs)
	}
	if ks := p.Keys["catalog"]; len(ks) != 2 || ks[0].Fields != "sku region" || ks[1].Fields != "id" || !ks[0].Resolvable {
		t.Fatalf("catalog keys %+v", ks)
	}
	if u := sg.Type("User"); len(u.ResolvableKeys("shipping")) != 0 || len(u.Keys["shipping"]) != 1 {
		t.Fatalf("resolvable: false key not kept")
	}
	sc := p.Fields["shippingCost"].Join("shipping")
	if sc == nil || sc.Requires != "dimensions { weight size }" || len(sc.RequiresSel) != 1 {
		t.Fatalf("requires %+v", sc)
	}
	if pr := p.Fields["price"].Join("catalog"); pr.Override != "shipping" || pr.OverrideLabel != "percent(50)" {
		t.Fatalf("override %+v", pr)
	}
	if sel := p.Fields["seller"].Join("catalog"); sel.Provides != "email" {
		t.Fatalf("provides %+v", sel)
	}
	if m := sg.Type("Media"); !m.InterfaceObject["catalog"] || m.InterfaceObject["media"] {
		t.Fatalf("interfaceObject %+v", m.InterfaceObject)
	}
	if u := sg.Type("SearchResult"); strings.Join(u.UnionMembers["catalog"], ",") != "Product,User" {
		t.Fatalf("union members %v", u.UnionMembers)
	}
	if e := sg.Type("Category"); strings.Join(e.EnumValues["BOOKS"], ",") != "catalog,shipping" {
		t.Fatalf("enum values %v", e.EnumValues)
	}
}

func TestAPISchemaHidesFederationAndInaccessible(t *testing.T) {
	api := load(t).API
	for _, n := range []string{"join__Graph", "join__FieldSet", "link__Import", "link__Purpose"} {
		if api.Types[n] != nil {
			t.Errorf("API schema has %s", n)
		}
	}
	for _, d := range []string{"join__type", "join__field", "link", "inaccessible"} {
		if api.Directives[d] != nil {
			t.Errorf("API schema has @%s", d)
		}
	}
	if api.Types["User"].Fields.ForName("passwordHash") != nil || api.Query.Fields.ForName("internalStats") != nil {
		t.Error("inaccessible fields kept")
	}
	if api.Types["Category"].EnumValues.ForName("SECRET") != nil {
		t.Error("inaccessible enum value kept")
	}
	if api.Types["User"].Fields.ForName("wishlist") == nil || api.Mutation == nil {
		t.Error("accessible elements lost")
	}
	for _, f := range api.Types["Product"].Fields {
		if len(f.Directives) > 0 {
			t.Errorf("Product.%s keeps directives %v", f.Name, f.Directives[0].Name)
		}
	}
}

func TestParseRenamedLinksAndErrors(t *testing.T) {
	sdl := `schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", as: "j", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/inaccessible/v0.2", as: "hidden", for: SECURITY)
{ query: Query }
directive @hidden on FIELD_DEFINITION
directive @j__type(graph: j__Graph!, key: j__FieldSet) repeatable on OBJECT
directive @j__field(graph: j__Graph) repeatable on FIELD_DEFINITION
directive @j__graph(name: String!, url: String!) on ENUM_VALUE
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
scalar j__FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
enum j__Graph { A @j__graph(name: "a", url: "http://a") }
type Query @j__type(graph: A) { x: Int @j__field(graph: A) y: Int @hidden }
`
	sg, err := supergraph.Parse(sdl)
	if err != nil {
		t.Fatal(err)
	}
	if sg.API.Query.Fields.ForName("y") != nil || sg.API.Query.Fields.ForName("x") == nil || sg.API.Types["j__Graph"] != nil {
		t.Fatalf("renamed specs not honoured: %v", sg.API.Query.Fields)
	}
	if f := sg.Type("Query").Fields["x"]; f.Join("a") == nil {
		t.Fatal("renamed join__field ignored")
	}
	for _, bad := range []string{`type Query { x: Int }`, `type Query {`} {
		if _, err := supergraph.Parse(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
