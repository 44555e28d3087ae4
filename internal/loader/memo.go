package loader

import (
	"context"
	"sync"
)

// Memo computes a value once per key for the lifetime of one operation:
// concurrent callers of a key wait for the first caller's computation
// instead of repeating it. Errors are shared with the callers waiting at
// the time and then forgotten, so a later call computes again. The zero
// Memo is ready to use.
type Memo[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]*memoEntry[V]
}

type memoEntry[V any] struct {
	done chan struct{}
	v    V
	err  error
}

// Get returns k's value, computing it with f when no caller has.
func (m *Memo[K, V]) Get(ctx context.Context, k K, f func(context.Context) (V, error)) (V, error) {
	m.mu.Lock()
	if m.m == nil {
		m.m = map[K]*memoEntry[V]{}
	}
	e, ok := m.m[k]
	if !ok {
		e = &memoEntry[V]{done: make(chan struct{})}
		m.m[k] = e
	}
	m.mu.Unlock()
	if ok {
		select {
		case <-e.done:
			return e.v, e.err
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
	e.v, e.err = f(ctx)
	if e.err != nil {
		m.mu.Lock()
		if m.m[k] == e {
			delete(m.m, k)
		}
		m.mu.Unlock()
	}
	close(e.done)
	return e.v, e.err
}

// Reset forgets every value: later calls compute again. Computations
// under way still answer the callers waiting for them.
func (m *Memo[K, V]) Reset() {
	m.mu.Lock()
	m.m = nil
	m.mu.Unlock()
}
