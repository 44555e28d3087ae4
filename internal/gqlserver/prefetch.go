package gqlserver

import (
	"context"
	"encoding/json"
	"math"

	"github.com/99designs/gqlgen/graphql"
)

// The helpers below let a resolver that holds every parent of a level at
// once (a connection's nodes, an _entities batch) see which child fields
// the operation selects, with their arguments, and load them for all the
// parents in one go (loader.Batched.Prefetch) before the children are
// resolved. They are best effort: whatever they cannot read (a fragment
// on an interface, an argument of an unexpected type) makes the caller
// skip the prefetch, and the children load through their loaders as
// before.

// SelectedFields returns the fields that the field being resolved in ctx
// selects on objects of type typ — directly, through fragments on typ,
// or, for _entities, through its inline fragments on typ — honouring
// @skip and @include; typ "" takes every fragment, as [Selects] does.
// Outside a gqlgen field, or under [PrefetchOff], it returns nil.
func SelectedFields(ctx context.Context, typ string) []graphql.CollectedField {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil || !graphql.HasOperationContext(ctx) || ctx.Value(prefetchOffKey{}) != nil {
		return nil
	}
	return graphql.CollectFields(graphql.GetOperationContext(ctx), fc.Field.Selections, satisfies(typ))
}

// Subfields returns the fields f selects on objects of type typ (""
// takes every fragment).
func Subfields(ctx context.Context, f graphql.CollectedField, typ string) []graphql.CollectedField {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	return graphql.CollectFields(graphql.GetOperationContext(ctx), f.Selections, satisfies(typ))
}

func satisfies(typ string) []string {
	if typ == "" {
		return nil
	}
	return []string{typ}
}

// Named returns the fields of fields named name (several when aliased).
func Named(fields []graphql.CollectedField, name string) []graphql.CollectedField {
	var out []graphql.CollectedField
	for _, f := range fields {
		if f.Name == name {
			out = append(out, f)
		}
	}
	return out
}

// Args returns f's argument values (defaults filled in, variables
// substituted), or ok false when they cannot be read.
func Args(ctx context.Context, f graphql.CollectedField) (args map[string]any, ok bool) {
	if !graphql.HasOperationContext(ctx) || f.Field == nil || f.Definition == nil {
		return nil, false
	}
	defer func() {
		if recover() != nil {
			args, ok = nil, false
		}
	}()
	return f.ArgumentMap(graphql.GetOperationContext(ctx).Variables), true
}

// IntArg reads an Int argument: nil when absent or null, ok false when
// the value is not an integer that fits an int.
func IntArg(args map[string]any, name string) (v *int, ok bool) {
	raw, present := args[name]
	if !present || raw == nil {
		return nil, true
	}
	var n int64
	switch x := raw.(type) {
	case int:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	case json.Number:
		i, err := x.Int64()
		if err != nil {
			return nil, false
		}
		n = i
	case float64:
		if x != math.Trunc(x) || x > math.MaxInt32 || x < math.MinInt32 {
			return nil, false
		}
		n = int64(x)
	default:
		return nil, false
	}
	if n > math.MaxInt32 || n < math.MinInt32 {
		return nil, false
	}
	i := int(n)
	return &i, true
}

// StringArg reads a String, ID or enum argument: nil when absent or null,
// ok false when the value is not a string.
func StringArg(args map[string]any, name string) (v *string, ok bool) {
	raw, present := args[name]
	if !present || raw == nil {
		return nil, true
	}
	s, isString := raw.(string)
	if !isString {
		return nil, false
	}
	return &s, true
}

// BoolArg reads a Boolean argument: nil when absent or null, ok false when
// the value is not a boolean.
func BoolArg(args map[string]any, name string) (v *bool, ok bool) {
	raw, present := args[name]
	if !present || raw == nil {
		return nil, true
	}
	b, isBool := raw.(bool)
	if !isBool {
		return nil, false
	}
	return &b, true
}

// SelectsIn reports whether f selects its subfield name on objects of
// type typ; with typ "" it is the counterpart of [Selects] for a child
// field not yet being resolved.
func SelectsIn(ctx context.Context, f graphql.CollectedField, typ, name string) bool {
	return len(Named(Subfields(ctx, f, typ), name)) > 0
}

type prefetchOffKey struct{}

// PrefetchOff returns ctx in which [SelectedFields] sees no selection, so
// that resolvers prefetch nothing and every child loads through its
// loader: the reference behaviour prefetching must not change (tests
// install it with Options.AroundOperation).
func PrefetchOff(ctx context.Context) context.Context {
	return context.WithValue(ctx, prefetchOffKey{}, true)
}
