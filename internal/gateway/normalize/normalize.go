package normalize

import (
	"fmt"
	"maps"
	"slices"

	"github.com/vektah/gqlparser/v2/ast"
)

// Result is an operation in canonical form.
type Result struct {
	// Operation is the canonical operation: no fragment spreads, no
	// @skip/@include, one field per response key in every selection set
	// (inline fragments only on types narrower than an abstract parent,
	// in their place). Its fields are copies;
	// the client's document is left untouched.
	Operation *ast.OperationDefinition
	// Conditions are the variables whose values decided an @skip or
	// @include, sorted.
	Conditions []string
	// RequestError, when set, fails the whole request (data null).
	RequestError string
	// FieldErrors are field errors of canonical fields whose selection
	// could not be collected: the field resolves, and a non-null value
	// becomes this error and null.
	FieldErrors map[*ast.Field]FieldError
	// Renamed maps canonical fields whose response key is private to the
	// client's key: an alias "__typename" on another field is renamed, so
	// that the __typename the gateway reads is always the type's name.
	Renamed map[*ast.Field]string
}

// FieldError is the error of a field whose selection could not be
// collected.
type FieldError struct {
	Message string
	// Types, when set, limits the error to values of these runtime types
	// (the failing condition sits in a fragment on a narrower type, which
	// CollectFields never visits for other types).
	Types []string
	// Field is set when the field itself cannot be resolved (an argument
	// of non-null type given a null variable): it is never fetched, and
	// is null with this error wherever it is reached.
	Field bool
	// Code, when set, is the error's extensions.code.
	Code string
}

// TypenameAlias is the private response key of a field the client aliased
// __typename: subgraph queries and errors use it, the client sees
// __typename.
const TypenameAlias = "__cg_aliased_typename"

// Variables gives the coerced value of a variable: ok is false when the
// request has no value for it (neither given nor defaulted).
type Variables func(name string) (value any, ok bool)

// MapVariables reads variables from a map.
func MapVariables(m map[string]any) Variables {
	return func(name string) (any, bool) {
		v, ok := m[name]
		return v, ok
	}
}

// Operation normalizes op, an operation of doc validated against schema,
// under the request's variables.
func Operation(schema *ast.Schema, doc *ast.QueryDocument, op *ast.OperationDefinition, vars Variables) *Result {
	n := &normalizer{schema: schema, doc: doc, vars: vars, res: &Result{}}
	if vars == nil {
		n.vars = func(string) (any, bool) { return nil, false }
	}
	out := *op
	root := rootType(schema, op.Operation)
	if root == "" {
		out.SelectionSet = nil
		n.res.Operation = &out
		return n.res
	}
	sel, err := n.selectionSet(root, []ast.SelectionSet{op.SelectionSet}, nil)
	if err != nil {
		n.res.RequestError = err.Message
		sel = nil
	}
	out.SelectionSet = sel
	n.res.Operation = &out
	slices.Sort(n.res.Conditions)
	return n.res
}

func rootType(schema *ast.Schema, op ast.Operation) string {
	var d *ast.Definition
	switch op {
	case ast.Query, "":
		d = schema.Query
	case ast.Mutation:
		d = schema.Mutation
	case ast.Subscription:
		d = schema.Subscription
	}
	if d == nil {
		return ""
	}
	return d.Name
}

type normalizer struct {
	schema *ast.Schema
	doc    *ast.QueryDocument
	vars   Variables
	res    *Result
	// spreads guards against fragment cycles (validation rejects them;
	// planning must not loop on an unvalidated document).
	spreads []string
}

// entry is one response key or type condition of the selection set being
// collected, with every occurrence's selection set to merge.
type entry struct {
	field *ast.Field
	frag  *ast.InlineFragment
	sets  []ast.SelectionSet
	// seen are the fragments already spread where a fragment entry
	// stands: CollectFields skips a repeated spread before reading its
	// directives, also inside a later type condition.
	seen map[string]bool
}

