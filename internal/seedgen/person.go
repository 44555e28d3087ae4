package seedgen

import (
	"fmt"
	"strings"
	"time"

	"github.com/citizengraph/citizengraph/internal/codicefiscale"
	"github.com/citizengraph/citizengraph/internal/opendata"
)

// Places is the open data a person plan draws from.
type Places struct {
	Metro   []opendata.Comune        // comuni of the metropolitan city
	Italian []opendata.ItalianComune // every Italian comune, for birthplaces
}

// LoadPlaces reads the embedded open data.
func LoadPlaces() (Places, error) {
	m, err := opendata.Comuni()
	if err != nil {
		return Places{}, err
	}
	it, err := opendata.ItalianComuni()
	if err != nil {
		return Places{}, err
	}
	return Places{Metro: m, Italian: it}, nil
}

// Person is the shared plan of one generated person.
type Person struct {
	Index               int
	ID                  string
	GivenName           string
	FamilyName          string
	Sex                 codicefiscale.Sex
	BirthDate           time.Time
	BirthplaceIstat     string
	BirthplaceName      string
	BirthplaceCadastral string
	FiscalCode          string // valid, consistent with name, birth date and birthplace
	Residence           string // ISTAT code of the metro comune of residence
	Email               string
	Phone               string
}

var (
	maleNames   = []string{"Marco", "Luca", "Giuseppe", "Francesco", "Alessandro", "Andrea", "Matteo", "Lorenzo", "Davide", "Stefano", "Paolo", "Giovanni", "Riccardo", "Federico", "Simone", "Roberto", "Antonio", "Gabriele", "Tommaso", "Pietro", "Nicola", "Fabio", "Emanuele", "Michele", "Daniele", "Ahmed", "Wei", "Karim"}
	femaleNames = []string{"Giulia", "Francesca", "Chiara", "Sara", "Martina", "Valentina", "Alessia", "Elena", "Laura", "Anna", "Federica", "Silvia", "Elisa", "Giorgia", "Sofia", "Aurora", "Alice", "Beatrice", "Paola", "Maria", "Roberta", "Ilaria", "Camilla", "Noemi", "Fatima", "Mei", "Ioana", "Lucia"}
	surnames    = []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone", "Longo", "Gentile", "Martinelli", "Vitale", "Villa", "Brambilla", "Cattaneo", "Sala", "Pozzi", "Fumagalli", "Riva", "Redaelli", "Bonfanti", "Crippa", "Mauri", "Colombi", "Hu", "Chen", "Popescu", "El Amrani", "D'Angelo", "Dell'Acqua"}
)

// Person returns the plan of person i.
func (p Params) Person(pl Places, i int) Person {
	r := p.Rand("person", i)
	per := Person{Index: i, ID: p.PersonID(i)}
	if r.IntN(2) == 0 {
		per.Sex = codicefiscale.Female
		per.GivenName = femaleNames[r.IntN(len(femaleNames))]
	} else {
		per.Sex = codicefiscale.Male
		per.GivenName = maleNames[r.IntN(len(maleNames))]
	}
	per.FamilyName = surnames[r.IntN(len(surnames))]
	start := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
	per.BirthDate = start.AddDate(0, 0, r.IntN(66*365))
	if r.IntN(10) < 6 {
		c := pl.Metro[r.IntN(len(pl.Metro))]
		per.BirthplaceIstat, per.BirthplaceName, per.BirthplaceCadastral = c.IstatCode, c.Name, c.CadastralCode
	} else {
		c := pl.Italian[r.IntN(len(pl.Italian))]
		per.BirthplaceIstat, per.BirthplaceName, per.BirthplaceCadastral = c.IstatCode, c.Name, c.CadastralCode
	}
	fc, err := codicefiscale.Encode(per.FamilyName, per.GivenName, per.BirthDate, per.Sex, per.BirthplaceCadastral)
	if err != nil {
		panic(fmt.Sprintf("seedgen: open data has a bad cadastral code: %v", err)) // embedded data is checked by tests
	}
	per.FiscalCode = fc
	per.Residence = p.Residence(pl.Metro, i)
	local := strings.ToLower(strings.NewReplacer(" ", "", "'", "").Replace(per.GivenName + "." + per.FamilyName))
	per.Email = fmt.Sprintf("%s.%d@example.it", local, i)
	per.Phone = fmt.Sprintf("+39 3%02d %07d", 20+r.IntN(80), r.IntN(10_000_000))
	return per
}
