package difftest

import (
	"strings"
	"testing"
)

// TestShrink shrinks against a predicate that needs one field with its
// argument under a spread fragment: everything else goes, the spread is
// inlined and then replaced by its selections, unused variables and
// fragments are dropped.
func TestShrink(t *testing.T) {
	q := `query Op($b: Boolean = true, $n: Int = 2, $unused: String) {
	  me { id name @skip(if: $b) org { name members { id } } }
	  topProducts(first: $n) { upc ...P @include(if: true) reviews { body } }
	}
	fragment P on Product { name price reviews(minStars: 4) { stars } }`
	vars := map[string]any{"b": false, "n": 3, "unused": "x"}
	tries := 0
	failing := func(q string, v map[string]any) bool {
		tries++
		return strings.Contains(q, "reviews(minStars: 4)") && strings.Contains(q, "stars")
	}
	got, gotVars := Shrink(q, vars, failing, 1000)
	want := "query Op {\n  topProducts {\n    reviews(minStars: 4) {\n      stars\n    }\n  }\n}"
	if got != want {
		t.Errorf("shrunk to\n%s\nwant\n%s", got, want)
	}
	if len(gotVars) != 0 {
		t.Errorf("variables left: %v", gotVars)
	}
	if tries == 0 || tries > 1000 {
		t.Errorf("%d tries", tries)
	}
}

// TestShrinkKeepsFailing never accepts an edit that stops failing.
func TestShrinkKeepsFailing(t *testing.T) {
	q := `{ me { id name } }`
	got, _ := Shrink(q, nil, func(q string, _ map[string]any) bool { return q == "" }, 100)
	if got != q {
		t.Errorf("got %q, want the operation unchanged", got)
	}
}
