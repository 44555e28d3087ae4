package execute

import (
	"testing"

	"github.com/citizengraph/citizengraph/internal/gateway/plan"
)

func TestAppendLeaf(t *testing.T) {
	enum := map[string]bool{"LOW": true}
	for _, tc := range []struct {
		raw  string
		leaf plan.Leaf
		want string // "" for a coercion error
	}{
		{`5`, plan.LeafInt, `5`},
		{`-2147483648`, plan.LeafInt, `-2147483648`},
		{`2147483647`, plan.LeafInt, `2147483647`},
		{`2147483648`, plan.LeafInt, ``},
		{`-2147483649`, plan.LeafInt, ``},
		{`1.0`, plan.LeafInt, `1`},
		{`1e2`, plan.LeafInt, `100`},
		{`1.5`, plan.LeafInt, ``},
		{`"5"`, plan.LeafInt, ``},
		{`true`, plan.LeafInt, ``},
		{`1.5`, plan.LeafFloat, `1.5`},
		{`"1.5"`, plan.LeafFloat, ``},
		{`"a"`, plan.LeafString, `"a"`},
		{`{"a":1}`, plan.LeafString, ``},
		{`1`, plan.LeafString, ``},
		{`false`, plan.LeafBoolean, `false`},
		{`"yes"`, plan.LeafBoolean, ``},
		{`"u1"`, plan.LeafID, `"u1"`},
		{`42`, plan.LeafID, `"42"`},
		{`4.2`, plan.LeafID, ``},
		{`"LOW"`, plan.LeafEnum, `"LOW"`},
		{`"HIDDEN"`, plan.LeafEnum, ``},
		{`1`, plan.LeafEnum, ``},
		{`{"any":[1]}`, plan.LeafCustom, `{"any":[1]}`},
	} {
		v, err := parse(&arena{}, []byte(tc.raw))
		if err != nil {
			t.Fatal(err)
		}
		got, msg := appendLeaf(nil, v, tc.leaf, enum)
		if tc.want == "" {
			if msg == "" {
				t.Errorf("%s as %d: no error, got %s", tc.raw, tc.leaf, got)
			}
			continue
		}
		if msg != "" || string(got) != tc.want {
			t.Errorf("%s as %d: got %s (%s), want %s", tc.raw, tc.leaf, got, msg, tc.want)
		}
		if !leafOK(v, tc.leaf) && tc.leaf != plan.LeafEnum {
			t.Errorf("%s as %d: leafOK false for a valid value", tc.raw, tc.leaf)
		}
	}
}
