package culture

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
)

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefInt(n *int, def int) int {
	if n == nil {
		return def
	}
	return *n
}

// requested reports whether the current field's selection asks for field.
func requested(ctx context.Context, field string) bool {
	return slices.Contains(graphql.CollectAllFields(ctx), field)
}

// mapAll converts xs with f.
func mapAll[T, U any](xs []*T, f func(*T) *U) []*U {
	out := make([]*U, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}
