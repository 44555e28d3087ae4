package gqlserver

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// Selects reports whether the field being resolved in ctx selects its
// subfield name (directly or through fragments), so a resolver can skip
// work, such as a count, that nobody asked for. Outside a gqlgen field it
// reports true: the work is done.
func Selects(ctx context.Context, name string) bool {
	if graphql.GetFieldContext(ctx) == nil || !graphql.HasOperationContext(ctx) {
		return true
	}
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == name {
			return true
		}
	}
	return false
}
