// Package seedgen is the shared, deterministic plan of the generated seed
// data: which people exist, where they live, which practices they opened and
// which of those carry a payment. Every subgraph's seeder derives its rows
// from these pure functions, so the five schemas agree on entity keys
// without ever reading each other's tables, and the same (People, Seed)
// always yields the same data at any scale.
package seedgen

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/citizengraph/citizengraph/internal/opendata"
)

// Params select the generated data set.
type Params struct {
	People int   // number of people; organizations, practices, payments scale with it
	Seed   int64 // the data set's seed
}

// Default is the quick-start scale.
func Default() Params { return Params{People: 2000, Seed: 1} }

// Epoch is the start of the generated timeline; Horizon its end. Fixed, so
// seeds are reproducible whatever the day.
var (
	Epoch   = time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
	Horizon = time.Date(2026, 11, 1, 18, 0, 0, 0, time.UTC)
)

var namespace = uuid.MustParse("6f1c3a52-4b0e-4f7e-9a59-1c7e2b0f8d41")

// ID is the deterministic UUID of the i-th entity of kind in the data set.
func (p Params) ID(kind string, i ...int) string {
	return uuid.NewSHA1(namespace, []byte(fmt.Sprint(p.Seed, "/", kind, i))).String()
}

// Rand is a deterministic generator for the i-th entity of kind.
func (p Params) Rand(kind string, i ...int) *rand.Rand {
	sum := sha256.Sum256([]byte(fmt.Sprint(p.Seed, "|", kind, i)))
	return rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])))
}

// PersonID is the id of person i (0 ≤ i < People).
func (p Params) PersonID(i int) string { return p.ID("person", i) }

// Organizations is the number of organizations: one per 20 people.
func (p Params) Organizations() int { return max(1, p.People/20) }

// OrganizationID is the id of organization j.
func (p Params) OrganizationID(j int) string { return p.ID("organization", j) }

// OrganizationRepresentative is the person index of organization j's legal
// representative.
func (p Params) OrganizationRepresentative(j int) int { return (j * 20) % max(1, p.People) }

// Residence is the ISTAT code of the comune person i lives in, drawn in
// proportion to the 2021 population of the metropolitan city's comuni.
func (p Params) Residence(comuni []opendata.Comune, i int) string {
	w := weights(comuni)
	x := p.Rand("residence", i).Float64() * w[len(w)-1]
	k := sort.SearchFloat64s(w, x)
	if k >= len(comuni) {
		k = len(comuni) - 1
	}
	return comuni[k].IstatCode
}

func weights(comuni []opendata.Comune) []float64 {
	w := make([]float64, len(comuni))
	sum := 0.0
	for k, c := range comuni {
		sum += float64(max(c.Population2021, 1))
		w[k] = sum
	}
	return w
}

// Practice is the shared plan of one generated practice.
type Practice struct {
	ID          string
	Person      int       // applicant person index
	Index       int       // k-th practice of the person
	Service     int       // index into the practices subgraph's service catalogue (mod its length)
	Comune      string    // ISTAT code: the applicant's residence
	CreatedAt   time.Time // when the draft was opened
	HasPayment  bool      // whether a pagoPA position is attached
	AmountCents int64     // the position's amount when HasPayment
}

// PracticeCount is how many practices person i opened: 0 to 4.
func (p Params) PracticeCount(i int) int {
	r := p.Rand("practice-count", i)
	return []int{0, 1, 1, 1, 2, 2, 3, 4}[r.IntN(8)]
}

// Practice returns the plan of person i's k-th practice.
func (p Params) Practice(comuni []opendata.Comune, i, k int) Practice {
	r := p.Rand("practice", i, k)
	span := Horizon.Sub(Epoch)
	pr := Practice{
		ID: p.ID("practice", i, k), Person: i, Index: k,
		Service:   r.IntN(1 << 20),
		Comune:    p.Residence(comuni, i),
		CreatedAt: Epoch.Add(time.Duration(r.Int64N(int64(span)))).Truncate(time.Minute),
	}
	if r.IntN(10) < 4 {
		pr.HasPayment = true
		pr.AmountCents = int64(16+r.IntN(50)) * 100
		if r.IntN(2) == 0 {
			pr.AmountCents += 16 // stamp duty style cents
		}
	}
	return pr
}

// Practices calls fn for every planned practice, person by person.
func (p Params) Practices(comuni []opendata.Comune, fn func(Practice) error) error {
	for i := 0; i < p.People; i++ {
		for k, n := 0, p.PracticeCount(i); k < n; k++ {
			if err := fn(p.Practice(comuni, i, k)); err != nil {
				return err
			}
		}
	}
	return nil
}
