package loader

import (
	"context"
	"time"

	"github.com/graph-gophers/dataloader/v7"
)

// Batched is a dataloader that also keeps its batch function, so that a
// resolver holding every key of a level at once (a connection's nodes, an
// _entities batch) can load them all now with [Batched.Prefetch] instead
// of letting each child field wait out the loader's window.
type Batched[K comparable, V any] struct {
	*dataloader.Loader[K, V]
	batch dataloader.BatchFunc[K, V]
	cache dataloader.Cache[K, V]
}

// NewBatched returns a batched loader over batch that waits [Wait](wait)
// for keys.
func NewBatched[K comparable, V any](wait time.Duration, batch dataloader.BatchFunc[K, V]) *Batched[K, V] {
	cache := dataloader.NewCache[K, V]()
	l := dataloader.NewBatchedLoader(batch, dataloader.WithWait[K, V](Wait(wait)), dataloader.WithCache[K, V](cache))
	return &Batched[K, V]{Loader: l, batch: batch, cache: cache}
}

// Prefetch loads keys with one call of the batch function, now, and primes
// the cache with every key that loaded without error, returning those
// keys' values (for a caller prefetching the next level); a later Load of such
// a key returns at once, with no window. Keys that failed are left to
// Load, which asks again and reports the error where the field is
// resolved, as without Prefetch. Duplicate keys are asked once; a key
// already cached (primed, or loaded before) is not asked again: its
// cached value is returned when it loaded without error.
//
// Prefetch adds no authorization of its own: the batch function is the
// loader's, and the keys must be ones the caller's resolvers would Load
// (their parents were authorized), so a prefetch reads nothing the
// resolvers would not.
func (b *Batched[K, V]) Prefetch(ctx context.Context, keys []K) map[K]V {
	return b.PrefetchWith(ctx, keys, b.batch)
}

// PrefetchWith is [Batched.Prefetch] calling batch instead of the loader's
// batch function: one that answers every key as the loader's would, and
// may read more on the way (e.g. a level below, priming other loaders).
func (b *Batched[K, V]) PrefetchWith(ctx context.Context, keys []K, batch dataloader.BatchFunc[K, V]) map[K]V {
	if len(keys) == 0 {
		return nil
	}
	seen := make(map[K]struct{}, len(keys))
	uniq := make([]K, 0, len(keys))
	out := make(map[K]V, len(keys))
	for _, k := range keys {
		if _, ok := seen[k]; ok {
			continue
		}
		seen[k] = struct{}{}
		if thunk, ok := b.cache.Get(ctx, k); ok {
			if v, err := thunk(); err == nil {
				out[k] = v
			}
			continue
		}
		uniq = append(uniq, k)
	}
	if len(uniq) == 0 {
		return out
	}
	res := batch(ctx, uniq)
	for i, k := range uniq {
		if i < len(res) && res[i] != nil && res[i].Error == nil {
			b.Prime(ctx, k, res[i].Data)
			out[k] = res[i].Data
		}
	}
	return out
}
