package territory

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// MilanoIstat is the ISTAT code of Milano, the only comune with municipi and NIL.
const MilanoIstat = "015146"

// Comune is a comune of the metropolitan city.
type Comune struct {
	IstatCode      string
	Name           string
	CadastralCode  string
	Province       string
	Capital        bool
	PostalCodes    []string
	Population2021 int
	Population2011 int
	Lat, Lon       float64
	ZonaID         *int // nil when no source assigns the comune to a zona
}

// Zona is a zona omogenea; ID 0 is Milano.
type Zona struct {
	ID                 int
	Name               string
	Theme              string
	DeclaredComuni     int
	DeclaredPopulation int
	DeclaredAreaKm2    float64
}

// Municipio is one of Milan's nine municipi.
type Municipio struct {
	ID   int
	Name string
}

// Nil is one of Milan's 88 Nuclei di Identità Locale.
type Nil struct {
	ID          int
	Name        string
	AreaKm2     float64
	Lat, Lon    float64
	MunicipioID *int // prevalent municipio (approximate); nil when unknown
}

// ComuneQuery selects a page of comuni.
type ComuneQuery struct {
	NamePrefix string // case- and accent-insensitive; "" for any
	Zona       string // zona id; "" for any
	First      int    // page size, 1..100
	After      string // opaque cursor of the last comune seen; "" for the first page
	WithTotal  bool   // whether to count every match
}

// ComunePage is a page of comuni in name, ISTAT code order.
type ComunePage struct {
	Comuni  []Comune
	Cursors []string // the cursor of each comune
	HasNext bool
	Total   int // only when asked for
}

var istatRE = regexp.MustCompile(`^[0-9]{6}$`)

// ValidIstat reports whether code has the shape of an ISTAT comune code.
func ValidIstat(code string) bool { return istatRE.MatchString(code) }

// parseID parses the numeric id of a zona, municipio or NIL.
func parseID(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || strconv.Itoa(n) != s {
		return 0, false
	}
	return n, true
}

// Fold is the search and sort key of a name: lower case, without accents,
// typographic apostrophes made plain.
func Fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	out = strings.NewReplacer("’", "'", "‘", "'", "`", "'").Replace(out)
	return strings.ToLower(out)
}
