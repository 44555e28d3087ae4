package culture

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// MilanoIstat is the ISTAT code of Milano, where every known venue is.
const MilanoIstat = "015146"

// Venue is a cultural venue: one of Milan's libraries and archives.
type Venue struct {
	ID         int
	Name       string
	Kind       string // BIBLIOTECHE, ARCHIVI
	Subtype    string
	PlaceType  *PlaceType // OntoPiA type, when one fits
	Owner      string     // "" when unknown
	Address    string
	Comune     string // ISTAT code
	NilID      *int
	Phone      string // "" when unknown
	Email      string
	URL        string
	Accessible *bool // nil when unknown
	Lat, Lon   float64
}

// PlaceType is a concept of the OntoPiA vocabulary of places of cultural interest.
type PlaceType struct {
	Code, Name, URI string
}

// Event is a public event.
type Event struct {
	ID          string
	Title       string
	Description string
	Category    string // public-event-types code
	StartsAt    time.Time
	EndsAt      time.Time
	VenueID     *int
	Comune      string // ISTAT code
	ZonaID      *int   // the comune's zona omogenea, when known
	PriceCents  *int   // nil when free
	Organizer   string // "" when unknown
	// Lat, Lon: the venue's location, or the comune's centroid for an event
	// held around a comune; nil when the event was recorded without a place.
	Lat, Lon *float64
}

// Free reports whether the event is free of charge.
func (e Event) Free() bool { return e.PriceCents == nil }

// Category is a national public-event type (OntoPiA public-event-types).
type Category struct {
	Code, Parent   string // Parent is "" at level 1
	Level          int
	NameIT, NameEN string
	Definition     string
	URI            string
}

// EventQuery selects a page of events, ordered by start then id.
type EventQuery struct {
	Comune    string     // ISTAT code; "" for any
	Zona      string     // zona omogenea id; "" for any
	Venue     string     // venue id; "" for any
	Nil       string     // NIL id: events in its venues; "" for any
	Category  string     // category code: the type and its subtypes; "" for any
	From, To  *time.Time // events still on at From (ending at or after it) and starting before To
	Text      string     // words searched in title and description (Italian stemming)
	First     int
	After     string
	WithTotal bool
}

// EventPage is a page of events.
type EventPage struct {
	Events  []Event
	Cursors []string
	HasNext bool
	Total   int
}

// VenueQuery selects a page of venues, ordered by name then id.
type VenueQuery struct {
	Comune    string // ISTAT code; "" for any
	Nil       string // NIL id; "" for any
	Kind      string // BIBLIOTECHE or ARCHIVI; "" for any
	First     int
	After     string
	WithTotal bool
}

// VenuePage is a page of venues.
type VenuePage struct {
	Venues  []Venue
	Cursors []string
	HasNext bool
	Total   int
}

var istatRE = regexp.MustCompile(`^[0-9]{6}$`)

// validIstat reports whether code has the shape of an ISTAT comune code.
func validIstat(code string) bool { return istatRE.MatchString(code) }

// parseID parses a numeric id.
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

// fold is the sort key of a name: lower case, without accents.
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(strings.ReplaceAll(out, "’", "'"))
}
