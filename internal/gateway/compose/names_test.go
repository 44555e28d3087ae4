package compose

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestGraphEnumNames(t *testing.T) {
	got := graphEnumNames([]Subgraph{{Name: "1st"}, {Name: "my-graph"}, {Name: "my_graph"}, {Name: "territory"}})
	want := []string{"_1ST", "MY_GRAPH", "MY_GRAPH_1", "TERRITORY"}
	if !slices.Equal(got, want) {
		t.Fatalf("graphEnumNames = %v, want %v", got, want)
	}
}

func TestComposeRejectsBadSubgraphLists(t *testing.T) {
	sdl := "type Query { a: Int }"
	for name, sgs := range map[string][]Subgraph{
		"none":      nil,
		"duplicate": {{Name: "a", SDL: sdl}, {Name: "a", SDL: sdl}},
		"reserved":  {{Name: "_", SDL: sdl}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Compose(sgs)
			var ce *Error
			if !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("want a *compose.Error, got %v", err)
			}
			if !strings.HasPrefix(err.Error(), "composition failed") {
				t.Errorf("unexpected message %q", err.Error())
			}
		})
	}
}

func TestErrorListsEveryProblem(t *testing.T) {
	_, err := Compose([]Subgraph{
		{Name: "a", SDL: `type Query { a: Int`},
		{Name: "b", SDL: `type Query { b: Missing }`},
	})
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("want a *compose.Error, got %v", err)
	}
	if len(ce.Problems) != 2 {
		t.Fatalf("want 2 problems, got %d: %v", len(ce.Problems), err)
	}
	for i, sg := range []string{"a", "b"} {
		p := ce.Problems[i]
		if p.Code != "INVALID_GRAPHQL" || !slices.Equal(p.Subgraphs, []string{sg}) {
			t.Errorf("problem %d = %+v, want INVALID_GRAPHQL in %s", i, p, sg)
		}
	}
	if !strings.Contains(err.Error(), "2 problems") {
		t.Errorf("message %q does not count the problems", err.Error())
	}
}
