package compose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// parseFieldSet parses a federation FieldSet ("id org { id }") as a selection set.
func parseFieldSet(fields string) (ast.SelectionSet, error) {
	doc, err := parser.ParseQuery(&ast.Source{Input: "{" + fields + "}"})
	if err != nil {
		return nil, fmt.Errorf("%s", strings.TrimSpace(err.Error()))
	}
	if len(doc.Operations) != 1 || len(doc.Fragments) != 0 {
		return nil, fmt.Errorf("a field set must be a single selection set")
	}
	return doc.Operations[0].SelectionSet, nil
}

// fieldSetKind names the directive a field set belongs to, for messages and
// error codes.
type fieldSetKind int

const (
	fsKey fieldSetKind = iota
	fsRequires
	fsProvides
)

func (k fieldSetKind) directive() string {
	return [...]string{"@key", "@requires", "@provides"}[k]
}

func (k fieldSetKind) invalidCode() string {
	return [...]string{"KEY_INVALID_FIELDS", "REQUIRES_INVALID_FIELDS", "PROVIDES_INVALID_FIELDS"}[k]
}

// fieldSetVisit is called for every field a field set selects.
type fieldSetVisit func(parent *sgType, f *sgField, depth int)

// walkFieldSet checks that sel selects existing fields of t in sg and calls
// visit for each. It returns a description of the first problem.
func (sg *subgraph) walkFieldSet(t *sgType, sel ast.SelectionSet, kind fieldSetKind, depth int, visit fieldSetVisit) string {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if s.Alias != "" && s.Alias != s.Name {
				return fmt.Sprintf("Aliases are not allowed in the fields of %s", kind.directive())
			}
			if len(s.Directives) > 0 {
				return fmt.Sprintf("Directives are not allowed in the fields of %s", kind.directive())
			}
			if s.Name == "__typename" {
				continue
			}
			f := t.field(s.Name)
			if f == nil {
				return fmt.Sprintf("Cannot query field %q on type %q", s.Name, t.name)
			}
			ft := sg.types[f.typ.Name()]
			composite := ft != nil && ft.isComposite()
			if composite && len(s.SelectionSet) == 0 {
				return fmt.Sprintf("Field %q of type %q must have a selection of subfields", s.Name, f.typ.String())
			}
			if !composite && len(s.SelectionSet) > 0 {
				return fmt.Sprintf("Field %q must not have a selection since type %q has no subfields", s.Name, f.typ.String())
			}
			if len(s.Arguments) > 0 && kind == fsKey {
				return fmt.Sprintf("field %q has arguments", s.Name)
			}
			if visit != nil {
				visit(t, f, depth)
			}
			if composite {
				if msg := sg.walkFieldSet(ft, s.SelectionSet, kind, depth+1, visit); msg != "" {
					return msg
				}
			}
		case *ast.InlineFragment:
			if kind == fsKey {
				return "Inline fragments are not allowed in the fields of @key"
			}
			target := t
			if s.TypeCondition != "" {
				target = sg.types[s.TypeCondition]
				if target == nil || !target.isComposite() {
					return fmt.Sprintf("Unknown type %q in type condition", s.TypeCondition)
				}
			}
			if msg := sg.walkFieldSet(target, s.SelectionSet, kind, depth, visit); msg != "" {
				return msg
			}
		default:
			return "Named fragments are not allowed in field sets"
		}
	}
	return ""
}

