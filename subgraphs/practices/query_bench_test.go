package practices_test

import (
	"context"
	"testing"

	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/seedgen"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

// BenchmarkQueries100k measures the control-room statistics and a page of
// Person.practices on the data set of 100,000 people.
func BenchmarkQueries100k(b *testing.B) {
	ctx := context.Background()
	pool := devdb.NewTestDB(b, practices.Migration())
	params := seedgen.Params{People: 100_000, Seed: 1}
	if err := practices.Seed(ctx, pool, params); err != nil {
		b.Fatal(err)
	}
	svc, err := practices.NewService(practices.NewStore(pool))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("StatsAll", func(b *testing.B) {
		ctx := as(admin())
		b.ReportAllocs()
		for b.Loop() {
			if st, err := svc.Stats(ctx, practices.StatsFilter{}); err != nil || st.Count == 0 {
				b.Fatal(err, st)
			}
		}
	})
	b.Run("StatsServiceInMilan", func(b *testing.B) {
		ctx := as(operatorOf(milan))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := svc.Stats(ctx, practices.StatsFilter{ServiceID: freeService, Comune: milan}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("PersonPractices20People", func(b *testing.B) {
		people := make([]string, 20)
		for i := range people {
			people[i] = params.PersonID(i * 97)
		}
		ctx := as(admin())
		b.ReportAllocs()
		for b.Loop() {
			if _, err := svc.PersonPractices(ctx, people, practices.PersonPracticesArgs{First: 20}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
