package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gateway/execute"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
	"github.com/citizengraph/citizengraph/schema"
)

// noFetch fails any subgraph request: introspection is answered by the
// gateway alone.
type noFetch struct{ t *testing.T }

func (f noFetch) Fetch(_ context.Context, subgraph string, _ execute.Request) (execute.Response, error) {
	f.t.Errorf("introspection reached subgraph %s", subgraph)
	return execute.Response{}, errors.New("no subgraph in this test")
}

const docsIntrospection = `{
  __schema {
    description
    types {
      kind name description
      fields(includeDeprecated: true) {
        name description isDeprecated deprecationReason
        args(includeDeprecated: true) { name description isDeprecated deprecationReason }
      }
      inputFields(includeDeprecated: true) { name description isDeprecated deprecationReason }
      enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
    }
  }
}`

type introValue struct {
	Name              string       `json:"name"`
	Description       *string      `json:"description"`
	IsDeprecated      bool         `json:"isDeprecated"`
	DeprecationReason *string      `json:"deprecationReason"`
	Args              []introValue `json:"args"`
}

type introType struct {
	Kind        string       `json:"kind"`
	Name        string       `json:"name"`
	Description *string      `json:"description"`
	Fields      []introValue `json:"fields"`
	InputFields []introValue `json:"inputFields"`
	EnumValues  []introValue `json:"enumValues"`
}

// introspectedDocs posts the introspection query to the gateway over HTTP
// and returns, by schema coordinate, the description of every element of
// the schema's own types (the introspection and built-in scalar types left
// out) and the deprecation reason of every deprecated element.
func introspectedDocs(t *testing.T, url string) (descs, deprecated map[string]string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": docsIntrospection})
	res, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Data struct {
			Schema struct {
				Types []introType `json:"types"`
			} `json:"__schema"`
		} `json:"data"`
		Errors json.RawMessage `json:"errors"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || out.Errors != nil {
		t.Fatalf("introspection: status %d, errors %s", res.StatusCode, out.Errors)
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	builtin := map[string]bool{"String": true, "Int": true, "Float": true, "Boolean": true, "ID": true}
	descs, deprecated = map[string]string{}, map[string]string{}
	value := func(coord string, v introValue) {
		descs[coord] = str(v.Description)
		if v.IsDeprecated {
			deprecated[coord] = str(v.DeprecationReason)
		}
	}
	for _, ty := range out.Data.Schema.Types {
		if builtin[ty.Name] || strings.HasPrefix(ty.Name, "__") {
			continue
		}
		descs[ty.Name] = str(ty.Description)
		for _, f := range ty.Fields {
			value(ty.Name+"."+f.Name, f)
			for _, a := range f.Args {
				value(ty.Name+"."+f.Name+"("+a.Name+":)", a)
			}
		}
		for _, f := range append(slices.Clone(ty.InputFields), ty.EnumValues...) {
			value(ty.Name+"."+f.Name, f)
		}
	}
	return descs, deprecated
}

// sdlDeprecations returns, by schema coordinate, the reason of every
// element a subgraph SDL marks @deprecated.
func sdlDeprecations(t *testing.T, sdl string) map[string]string {
	t.Helper()
	doc, err := parser.ParseSchema(&ast.Source{Input: sdl})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	mark := func(coord string, dl ast.DirectiveList) {
		d := dl.ForName("deprecated")
		if d == nil {
			return
		}
		reason := "No longer supported"
		if a := d.Arguments.ForName("reason"); a != nil && a.Value != nil {
			reason = a.Value.Raw
		}
		out[coord] = reason
	}
	for _, d := range append(slices.Clone(doc.Definitions), doc.Extensions...) {
		for _, f := range d.Fields {
			mark(d.Name+"."+f.Name, f.Directives)
			for _, a := range f.Arguments {
				mark(d.Name+"."+f.Name+"("+a.Name+":)", a.Directives)
			}
		}
		for _, v := range d.EnumValues {
			mark(d.Name+"."+v.Name, v.Directives)
		}
	}
	return out
}

// TestIntrospectionServesDescriptionsAndDeprecations serves the committed
// supergraph through the gateway's HTTP endpoint with introspection on and
// checks that introspection answers, for every type, field, argument, input
// field and enum value of the public schema, a non-empty description equal
// to the composed one, and that every @deprecated of the subgraphs reaches
// clients with its reason (and nothing else is deprecated).
func TestIntrospectionServesDescriptionsAndDeprecations(t *testing.T) {
	sg, err := supergraph.Parse(schema.Supergraph())
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(sg, gateway.Options{Fetcher: noFetch{t}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler(gateway.HandlerOptions{Introspection: true}))
	defer srv.Close()
	descs, deprecated := introspectedDocs(t, srv.URL)

	// The API schema's own descriptions, as the reference.
	want := map[string]string{}
	for name, d := range sg.API.Types {
		if d.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		want[name] = d.Description
		for _, f := range d.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			want[name+"."+f.Name] = f.Description
			for _, a := range f.Arguments {
				want[name+"."+f.Name+"("+a.Name+":)"] = a.Description
			}
		}
		for _, v := range d.EnumValues {
			want[name+"."+v.Name] = v.Description
		}
	}
	if len(want) < 500 {
		t.Fatalf("only %d elements in the API schema: not the composed graph", len(want))
	}
	for coord, w := range want {
		got, ok := descs[coord]
		switch {
		case !ok:
			t.Errorf("%s: missing from introspection", coord)
		case strings.TrimSpace(got) == "":
			t.Errorf("%s: introspection gives no description", coord)
		case got != w:
			t.Errorf("%s: introspection says %q, the schema %q", coord, got, w)
		}
	}
	for coord := range descs {
		if _, ok := want[coord]; !ok {
			t.Errorf("%s: introspected but not in the API schema", coord)
		}
	}

	wantDeprecated := map[string]string{}
	for _, name := range schema.Names() {
		sdl, err := schema.Subgraph(name)
		if err != nil {
			t.Fatal(err)
		}
		for coord, reason := range sdlDeprecations(t, sdl) {
			wantDeprecated[coord] = reason
		}
	}
	if len(wantDeprecated) == 0 {
		t.Fatal("no subgraph deprecates anything: the deprecation check would be vacuous")
	}
	for coord, reason := range wantDeprecated {
		if _, public := want[coord]; !public {
			continue
		}
		if got, ok := deprecated[coord]; !ok {
			t.Errorf("%s: deprecated in its subgraph, not in introspection", coord)
		} else if got != reason {
			t.Errorf("%s: deprecation reason %q, want %q", coord, got, reason)
		}
	}
	for coord, reason := range deprecated {
		if _, ok := wantDeprecated[coord]; !ok {
			t.Errorf("%s: deprecated (%q) in introspection, by no subgraph", coord, reason)
		}
	}
}
