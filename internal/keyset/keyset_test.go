package keyset

import (
	"slices"
	"testing"
)

func TestRoundTripAndRejects(t *testing.T) {
	c := Encode("san donato milanese", "015192")
	got, ok := Decode(c, 2)
	if !ok || !slices.Equal(got, []string{"san donato milanese", "015192"}) {
		t.Fatalf("Decode(Encode) = %v %v", got, ok)
	}
	for _, bad := range []string{"", "!!!", Encode("a"), Encode("a", "b", "c"), "eyJhIjoxfQ"} {
		if _, ok := Decode(bad, 2); ok {
			t.Errorf("Decode(%q) accepted", bad)
		}
	}
}
