package compose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Satisfiability follows Apollo's composition validation: every path a query
// can take through the supergraph, from a root field down, must be answerable
// by the subgraphs. A position of the query (a path of fields and type
// conditions) is held by a set of options: the subgraphs that can have
// returned the object there. An option reaches more subgraphs through the
// @key jumps of an entity (the key fields selectable where the query is) and
// through the @interfaceObject of one of the type's interfaces; a value type
// has no key, so its options are exactly the subgraphs that resolved the
// field leading to it from the options above (for a value type below an
// entity: the subgraphs the nearest entity can jump to that resolve the whole
// path of fields from it). A field is satisfied when some option resolves it
// (not @external unless a @provides on the path gives it, not overridden, its
// @requires collectable from the same position); its options are then the
// options that resolved it. The traversal keys each position by its type and
// option set and skips a set that contains one already visited for the type
// (more options never satisfy less), so it ends on every schema.

// option is a subgraph a query can be in at a position, with the fields a
// @provides on the way made resolvable there although @external.
type option struct {
	g        int
	provided ast.SelectionSet
}

func (o option) id() string {
	if len(o.provided) == 0 {
		return fmt.Sprint(o.g)
	}
	return fmt.Sprintf("%d%s", o.g, selString(o.provided))
}

// step is one step of a query path: a field, or a type condition.
type step struct {
	field, cond string
}

type position struct {
	typ  string
	opts []option
	root string
	path []step
}

type satisfier struct {
	sup      *supergraph
	ps       *problems
	visited  map[string][][]string
	reported map[string]bool
	queue    []position
}

// checkSatisfiability walks every path a query can take from the root types
// and reports each field that no subgraph can resolve where the path reaches
// it (SATISFIABILITY_ERROR, once per field, at the first such path in
// breadth-first order).
func checkSatisfiability(sup *supergraph, ps *problems) {
	s := &satisfier{sup: sup, ps: ps, visited: map[string][][]string{}, reported: map[string]bool{}}
	for _, root := range []string{"Query", "Mutation", "Subscription"} {
		st := sup.types[root]
		if st == nil {
			continue
		}
		var opts []option
		for _, src := range st.sources {
			opts = append(opts, option{g: src.g})
		}
		s.push(position{typ: root, opts: opts, root: root})
	}
	for len(s.queue) > 0 {
		p := s.queue[0]
		s.queue = s.queue[1:]
		s.visit(p)
	}
}

