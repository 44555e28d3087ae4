package execute

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"sync"
	"unsafe"
)

// Kind is the JSON kind of a Value.
type Kind uint8

// Value kinds.
const (
	Null Kind = iota
	Bool
	Number
	String
	Object
	Array
)

// Value is a node of a decoded subgraph response. Scalars keep their raw
// JSON text, so custom scalars and numbers pass through untouched; objects
// keep their fields in order.
type Value struct {
	Kind   Kind
	Raw    []byte // the value's JSON text (scalars; objects and arrays as received)
	Fields []Member
	Items  []*Value
}

// Member is one field of an object.
type Member struct {
	Key   string
	Value *Value
}

// Get returns the value of key, or nil.
func (v *Value) Get(key string) *Value {
	if v == nil || v.Kind != Object {
		return nil
	}
	for i := range v.Fields {
		if v.Fields[i].Key == key {
			return v.Fields[i].Value
		}
	}
	return nil
}

// Str returns the string content of a string value without escapes
// ("" when v is not a string).
func (v *Value) Str() string {
	if v == nil || v.Kind != String {
		return ""
	}
	raw := v.Raw[1 : len(v.Raw)-1]
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	var s string
	if err := json.Unmarshal(v.Raw, &s); err != nil {
		return ""
	}
	return s
}

// set sets key to val, replacing an existing value.
func (v *Value) set(key string, val *Value) {
	for i := range v.Fields {
		if v.Fields[i].Key == key {
			v.Fields[i].Value = val
			return
		}
	}
	v.Fields = append(v.Fields, Member{Key: key, Value: val})
}

// merge deep-merges src into dst (both objects). Members added to dst come
// from a when it is not nil: room for every member src may add, carved at
// the first one, instead of a heap slice grown member by member.
func merge(a *arena, dst, src *Value) {
	for i, m := range src.Fields {
		cur := dst.Get(m.Key)
		switch {
		case cur == nil:
			if a != nil && len(dst.Fields) == cap(dst.Fields) {
				dst.Fields = a.growMembers(dst.Fields, len(src.Fields)-i)
			}
			dst.Fields = append(dst.Fields, m)
		case cur.Kind == Object && m.Value.Kind == Object:
			merge(a, cur, m.Value)
		case cur.Kind == Array && m.Value.Kind == Array && len(cur.Items) == len(m.Value.Items):
			mergeItems(a, cur, m.Value)
		default:
			dst.set(m.Key, m.Value)
		}
	}
}

// mergeExcept is merge without the top-level key skip.
func mergeExcept(a *arena, dst, src *Value, skip string) {
	for _, m := range src.Fields {
		if m.Key == skip {
			continue
		}
		one := Value{Kind: Object, Fields: []Member{m}}
		merge(a, dst, &one)
	}
}

func mergeItems(a *arena, dst, src *Value) {
	for i, it := range src.Items {
		c := dst.Items[i]
		switch {
		case c.Kind == Object && it.Kind == Object:
			merge(a, c, it)
		case c.Kind == Array && it.Kind == Array && len(c.Items) == len(it.Items):
			mergeItems(a, c, it)
		default:
			dst.Items[i] = it
		}
	}
}

// arena allocates Values, members and items in chunks.
type arena struct {
	chunk   []Value
	members []Member
	items   []*Value
	// Sizes of the next chunks (0: 64 values, 64 members, 16 items).
	vals, mems, its int

	// pool, when set, provides the chunks; release hands them back.
	pool  *ArenaPool
	fullV []Value
	fullM []Member
	fullI []*Value
	usedV [][]Value
	usedM [][]Member
	usedI [][]*Value
}

// ArenaPool recycles the memory of decoded subgraph responses across
// requests, sparing the allocator and the garbage collector. The zero
// value is ready to use; it is safe for concurrent use.
type ArenaPool struct {
	vals  [poolClasses]sync.Pool // *[]Value
	mems  [poolClasses]sync.Pool // *[]Member
	items [poolClasses]sync.Pool // *[]*Value
}

