package territory

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
