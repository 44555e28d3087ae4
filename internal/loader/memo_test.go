package loader_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/citizengraph/citizengraph/internal/loader"
)

func TestMemoComputesOncePerKeyUnderConcurrency(t *testing.T) {
	var m loader.Memo[string, int]
	var calls atomic.Int32
	release := make(chan struct{})
	f := func(context.Context) (int, error) {
		calls.Add(1)
		<-release
		return 42, nil
	}
	var wg sync.WaitGroup
	got := make([]int, 20)
	for i := range got {
		wg.Go(func() {
			v, err := m.Get(context.Background(), "fc", f)
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		})
	}
	// Every caller has either started computing or is waiting once the
	// first computation is released; a late caller finds the value.
	for calls.Load() == 0 {
	}
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("computed %d times, want 1", n)
	}
	for i, v := range got {
		if v != 42 {
			t.Fatalf("caller %d got %d", i, v)
		}
	}
	if v, _ := m.Get(context.Background(), "other", func(context.Context) (int, error) { return 7, nil }); v != 7 {
		t.Fatalf("another key got %d", v)
	}
}

func TestMemoForgetsErrors(t *testing.T) {
	var m loader.Memo[string, int]
	boom := errors.New("boom")
	if _, err := m.Get(context.Background(), "k", func(context.Context) (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
	v, err := m.Get(context.Background(), "k", func(context.Context) (int, error) { return 3, nil })
	if err != nil || v != 3 {
		t.Fatalf("after an error: %d, %v; want a fresh computation", v, err)
	}
}

func TestMemoWaiterHonoursItsContext(t *testing.T) {
	var m loader.Memo[string, int]
	started, release := make(chan struct{}), make(chan struct{})
	go m.Get(context.Background(), "k", func(context.Context) (int, error) { close(started); <-release; return 1, nil }) //nolint:errcheck
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Get(ctx, "k", func(context.Context) (int, error) { return 2, nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	close(release)
}

func TestMemoResetComputesAgain(t *testing.T) {
	var m loader.Memo[string, int]
	n := 0
	f := func(context.Context) (int, error) { n++; return n, nil }
	for range 2 {
		if v, _ := m.Get(context.Background(), "k", f); v != 1 {
			t.Fatalf("got %d before Reset, want the first computation", v)
		}
	}
	m.Reset()
	if v, _ := m.Get(context.Background(), "k", f); v != 2 {
		t.Fatalf("got %d after Reset, want a fresh computation", v)
	}
}
