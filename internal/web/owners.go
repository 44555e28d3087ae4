package web

import (
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
)

// Owners tells, for the explorer's schema browser, which subgraphs resolve
// each field of the API schema: the graphs of the field's @join__field
// entries that are not @external, or, for a field without any, every
// subgraph declaring its type (@join__type).
type Owners struct {
	// Subgraphs lists every subgraph, sorted.
	Subgraphs []string `json:"subgraphs"`
	// Types maps each object and interface type of the API schema to its
	// declaring subgraphs and its fields' owners.
	Types map[string]TypeOwners `json:"types"`
}

// TypeOwners are one type's declaring subgraphs and its fields' owners.
type TypeOwners struct {
	Subgraphs []string            `json:"subgraphs"`
	Fields    map[string][]string `json:"fields"`
}

// OwnersOf reads the owners of every field from a loaded supergraph.
func OwnersOf(sg *supergraph.Supergraph) Owners {
	o := Owners{Types: map[string]TypeOwners{}}
	for _, g := range sg.Subgraphs {
		o.Subgraphs = append(o.Subgraphs, g.Name)
	}
	for name, def := range sg.API.Types {
		if def.BuiltIn || strings.HasPrefix(name, "__") || (def.Kind != ast.Object && def.Kind != ast.Interface) {
			continue
		}
		meta := sg.Type(name)
		if meta == nil {
			continue
		}
		t := TypeOwners{Subgraphs: slices.Clone(meta.Graphs), Fields: map[string][]string{}}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			t.Fields[f.Name] = fieldOwners(meta, f.Name)
		}
		o.Types[name] = t
	}
	return o
}

func fieldOwners(t *supergraph.Type, field string) []string {
	f := t.Fields[field]
	if f == nil || len(f.Joins) == 0 {
		return slices.Clone(t.Graphs)
	}
	var out []string
	for _, j := range f.Joins {
		if j.External || j.Graph == "" || slices.Contains(out, j.Graph) {
			continue
		}
		out = append(out, j.Graph)
	}
	if len(out) == 0 {
		// every @join__field names no graph: the type's graphs resolve it
		return slices.Clone(t.Graphs)
	}
	slices.Sort(out)
	return out
}
