package seedgen

import (
	"fmt"
	"sort"

	"github.com/citizengraph/citizengraph/internal/opendata"
)

// Organization is the shared plan of one generated organization. Its VAT
// number is generated test data: a well-formed Partita IVA (valid check
// digit, Milan provincial office 015) that claims to be no real company.
type Organization struct {
	Index          int
	ID             string
	Name           string
	LegalForm      string // SRL, SPA, SNC, SAS, SOLE_PROPRIETORSHIP, COOPERATIVE, ASSOCIATION
	VATNumber      string // 11 digits, valid check digit
	Seat           string // ISTAT code of a metro comune, drawn by population
	Representative int    // person index of the legal representative
}

var (
	orgForms    = []string{"SRL", "SRL", "SRL", "SPA", "SNC", "SAS", "SOLE_PROPRIETORSHIP", "SOLE_PROPRIETORSHIP", "COOPERATIVE", "ASSOCIATION"}
	orgTrades   = []string{"Costruzioni", "Impianti", "Trasporti", "Servizi", "Consulenze", "Ristorazione", "Commercio", "Informatica", "Arredamenti", "Edilizia", "Logistica", "Pulizie", "Elettronica", "Design", "Stampa"}
	orgSuffixes = map[string]string{
		"SRL": "S.r.l.", "SPA": "S.p.A.", "SNC": "S.n.c.", "SAS": "S.a.s.",
		"SOLE_PROPRIETORSHIP": "", "COOPERATIVE": "Società Cooperativa", "ASSOCIATION": "APS",
	}
)

// Organization returns the plan of organization j (0 ≤ j < Organizations()).
func (p Params) Organization(pl Places, j int) Organization {
	r := p.Rand("organization", j)
	rep := p.OrganizationRepresentative(j)
	form := orgForms[r.IntN(len(orgForms))]
	family := surnames[r.IntN(len(surnames))]
	trade := orgTrades[r.IntN(len(orgTrades))]
	var name string
	switch form {
	case "SOLE_PROPRIETORSHIP":
		name = fmt.Sprintf("%s %s di %s", trade, family, p.Person(pl, rep).GivenName)
	case "ASSOCIATION":
		name = fmt.Sprintf("Associazione %s %s %s", trade, family, orgSuffixes[form])
	default:
		name = fmt.Sprintf("%s %s %s", family, trade, orgSuffixes[form])
	}
	// j ↦ (j·7919 + offset) mod 10⁷ is a bijection, so matricole never
	// collide within a data set.
	offset := int((uint64(p.Seed)*104729 + 1) % 10_000_000)
	matricola := (j*7919 + offset) % 10_000_000
	return Organization{
		Index: j, ID: p.OrganizationID(j), Name: name, LegalForm: form,
		VATNumber:      VATNumber(fmt.Sprintf("%07d015", matricola)),
		Seat:           p.seat(pl.Metro, j),
		Representative: rep,
	}
}

func (p Params) seat(comuni []opendata.Comune, j int) string {
	w := weights(comuni)
	x := p.Rand("organization-seat", j).Float64() * w[len(w)-1]
	k := sort.SearchFloat64s(w, x)
	if k >= len(comuni) {
		k = len(comuni) - 1
	}
	return comuni[k].IstatCode
}

// VATNumber appends the check digit to the first ten digits of a Partita
// IVA (seven of serial number, three of provincial office): digits in odd
// positions are added as they are, digits in even positions are doubled
// (minus 9 when above 9), and the check digit brings the sum to a multiple
// of ten.
func VATNumber(first10 string) string {
	if len(first10) != 10 {
		panic("seedgen: VATNumber needs 10 digits")
	}
	sum := 0
	for i := 0; i < 10; i++ {
		d := int(first10[i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return first10 + string(rune('0'+(10-sum%10)%10))
}
