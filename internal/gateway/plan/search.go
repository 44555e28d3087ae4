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
// reached, its cost and the key of the jump into it; for every field,
// its cost and the subgraph it comes from ("" for the start).
type closure struct {
	reach map[string]int
	via   map[string]supergraph.Key
	avail map[string]avail
}

type avail struct {
	cost int
	from string
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
	c := &closure{reach: map[string]int{}, via: map[string]supergraph.Key{}, avail: map[string]avail{}}
	names := b.fieldNames(t)
	if !b.spend(len(names)) {
		return nil
	}
	for _, f := range names {
		if prov, ok := b.resolvableIn(from, t, f, provided); ok && (entityRoot || !b.hasRequires(t, f, from)) {
			if !b.fieldSelectable(t, f, from, prov) {
				continue
			}
			c.avail[f] = avail{cost: 0}
		}
	}
	settled := map[string]bool{}
	for {
		// The cheapest node not yet settled, its key's condition met by
		// the fields available so far.
		best, bestCost := "", 0
		var bestKey supergraph.Key
		for _, g := range t.Graphs {
			if settled[g] {
				continue
			}
			for _, k := range t.ResolvableKeys(g) {
				if !b.spend(1) {
					return nil
				}
				cc, ok := c.cond(b, t, k.Selection)
				if !ok {
					continue
				}
				if cost := 1 + cc; best == "" || cost < bestCost {
					best, bestCost, bestKey = g, cost, k
				}
			}
		}
		if best == "" {
			break
		}
		settled[best] = true
		c.reach[best], c.via[best] = bestCost, bestKey
		// The fields it resolves, then those of every settled node whose
		// requirement is now met.
		if !b.spend(len(names)) {
			return nil
		}
		for _, f := range names {
			if _, ok := b.resolvableIn(best, t, f, nil); !ok || b.hasRequires(t, f, best) {
				continue
			}
			if a, ok := c.avail[f]; (!ok || bestCost < a.cost) && b.fieldSelectable(t, f, best, nil) {
				c.avail[f] = avail{cost: bestCost, from: best}
			}
		}
		for g := range settled {
			for _, f := range names {
				j := t.Fields[f].Join(g)
				if j == nil || len(j.RequiresSel) == 0 || j.External || j.UsedOverridden {
					continue
				}
				if _, ok := b.resolvableIn(g, t, f, nil); !ok {
					continue
				}
				if !b.spend(1) {
					return nil
				}
				rc, ok := c.cond(b, t, j.RequiresSel)
				if !ok {
					continue
				}
				if a, have := c.avail[f]; !have || c.reach[g]+rc < a.cost {
					c.avail[f] = avail{cost: c.reach[g] + rc, from: g}
				}
			}
		}
	}
	return c
}

// jumpCost is the cost of getting field at the position through a jump
// into g (ok false when g is not reached or does not resolve it).
func (c *closure) jumpCost(b *builder, t *supergraph.Type, g, field string) (int, bool) {
	r, ok := c.reach[g]
	if !ok {
		return 0, false
	}
	if _, ok := b.resolvableIn(g, t, field, nil); !ok {
		return 0, false
	}
	if j := t.Fields[field].Join(g); j != nil && len(j.RequiresSel) > 0 {
		rc, ok := c.cond(b, t, j.RequiresSel)
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
func (c *closure) cond(b *builder, t *supergraph.Type, sel ast.SelectionSet) (int, bool) {
	var max map[string]int
	var walk func(sel ast.SelectionSet) bool
	walk = func(sel ast.SelectionSet) bool {
		for _, s := range sel {
			switch s := s.(type) {
			case *ast.Field:
				if s.Name == "__typename" {
					continue
				}
				a, ok := c.avail[s.Name]
				if !ok {
					return false
				}
				if a.from == "" {
					continue
				}
				if max == nil {
					max = map[string]int{}
				}
				if a.cost > max[a.from] {
					max[a.from] = a.cost
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
		cost += m
	}
	return cost, true
}

// fieldNames lists t's fields in a stable order (cached per type).
func (b *builder) fieldNames(t *supergraph.Type) []string {
	if names, ok := b.names[t.Name]; ok {
		return names
	}
	names := make([]string, 0, len(t.Fields))
	for n := range t.Fields {
		names = append(names, n)
	}
	slices.Sort(names)
	if b.names == nil {
		b.names = map[string][]string{}
	}
	b.names[t.Name] = names
	return names
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
