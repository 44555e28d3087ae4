package loader

import (
	"context"
	"time"

	"github.com/graph-gophers/dataloader/v7"
)

// DefaultWait is how long a loader gathers keys before it queries when no
// wait is configured: long enough for the siblings of one resolver level on
// a server with a free core, short enough to add no visible latency.
const DefaultWait = time.Millisecond

// Wait returns d, or [DefaultWait] when d is not positive.
func Wait(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultWait
	}
	return d
}

// New returns a batched loader over batch that waits [Wait](wait) for keys.
func New[K comparable, V any](wait time.Duration, batch dataloader.BatchFunc[K, V]) *dataloader.Loader[K, V] {
	return dataloader.NewBatchedLoader(batch, dataloader.WithWait[K, V](Wait(wait)))
}

// FromMap returns a loader over a keyed batch function: keys missing from
// the map load as the zero value, and an error fails every key of the batch.
func FromMap[K comparable, V any](wait time.Duration, fetch func(context.Context, []K) (map[K]V, error)) *dataloader.Loader[K, V] {
	return New(wait, func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		res := make([]*dataloader.Result[V], len(keys))
		m, err := fetch(ctx, keys)
		for i, k := range keys {
			if err != nil {
				res[i] = &dataloader.Result[V]{Error: err}
				continue
			}
			res[i] = &dataloader.Result[V]{Data: m[k]}
		}
		return res
	})
}
