package execute

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDecodeKeepsRawScalars(t *testing.T) {
	var a arena
	v, err := parse(&a, []byte(` {"a": 1.50e3, "b": "x\"y", "c": [true, null, {"d": "é\u00e9"}], "e\u0066": {}} `))
	if err != nil {
		t.Fatal(err)
	}
	if string(v.Get("a").Raw) != "1.50e3" || v.Get("b").Str() != `x"y` || v.Get("ef") == nil {
		t.Fatalf("decoded %+v", v)
	}
	c := v.Get("c")
	if c.Kind != Array || len(c.Items) != 3 || c.Items[1].Kind != Null || c.Items[2].Get("d").Str() != "éé" {
		t.Fatalf("array %+v", c)
	}
	for _, bad := range []string{``, `{`, `{"a"}`, `[1,]`, `{"a":tru}`, `"abc`, `{} x`, `01x`} {
		if _, err := parse(&a, []byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestMergeDeep(t *testing.T) {
	var a arena
	dst, _ := parse(&a, []byte(`{"a":{"x":1},"l":[{"id":1},{"id":2}],"s":1}`))
	src, _ := parse(&a, []byte(`{"a":{"y":2},"l":[{"n":"a"},{"n":"b"}],"s":2,"t":3}`))
	merge(&a, dst, src)
	w := writer{}
	_ = w
	out := encode(dst)
	if out != `{"a":{"x":1,"y":2},"l":[{"id":1,"n":"a"},{"id":2,"n":"b"}],"s":2,"t":3}` {
		t.Fatalf("merged %s", out)
	}
}

// encode re-serializes a tree (test helper).
func encode(v *Value) string {
	switch v.Kind {
	case Object:
		s := "{"
		for i, m := range v.Fields {
			if i > 0 {
				s += ","
			}
			k, _ := json.Marshal(m.Key)
			s += string(k) + ":" + encode(m.Value)
		}
		return s + "}"
	case Array:
		s := "["
		for i, it := range v.Items {
			if i > 0 {
				s += ","
			}
			s += encode(it)
		}
		return s + "]"
	}
	return string(v.Raw)
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"data":{"a":[1,2,{"b":null}]}}`, `[]`, `"x\u0041"`, `-1.5e-3`, `{"a":`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var a arena
		v, err := parse(&a, data)
		if err != nil {
			return
		}
		if json.Valid(data) {
			if !json.Valid([]byte(encode(v))) {
				t.Fatalf("re-encoding of valid %q is invalid", data)
			}
		}
	})
}

// TestDecodeStringsAtEveryOffset puts a quote escape, a backslash escape
// and a raw control character at each position of strings longer than the
// decoder's eight-byte scanning step.
func TestDecodeStringsAtEveryOffset(t *testing.T) {
	for n := range 20 {
		pad := strings.Repeat("é", n/2) + strings.Repeat("a", n%2)
		for _, esc := range []string{`\"`, `\\`, `\u0041`, `\n`} {
			raw := `{"k` + pad + `":"` + pad + esc + pad + `x"}`
			var a arena
			v, err := parse(&a, []byte(raw))
			if err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
			var want map[string]string
			if err := json.Unmarshal([]byte(raw), &want); err != nil {
				t.Fatal(err)
			}
			if got := v.Get("k" + pad).Str(); got != want["k"+pad] {
				t.Fatalf("%s: got %q want %q", raw, got, want["k"+pad])
			}
		}
		for _, bad := range []string{"\x00", "\x1f", "\n", "\t"} {
			raw := `["` + pad + bad + pad + `"]`
			var a arena
			if _, err := parse(&a, []byte(raw)); err == nil {
				t.Errorf("%q accepted", raw)
			}
		}
		var a arena
		if _, err := parse(&a, []byte(`["`+pad+`\`)); err == nil {
			t.Errorf("unterminated escape accepted at %d", n)
		}
	}
}
