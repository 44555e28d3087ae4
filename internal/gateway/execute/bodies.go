package execute

import (
	"errors"
	"io"
	"math/bits"
	"sync"
)

// bodyPool recycles subgraph response bodies by size class (powers of two,
// 1 KiB to 16 MiB): reading a body of unknown length into a growing buffer
// otherwise allocates about twice its size on every request. The zero
// value is ready to use; it is safe for concurrent use.
type bodyPool struct {
	classes [bodyClasses]sync.Pool // *[]byte of exactly the class's capacity
}

const (
	minBodyClass = 10 // 1 KiB
	bodyClasses  = 15 // up to 16 MiB
	// firstRead is the buffer a body of unknown length starts in.
	firstRead = 16 << 10
)

func bodyClass(n int) int { return max(bits.Len(uint(max(n, 1)-1)), minBodyClass) - minBodyClass }

// get returns an empty buffer of capacity at least n.
func (p *bodyPool) get(n int) []byte {
	c := bodyClass(n)
	if c >= bodyClasses {
		return make([]byte, 0, n)
	}
	if b, _ := p.classes[c].Get().(*[]byte); b != nil {
		return (*b)[:0]
	}
	return make([]byte, 0, 1<<(c+minBodyClass))
}

// put takes back a buffer from get; nothing may use it afterwards.
func (p *bodyPool) put(b []byte) {
	c := bodyClass(cap(b))
	if c >= bodyClasses || cap(b) != 1<<(c+minBodyClass) {
		return
	}
	b = b[:0]
	p.classes[c].Put(&b)
}

// read reads r to its end into a pooled buffer; size is the length
// announced (negative: unknown). On error the buffer is back in the pool.
func (p *bodyPool) read(r io.Reader, size int64) ([]byte, error) {
	if size >= 0 && size <= 1<<(minBodyClass+bodyClasses-1) {
		// The transport delivers exactly size bytes, or an error.
		b := p.get(int(size))[:size]
		if _, err := io.ReadFull(r, b); err != nil {
			p.put(b)
			return nil, err
		}
		return b, nil
	}
	b := p.get(firstRead)
	for {
		if len(b) == cap(b) {
			nb := p.get(2 * cap(b))
			nb = append(nb, b...)
			p.put(b)
			b = nb
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			p.put(b)
			return nil, err
		}
	}
}
