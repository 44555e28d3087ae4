package guard

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
)

// MaxCachedQueryBytes is the longest query text the handlers' caches keep
// (parsed documents, automatic persisted queries): a cache of n entries
// then holds at most n times this, where entries as long as the body limit
// would let a client fill gigabytes. Longer queries are parsed each time,
// and cannot be persisted automatically (the client sends them in full).
const MaxCachedQueryBytes = 64 << 10

// NewQueryCache returns an LRU cache of parsed documents by query text, of
// size entries, that keeps no query longer than MaxCachedQueryBytes.
func NewQueryCache[T any](size int) graphql.Cache[T] {
	return boundedCache[T]{inner: lru.New[T](size), keyed: true}
}

// NewAPQCache returns an LRU cache of automatic persisted queries (hash to
// text), of size entries, that keeps no query longer than
// MaxCachedQueryBytes.
func NewAPQCache(size int) graphql.Cache[string] {
	return apqCache{boundedCache[string]{inner: lru.New[string](size)}}
}

type boundedCache[T any] struct {
	inner graphql.Cache[T]
	keyed bool // bound the key (the query text), else the value
}

func (c boundedCache[T]) Get(ctx context.Context, key string) (T, bool) {
	return c.inner.Get(ctx, key)
}

func (c boundedCache[T]) Add(ctx context.Context, key string, value T) {
	if c.keyed && len(key) > MaxCachedQueryBytes {
		return
	}
	c.inner.Add(ctx, key, value)
}

type apqCache struct{ boundedCache[string] }

func (c apqCache) Add(ctx context.Context, key, value string) {
	if len(value) > MaxCachedQueryBytes {
		return
	}
	c.inner.Add(ctx, key, value)
}