// validateSubgraph checks the federation directives of one subgraph, marks
// key fields shareable and fields used by field sets, and drops the unused
// @external fields of Federation v1 subgraphs.
func validateSubgraph(sg *subgraph, ps *problems) {
	names := func() []string { return []string{sg.name} }
	for _, tn := range sg.typeOrder {
		t := sg.types[tn]
		// Keys.
		for i, k := range t.keys {
			coord := tn
			sel, err := parseFieldSet(k.fields)
			if err != nil {
				ps.addf("KEY_INVALID_FIELDS", coord, names(), "[%s] On type %q, for @key(fields: %q): %v", sg.name, tn, k.fields, err)
				continue
			}
			t.keys[i].sel = sel
			var bad string
			msg := sg.walkFieldSet(t, sel, fsKey, 0, func(parent *sgType, f *sgField, depth int) {
				f.used = true
				f.shareable = true
				ft := sg.types[f.typ.Name()]
				if bad == "" && (f.typ.Elem != nil || (ft != nil && (ft.kind == ast.Interface || ft.kind == ast.Union))) {
					bad = fmt.Sprintf("[%s] On type %q, for @key(fields: %q): field \"%s.%s\" is a %s type which is not allowed in @key",
						sg.name, tn, k.fields, parent.name, f.name, keyTypeKind(f.typ, ft))
				}
				if depth == 0 && t.extension && f.external {
					// A key field marked @external on a type extension is
					// resolvable by the subgraph (Federation v1 style).
					f.external = false
				}
			})
			switch {
			case msg != "" && strings.Contains(msg, "has arguments"):
				ps.addf("KEY_FIELDS_HAS_ARGS", coord, names(), "[%s] On type %q, for @key(fields: %q): %s", sg.name, tn, k.fields, msg)
			case msg != "":
				ps.addf("KEY_INVALID_FIELDS", coord, names(), "[%s] On type %q, for @key(fields: %q): %s", sg.name, tn, k.fields, msg)
			case bad != "":
				ps.add("KEY_FIELDS_SELECT_INVALID_TYPE", coord, bad, sg.name)
			}
		}
		if !sg.fed2 {
			// Federation v1: key fields declared @external are the type's own
			// key (the v1 way of writing an entity extension), not external.
			for _, k := range t.keys {
				for _, s := range k.sel {
					if f, ok := s.(*ast.Field); ok {
						if kf := t.field(f.Name); kf != nil {
							kf.external = false
						}
					}
				}
			}
		}
		if t.interfaceObject && (t.kind != ast.Object || len(t.keys) == 0) {
			ps.addf("INTERFACE_OBJECT_USAGE_ERROR", tn, names(), "[%s] The @interfaceObject directive can only be applied to entity types but type %q has no @key in this subgraph", sg.name, tn)
		}
	}
	for _, tn := range sg.typeOrder {
		t := sg.types[tn]
		for _, f := range t.fields {
			coord := tn + "." + f.name
			if f.requires != "" {
				sg.checkFieldSet(t, f, f.requires, fsRequires, t, coord, ps)
			}
			if f.provides != "" {
				target := sg.types[f.typ.Name()]
				if target == nil || (target.kind != ast.Object && target.kind != ast.Interface && target.kind != ast.Union) {
					ps.addf("PROVIDES_ON_NON_OBJECT_FIELD", coord, names(), "[%s] Invalid @provides directive on field %q: field has type %q which is not a Composite Type", sg.name, coord, f.typ.String())
				} else {
					sg.checkFieldSet(t, f, f.provides, fsProvides, target, coord, ps)
				}
			}
			if f.hasOverride {
				switch {
				case f.overrideFrom == sg.name:
					ps.addf("OVERRIDE_FROM_SELF_ERROR", coord, names(), "Source and destination subgraphs %q are the same for overridden field %q", sg.name, coord)
				case f.external:
					ps.addf("OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE", coord, names(), "@override cannot be used on field %q on subgraph %q since %q is marked with directive \"@external\"", coord, sg.name, coord)
				case t.kind == ast.Interface:
					ps.addf("OVERRIDE_ON_INTERFACE", coord, names(), "@override cannot be used on field %q on subgraph %q: @override is not supported on interface type fields.", coord, sg.name)
				case t.interfaceObject:
					ps.addf("OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE", coord, names(), "@override is not yet supported on fields of @interfaceObject types: cannot be used on field %q on subgraph %q.", coord, sg.name)
				}
				if f.overrideLbl != "" && !validOverrideLabel(f.overrideLbl) {
					ps.addf("OVERRIDE_LABEL_INVALID", coord, names(), "Invalid @override label %q on field %q on subgraph %q: labels must start with a letter and after that may contain alphanumerics, underscores, minuses, colons, periods, or slashes, or be of the form percent(x) with x between 0 and 100", f.overrideLbl, coord, sg.name)
				}
			}
		}
	}
	// Unused @external fields.
	for _, tn := range sg.typeOrder {
		t := sg.types[tn]
		if t.kind != ast.Object {
			continue
		}
		t.fields = slices.DeleteFunc(t.fields, func(f *sgField) bool {
			if !f.external || f.used || sg.implementsInterfaceField(t, f.name) {
				return false
			}
			if sg.fed2 {
				ps.addf("EXTERNAL_UNUSED", tn+"."+f.name, names(), "[%s] Field \"%s.%s\" is marked @external but is not used in any federation directive (@key, @provides, @requires) or to satisfy an interface; the field declaration has no use and should be removed (or the field should not be @external).", sg.name, tn, f.name)
				return false
			}
			delete(t.fieldMap, f.name)
			return true
		})
	}
}

