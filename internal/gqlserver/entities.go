package gqlserver

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/vektah/gqlparser/v2/gqlerror"

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

// RepresentationMistakes makes srv answer the errors gqlgen's federation
// code raises for malformed _entities representations — not an object, no
// __typename, an unknown type, a key field missing, null or of the wrong
// type — as
// BAD_USER_INPUT, the client's mistake, rather than internal errors logged
// at ERROR. sentinels are the generated package's ErrTypeNotFound and
// ErrUnknownType; the other errors are recognized by their generated text.
// The rest of the presentation is [Presenter]'s.
func RepresentationMistakes(srv *handler.Server, opts Options, sentinels ...error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	next := Presenter(log)
	srv.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		if representationMistake(err, sentinels) {
			err = apperr.E("_entities", apperr.Invalid, "malformed representation: "+cause(err).Error())
		}
		return next(ctx, err)
	})
}

func representationMistake(err error, sentinels []error) bool {
	if err == nil || apperr.KindOf(err) != apperr.Internal {
		return false
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return false // an internal error of ours, not gqlgen's
	}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		msg := e.Error()
		if msg == "__typename must be an existing string" ||
			(strings.HasPrefix(msg, "Field ") && strings.HasSuffix(msg, " undefined in schema.")) ||
			strings.HasPrefix(msg, "unknown type: ") || strings.HasSuffix(msg, " is not a map") {
			return true
		}
	}
	return false
}

// cause is the error gqlgen wrapped with the request path, if any.
func cause(err error) error {
	var g *gqlerror.Error
	if errors.As(err, &g) && g.Err != nil {
		return g.Err
	}
	return err
}
