package gqlserver

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/citizengraph/citizengraph/internal/apperr"
)

// Entities converts the domain rows of an _entities batch, found in key
// order (nil where no row has the key), into gqlgen models, with the errors
// of [MissingEntities].
func Entities[D, G any](op, typ string, keys []string, found []*D, conv func(*D) *G) ([]*G, error) {
	out := make([]*G, len(found))
	for i, d := range found {
		if d != nil {
			out[i] = conv(d)
		}
	}
	return out, MissingEntities(op, typ, keys, found)
}

// MissingEntities reports a NOT_FOUND error at the index of each key no row
// was found for (found is in key order, nil where missing), so that
// representation resolves to null while the rest of the batch succeeds; nil
// when every key was found.
func MissingEntities[D any](op, typ string, keys []string, found []*D) error {
	var errs []error
	for i, d := range found {
		if d != nil {
			continue
		}
		if errs == nil {
			errs = make([]error, len(found))
		}
		errs[i] = apperr.Errorf(op, apperr.NotFound, "no %s with key %q", typ, keys[i])
	}
	return BatchErrors(errs)
}

// BatchErrors turns per-index errors of an entity batch into gqlgen's batch
// error list, or nil when every index succeeded.
func BatchErrors(errs []error) error {
	for _, e := range errs {
		if e != nil {
			return graphql.BatchErrorList(errs)
		}
	}
	return nil
}