// Pooled chunks hold a power of two of elements, 16 to 64Ki.
const (
	minClass    = 4
	poolClasses = 13
)

func poolClass(n int) int { return max(bits.Len(uint(n-1)), minClass) - minClass }

func getChunk[T any](pools *[poolClasses]sync.Pool, n int) []T {
	c := poolClass(n)
	if c >= poolClasses {
		return make([]T, n)
	}
	if p, _ := pools[c].Get().(*[]T); p != nil {
		return *p
	}
	return make([]T, 1<<(c+minClass))
}

// putChunk zeroes the used prefix of a chunk (the rest was never written)
// and pools the chunk.
func putChunk[T any](pools *[poolClasses]sync.Pool, used []T) {
	clear(used)
	full := used[:cap(used)]
	c := poolClass(len(full))
	if c >= poolClasses || len(full) != 1<<(c+minClass) {
		return
	}
	pools[c].Put(&full)
}

// release returns the arena's chunks to its pool; no Value, member or item
// it handed out may be used afterwards.
func (a *arena) release() {
	if a.pool == nil {
		return
	}
	if a.fullV != nil {
		a.usedV = append(a.usedV, a.fullV[:len(a.fullV)-len(a.chunk)])
	}
	if a.fullM != nil {
		a.usedM = append(a.usedM, a.fullM[:len(a.fullM)-len(a.members)])
	}
	if a.fullI != nil {
		a.usedI = append(a.usedI, a.fullI[:len(a.fullI)-len(a.items)])
	}
	for _, s := range a.usedV {
		putChunk(&a.pool.vals, s)
	}
	for _, s := range a.usedM {
		putChunk(&a.pool.mems, s)
	}
	for _, s := range a.usedI {
		putChunk(&a.pool.items, s)
	}
	*a = arena{}
}

// sizeFor sizes the arena's first chunks for the JSON document data.
// Counting separators is cheap (vectorized) and bounds the document's
// members closely: every member has one ':', and every value is the root,
// a member's value or an array item (the first after '[', the others after
// ','). Commas also separate members, so items are over-counted; values
// beyond the first chunk come from further, smaller chunks.
func (a *arena) sizeFor(data []byte) {
	colons := bytes.Count(data, []byte{':'})
	brackets := bytes.Count(data, []byte{'['})
	a.mems = colons
	a.vals = 1 + colons + brackets
	a.its = brackets + min(bytes.Count(data, []byte{','}), a.vals)
}

func (a *arena) alloc() *Value {
	if len(a.chunk) == 0 {
		n := max(a.vals, 16)
		if a.pool == nil {
			a.chunk = make([]Value, n)
		} else {
			if a.fullV != nil {
				a.usedV = append(a.usedV, a.fullV)
			}
			a.chunk = getChunk[Value](&a.pool.vals, n)
			a.fullV = a.chunk
		}
		a.vals = max(a.vals/2, 64)
	}
	v := &a.chunk[0]
	a.chunk = a.chunk[1:]
	return v
}

// copyMembers returns a copy of ms carved from a chunk; its capacity equals
// its length, so appending reallocates instead of overwriting a neighbour.
func (a *arena) copyMembers(ms []Member) []Member { return a.carveMembers(ms, len(ms)) }

// growMembers returns a copy of ms with room for extra more members.
func (a *arena) growMembers(ms []Member, extra int) []Member {
	if a.pool == nil {
		return append(make([]Member, 0, len(ms)+extra), ms...)
	}
	out := a.carveMembers(ms, len(ms)+extra)
	return out[:len(ms)]
}

// carveMembers returns a copy of ms of capacity n carved from a chunk.
func (a *arena) carveMembers(ms []Member, n int) []Member {
	if n > len(a.members) {
		size := max(n, a.mems, 16)
		if a.pool == nil {
			a.members = make([]Member, size)
		} else {
			if a.fullM != nil {
				a.usedM = append(a.usedM, a.fullM[:len(a.fullM)-len(a.members)])
			}
			a.members = getChunk[Member](&a.pool.mems, size)
			a.fullM = a.members
		}
		a.mems = max(a.mems/2, 64)
	}
	out := a.members[:len(ms):n]
	a.members = a.members[n:]
	copy(out, ms)
	return out[:n]
}

