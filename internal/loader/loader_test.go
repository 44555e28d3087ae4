package loader_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/loader"
)

func TestWait(t *testing.T) {
	for _, c := range []struct{ in, want time.Duration }{
		{0, loader.DefaultWait}, {-time.Second, loader.DefaultWait}, {5 * time.Millisecond, 5 * time.Millisecond},
	} {
		if got := loader.Wait(c.in); got != c.want {
			t.Errorf("Wait(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestFromMapBatchesConcurrentKeys(t *testing.T) {
	var mu sync.Mutex
	var batches [][]int
	l := loader.FromMap(100*time.Millisecond, func(_ context.Context, keys []int) (map[int]string, error) {
		mu.Lock()
		batches = append(batches, append([]int(nil), keys...))
		mu.Unlock()
		m := map[int]string{}
		for _, k := range keys {
			if k%2 == 0 {
				m[k] = "even"
			}
		}
		return m, nil
	})
	ctx := context.Background()
	got := make([]string, 6)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			v, err := l.Load(ctx, i)()
			if err != nil {
				t.Errorf("key %d: %v", i, err)
			}
			got[i] = v
		})
	}
	wg.Wait()
	if len(batches) != 1 || len(batches[0]) != 6 {
		t.Fatalf("batches %v, want one of six keys", batches)
	}
	for i, v := range got {
		want := ""
		if i%2 == 0 {
			want = "even"
		}
		if v != want {
			t.Errorf("key %d = %q, want %q (missing keys load as zero)", i, v, want)
		}
	}
}

func TestFromMapErrorFailsEveryKey(t *testing.T) {
	boom := errors.New("boom")
	l := loader.FromMap(0, func(context.Context, []string) (map[string]int, error) { return nil, boom })
	ctx := context.Background()
	thunks := []func() (int, error){l.Load(ctx, "a"), l.Load(ctx, "b")}
	for i, th := range thunks {
		if _, err := th(); !errors.Is(err, boom) {
			t.Errorf("key %d: err %v, want boom", i, err)
		}
	}
}