func keyTypeKind(t *ast.Type, ft *sgType) string {
	if t.Elem != nil {
		return "List"
	}
	if ft != nil && ft.kind == ast.Interface {
		return "Interface"
	}
	return "Union"
}

func validOverrideLabel(l string) bool {
	if strings.HasPrefix(l, "percent(") && strings.HasSuffix(l, ")") {
		num := strings.TrimSuffix(strings.TrimPrefix(l, "percent("), ")")
		var f float64
		if _, err := fmt.Sscanf(num, "%g", &f); err != nil || f < 0 || f > 100 {
			return false
		}
		return true
	}
	for i, r := range l {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || (i > 0 && (r >= '0' && r <= '9' || strings.ContainsRune("_-.:/", r)))
		if !ok {
			return false
		}
	}
	return l != ""
}

// implementsInterfaceField reports whether t implements, in this subgraph, an
// interface that declares field name.
func (sg *subgraph) implementsInterfaceField(t *sgType, name string) bool {
	for _, in := range t.interfaces {
		if it := sg.types[in]; it != nil && it.field(name) != nil {
			return true
		}
	}
	return false
}

// checkFieldSet validates a @requires or @provides field set, marks the
// external fields it selects as used and reports selected fields that are not
// external (Federation v2).
func (sg *subgraph) checkFieldSet(parent *sgType, f *sgField, fields string, kind fieldSetKind, target *sgType, coord string, ps *problems) {
	sel, err := parseFieldSet(fields)
	if err != nil {
		ps.addf(kind.invalidCode(), coord, []string{sg.name}, "[%s] On field %q, for %s(fields: %q): %v", sg.name, coord, kind.directive(), fields, err)
		return
	}
	var notExternal []string
	msg := sg.walkFieldSet(target, sel, kind, 0, func(p *sgType, sf *sgField, depth int) {
		if sf.external {
			sf.used = true
			return
		}
		if kind == fsRequires && depth > 0 {
			return // nested selection under an external field
		}
		if kind == fsProvides && depth > 0 {
			return
		}
		if sg.fed2 {
			notExternal = append(notExternal, p.name+"."+sf.name)
		}
		sf.used = true
	})
	if msg != "" {
		ps.addf(kind.invalidCode(), coord, []string{sg.name}, "[%s] On field %q, for %s(fields: %q): %s", sg.name, coord, kind.directive(), fields, msg)
		return
	}
	if len(notExternal) > 0 {
		code := "REQUIRES_FIELDS_MISSING_EXTERNAL"
		if kind == fsProvides {
			code = "PROVIDES_FIELDS_MISSING_EXTERNAL"
		}
		ps.addf(code, coord, []string{sg.name}, "[%s] On field %q, for %s(fields: %q): field %s should not be part of a %s since it is already provided by this subgraph (it is not marked @external)",
			sg.name, coord, kind.directive(), fields, quoteList(notExternal), kind.directive())
	}
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