// selectionSet collects sets on parent; the error is that of a condition
// that could not be evaluated. seen are the fragments spread before, in the
// enclosing collection, where sets stand (nil for a field's subselection).
func (n *normalizer) selectionSet(parent string, sets []ast.SelectionSet, seen map[string]bool) (ast.SelectionSet, *FieldError) {
	var order []*entry
	byKey := map[string]*entry{}
	// visited are the fragment spreads collected so far, as graphql-js's
	// collectFields keeps them: a repeated spread is skipped before its
	// @skip/@include are evaluated.
	visited := maps.Clone(seen)
	pdef := n.schema.Types[parent]
	abstract := pdef != nil && pdef.IsAbstractType()
	var walk func(set ast.SelectionSet) string
	walk = func(set ast.SelectionSet) string {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				keep, err := n.include(s.Directives)
				if err != "" {
					return err
				}
				if !keep {
					continue
				}
				key := s.Alias
				if key == "" {
					key = s.Name
				}
				e := byKey[key]
				if e == nil {
					f := *s
					f.Alias = key
					if key == "__typename" && s.Name != "__typename" {
						f.Alias = TypenameAlias
						if n.res.Renamed == nil {
							n.res.Renamed = map[*ast.Field]string{}
						}
						n.res.Renamed[&f] = key
					}
					f.Directives = stripConditions(s.Directives)
					f.SelectionSet = nil
					if msg := n.nullArgument(parent, s); msg != "" {
						if n.res.FieldErrors == nil {
							n.res.FieldErrors = map[*ast.Field]FieldError{}
						}
						n.res.FieldErrors[&f] = FieldError{Message: msg, Field: true}
					}
					e = &entry{field: &f}
					byKey[key] = e
					order = append(order, e)
				}
				if s.SelectionSet != nil {
					e.sets = append(e.sets, s.SelectionSet)
				}
			case *ast.InlineFragment:
				if err := n.fragment(parent, abstract, s.TypeCondition, s.Directives, s.SelectionSet, s.ObjectDefinition, s.Position, walk, &order, visited); err != "" {
					return err
				}
			case *ast.FragmentSpread:
				if visited[s.Name] {
					continue
				}
				keep, err := n.include(s.Directives)
				if err != "" {
					return err
				}
				if !keep {
					continue
				}
				if visited == nil {
					visited = map[string]bool{}
				}
				visited[s.Name] = true
				fr := n.doc.Fragments.ForName(s.Name)
				if fr == nil || slices.Contains(n.spreads, s.Name) {
					continue
				}
				n.spreads = append(n.spreads, s.Name)
				err = n.fragment(parent, abstract, fr.TypeCondition, nil, fr.SelectionSet, fr.Definition, s.Position, walk, &order, visited)
				n.spreads = n.spreads[:len(n.spreads)-1]
				if err != "" {
					return err
				}
			}
		}
		return ""
	}
	for _, set := range sets {
		if err := walk(set); err != "" {
			return nil, &FieldError{Message: err}
		}
	}
	var ferr *FieldError
	out := make(ast.SelectionSet, 0, len(order))
	for _, e := range order {
		if e.frag != nil {
			sub, err := n.selectionSet(e.frag.TypeCondition, e.sets, e.seen)
			if err != nil {
				// The failure holds for the runtime types the fragment
				// applies to, the only ones that collect it.
				types := n.possible(n.schema.Types[e.frag.TypeCondition])
				if err.Types != nil {
					types = slices.DeleteFunc(slices.Clone(types), func(t string) bool { return !slices.Contains(err.Types, t) })
				}
				if ferr == nil {
					ferr = &FieldError{Message: err.Message}
				}
				for _, t := range types {
					if !slices.Contains(ferr.Types, t) {
						ferr.Types = append(ferr.Types, t)
					}
				}
				if err.Types == nil {
					continue
				}
				// The rest of the fragment still holds for other types.
			}
			if len(sub) == 0 {
				continue
			}
			e.frag.SelectionSet = sub
			out = append(out, e.frag)
			continue
		}
		f := e.field
		if t := n.fieldType(parent, f.Name); t != "" {
			if d := n.schema.Types[t]; d != nil && d.IsCompositeType() {
				sub, err := n.selectionSet(t, e.sets, nil)
				if fe, ok := n.res.FieldErrors[f]; ok && fe.Field {
					err = nil
				}
				if err != nil {
					if n.res.FieldErrors == nil {
						n.res.FieldErrors = map[*ast.Field]FieldError{}
					}
					n.res.FieldErrors[f] = *err
					if err.Types == nil {
						sub = nil
					}
				}
				if sub == nil {
					sub = ast.SelectionSet{}
				}
				f.SelectionSet = sub
			}
		}
		out = append(out, f)
	}
	if ferr != nil {
		slices.Sort(ferr.Types)
	}
	return out, ferr
}

