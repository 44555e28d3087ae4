package plan

import (
	"slices"

	"github.com/vektah/gqlparser/v2/ast"
)

// shape builds the response shape of the selection sets on parent (merged
// per the GraphQL spec's CollectFields).
func (b *builder) shape(parent string, sets []ast.SelectionSet) *Shape {
	def := b.api.Types[parent]
	s := &Shape{TypeName: parent}
	if def != nil && def.IsAbstractType() {
		s.Abstract = true
		s.ByType = map[string][]*ShapeField{}
		for _, t := range b.possibleTypes(parent) {
			s.ByType[t] = b.collect(t, sets)
		}
		if t := b.sg.Types[parent]; t != nil && len(t.InterfaceObject) > 0 {
			// An object of an @interfaceObject subgraph keeps the
			// interface's name as __typename when the selection needs
			// no concrete type (planInterfaceObject).
			s.ByType[parent] = b.collect(parent, sets)
		}
		return s
	}
	s.Fields = b.collect(parent, sets)
	return s
}

type collected struct {
	sf   *ShapeField
	sets []ast.SelectionSet
	// always is set when one occurrence has no variable condition.
	always bool
}

func (b *builder) collect(typ string, sets []ast.SelectionSet) []*ShapeField {
	var order []*collected
	byKey := map[string]*collected{}
	var walk func(set ast.SelectionSet, conds []Cond)
	walk = func(set ast.SelectionSet, conds []Cond) {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				c, keep := shapeConds(s.Directives, conds)
				if !keep {
					continue
				}
				key := s.Alias
				if key == "" {
					key = s.Name
				}
				e := byKey[key]
				if e == nil {
					ck := key
					if c, ok := b.renamed[s]; ok {
						ck = c
					}
					e = &collected{sf: &ShapeField{Key: ck, Src: key, KeyJSON: `"` + ck + `":`, Name: s.Name, ParentType: typ, Field: s}}
					byKey[key] = e
					order = append(order, e)
				}
				if len(c) == 0 {
					e.always = true
				} else {
					e.sf.Conds = append(e.sf.Conds, c)
				}
				if len(s.SelectionSet) > 0 {
					e.sets = append(e.sets, s.SelectionSet)
				}
			case *ast.InlineFragment:
				c, keep := shapeConds(s.Directives, conds)
				if keep && b.typeApplies(s.TypeCondition, typ) {
					walk(s.SelectionSet, c)
				}
			case *ast.FragmentSpread:
				c, keep := shapeConds(s.Directives, conds)
				fr := b.doc.Fragments.ForName(s.Name)
				if keep && fr != nil && b.typeApplies(fr.TypeCondition, typ) {
					walk(fr.SelectionSet, c)
				}
			}
		}
	}
	for _, set := range sets {
		walk(set, nil)
	}
	out := make([]*ShapeField, 0, len(order))
	for _, e := range order {
		sf := e.sf
		if e.always {
			sf.Conds = nil
		}
		switch sf.Name {
		case "__typename":
			sf.Typename = true
			sf.Type = ast.NonNullNamedType("String", nil)
		case "__schema":
			sf.Intro = true
			sf.Type = ast.NonNullNamedType("__Schema", nil)
		case "__type":
			sf.Intro = true
			sf.Type = ast.NamedType("__Type", nil)
		default:
			def := b.fieldDef(typ, sf.Name)
			if def == nil {
				b.fail("unknown field %s.%s", typ, sf.Name)
				continue
			}
			sf.Type = def.Type
		}
		if fe, ok := b.fieldErrs[sf.Field]; ok {
			sf.Err, sf.ErrTypes, sf.ErrField, sf.ErrCode = fe.Message, fe.Types, fe.Field, fe.Code
		}
		if td := b.api.Types[sf.Type.Name()]; td != nil {
			sf.Enum = td.Kind == ast.Enum
			if !td.IsCompositeType() && !sf.Intro {
				sf.Leaf = LeafOf(b.api, td.Name)
				if sf.Enum {
					sf.EnumValues = b.enumValues(td)
				}
			}
			if td.IsCompositeType() {
				sf.Sub = b.shape(td.Name, e.sets)
			}
		}
		out = append(out, sf)
	}
	return out
}

// shapeConds adds a selection's variable @skip/@include to the inherited
// conditions; keep is false when a literal condition excludes it.
func shapeConds(dirs ast.DirectiveList, inherited []Cond) ([]Cond, bool) {
	d, keep := condDirs(dirs)
	if !keep {
		return nil, false
	}
	if len(d) == 0 {
		return inherited, true
	}
	out := slices.Clone(inherited)
	for _, x := range d {
		out = append(out, Cond{Variable: x.Arguments.ForName("if").Value.Raw, Skip: x.Name == "skip"})
	}
	return out, true
}

// enumValues returns the values of an API enum, shared by the plan.
func (b *builder) enumValues(td *ast.Definition) map[string]bool {
	if m, ok := b.enums[td.Name]; ok {
		return m
	}
	m := make(map[string]bool, len(td.EnumValues))
	for _, v := range td.EnumValues {
		m[v.Name] = true
	}
	if b.enums == nil {
		b.enums = map[string]map[string]bool{}
	}
	b.enums[td.Name] = m
	return m
}
