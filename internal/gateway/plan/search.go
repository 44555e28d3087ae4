package plan

import (
	"fmt"
	"slices"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
)

// DefaultSearchBudget is the number of query-graph steps (jumps planned,
// key conditions and fields examined) one operation's planning may spend
// when Options.SearchBudget is zero.
const DefaultSearchBudget = 200000

// The query graph the planner searches has one node per entity type and
// subgraph declaring it. At one response position of type T, reached in
// subgraph `from`, the fields from resolves are there at no cost; an edge
// into (T, g) is a jump with a resolvable @key of T in g, usable once the
// key's fields are there (its condition), and it makes every field g
// resolves available; a field with @requires in g needs its requirement
// there too, and is reached only through a jump into g (never from the
// node the position started at, unless its fetch is an entity fetch to g
// carrying the requirement). A jump costs one fetch plus its condition:
// fields got from one subgraph share a fetch, so a condition costs, per
// subgraph its fields come from, the cost of the costliest. reach is a
// shortest-path search (Dijkstra) over these nodes, bounded by the
// operation's search budget, not by the schema: a chain of any length is
// planned, and a position whose fields depend on each other in a cycle is
// simply unreachable. Costs strictly grow along the dependencies of every
// chosen jump, so planning a jump's condition never comes back to it.

// closure is the outcome of the search at one position: for every node
// (index of t.Graphs) reached, its cost and the key of the jump into it;
// for every field (index of fieldNames), its cost and the subgraph it
// comes from ("" for the start).
type closure struct {
	t       *supergraph.Type
	reached []bool
	reach   []int
	via     []supergraph.Key
	index   map[string]int // field name → index in avail
	avail   []avail
}

type avail struct {
	ok   bool
	cost int
	from string
}

// graphIndex returns the index of g in c.t.Graphs, or -1.
func (c *closure) graphIndex(g string) int {
	i, ok := slices.BinarySearch(c.t.Graphs, g)
	if !ok {
		return -1
	}
	return i
}

// closureKey names a memoized search.
type closureKey struct {
	typ, from  string
	entityRoot bool
}

// errBudget is reported when planning runs out of its search budget.
func (b *builder) errBudget() *Error {
	return &Error{Msg: fmt.Sprintf("query planning exceeded its search budget (%d steps)", b.budgetTotal)}
}

// spend consumes n steps of the budget; false once it is exhausted (and
// the planning error is set).
func (b *builder) spend(n int) bool {
	if b.budgetLeft < n {
		b.budgetLeft = 0
		if b.err == nil {
			b.err = b.errBudget()
		}
		return false
	}
	b.budgetLeft -= n
	return true
}

// closure searches the query graph at a position of the entity type t
// reached in subgraph from, where provided is what @provides makes
// available and entityRoot says the position is the root of an entity
// fetch to from (its @requires fields come with the representation). It
// returns nil when the budget runs out.
func (b *builder) closure(t *supergraph.Type, from string, provided ast.SelectionSet, entityRoot bool) *closure {
	ck := closureKey{t.Name, from, entityRoot}
	if provided == nil {
		if c, ok := b.closures[ck]; ok {
			return c
		}
	}
	c := b.search(t, from, provided, entityRoot)
	if c != nil && provided == nil {
		if b.closures == nil {
			b.closures = map[closureKey]*closure{}
		}
		b.closures[ck] = c
	}
	return c
}

func (b *builder) search(t *supergraph.Type, from string, provided ast.SelectionSet, entityRoot bool) *closure {
	names, index := b.fieldNames(t)
	n := len(t.Graphs)
	c := &closure{t: t, reached: make([]bool, n), reach: make([]int, n), via: make([]supergraph.Key, n), index: index, avail: make([]avail, len(names))}
	if !b.spend(len(names)) {
		return nil
	}
	for i, f := range names {
		if prov, ok := b.resolvableIn(from, t, f, provided); ok && (entityRoot || !b.hasRequires(t, f, from)) {
			if !b.fieldSelectable(t, f, from, prov) {
				continue
			}
			c.avail[i] = avail{ok: true}
		}
	}
	for {
		// The cheapest node not yet settled, its key's condition met by
		// the fields available so far.
		best, bestCost := -1, 0
		var bestKey supergraph.Key
		for gi, g := range t.Graphs {
			if c.reached[gi] {
				continue
			}
			for _, k := range t.Keys[g] {
				if !k.Resolvable {
					continue
				}
				if !b.spend(1) {
					return nil
				}
				cc, ok := c.cond(t, k.Selection)
				if !ok {
					continue
				}
				if cost := 1 + cc; best < 0 || cost < bestCost {
					best, bestCost, bestKey = gi, cost, k
				}
			}
		}
		if best < 0 {
			break
		}
		c.reached[best], c.reach[best], c.via[best] = true, bestCost, bestKey
		g := t.Graphs[best]
		// The fields it resolves, then those of every settled node whose
		// requirement is now met.
		if !b.spend(len(names)) {
			return nil
		}
		for i, f := range names {
			if _, ok := b.resolvableIn(g, t, f, nil); !ok || b.hasRequires(t, f, g) {
				continue
			}
			if a := c.avail[i]; (!a.ok || bestCost < a.cost) && b.fieldSelectable(t, f, g, nil) {
				c.avail[i] = avail{ok: true, cost: bestCost, from: g}
			}
		}
		for gi, g := range t.Graphs {
			if !c.reached[gi] {
				continue
			}
			for i, f := range names {
				j := t.Fields[f].Join(g)
				if j == nil || len(j.RequiresSel) == 0 || j.External {
					continue
				}
				if _, ok := b.resolvableIn(g, t, f, nil); !ok {
					continue
				}
				if !b.spend(1) {
					return nil
				}
				rc, ok := c.cond(t, j.RequiresSel)
				if !ok {
					continue
				}
				if a := c.avail[i]; !a.ok || c.reach[gi]+rc < a.cost {
					c.avail[i] = avail{ok: true, cost: c.reach[gi] + rc, from: g}
				}
			}
		}
	}
	return c
}

