package gqlserver

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/citizengraph/citizengraph/internal/apperr"
)

func TestPresenterHidesInternals(t *testing.T) {
	present := Presenter(slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	cases := []struct {
		err       error
		msg, code string
	}{
		{apperr.E("op", apperr.Invalid, "first must be between 1 and 100"), "first must be between 1 and 100", "BAD_USER_INPUT"},
		{apperr.E("op", apperr.IllegalTransition, "cannot complete a DRAFT practice"), "cannot complete a DRAFT practice", "ILLEGAL_TRANSITION"},
		{errors.New(`ERROR: relation "identity.person" does not exist (SQLSTATE 42P01)`), "internal error", "INTERNAL_SERVER_ERROR"},
		{apperr.Wrap("store", errors.New("select * from secret")), "internal error", "INTERNAL_SERVER_ERROR"},
		{apperr.E("op", apperr.Internal, "select * from secret"), "internal error", "INTERNAL_SERVER_ERROR"},
	}
	for _, c := range cases {
		got := present(ctx, c.err)
		if got.Message != c.msg || got.Extensions["code"] != c.code {
			t.Errorf("%v: got %q %v, want %q %s", c.err, got.Message, got.Extensions["code"], c.msg, c.code)
		}
		if strings.Contains(got.Message, "select") || strings.Contains(got.Message, "SQLSTATE") {
			t.Errorf("%v leaked: %q", c.err, got.Message)
		}
	}
}

func TestEntitiesMarksMissingKeys(t *testing.T) {
	type row struct{ id string }
	found := []*row{{"a"}, nil, {"c"}}
	out, err := Entities("test", "Thing", []string{"a", "b", "c"}, found, func(r *row) *string { return &r.id })
	if len(out) != 3 || out[0] == nil || *out[0] != "a" || out[1] != nil || *out[2] != "c" {
		t.Fatalf("out = %v", out)
	}
	var list graphql.BatchErrorList
	if !errors.As(err, &list) || len(list) != 3 || list[0] != nil || list[2] != nil || !apperr.Is(apperr.NotFound, list[1]) {
		t.Fatalf("err = %#v", err)
	}
	if _, err := Entities("test", "Thing", []string{"a"}, found[:1], func(r *row) *string { return &r.id }); err != nil {
		t.Fatalf("all found: err = %v", err)
	}
}

type orderKey struct{}

func TestOptionsAroundChainsHooks(t *testing.T) {
	add := func(s string) func(context.Context) context.Context {
		return func(ctx context.Context) context.Context {
			prev, _ := ctx.Value(orderKey{}).(string)
			return context.WithValue(ctx, orderKey{}, prev+s)
		}
	}
	if got := (Options{}).Around(add("a")).AroundOperation(context.Background()).Value(orderKey{}); got != "a" {
		t.Fatalf("single hook: %v", got)
	}
	o := Options{AroundOperation: add("caller")}.Around(add("+loaders"))
	if got := o.AroundOperation(context.Background()).Value(orderKey{}); got != "caller+loaders" {
		t.Fatalf("chained hooks ran as %v, want caller+loaders", got)
	}
}
