package gateway

import "github.com/vektah/gqlparser/v2/ast"

// listCostFactor multiplies the cost of selections under a list field.
const listCostFactor = 10

type measures struct {
	depth, aliases, cost int
	intro                bool
}

// measure computes an operation's depth, alias count and cost, expanding
// fragments.
func measure(doc *ast.QueryDocument, op *ast.OperationDefinition) measures {
	var m measures
	var walk func(set ast.SelectionSet, depth int, seen map[string]bool) int
	walk = func(set ast.SelectionSet, depth int, seen map[string]bool) int {
		cost := 0
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				if s.Name == "__schema" || s.Name == "__type" {
					m.intro = true
				}
				if s.Alias != "" && s.Alias != s.Name {
					m.aliases++
				}
				if depth+1 > m.depth {
					m.depth = depth + 1
				}
				c := 1
				if len(s.SelectionSet) > 0 {
					sub := walk(s.SelectionSet, depth+1, seen)
					if s.Definition != nil && s.Definition.Type.Elem != nil {
						sub *= listCostFactor
					}
					c += sub
				}
				cost += c
			case *ast.InlineFragment:
				cost += walk(s.SelectionSet, depth, seen)
			case *ast.FragmentSpread:
				if seen[s.Name] {
					continue
				}
				fr := doc.Fragments.ForName(s.Name)
				if fr == nil {
					continue
				}
				seen[s.Name] = true
				cost += walk(fr.SelectionSet, depth, seen)
				delete(seen, s.Name)
			}
			if cost > 1<<40 {
				cost = 1 << 40
			}
		}
		return cost
	}
	m.cost = walk(op.SelectionSet, 0, map[string]bool{})
	return m
}
