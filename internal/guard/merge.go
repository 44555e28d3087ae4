package guard

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
)

// OverlappingFieldsRule is the GraphQL rule "Field Selection Merging"
// (spec §5.3.2, FieldsInSetCanMerge) in time linear in the operation with
// its fragments expanded, after the algorithm of Sangria and graphql-java:
// instead of comparing every pair of fields with the same response name,
// it groups the fields of a selection by response name and checks two
// properties that are equivalences, so each field is compared with the
// first of its group only —
//
//   - SameResponseShape: every field of a group has the same type shape
//     (list and non-null wrappers, and the same leaf type); the
//     subselections of the whole group are merged and checked in turn;
//   - SameForCommonParents: fields of a group whose parent types could be
//     the same object (the same object type, or an abstract one) have the
//     same name and arguments; each such subgroup's subselections are merged
//     and checked in turn.
//
// gqlparser's rule compares pairs: a query of n copies of one field costs
// n² comparisons (a 330 KB query, about 40 CPU-seconds). Expansion is
// bounded by a budget of field visits (the cost limit keeps real operations
// far below it); an operation over the budget is refused. In a document
// with a fragment cycle (refused by NoFragmentCycles), a fragment is not
// expanded again below itself.
var OverlappingFieldsRule = core.Rule{
	Name: "OverlappingFieldsCanBeMerged",
	RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
		var m *merger
		var used map[string]bool
		get := func(w *core.Walker) *merger {
			if m == nil {
				m = newMerger(w, addError)
			}
			return m
		}
		observers.OnOperation(func(w *core.Walker, op *ast.OperationDefinition) {
			get(w).root(op.SelectionSet)
		})
		// Fragments used by an operation were checked within it; the others
		// (an error anyway, NoUnusedFragments) are checked on their own.
		observers.OnFragment(func(w *core.Walker, f *ast.FragmentDefinition) {
			m := get(w)
			if used == nil {
				used = m.usedFragments()
			}
			if !used[f.Name] {
				m.root(f.SelectionSet)
			}
		})
	},
}

// mergeBudget bounds the field visits of one document's check.
const mergeBudget = 1 << 20

type merger struct {
	schema   *ast.Schema
	doc      *ast.QueryDocument
	frags    map[string]*ast.FragmentDefinition
	add      core.AddErrFunc
	budget   int
	over     bool
	cyclic   bool
	reported map[string]bool
	// path counts the fragments expanded above the selection being
	// collected, when the document has a cycle.
	path map[string]int
}

func newMerger(w *core.Walker, add core.AddErrFunc) *merger {
	m := &merger{schema: w.Schema, doc: w.Document, add: add, budget: mergeBudget,
		frags: make(map[string]*ast.FragmentDefinition, len(w.Document.Fragments)), reported: map[string]bool{}, path: map[string]int{}}
	for _, f := range w.Document.Fragments {
		if _, ok := m.frags[f.Name]; !ok {
			m.frags[f.Name] = f
		}
	}
	m.cyclic = m.hasCycle()
	return m
}

// hasCycle reports whether a fragment spreads itself, directly or not.
func (m *merger) hasCycle() bool {
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	var visit func(name string) bool
	var inSet func(set ast.SelectionSet) bool
	inSet = func(set ast.SelectionSet) bool {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				if inSet(s.SelectionSet) {
					return true
				}
			case *ast.InlineFragment:
				if inSet(s.SelectionSet) {
					return true
				}
			case *ast.FragmentSpread:
				if visit(s.Name) {
					return true
				}
			}
		}
		return false
	}
	visit = func(name string) bool {
		switch state[name] {
		case onPath:
			return true
		case done:
			return false
		}
		f := m.frags[name]
		if f == nil {
			state[name] = done
			return false
		}
		state[name] = onPath
		if inSet(f.SelectionSet) {
			return true
		}
		state[name] = done
		return false
	}
	for name := range m.frags {
		if visit(name) {
			return true
		}
	}
	return false
}