// jumpCost is the cost of getting field at the position through a jump
// into g (ok false when g is not reached or does not resolve it).
func (c *closure) jumpCost(b *builder, t *supergraph.Type, g, field string) (int, bool) {
	gi := c.graphIndex(g)
	if gi < 0 || !c.reached[gi] {
		return 0, false
	}
	r := c.reach[gi]
	if _, ok := b.resolvableIn(g, t, field, nil); !ok {
		return 0, false
	}
	if j := t.Fields[field].Join(g); j != nil && len(j.RequiresSel) > 0 {
		rc, ok := c.cond(t, j.RequiresSel)
		if !ok {
			return 0, false
		}
		r += rc
	}
	return r, true
}

// cond is the cost of a field set's fields at the position: per subgraph
// the fields come from, the cost of the costliest. Nested selections and
// fragments are taken as their parent field's.
func (c *closure) cond(t *supergraph.Type, sel ast.SelectionSet) (int, bool) {
	// Few subgraphs: a small slice of (subgraph, cost) pairs.
	var max []avail
	var walk func(sel ast.SelectionSet) bool
	walk = func(sel ast.SelectionSet) bool {
		for _, s := range sel {
			switch s := s.(type) {
			case *ast.Field:
				if s.Name == "__typename" {
					continue
				}
				i, ok := c.index[s.Name]
				if !ok || !c.avail[i].ok {
					return false
				}
				a := c.avail[i]
				if a.from == "" {
					continue
				}
				found := false
				for k := range max {
					if max[k].from == a.from {
						found = true
						if a.cost > max[k].cost {
							max[k].cost = a.cost
						}
					}
				}
				if !found {
					max = append(max, a)
				}
			case *ast.InlineFragment:
				if !walk(s.SelectionSet) {
					return false
				}
			}
		}
		return true
	}
	if !walk(sel) {
		return 0, false
	}
	cost := 0
	for _, m := range max {
		cost += m.cost
	}
	return cost, true
}

// fieldNames lists t's fields in a stable order and indexes them by name
// (cached per type).
func (b *builder) fieldNames(t *supergraph.Type) ([]string, map[string]int) {
	if fi, ok := b.names[t.Name]; ok {
		return fi.names, fi.index
	}
	names := make([]string, 0, len(t.Fields))
	for n := range t.Fields {
		names = append(names, n)
	}
	slices.Sort(names)
	index := make(map[string]int, len(names))
	for i, n := range names {
		index[n] = i
	}
	if b.names == nil {
		b.names = map[string]fieldIndex{}
	}
	b.names[t.Name] = fieldIndex{names, index}
	return names, index
}

type fieldIndex struct {
	names []string
	index map[string]int
}

// fieldSelectable reports whether g can serve t.field as a condition: a
// field with a composite type only when g resolves the fields of its
// value that conditions select (all of them, to be safe, for a key's
// nested selection), approximated by g declaring the field's type.
func (b *builder) fieldSelectable(t *supergraph.Type, field, g string, _ ast.SelectionSet) bool {
	def := b.fieldDef(t.Name, field)
	if def == nil {
		return true
	}
	nt := b.sg.Types[def.Type.Name()]
	return nt == nil || nt.HasGraph(g) || len(nt.Graphs) == 0
}

// hasRequires reports whether t.field has @requires in subgraph g.
func (b *builder) hasRequires(t *supergraph.Type, field, g string) bool {
	f := t.Fields[field]
	if f == nil {
		return false
	}
	j := f.Join(g)
	return j != nil && len(j.RequiresSel) > 0
}
