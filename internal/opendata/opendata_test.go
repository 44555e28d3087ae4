package opendata

import "testing"

func TestCounts(t *testing.T) {
	check := func(name string, got, want int, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got != want {
			t.Errorf("%s: got %d rows, want %d", name, got, want)
		}
	}
	c, err := Comuni()
	check("comuni", len(c), 133, err)
	i, err := ItalianComuni()
	check("italian comuni", len(i), 7904, err)
	z, err := Zone()
	check("zone", len(z), 8, err)
	m, err := Municipi()
	check("municipi", len(m), 9, err)
	n, err := Nils()
	check("nil", len(n), 88, err)
	l, err := Libraries()
	check("libraries", len(l), 232, err)
	s, err := Categories()
	check("categories", len(s), 15, err)
	e, err := EventTypes()
	check("event types", len(e), 72, err)
	tx, err := PagoPATaxonomy()
	check("taxonomy", len(tx), 168, err)
	zm, err := ZonaMembers()
	check("zona members", len(zm), 85, err)
	f, err := Fountains()
	check("fountains", len(f), 721, err)
	cb, err := ComuneBoundaries()
	check("comune boundaries", len(cb), 133, err)
	nb, err := NilBoundaries()
	check("nil boundaries", len(nb), 88, err)
	if cb[0].Code != "015002" || nb[0].Code != "1" || nb[0].Name != "DUOMO" {
		t.Errorf("first boundaries: %s %s, %s %s", cb[0].Code, cb[0].Name, nb[0].Code, nb[0].Name)
	}
	if c[0].IstatCode != "015002" || c[0].CadastralCode != "A010" {
		t.Errorf("first comune: %+v", c[0])
	}
}