func (s *satisfier) push(p position) {
	ids := make([]string, len(p.opts))
	for i, o := range p.opts {
		ids[i] = o.id()
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for _, seen := range s.visited[p.typ] {
		if isSubset(seen, ids) {
			return
		}
	}
	s.visited[p.typ] = append(s.visited[p.typ], ids)
	s.queue = append(s.queue, p)
}

// isSubset reports whether every element of sub (sorted) is in set (sorted).
func isSubset(sub, set []string) bool {
	for _, x := range sub {
		if _, ok := slices.BinarySearch(set, x); !ok {
			return false
		}
	}
	return true
}

func (s *satisfier) visit(p position) {
	sup := s.sup
	st := sup.types[p.typ]
	if st == nil {
		return
	}
	switch st.kind {
	case ast.Union:
		for _, m := range st.members {
			if d, ok := s.downcast(st, m, p); ok {
				s.push(d)
			}
		}
		return
	case ast.Object, ast.Interface:
	default:
		return
	}
	opts := s.expand(st, p.opts)
	// An abstract type continues as each of its runtime types that every
	// subgraph answering here can return.
	var downcasts []position
	if st.kind == ast.Interface {
		for _, impl := range sup.implementationsOf(st.name) {
			if d, ok := s.downcast(st, impl.name, p); ok {
				downcasts = append(downcasts, d)
			}
		}
	}
	for _, f := range st.fields {
		if f.inaccessible {
			continue // not in the API schema: no query reaches it
		}
		var next []option
		for _, o := range opts {
			if s.resolves(st, f, o, 0) {
				next = append(next, s.childOption(st, f, o))
			}
		}
		if len(next) == 0 {
			// An interface field no option resolves is checked on each
			// runtime type the query can reach.
			if st.kind == ast.Interface && len(downcasts) > 0 {
				continue
			}
			coord := st.name + "." + f.name
			if !s.reported[coord] {
				s.reported[coord] = true
				s.report(st, f, p, opts)
			}
			continue
		}
		if ft := sup.types[f.typ.Name()]; ft != nil && (ft.kind == ast.Object || ft.kind == ast.Interface || ft.kind == ast.Union) {
			if (ft.kind == ast.Interface || ft.kind == ast.Union) && !s.runtimeTypesIntersect(st, f, ft, p, next) {
				continue
			}
			s.push(position{typ: ft.name, opts: next, root: p.root, path: appendStep(p.path, step{field: f.name})})
		}
	}
	for _, d := range downcasts {
		s.push(d)
	}
}

// downcast is the position of the runtime type rt below the abstract
// position p. As in Apollo's validation, the options at p answer the same
// field the same way: when one of them cannot return an rt there, no
// subgraph does, and the type condition leads nowhere (ok false, no error).
// An @interfaceObject option continues as itself (its concrete type is
// fetched from a subgraph where the interface is an entity).
func (s *satisfier) downcast(st *sType, rt string, p position) (position, bool) {
	var next []option
	for _, o := range p.opts {
		sg := s.sup.graphs[o.g]
		t := sg.types[st.name]
		switch {
		case t == nil:
			return position{}, false
		case t.interfaceObject:
		case t.kind == ast.Union:
			if !slices.Contains(t.members, rt) {
				return position{}, false
			}
		case t.kind == ast.Interface:
			if rtt := sg.types[rt]; rtt == nil || !slices.Contains(rtt.interfaces, st.name) {
				return position{}, false
			}
		default:
			return position{}, false
		}
		next = append(next, option{g: o.g})
	}
	if len(next) == 0 {
		return position{}, false
	}
	return position{typ: rt, opts: next, root: p.root, path: appendStep(p.path, step{cond: rt})}, true
}

// runtimeTypesIntersect checks a field of abstract type ft resolved by
// several subgraphs (the options next): as Apollo requires, their possible
// runtime types there must have some in common, else the field is reported
// (SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES) and the path ends.
func (s *satisfier) runtimeTypesIntersect(st *sType, f *sField, ft *sType, p position, next []option) bool {
	sup := s.sup
	var graphs []int
	for _, o := range next {
		if t := sup.graphs[o.g].types[ft.name]; t != nil && (t.kind == ast.Interface || t.kind == ast.Union) && !slices.Contains(graphs, o.g) {
			graphs = append(graphs, o.g)
		}
	}
	if len(graphs) < 2 || len(f.resolvedIn) < 2 {
		return true
	}
	all := ft.members
	if ft.kind == ast.Interface {
		all = nil
		for _, impl := range sup.implementationsOf(ft.name) {
			all = append(all, impl.name)
		}
	}
	intersection := slices.Clone(all)
	allEmpty := true
	var lines []string
	var involved []string
	for _, g := range graphs {
		sg := sup.graphs[g]
		var names []string
		if t := sg.types[ft.name]; t.kind == ast.Union {
			names = slices.Clone(t.members)
		} else {
			for _, tn := range sg.typeOrder {
				if x := sg.types[tn]; x.kind == ast.Object && slices.Contains(x.interfaces, ft.name) {
					names = append(names, tn)
				}
			}
		}
		slices.Sort(names)
		if len(names) == 1 && !slices.Contains(all, names[0]) {
			continue
		}
		if len(names) > 0 {
			allEmpty = false
		}
		desc := "no runtime type is defined"
		if len(names) > 0 {
			desc = "type " + quoteList(names)
			if len(names) > 1 {
				desc = "types " + quoteList(names)
			}
		}
		lines = append(lines, fmt.Sprintf(" - in subgraph %q, %s", sg.name, desc))
		involved = append(involved, sg.name)
		intersection = slices.DeleteFunc(intersection, func(n string) bool { return !slices.Contains(names, n) })
	}
	if allEmpty || len(intersection) > 0 {
		return true
	}
	coord := st.name + "." + f.name
	if !s.reported["runtime:"+coord] {
		s.reported["runtime:"+coord] = true
		s.ps.add("SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES", coord, fmt.Sprintf(
			"For the following supergraph API query:\n%s\nShared field %q return type %q has a non-intersecting set of possible runtime types across subgraphs. Runtime types in subgraphs are:\n%s.\nThis is not allowed as shared fields must resolve the same way in all subgraphs, and that implies at least some common runtime types between the subgraphs.",
			printPath(p.root, appendStep(p.path, step{field: f.name}), "..."), coord, f.typ.String(), strings.Join(lines, ";\n")), involved...)
	}
	return false
}

func appendStep(path []step, st step) []step {
	return append(slices.Clip(path), st)
}

// expand adds to opts the subgraphs reachable by @key jumps (and through
// the @interfaceObject of one of the type's interfaces): a subgraph with a
// resolvable key whose fields an option can select. Root types are reachable
// in every subgraph declaring them.
func (s *satisfier) expand(st *sType, opts []option) []option {
	sup := s.sup
	out := slices.Clone(opts)
	has := func(g int) bool { return slices.ContainsFunc(out, func(o option) bool { return o.g == g }) }
	if isRootType(st.name) {
		for _, src := range st.sources {
			if !has(src.g) {
				out = append(out, option{g: src.g})
			}
		}
		return out
	}
	// Sources of the type itself, then @interfaceObject sources of its
	// interfaces (for an object type).
	targets := slices.Clone(st.sources)
	if st.kind == ast.Object {
		for _, in := range st.interfaces {
			if it := sup.types[in]; it != nil {
				for _, src := range it.sources {
					if src.t.interfaceObject {
						targets = append(targets, src)
					}
				}
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, t := range targets {
			if has(t.g) {
				continue
			}
			for _, k := range t.t.resolvableKeys() {
				if k.sel == nil {
					continue
				}
				if slices.ContainsFunc(out, func(o option) bool { return sup.selectable(o.g, st.name, k.sel, o.provided) }) {
					out = append(out, option{g: t.g})
					changed = true
					break
				}
			}
		}
	}
	return out
}

// resolves reports whether option o resolves field f of st (its @requires
// included).
func (s *satisfier) resolves(st *sType, f *sField, o option, depth int) bool {
	sup := s.sup
	sg := sup.graphs[o.g]
	t := sg.types[st.name]
	if t == nil {
		// Reached through an @interfaceObject of one of st's interfaces.
		for _, in := range st.interfaces {
			if it := sg.types[in]; it != nil && it.interfaceObject {
				if sf := it.field(f.name); sf != nil && !sf.external {
					return true
				}
			}
		}
		return false
	}
	sf := t.field(f.name)
	if sf == nil {
		return false
	}
	if sf.external {
		return hasField(o.provided, f.name)
	}
	if !slices.Contains(f.resolvedIn, o.g) {
		return false // overridden
	}
	if sf.requires != "" {
		// The requirement is collected from the requiring subgraph's
		// object, as Apollo resolves @requires conditions: from there and
		// the subgraphs its keys reach.
		sel, err := parseFieldSet(sf.requires)
		if err != nil || !s.collectable(st, s.expand(st, []option{o}), sel, depth+1) {
			return false
		}
	}
	return true
}

// childOption is the option a field resolved in o leads to: the same
// subgraph, with what the field's @provides (or the @provides above it)
// makes resolvable there.
func (s *satisfier) childOption(st *sType, f *sField, o option) option {
	next := option{g: o.g}
	if sub := subSelection(o.provided, f.name); len(sub) > 0 {
		next.provided = sub
	}
	if t := s.sup.graphs[o.g].types[st.name]; t != nil {
		if sf := t.field(f.name); sf != nil && sf.provides != "" {
			if sel, err := parseFieldSet(sf.provides); err == nil {
				next.provided = append(slices.Clip(next.provided), sel...)
			}
		}
	}
	return next
}

// collectable reports whether the selection sel (a @requires) can be
// fetched on type st from the options opts.
func (s *satisfier) collectable(st *sType, opts []option, sel ast.SelectionSet, depth int) bool {
	if depth > 16 {
		return false
	}
	sup := s.sup
	for _, x := range sel {
		switch x := x.(type) {
		case *ast.Field:
			if x.Name == "__typename" {
				continue
			}
			f := st.field(x.Name)
			if f == nil {
				return false
			}
			var next []option
			for _, o := range opts {
				if s.resolves(st, f, o, depth) {
					next = append(next, s.childOption(st, f, o))
				}
			}
			if len(next) == 0 {
				return false
			}
			if len(x.SelectionSet) > 0 {
				ft := sup.types[f.typ.Name()]
				if ft == nil || !s.collectable(ft, s.expand(ft, next), x.SelectionSet, depth+1) {
					return false
				}
			}
		case *ast.InlineFragment:
			target := st
			if x.TypeCondition != "" && x.TypeCondition != st.name {
				target = sup.types[x.TypeCondition]
				if target == nil {
					return false
				}
				var next []option
				for _, o := range opts {
					if sup.graphs[o.g].types[target.name] != nil {
						next = append(next, option{g: o.g})
					}
				}
				if len(next) == 0 {
					continue // no object of that type can be there
				}
				if !s.collectable(target, s.expand(target, next), x.SelectionSet, depth+1) {
					return false
				}
				continue
			}
			if !s.collectable(target, opts, x.SelectionSet, depth+1) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// selectable reports whether graph g can resolve the selection sel on type
// typeName by itself (external fields only where provided).
func (sup *supergraph) selectable(g int, typeName string, sel, provided ast.SelectionSet) bool {
	t := sup.graphs[g].types[typeName]
	if t == nil {
		// An object reached through an @interfaceObject of one of its
		// interfaces: the interface's fields there.
		if st := sup.types[typeName]; st != nil {
			for _, in := range st.interfaces {
				if it := sup.graphs[g].types[in]; it != nil && it.interfaceObject {
					t = it
					break
				}
			}
		}
	}
	if t == nil {
		return false
	}
	for _, s := range sel {
		f, ok := s.(*ast.Field)
		if !ok {
			return false
		}
		if f.Name == "__typename" {
			continue
		}
		sf := t.field(f.Name)
		if sf == nil || (sf.external && !hasField(provided, f.Name)) {
			return false
		}
		if len(f.SelectionSet) > 0 && !sup.selectable(g, sf.typ.Name(), f.SelectionSet, subSelection(provided, f.Name)) {
			return false
		}
	}
	return true
}

// hasField reports whether sel selects the field name (at its top level or
// in an inline fragment).
func hasField(sel ast.SelectionSet, name string) bool {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if s.Name == name {
				return true
			}
		case *ast.InlineFragment:
			if hasField(s.SelectionSet, name) {
				return true
			}
		}
	}
	return false
}

// subSelection returns what sel selects below the field name.
func subSelection(sel ast.SelectionSet, name string) ast.SelectionSet {
	var out ast.SelectionSet
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if s.Name == name {
				out = append(out, s.SelectionSet...)
			}
		case *ast.InlineFragment:
			out = append(out, subSelection(s.SelectionSet, name)...)
		}
	}
	return out
}

// selString renders a selection set compactly ("{a b{c}}").
func selString(sel ast.SelectionSet) string {
	var b strings.Builder
	b.WriteString("{")
	for i, s := range sel {
		if i > 0 {
			b.WriteString(" ")
		}
		switch s := s.(type) {
		case *ast.Field:
			b.WriteString(s.Name)
			if len(s.SelectionSet) > 0 {
				b.WriteString(selString(s.SelectionSet))
			}
		case *ast.InlineFragment:
			b.WriteString("...on " + s.TypeCondition)
			b.WriteString(selString(s.SelectionSet))
		}
	}
	b.WriteString("}")
	return b.String()
}

// report adds the SATISFIABILITY_ERROR of field f at position p, as
// Apollo words it: the smallest query that cannot be answered, and why each
// option at the position cannot resolve the field.
func (s *satisfier) report(st *sType, f *sField, p position, opts []option) {
	sup := s.sup
	coord := st.name + "." + f.name
	involved := []string{}
	var b strings.Builder
	b.WriteString("The following supergraph API query:\n")
	b.WriteString(printPath(p.root, p.path, f.name))
	b.WriteString("\ncannot be satisfied by the subgraphs because:")
	var froms []int
	for _, o := range p.opts {
		if !slices.Contains(froms, o.g) {
			froms = append(froms, o.g)
		}
	}
	slices.Sort(froms)
	for _, from := range froms {
		involved = append(involved, sup.graphName(from))
		fmt.Fprintf(&b, "\n- from subgraph %q:", sup.graphName(from))
		for _, r := range s.reasons(st, f, from, opts) {
			b.WriteString("\n  - ")
			b.WriteString(r)
		}
	}
	for _, g := range f.resolvedIn {
		involved = append(involved, sup.graphName(g))
	}
	s.ps.add("SATISFIABILITY_ERROR", coord, b.String(), involved...)
}

// reasons explains why field f of st cannot be resolved from subgraph from,
// opts being every option at the position.
func (s *satisfier) reasons(st *sType, f *sField, from int, opts []option) []string {
	sup := s.sup
	coord := st.name + "." + f.name
	var out []string
	own := func(g int) string {
		t := sup.graphs[g].types[st.name]
		if t == nil {
			return ""
		}
		sf := t.field(f.name)
		switch {
		case sf == nil:
			return fmt.Sprintf("cannot find field %q.", coord)
		case sf.external:
			return fmt.Sprintf("field %q is not resolvable because marked @external.", coord)
		case !slices.Contains(f.resolvedIn, g):
			return fmt.Sprintf("field %q is overridden in subgraph %q.", coord, sup.graphName(g))
		case sf.requires != "":
			return fmt.Sprintf("cannot satisfy @require conditions on field %q.", coord)
		}
		return ""
	}
	if r := own(from); r != "" {
		out = append(out, r)
	}
	reached := func(g int) bool { return slices.ContainsFunc(opts, func(o option) bool { return o.g == g }) }
	for _, g := range f.resolvedIn {
		if g == from {
			continue
		}
		if reached(g) {
			if r := own(g); r != "" {
				out = append(out, fmt.Sprintf("from subgraph %q, reached through its @key: %s", sup.graphName(g), r))
			}
			continue
		}
		t := sup.graphs[g].types[st.name]
		if t == nil {
			continue
		}
		keys := t.resolvableKeys()
		if len(keys) == 0 && len(t.keys) > 0 {
			out = append(out, fmt.Sprintf("cannot move to subgraph %q, which has field %q, because none of the @key defined on type %q in subgraph %q are resolvable (they are all declared with their \"resolvable\" argument set to false).",
				sup.graphName(g), coord, st.name, sup.graphName(g)))
			continue
		}
		if len(keys) == 0 {
			out = append(out, fmt.Sprintf("cannot move to subgraph %q, which has field %q, because type %q has no @key defined in subgraph %q.",
				sup.graphName(g), coord, st.name, sup.graphName(g)))
			continue
		}
		for _, k := range keys {
			out = append(out, fmt.Sprintf("cannot move to subgraph %q using @key(fields: %q) of %q, the key field(s) cannot be resolved from subgraph %q.",
				sup.graphName(g), k.fields, st.name, sup.graphName(from)))
		}
	}
	if len(out) == 0 {
		out = append(out, fmt.Sprintf("no subgraph reachable from subgraph %q at this path resolves field %q.", sup.graphName(from), coord))
	}
	return out
}

// printPath renders a query path and the failing field as an indented
// operation, as Apollo prints it in satisfiability errors.
func printPath(root string, path []step, field string) string {
	var b strings.Builder
	if root != "Query" {
		b.WriteString(strings.ToLower(root) + " ")
	}
	b.WriteString("{\n")
	depth := 1
	for _, st := range path {
		b.WriteString(strings.Repeat("  ", depth))
		if st.cond != "" {
			b.WriteString("... on " + st.cond + " {\n")
		} else {
			b.WriteString(st.field + " {\n")
		}
		depth++
	}
	b.WriteString(strings.Repeat("  ", depth))
	b.WriteString(field)
	b.WriteString("\n")
	for depth--; depth >= 0; depth-- {
		b.WriteString(strings.Repeat("  ", depth))
		b.WriteString("}\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}