// usedFragments are the fragments the operations spread, transitively.
func (m *merger) usedFragments() map[string]bool {
	used := map[string]bool{}
	var walk func(set ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				if f := m.frags[s.Name]; f != nil && !used[s.Name] {
					used[s.Name] = true
					walk(f.SelectionSet)
				}
			}
		}
	}
	for _, op := range m.doc.Operations {
		walk(op.SelectionSet)
	}
	return used
}

// group is the fields of a merged selection with one response name.
type group struct {
	name   string
	fields []*ast.Field
}

func responseName(f *ast.Field) string {
	if f.Alias != "" {
		return f.Alias
	}
	return f.Name
}

// collect merges selection sets (inline fragments and fragment spreads
// expanded, each fragment once) into groups by response name, in order;
// it returns the fragments it expanded.
func (m *merger) collect(sets []ast.SelectionSet) ([]group, []string) {
	var groups []group
	var names []string
	index := map[string]int{}
	spread := map[string]bool{}
	var walk func(set ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, s := range set {
			if m.over {
				return
			}
			switch s := s.(type) {
			case *ast.Field:
				m.budget--
				if m.budget < 0 {
					m.over = true
					return
				}
				name := responseName(s)
				i, ok := index[name]
				if !ok {
					i = len(groups)
					index[name] = i
					groups = append(groups, group{name: name})
				}
				groups[i].fields = append(groups[i].fields, s)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				if f := m.frags[s.Name]; f != nil && !spread[s.Name] && m.path[s.Name] == 0 {
					spread[s.Name] = true
					names = append(names, s.Name)
					walk(f.SelectionSet)
				}
			}
		}
	}
	for _, set := range sets {
		walk(set)
	}
	return groups, names
}

// below collects sets and runs check on the groups, with the expanded
// fragments on the path while it runs when the document has a cycle.
func (m *merger) below(sets []ast.SelectionSet, check func([]group)) {
	groups, names := m.collect(sets)
	if m.cyclic {
		for _, n := range names {
			m.path[n]++
		}
		defer func() {
			for _, n := range names {
				m.path[n]--
			}
		}()
	}
	check(groups)
}

func (m *merger) root(set ast.SelectionSet) {
	if m.over {
		return
	}
	m.below([]ast.SelectionSet{set}, func(groups []group) {
		m.sameShape(groups, nil)
		m.sameForCommonParents(groups, nil)
	})
	if m.over && !m.reported["\x00over"] {
		m.reported["\x00over"] = true
		m.add(core.Message("The operation is too complex to validate: it selects more than %d fields with its fragments expanded.", mergeBudget))
	}
}

// subselections are the selection sets of fields.
func subselections(fields []*ast.Field) []ast.SelectionSet {
	var out []ast.SelectionSet
	for _, f := range fields {
		if len(f.SelectionSet) > 0 {
			out = append(out, f.SelectionSet)
		}
	}
	return out
}

// sameShape checks SameResponseShape for each group and, recursively, for
// the group's merged subselections.
func (m *merger) sameShape(groups []group, path []string) {
	for _, g := range groups {
		if m.over {
			return
		}
		var first *ast.Field
		for _, f := range g.fields {
			if f.Definition == nil || f.ObjectDefinition == nil {
				continue
			}
			if first == nil {
				first = f
				continue
			}
			if m.typesConflict(first.Definition.Type, f.Definition.Type) {
				m.report(append(path, g.name), fmt.Sprintf(`they return conflicting types "%s" and "%s"`,
					first.Definition.Type.String(), f.Definition.Type.String()), f.Position)
				break
			}
		}
		if subs := subselections(g.fields); len(subs) > 0 {
			m.below(subs, func(groups []group) { m.sameShape(groups, append(path, g.name)) })
		}
	}
}

