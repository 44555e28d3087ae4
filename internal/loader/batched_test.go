package loader_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/citizengraph/citizengraph/internal/loader"
)

// recorder is a batch function over ints that records its batches and
// fails key 13.
type recorder struct {
	mu      sync.Mutex
	batches [][]int
}

var errUnlucky = errors.New("unlucky")

func (r *recorder) batch(_ context.Context, keys []int) []*dataloader.Result[string] {
	r.mu.Lock()
	r.batches = append(r.batches, append([]int(nil), keys...))
	r.mu.Unlock()
	out := make([]*dataloader.Result[string], len(keys))
	for i, k := range keys {
		if k == 13 {
			out[i] = &dataloader.Result[string]{Error: errUnlucky}
			continue
		}
		out[i] = &dataloader.Result[string]{Data: string(rune('a' + k))}
	}
	return out
}

func (r *recorder) calls() [][]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]int(nil), r.batches...)
}

// load runs l.Load(k) and fails the test if it has not answered within a
// minute: with an hour's window, only a primed key answers.
func load(t *testing.T, l *loader.Batched[int, string], k int) (string, error) {
	t.Helper()
	type res struct {
		v   string
		err error
	}
	ch := make(chan res, 1)
	go func() {
		v, err := l.Load(context.Background(), k)()
		ch <- res{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-time.After(time.Minute):
		t.Fatalf("Load(%d) waited for the loader's window", k)
		return "", nil
	}
}

func TestBatchedPrefetchPrimesEveryKeyWithOneBatch(t *testing.T) {
	r := &recorder{}
	l := loader.NewBatched(time.Hour, r.batch)
	got := l.Prefetch(context.Background(), []int{1, 2, 1, 3})
	if calls := r.calls(); len(calls) != 1 || len(calls[0]) != 3 {
		t.Fatalf("batches %v, want one of the three distinct keys", calls)
	}
	if len(got) != 3 || got[1] != "b" || got[3] != "d" {
		t.Fatalf("Prefetch returned %v", got)
	}
	for _, k := range []int{3, 1, 2} {
		if v, err := load(t, l, k); err != nil || v != string(rune('a'+k)) {
			t.Fatalf("Load(%d) = %q, %v", k, v, err)
		}
	}
	if calls := r.calls(); len(calls) != 1 {
		t.Fatalf("batches %v after loading primed keys, want no more", calls)
	}
}

func TestBatchedPrefetchLeavesFailedKeysToLoad(t *testing.T) {
	r := &recorder{}
	l := loader.NewBatched(time.Millisecond, r.batch)
	got := l.Prefetch(context.Background(), []int{13, 4})
	if _, ok := got[13]; ok || got[4] != "e" {
		t.Fatalf("Prefetch returned %v, want only the key that loaded", got)
	}
	// The failed key is asked again by Load, which reports the error.
	if _, err := l.Load(context.Background(), 13)(); !errors.Is(err, errUnlucky) {
		t.Fatalf("Load(13) err %v, want the batch's error", err)
	}
	if calls := r.calls(); len(calls) != 2 || len(calls[1]) != 1 || calls[1][0] != 13 {
		t.Fatalf("batches %v, want the failed key asked again alone", calls)
	}
}

func TestBatchedPrefetchOfNothingAsksNothing(t *testing.T) {
	r := &recorder{}
	l := loader.NewBatched(time.Millisecond, r.batch)
	if got := l.Prefetch(context.Background(), nil); len(got) != 0 {
		t.Fatalf("Prefetch(nil) = %v", got)
	}
	if calls := r.calls(); len(calls) != 0 {
		t.Fatalf("batches %v, want none", calls)
	}
}

func TestBatchedPrefetchAsksNoCachedKey(t *testing.T) {
	r := &recorder{}
	l := loader.NewBatched(time.Hour, r.batch)
	l.Prime(context.Background(), 5, "primed")
	got := l.Prefetch(context.Background(), []int{5, 6})
	if calls := r.calls(); len(calls) != 1 || len(calls[0]) != 1 || calls[0][0] != 6 {
		t.Fatalf("batches %v, want one of the key not cached", calls)
	}
	if got[5] != "primed" || got[6] != "g" {
		t.Fatalf("Prefetch returned %v, want the primed value and the loaded one", got)
	}
	if got := l.Prefetch(context.Background(), []int{5, 6}); len(got) != 2 {
		t.Fatalf("second Prefetch returned %v", got)
	}
	if calls := r.calls(); len(calls) != 1 {
		t.Fatalf("batches %v after prefetching cached keys, want no more", calls)
	}
	if v, err := load(t, l, 5); err != nil || v != "primed" {
		t.Fatalf("Load(5) = %q, %v", v, err)
	}
}