// fragment collects a fragment's selection on parent: flattened when its
// type condition always applies, dropped when it never does, else merged
// with the other fragments on the same type condition.
func (n *normalizer) fragment(parent string, abstract bool, cond string, dirs ast.DirectiveList, set ast.SelectionSet,
	def *ast.Definition, pos *ast.Position, walk func(ast.SelectionSet) string, order *[]*entry, visited map[string]bool) string {
	keep, err := n.include(dirs)
	if err != "" || !keep {
		return err
	}
	if cond == "" || cond == parent {
		return walk(set)
	}
	if !abstract {
		if n.applies(cond, parent) {
			return walk(set)
		}
		return ""
	}
	if !n.overlaps(cond, parent) {
		return ""
	}
	// Each fragment keeps its place: the response's key order is decided
	// per concrete type by CollectFields over the fragments in order.
	e := &entry{frag: &ast.InlineFragment{TypeCondition: cond, ObjectDefinition: def, Position: pos}, sets: []ast.SelectionSet{set},
		seen: maps.Clone(visited)}
	*order = append(*order, e)
	return ""
}

// applies reports whether a fragment on cond applies to objects of the
// object type typ.
func (n *normalizer) applies(cond, typ string) bool {
	if cond == typ {
		return true
	}
	d := n.schema.Types[cond]
	if d == nil || !d.IsAbstractType() {
		return false
	}
	for _, p := range n.schema.GetPossibleTypes(d) {
		if p.Name == typ {
			return true
		}
	}
	return false
}

// overlaps reports whether some object type is possible for both cond and
// the abstract parent.
func (n *normalizer) overlaps(cond, parent string) bool {
	pd, cd := n.schema.Types[parent], n.schema.Types[cond]
	if pd == nil || cd == nil {
		return false
	}
	pts := n.schema.GetPossibleTypes(pd)
	for _, c := range n.possible(cd) {
		for _, p := range pts {
			if p.Name == c {
				return true
			}
		}
	}
	return false
}

func (n *normalizer) possible(d *ast.Definition) []string {
	if !d.IsAbstractType() {
		return []string{d.Name}
	}
	var out []string
	for _, p := range n.schema.GetPossibleTypes(d) {
		out = append(out, p.Name)
	}
	return out
}

func (n *normalizer) fieldType(parent, name string) string {
	if name == "__typename" {
		return "String"
	}
	d := n.schema.Types[parent]
	if d == nil {
		return ""
	}
	if f := d.Fields.ForName(name); f != nil {
		return f.Type.Name()
	}
	switch name {
	case "__schema":
		return "__Schema"
	case "__type":
		return "__Type"
	}
	return ""
}

// include evaluates @skip, then @include, as graphql-js's
// shouldIncludeNode does: a skipped selection is excluded without looking
// at its @include. err is set when an `if` argument it evaluates is null.
func (n *normalizer) include(dirs ast.DirectiveList) (keep bool, err string) {
	for _, name := range [2]string{"skip", "include"} {
		d := dirs.ForName(name)
		if d == nil {
			continue
		}
		a := d.Arguments.ForName("if")
		var v any
		if a != nil && a.Value != nil {
			if a.Value.Kind == ast.Variable {
				if !slices.Contains(n.res.Conditions, a.Value.Raw) {
					n.res.Conditions = append(n.res.Conditions, a.Value.Raw)
				}
				v, _ = n.vars(a.Value.Raw)
			} else if a.Value.Kind == ast.BooleanValue {
				v = a.Value.Raw == "true"
			}
		}
		b, ok := v.(bool)
		if !ok {
			return false, `Argument "if" of non-null type "Boolean!" must not be null.`
		}
		if (name == "skip") == b {
			return false, ""
		}
	}
	return true, ""
}

func stripConditions(dirs ast.DirectiveList) ast.DirectiveList {
	if len(dirs) == 0 {
		return nil
	}
	var out ast.DirectiveList
	for _, d := range dirs {
		if d.Name != "skip" && d.Name != "include" {
			out = append(out, d)
		}
	}
	return out
}

// nullArgument returns the error of a field argument of non-null type
// given a variable whose value is null (CoerceArgumentValues: a nullable
// variable with a default, given an explicit null, keeps it).
func (n *normalizer) nullArgument(parent string, f *ast.Field) string {
	if len(f.Arguments) == 0 {
		return ""
	}
	d := n.schema.Types[parent]
	if d == nil {
		return ""
	}
	def := d.Fields.ForName(f.Name)
	if def == nil {
		return ""
	}
	for _, a := range f.Arguments {
		if a.Value == nil || a.Value.Kind != ast.Variable {
			continue
		}
		ad := def.Arguments.ForName(a.Name)
		if ad == nil || !ad.Type.NonNull {
			continue
		}
		if !slices.Contains(n.res.Conditions, a.Value.Raw) {
			n.res.Conditions = append(n.res.Conditions, a.Value.Raw)
		}
		if v, ok := n.vars(a.Value.Raw); ok && v == nil {
			return fmt.Sprintf("Argument %q of non-null type %q must not be null.", a.Name, ad.Type.String())
		}
	}
	return ""
}
