package execute

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

// TestBodyPoolReadsWholeBodies: bodies of known and unknown length, read in
// pieces of any size, come back whole, in buffers of a pooled size class.
func TestBodyPoolReadsWholeBodies(t *testing.T) {
	var p bodyPool
	for _, n := range []int{0, 1, 1023, 1024, 1025, firstRead - 1, firstRead, firstRead + 1, 3*firstRead + 7, 1 << 20} {
		want := make([]byte, n)
		for i := range want {
			want[i] = byte(rand.IntN(256))
		}
		for _, known := range []bool{true, false} {
			size := int64(-1)
			if known {
				size = int64(n)
			}
			got, err := p.read(iotest.HalfReader(bytes.NewReader(want)), size)
			if err != nil {
				t.Fatalf("%d bytes (known %v): %v", n, known, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%d bytes (known %v): body differs", n, known)
			}
			if c := cap(got); c&(c-1) != 0 || c < 1024 {
				t.Fatalf("%d bytes: capacity %d is no size class", n, c)
			}
			p.put(got)
		}
	}
}

// TestBodyPoolReadErrors: a body cut short is an error, for known and
// unknown lengths alike.
func TestBodyPoolReadErrors(t *testing.T) {
	var p bodyPool
	boom := errors.New("boom")
	if _, err := p.read(io.MultiReader(bytes.NewReader(make([]byte, 100)), iotest.ErrReader(boom)), -1); !errors.Is(err, boom) {
		t.Fatalf("unknown length: %v", err)
	}
	if _, err := p.read(bytes.NewReader(make([]byte, 100)), 200); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("known length cut short: %v", err)
	}
}

// TestBodyPoolReuses: a buffer put back is handed out again for a body of
// its class (what spares the allocations).
func TestBodyPoolReuses(t *testing.T) {
	var p bodyPool
	allocs := testing.AllocsPerRun(100, func() {
		b, err := p.read(bytes.NewReader(make([]byte, 5000)), 5000)
		if err != nil {
			t.Fatal(err)
		}
		p.put(b)
	})
	// bytes.NewReader and the pooled slice header: nothing of the body's size.
	if allocs > 3 {
		t.Fatalf("%v allocations per read", allocs)
	}
}
