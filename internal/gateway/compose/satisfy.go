package compose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// state is a point a query can reach: a type, as returned by one subgraph.
type state struct {
	g    int
	name string
}

// checkSatisfiability walks every path a query can take from the root types,
// subgraph by subgraph, and reports the fields of object types that cannot be
// resolved where they are reached: no subgraph resolving them is reachable
// through @key jumps from the subgraph that returned the object.
func checkSatisfiability(sup *supergraph, ps *problems) {
	paths := map[state]string{}
	// alts lists, for a value type's state, the subgraphs that resolve the
	// same field leading to it: a field of the value type that the state's
	// subgraph cannot resolve is fetched, through the parent entity, from
	// one of them (the planner's jump via the ancestor entity).
	alts := map[state][]int{}
	var queue []state
	push := func(s state, path string) {
		if _, seen := paths[s]; seen {
			return
		}
		paths[s] = path
		queue = append(queue, s)
	}
	for _, root := range []string{"Query", "Mutation", "Subscription"} {
		if st := sup.types[root]; st != nil {
			for _, src := range st.sources {
				push(state{src.g, root}, root)
			}
		}
	}
	reported := map[string]bool{}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		st := sup.types[cur.name]
		sgt := sup.graphs[cur.g].types[cur.name]
		if st == nil || sgt == nil {
			continue
		}
		path := paths[cur]
		switch st.kind {
		case ast.Union:
			for _, m := range sgt.members {
				push(state{cur.g, m}, path+"<"+m+">")
			}
			continue
		case ast.Object, ast.Interface:
		default:
			continue
		}
		closure := sup.keyClosure(st, cur.g)
		for _, f := range st.fields {
			if f.mode == joinBare {
				continue // resolved through the interface object
			}
			var via []int
			for _, g := range closure {
				if sup.resolves(st, f, g) {
					via = append(via, g)
				}
			}
			if len(via) == 0 && st.kind == ast.Object && !sup.hasResolvableKey(st) {
				for _, g := range alts[cur] {
					if g != cur.g && sup.resolves(st, f, g) {
						via = append(via, g)
					}
				}
			}
			if len(via) == 0 {
				if st.kind != ast.Object || len(f.resolvedIn) == 0 || reported[st.name+"."+f.name] {
					continue
				}
				reported[st.name+"."+f.name] = true
				sup.reportUnsatisfiable(st, f, cur.g, path, ps)
				continue
			}
			for _, g := range via {
				push(state{g, f.typ.Name()}, path+"."+f.name)
				if ft := sup.types[f.typ.Name()]; ft != nil && ft.kind == ast.Object && !sup.hasResolvableKey(ft) {
					s := state{g, f.typ.Name()}
					for _, a := range via {
						if !slices.Contains(alts[s], a) {
							alts[s] = append(alts[s], a)
						}
					}
				}
			}
		}
		// An abstract type continues as each of its runtime types.
		if st.kind == ast.Interface {
			for _, g := range closure {
				sg := sup.graphs[g]
				if t := sg.types[st.name]; t == nil || t.kind != ast.Interface {
					continue
				}
				for _, tn := range sg.typeOrder {
					if impl := sg.types[tn]; impl.kind == ast.Object && slices.Contains(impl.interfaces, st.name) {
						push(state{g, tn}, path+"<"+tn+">")
					}
				}
			}
		}
	}
}

// hasResolvableKey reports whether st has a resolvable @key in some
// subgraph (an entity; otherwise a value type).
func (sup *supergraph) hasResolvableKey(st *sType) bool {
	for _, s := range st.sources {
		if len(s.t.resolvableKeys()) > 0 {
			return true
		}
	}
	return false
}

// resolves reports whether graph g resolves field f of st.
func (sup *supergraph) resolves(st *sType, f *sField, g int) bool {
	if slices.Contains(f.resolvedIn, g) {
		return true
	}
	// Interface fields are resolved by the subgraphs declaring them.
	if st.kind == ast.Interface {
		for _, s := range f.sources {
			if s.g == g && !s.f.external {
				return true
			}
		}
	}
	return false
}

// keyClosure returns the subgraphs a query can reach for an object of type st
// first returned by graph from: from itself, then every subgraph with a
// resolvable @key whose fields a reached subgraph can provide. Root types are
// reachable in every subgraph declaring them.
func (sup *supergraph) keyClosure(st *sType, from int) []int {
	if isRootType(st.name) {
		var all []int
		for _, s := range st.sources {
			all = append(all, s.g)
		}
		return all
	}
	in := []int{from}
	for changed := true; changed; {
		changed = false
		for _, s := range st.sources {
			if slices.Contains(in, s.g) {
				continue
			}
			for _, k := range s.t.resolvableKeys() {
				if k.sel == nil {
					continue
				}
				if slices.ContainsFunc(in, func(x int) bool { return sup.canSelect(x, st.name, k.sel) }) {
					in = append(in, s.g)
					changed = true
					break
				}
			}
		}
	}
	return in
}

// canSelect reports whether graph g can resolve the selection sel on type
// typeName by itself.
func (sup *supergraph) canSelect(g int, typeName string, sel ast.SelectionSet) bool {
	t := sup.graphs[g].types[typeName]
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
		if sf == nil || sf.external {
			return false
		}
		if len(f.SelectionSet) > 0 && !sup.canSelect(g, sf.typ.Name(), f.SelectionSet) {
			return false
		}
	}
	return true
}

func (sup *supergraph) reportUnsatisfiable(st *sType, f *sField, from int, path string, ps *problems) {
	coord := st.name + "." + f.name
	var resolvers []string
	for _, g := range f.resolvedIn {
		resolvers = append(resolvers, sup.graphName(g))
	}
	var reasons []string
	for _, g := range f.resolvedIn {
		t := sup.graphs[g].types[st.name]
		switch {
		case t == nil:
		case len(t.resolvableKeys()) == 0:
			reasons = append(reasons, fmt.Sprintf("type %q has no resolvable @key in subgraph %q", st.name, sup.graphName(g)))
		default:
			var keys []string
			for _, k := range t.resolvableKeys() {
				keys = append(keys, fmt.Sprintf("@key(fields: %q)", k.fields))
			}
			reasons = append(reasons, fmt.Sprintf("subgraph %q cannot provide the fields of %s of type %q in subgraph %q",
				sup.graphName(from), strings.Join(keys, ", "), st.name, sup.graphName(g)))
		}
	}
	ps.addf("SATISFIABILITY_ERROR", coord, append([]string{sup.graphName(from)}, resolvers...),
		"Field %q cannot be satisfied when %q is returned by subgraph %q (query path %q): it is only resolved by subgraph %s, which cannot be reached from %q: %s.",
		coord, st.name, sup.graphName(from), pathToQuery(path, f.name), quoteList(resolvers), sup.graphName(from), strings.Join(reasons, "; "))
}

// pathToQuery renders a state path ("Query.me.friends<User>") plus the
// failing field as a dotted query path.
func pathToQuery(path, field string) string {
	return path + "." + field
}
