package compose

import (
	"fmt"
	"slices"
	"strings"
)

// Subgraph is one federation subgraph: its name (used for @join__graph and in
// @override(from:)), its routing URL and its SDL as served by `_service { sdl }`.
type Subgraph struct {
	Name string
	URL  string
	SDL  string
}

// Problem is one composition error.
type Problem struct {
	// Code is Apollo's composition error code, e.g. INVALID_FIELD_SHARING.
	Code string
	// Message explains the problem in terms of the subgraph schemas.
	Message string
	// Subgraphs names the subgraphs involved, sorted.
	Subgraphs []string
	// Coordinate is the schema coordinate concerned (`Type`, `Type.field`,
	// `Type.field(arg:)`), empty when the problem concerns a whole subgraph.
	Coordinate string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString("[")
	b.WriteString(p.Code)
	b.WriteString("]")
	if p.Coordinate != "" {
		b.WriteString(" ")
		b.WriteString(p.Coordinate)
	}
	if len(p.Subgraphs) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(p.Subgraphs, ", "))
		b.WriteString(")")
	}
	b.WriteString(": ")
	b.WriteString(p.Message)
	return b.String()
}

// Error is returned by Compose when the subgraphs cannot be composed. It lists
// every problem found, in a deterministic order.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString("composition failed: ")
		b.WriteString(e.Problems[0].String())
		return b.String()
	}
	fmt.Fprintf(&b, "composition failed with %d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// problems collects composition problems.
type problems struct {
	list []Problem
}

func (ps *problems) add(code, coordinate, msg string, subgraphs ...string) {
	sgs := slices.Clone(subgraphs)
	slices.Sort(sgs)
	sgs = slices.Compact(sgs)
	ps.list = append(ps.list, Problem{Code: code, Message: msg, Subgraphs: sgs, Coordinate: coordinate})
}

func (ps *problems) addf(code, coordinate string, subgraphs []string, format string, args ...any) {
	ps.add(code, coordinate, fmt.Sprintf(format, args...), subgraphs...)
}

func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	list := slices.Clone(ps.list)
	slices.SortFunc(list, func(a, b Problem) int {
		if c := strings.Compare(a.Code, b.Code); c != 0 {
			return c
		}
		if c := strings.Compare(a.Coordinate, b.Coordinate); c != 0 {
			return c
		}
		if c := strings.Compare(strings.Join(a.Subgraphs, ","), strings.Join(b.Subgraphs, ",")); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
	list = slices.CompactFunc(list, func(a, b Problem) bool {
		return a.Code == b.Code && a.Coordinate == b.Coordinate && a.Message == b.Message &&
			slices.Equal(a.Subgraphs, b.Subgraphs)
	})
	return &Error{Problems: list}
}

// Compose merges the subgraphs into a supergraph SDL in Apollo's join v0.5
// format. The result does not depend on the order of subgraphs. When the
// subgraphs cannot be composed the error is an *Error listing every problem.
func Compose(subgraphs []Subgraph) (string, error) {
	var ps problems
	if len(subgraphs) == 0 {
		ps.add("NO_SUBGRAPHS", "", "at least one subgraph is required")
		return "", ps.err()
	}
	sorted := slices.Clone(subgraphs)
	slices.SortFunc(sorted, func(a, b Subgraph) int { return strings.Compare(a.Name, b.Name) })
	for i, s := range sorted {
		switch {
		case s.Name == "" || s.Name == "_":
			ps.addf("INVALID_SUBGRAPH_NAME", "", []string{s.Name}, "Invalid name %q for a subgraph: this name is reserved", s.Name)
		case i > 0 && sorted[i-1].Name == s.Name:
			ps.addf("DUPLICATE_SUBGRAPH_NAME", "", []string{s.Name}, "Subgraph name %q is used by more than one subgraph", s.Name)
		}
	}
	if err := ps.err(); err != nil {
		return "", err
	}

	sgs := make([]*subgraph, 0, len(sorted))
	graphNames := graphEnumNames(sorted)
	for i, s := range sorted {
		sg := loadSubgraph(s, graphNames[i], &ps)
		if sg != nil {
			sgs = append(sgs, sg)
		}
	}
	if err := ps.err(); err != nil {
		return "", err
	}
	for _, sg := range sgs {
		validateSubgraph(sg, &ps)
	}
	// Merging still runs on subgraphs with invalid federation directives, so
	// that every problem is reported at once.
	sup := merge(sgs, &ps)
	if err := ps.err(); err != nil {
		return "", err
	}
	checkSatisfiability(sup, &ps)
	if err := ps.err(); err != nil {
		return "", err
	}
	return sup.print(), nil
}

// graphEnumNames derives the join__Graph enum value of each subgraph: the name
// upper-cased with every character outside [A-Za-z0-9_] replaced by "_",
// prefixed with "_" when it starts with a digit, and suffixed "_1", "_2", ...
// when two subgraphs would otherwise collide.
func graphEnumNames(sorted []Subgraph) []string {
	out := make([]string, len(sorted))
	seen := map[string]int{}
	for i, s := range sorted {
		var b strings.Builder
		for _, r := range s.Name {
			switch {
			case r >= 'a' && r <= 'z':
				b.WriteRune(r - 'a' + 'A')
			case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
				b.WriteRune(r)
			default:
				b.WriteByte('_')
			}
		}
		n := b.String()
		if n == "" || (n[0] >= '0' && n[0] <= '9') {
			n = "_" + n
		}
		base := n
		for seen[n] > 0 {
			n = fmt.Sprintf("%s_%d", base, seen[base])
			seen[base]++
		}
		seen[n]++
		out[i] = n
	}
	return out
}
