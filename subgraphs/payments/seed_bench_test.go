package payments

import (
	"context"
	"testing"

	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// BenchmarkSeed100k seeds 100,000 people's payments; run with -benchtime=1x.
func BenchmarkSeed100k(b *testing.B) {
	e := newEnv(b)
	p := seedgen.Params{People: 100_000, Seed: 1}
	b.ReportAllocs()
	for b.Loop() {
		if err := Seed(context.Background(), e.pool, p); err != nil {
			b.Fatal(err)
		}
	}
	var n int
	e.pool.QueryRow(context.Background(), `select count(*) from payments.positions`).Scan(&n)
	b.ReportMetric(float64(n), "positions")
}
