package web

import (
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
	"github.com/citizengraph/citizengraph/schema"
)

// The owners of the composed supergraph's fields agree with a direct
// reading of its join directives, and name the subgraphs the domain gives
// each field.
func TestOwnersOfTheSupergraph(t *testing.T) {
	sdl := schema.Supergraph()
	sg, err := supergraph.Parse(sdl)
	if err != nil {
		t.Fatal(err)
	}
	o := OwnersOf(sg)
	if !slices.Equal(o.Subgraphs, []string{"culture", "identity", "payments", "practices", "territory"}) {
		t.Errorf("subgraphs %v", o.Subgraphs)
	}
	for coord, want := range map[string][]string{
		"Query.me":          {"identity"},
		"Person.fiscalCode": {"identity"},
		"Person.practices":  {"practices"},
		"Person.payments":   {"payments"},
		"Practice.payments": {"payments"},
		"Comune.name":       {"territory"},
		"Comune.events":     {"culture"},
		"Comune.services":   {"practices"},
	} {
		typ, field, _ := strings.Cut(coord, ".")
		got, ok := o.Types[typ].Fields[field]
		if !ok || !slices.Equal(got, want) {
			t.Errorf("%s: owners %v, want %v", coord, got, want)
		}
	}

	// Independently: every field's owners are the non-external graphs of
	// its @join__field directives, else its type's @join__type graphs.
	doc, err := parser.ParseSchema(&ast.Source{Input: sdl})
	if err != nil {
		t.Fatal(err)
	}
	graphName := map[string]string{}
	for _, d := range doc.Definitions {
		if d.Name == "join__Graph" {
			for _, v := range d.EnumValues {
				graphName[v.Name] = v.Directives.ForName("join__graph").Arguments.ForName("name").Value.Raw
			}
		}
	}
	fields := 0
	for _, d := range append(doc.Definitions, doc.Extensions...) {
		tOwners, ok := o.Types[d.Name]
		if !ok {
			continue
		}
		var typeGraphs []string
		for _, jt := range d.Directives.ForNames("join__type") {
			g := graphName[jt.Arguments.ForName("graph").Value.Raw]
			if !slices.Contains(typeGraphs, g) {
				typeGraphs = append(typeGraphs, g)
			}
		}
		slices.Sort(typeGraphs)
		for _, f := range d.Fields {
			got, ok := tOwners.Fields[f.Name]
			if !ok {
				continue // @inaccessible: not in the API schema
			}
			var want []string
			joins := f.Directives.ForNames("join__field")
			for _, j := range joins {
				ga := j.Arguments.ForName("graph")
				if ga == nil {
					continue
				}
				if ext := j.Arguments.ForName("external"); ext != nil && ext.Value.Raw == "true" {
					continue
				}
				if g := graphName[ga.Value.Raw]; !slices.Contains(want, g) {
					want = append(want, g)
				}
			}
			if len(want) == 0 {
				want = typeGraphs
			}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s.%s: owners %v, the directives say %v", d.Name, f.Name, got, want)
			}
			fields++
		}
	}
	if fields < 300 {
		t.Errorf("only %d fields checked", fields)
	}
	for name, typ := range o.Types {
		for f, owners := range typ.Fields {
			if len(owners) == 0 {
				t.Errorf("%s.%s has no owner", name, f)
			}
		}
	}
}
