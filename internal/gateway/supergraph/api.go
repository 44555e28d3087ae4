package supergraph

import (
	"fmt"
	"slices"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
)

// apiSchema derives the client-facing schema: federation types and
// directives removed, @inaccessible elements removed.
func apiSchema(doc *ast.SchemaDocument, defs map[string]*ast.Definition, n specNames) (*ast.Schema, error) {
	hidden := func(dl ast.DirectiveList) bool { return dl.ForName(n.inaccessible) != nil }
	strip := func(dl ast.DirectiveList) ast.DirectiveList {
		var out ast.DirectiveList
		for _, d := range dl {
			if !isSpecDirective(d.Name, n) {
				out = append(out, d)
			}
		}
		return out
	}
	gone := map[string]bool{}
	for name, d := range defs {
		if isSpecType(name, n) || (!d.BuiltIn && hidden(d.Directives)) {
			gone[name] = true
		}
	}
	out := &ast.SchemaDocument{}
	seen := map[string]bool{}
	for _, orig := range doc.Definitions {
		if seen[orig.Name] || gone[orig.Name] {
			continue
		}
		seen[orig.Name] = true
		d := defs[orig.Name]
		if d.BuiltIn {
			out.Definitions = append(out.Definitions, d)
			continue
		}
		cp := &ast.Definition{Kind: d.Kind, Description: d.Description, Name: d.Name, Position: d.Position,
			Directives: strip(d.Directives)}
		for _, i := range d.Interfaces {
			if !gone[i] && !slices.Contains(cp.Interfaces, i) {
				cp.Interfaces = append(cp.Interfaces, i)
			}
		}
		for _, t := range d.Types {
			if !gone[t] && !slices.Contains(cp.Types, t) {
				cp.Types = append(cp.Types, t)
			}
		}
		for _, v := range d.EnumValues {
			if hidden(v.Directives) {
				continue
			}
			vc := *v
			vc.Directives = strip(v.Directives)
			cp.EnumValues = append(cp.EnumValues, &vc)
		}
		for _, f := range d.Fields {
			if hidden(f.Directives) || gone[f.Type.Name()] {
				continue
			}
			fc := *f
			fc.Directives = strip(f.Directives)
			fc.Arguments = nil
			for _, a := range f.Arguments {
				if hidden(a.Directives) {
					continue
				}
				ac := *a
				ac.Directives = strip(a.Directives)
				fc.Arguments = append(fc.Arguments, &ac)
			}
			cp.Fields = append(cp.Fields, &fc)
		}
		if cp.Kind == ast.Object || cp.Kind == ast.Interface || cp.Kind == ast.InputObject || cp.Kind == ast.Union || cp.Kind == ast.Enum {
			if len(cp.Fields) == 0 && len(cp.Types) == 0 && len(cp.EnumValues) == 0 {
				// An empty type (e.g. a Query holding only inaccessible fields)
				// cannot exist in a valid schema.
				gone[cp.Name] = true
				continue
			}
		}
		out.Definitions = append(out.Definitions, cp)
	}
	for _, dd := range doc.Directives {
		if isSpecDirective(dd.Name, n) {
			continue
		}
		out.Directives = append(out.Directives, dd)
	}
	for _, s := range append(slices.Clone(doc.Schema), doc.SchemaExtension...) {
		sc := &ast.SchemaDefinition{Description: s.Description, Position: s.Position}
		for _, ot := range s.OperationTypes {
			if !gone[ot.Type] {
				sc.OperationTypes = append(sc.OperationTypes, ot)
			}
		}
		if len(sc.OperationTypes) > 0 {
			out.Schema = append(out.Schema, sc)
		}
	}
	schema, err := validator.ValidateSchemaDocument(out)
	if err != nil {
		return nil, fmt.Errorf("supergraph: API schema: %w", err)
	}
	return schema, nil
}
