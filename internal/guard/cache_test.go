package guard_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/citizengraph/citizengraph/internal/guard"
)

// TestCachesKeepNoHugeQuery: the parsed-query and persisted-query caches
// keep short queries and never one longer than MaxCachedQueryBytes, so a
// client cannot fill memory with entries as long as the body limit.
func TestCachesKeepNoHugeQuery(t *testing.T) {
	ctx := context.Background()
	short, long := "{ a }", "{ a(s: \""+strings.Repeat("x", guard.MaxCachedQueryBytes)+"\") }"
	docs := guard.NewQueryCache[*ast.QueryDocument](10)
	docs.Add(ctx, short, &ast.QueryDocument{})
	docs.Add(ctx, long, &ast.QueryDocument{})
	if _, ok := docs.Get(ctx, short); !ok {
		t.Error("a short query was not kept")
	}
	if _, ok := docs.Get(ctx, long); ok {
		t.Error("a huge query was kept")
	}
	apq := guard.NewAPQCache(10)
	apq.Add(ctx, "h1", short)
	apq.Add(ctx, "h2", long)
	if v, ok := apq.Get(ctx, "h1"); !ok || v != short {
		t.Error("a short persisted query was not kept")
	}
	if _, ok := apq.Get(ctx, "h2"); ok {
		t.Error("a huge persisted query was kept")
	}
}