// sameForCommonParents checks, for each group, that fields whose parents
// may be the same object have the same name and arguments, and recursively
// their merged subselections.
func (m *merger) sameForCommonParents(groups []group, path []string) {
	for _, g := range groups {
		for _, cg := range byCommonParents(g.fields) {
			if m.over {
				return
			}
			first, ok := cg[0], true
			for _, f := range cg[1:] {
				if f.Name != first.Name {
					m.report(append(path, g.name), fmt.Sprintf(`"%s" and "%s" are different fields`, first.Name, f.Name), f.Position)
					ok = false
					break
				}
				if !sameArguments(first.Arguments, f.Arguments) {
					m.report(append(path, g.name), "they have differing arguments", f.Position)
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			if subs := subselections(cg); len(subs) > 0 {
				m.below(subs, func(groups []group) { m.sameForCommonParents(groups, append(path, g.name)) })
			}
		}
	}
}

// byCommonParents splits fields into the sets whose parents may be the same
// object: one per object parent type, each with the fields of abstract
// parents too; or one set of them all when no parent is an object type.
func byCommonParents(fields []*ast.Field) [][]*ast.Field {
	var abstract []*ast.Field
	var objects []string
	byObject := map[string][]*ast.Field{}
	for _, f := range fields {
		p := f.ObjectDefinition
		if p == nil {
			continue
		}
		// A field its parent lacks (an error of another rule) may be
		// anywhere, like gqlparser's rule assumes.
		if p.Kind == ast.Object && f.Definition != nil {
			if _, ok := byObject[p.Name]; !ok {
				objects = append(objects, p.Name)
			}
			byObject[p.Name] = append(byObject[p.Name], f)
			continue
		}
		abstract = append(abstract, f)
	}
	if len(objects) == 0 {
		if len(abstract) == 0 {
			return nil
		}
		return [][]*ast.Field{abstract}
	}
	out := make([][]*ast.Field, 0, len(objects))
	for _, o := range objects {
		out = append(out, append(byObject[o], abstract...))
	}
	return out
}

// report adds one error per response path and reason.
func (m *merger) report(path []string, reason string, pos *ast.Position) {
	for i := len(path) - 1; i > 0; i-- {
		reason = fmt.Sprintf(`subfields "%s" conflict because %s`, path[i], reason)
	}
	msg := fmt.Sprintf(`Fields "%s" conflict because %s. Use different aliases on the fields to fetch both if this was intentional.`, path[0], reason)
	key := msg
	if pos != nil {
		key = fmt.Sprintf("%s@%d:%d", msg, pos.Line, pos.Column)
	}
	if m.reported[key] {
		return
	}
	m.reported[key] = true
	m.add(core.Message("%s", msg), core.At(pos))
}

// typesConflict reports whether two field types could not both describe
// one response value: list and non-null wrappers must match, and a leaf
// type must be the same on both sides (composite types are compared by
// their subfields).
func (m *merger) typesConflict(a, b *ast.Type) bool {
	if a.NonNull != b.NonNull || (a.Elem == nil) != (b.Elem == nil) {
		return true
	}
	if a.Elem != nil {
		return m.typesConflict(a.Elem, b.Elem)
	}
	ta, tb := m.schema.Types[a.NamedType], m.schema.Types[b.NamedType]
	if ta == nil || tb == nil {
		return false
	}
	if ta.IsLeafType() || tb.IsLeafType() {
		return ta.Name != tb.Name
	}
	return false
}

func sameArguments(a, b ast.ArgumentList) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		y := b.ForName(x.Name)
		if y == nil || !sameValue(x.Value, y.Value) {
			return false
		}
	}
	return true
}

// sameValue compares two argument values: object fields in name order,
// list elements in order.
func sameValue(a, b *ast.Value) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind != b.Kind || a.Raw != b.Raw || len(a.Children) != len(b.Children) {
		return false
	}
	ca, cb := a.Children, b.Children
	if a.Kind == ast.ObjectValue {
		byName := func(x, y *ast.ChildValue) int { return strings.Compare(x.Name, y.Name) }
		ca, cb = slices.Clone(ca), slices.Clone(cb)
		slices.SortStableFunc(ca, byName)
		slices.SortStableFunc(cb, byName)
	}
	for i := range ca {
		if ca[i].Name != cb[i].Name || !sameValue(ca[i].Value, cb[i].Value) {
			return false
		}
	}
	return true
}
