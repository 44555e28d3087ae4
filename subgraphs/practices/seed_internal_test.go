package practices

import (
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// BenchmarkGenerate100k measures the client side of Seed: walking the plan
// of 100,000 people through the lifecycle.
func BenchmarkGenerate100k(b *testing.B) {
	places, err := seedgen.LoadPlaces()
	if err != nil {
		b.Fatal(err)
	}
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		b.Fatal(err)
	}
	p := seedgen.Params{People: 100_000, Seed: 1}
	b.ReportAllocs()
	for b.Loop() {
		g := newGenerator(p, places, Catalogue(), rome)
		if err := p.Practices(places.Metro, g.add); err != nil {
			b.Fatal(err)
		}
		g.assignProtocols(nil)
	}
}
