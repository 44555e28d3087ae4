package seedgen

import (
	"testing"

	"github.com/citizengraph/citizengraph/internal/codicefiscale"
)

func TestDeterministicAndValid(t *testing.T) {
	pl, err := LoadPlaces()
	if err != nil {
		t.Fatal(err)
	}
	p := Params{People: 500, Seed: 7}
	seen := map[string]bool{}
	for i := 0; i < p.People; i++ {
		a, b := p.Person(pl, i), p.Person(pl, i)
		if a != b {
			t.Fatalf("person %d not deterministic", i)
		}
		c, err := codicefiscale.Parse(a.FiscalCode)
		if err != nil {
			t.Fatalf("person %d: %s: %v", i, a.FiscalCode, err)
		}
		if c.Cadastral != a.BirthplaceCadastral || c.Day != a.BirthDate.Day() {
			t.Fatalf("person %d: code %s does not match %+v", i, a.FiscalCode, a)
		}
		if seen[a.ID] {
			t.Fatalf("duplicate id %s", a.ID)
		}
		seen[a.ID] = true
	}
	if (Params{People: 500, Seed: 8}).PersonID(0) == p.PersonID(0) {
		t.Fatal("seed does not change ids")
	}
}