func (a *arena) copyItems(is []*Value) []*Value {
	n := len(is)
	if n > len(a.items) {
		size := max(n, a.its, 16)
		if a.pool == nil {
			a.items = make([]*Value, size)
		} else {
			if a.fullI != nil {
				a.usedI = append(a.usedI, a.fullI[:len(a.fullI)-len(a.items)])
			}
			a.items = getChunk[*Value](&a.pool.items, size)
			a.fullI = a.items
		}
		a.its = max(a.its/2, 64)
	}
	out := a.items[:n:n]
	a.items = a.items[n:]
	copy(out, is)
	return out
}

var errSyntax = errors.New("invalid JSON")

// decoder parses JSON into Values. Strings and keys alias the input, which
// must not change afterwards.
type decoder struct {
	buf    []byte
	pos    int
	a      *arena
	depth  int
	mstack []Member
	istack []*Value
}

// parse decodes one JSON document.
func parse(a *arena, data []byte) (*Value, error) {
	if a.vals == 0 {
		a.sizeFor(data)
	}
	d := decoder{buf: data, a: a}
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	d.ws()
	if d.pos != len(d.buf) {
		return nil, fmt.Errorf("%w: trailing data at offset %d", errSyntax, d.pos)
	}
	return v, nil
}

func (d *decoder) ws() {
	for d.pos < len(d.buf) {
		switch d.buf[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) value() (*Value, error) {
	d.ws()
	if d.pos >= len(d.buf) {
		return nil, fmt.Errorf("%w: unexpected end", errSyntax)
	}
	start := d.pos
	switch c := d.buf[d.pos]; {
	case c == '{':
		d.depth++
		if d.depth > 512 {
			return nil, fmt.Errorf("%w: nested too deep", errSyntax)
		}
		v := d.a.alloc()
		v.Kind = Object
		d.pos++
		d.ws()
		if d.pos < len(d.buf) && d.buf[d.pos] == '}' {
			d.pos++
			v.Raw = d.buf[start:d.pos]
			d.depth--
			return v, nil
		}
		mark := len(d.mstack)
		for {
			d.ws()
			if d.pos >= len(d.buf) || d.buf[d.pos] != '"' {
				return nil, fmt.Errorf("%w: expected key at offset %d", errSyntax, d.pos)
			}
			ks := d.pos
			if err := d.str(); err != nil {
				return nil, err
			}
			raw := d.buf[ks:d.pos]
			var key string
			if bytes.IndexByte(raw, '\\') >= 0 {
				k, err := unquote(raw)
				if err != nil {
					return nil, fmt.Errorf("%w: bad key", errSyntax)
				}
				key = k
			} else if len(raw) > 2 {
				key = unsafe.String(&raw[1], len(raw)-2)
			}
			d.ws()
			if d.pos >= len(d.buf) || d.buf[d.pos] != ':' {
				return nil, fmt.Errorf("%w: expected ':' at offset %d", errSyntax, d.pos)
			}
			d.pos++
			fv, err := d.value()
			if err != nil {
				return nil, err
			}
			d.mstack = append(d.mstack, Member{Key: key, Value: fv})
			d.ws()
			if d.pos >= len(d.buf) {
				return nil, fmt.Errorf("%w: unexpected end", errSyntax)
			}
			if d.buf[d.pos] == ',' {
				d.pos++
				continue
			}
			if d.buf[d.pos] == '}' {
				d.pos++
				v.Raw = d.buf[start:d.pos]
				v.Fields = d.a.copyMembers(d.mstack[mark:])
				d.mstack = d.mstack[:mark]
				d.depth--
				return v, nil
			}
			return nil, fmt.Errorf("%w: expected ',' or '}' at offset %d", errSyntax, d.pos)
		}
	case c == '[':
		d.depth++
		if d.depth > 512 {
			return nil, fmt.Errorf("%w: nested too deep", errSyntax)
		}
		v := d.a.alloc()
		v.Kind = Array
		d.pos++
		d.ws()
		if d.pos < len(d.buf) && d.buf[d.pos] == ']' {
			d.pos++
			v.Raw = d.buf[start:d.pos]
			d.depth--
			return v, nil
		}
		mark := len(d.istack)
		for {
			it, err := d.value()
			if err != nil {
				return nil, err
			}
			d.istack = append(d.istack, it)
			d.ws()
			if d.pos >= len(d.buf) {
				return nil, fmt.Errorf("%w: unexpected end", errSyntax)
			}
			if d.buf[d.pos] == ',' {
				d.pos++
				continue
			}
			if d.buf[d.pos] == ']' {
				d.pos++
				v.Raw = d.buf[start:d.pos]
				v.Items = d.a.copyItems(d.istack[mark:])
				d.istack = d.istack[:mark]
				d.depth--
				return v, nil
			}
			return nil, fmt.Errorf("%w: expected ',' or ']' at offset %d", errSyntax, d.pos)
		}
	case c == '"':
		if err := d.str(); err != nil {
			return nil, err
		}
		v := d.a.alloc()
		v.Kind, v.Raw = String, d.buf[start:d.pos]
		return v, nil
	case c == 't':
		return d.lit("true", Bool)
	case c == 'f':
		return d.lit("false", Bool)
	case c == 'n':
		return d.lit("null", Null)
	case c == '-' || (c >= '0' && c <= '9'):
		d.pos++
		for d.pos < len(d.buf) {
			c := d.buf[d.pos]
			if (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' {
				d.pos++
				continue
			}
			break
		}
		v := d.a.alloc()
		v.Kind, v.Raw = Number, d.buf[start:d.pos]
		if !validNumber(v.Raw) {
			return nil, fmt.Errorf("%w: bad number at offset %d", errSyntax, start)
		}
		return v, nil
	default:
		return nil, fmt.Errorf("%w: unexpected %q at offset %d", errSyntax, c, d.pos)
	}
}

// unquote decodes a JSON string token with escapes.
func unquote(raw []byte) (string, error) {
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// validNumber checks JSON number syntax: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return false
	}
	if b[i] == '0' {
		i++
	} else if b[i] >= '1' && b[i] <= '9' {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	} else {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == s {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == s {
			return false
		}
	}
	return i == len(b)
}

func (d *decoder) lit(s string, k Kind) (*Value, error) {
	if !bytes.HasPrefix(d.buf[d.pos:], []byte(s)) {
		return nil, fmt.Errorf("%w: bad literal at offset %d", errSyntax, d.pos)
	}
	v := d.a.alloc()
	v.Kind, v.Raw = k, d.buf[d.pos:d.pos+len(s)]
	d.pos += len(s)
	return v, nil
}

// str skips a string starting at d.pos (a quote).
func (d *decoder) str() error {
	buf := d.buf
	i := d.pos + 1
	for {
		// Skip eight plain bytes at a time: no quote, backslash or
		// control character among them.
		for i+8 <= len(buf) {
			x := binary.LittleEndian.Uint64(buf[i:])
			if special8(x) != 0 {
				break
			}
			i += 8
		}
		for i < len(buf) {
			c := buf[i]
			if c == '"' || c == '\\' || c < 0x20 {
				break
			}
			i++
		}
		if i >= len(buf) {
			d.pos = i
			return fmt.Errorf("%w: unterminated string", errSyntax)
		}
		switch c := buf[i]; {
		case c == '"':
			d.pos = i + 1
			return nil
		case c == '\\':
			i += 2
		default:
			d.pos = i
			return fmt.Errorf("%w: control character in string at offset %d", errSyntax, i)
		}
	}
}

// special8 is non-zero when one of the eight bytes of x is a quote, a
// backslash or below 0x20.
func special8(x uint64) uint64 {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	q := x ^ (ones * '"')
	b := x ^ (ones * '\\')
	return ((q-ones) & ^q | (b-ones) & ^b | (x-ones*0x20) & ^x) & highs
}
