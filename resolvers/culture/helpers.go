package culture

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"

	"github.com/citizengraph/citizengraph/internal/apperr"
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

// missing returns the per-representation errors of an _entities batch: a
// NOT_FOUND error where no entity has the key, nil when all were found.
func missing[T any](typ string, keys []string, found []*T) error {
	var errs graphql.BatchErrorList
	for i, f := range found {
		if f != nil {
			continue
		}
		if errs == nil {
			errs = make(graphql.BatchErrorList, len(found))
		}
		errs[i] = apperr.Errorf("culture.entities", apperr.NotFound, "no %s with key %q", typ, keys[i])
	}
	if errs == nil {
		return nil
	}
	return errs
}

// mapAll converts xs with f.
func mapAll[T, U any](xs []*T, f func(*T) *U) []*U {
	out := make([]*U, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}
