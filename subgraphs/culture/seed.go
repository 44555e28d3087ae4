package culture

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/opendata"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// EventCount is the number of generated events: a quarter of the people,
// at least 200.
func EventCount(p seedgen.Params) int { return max(200, p.People/4) }

// futureFrom and futureTo bound the events planned after the data set's
// timeline, so that "upcoming" queries have answers.
var (
	futureFrom = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	futureTo   = time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)
)

// Category codes used for events in a venue (libraries and archives) and for
// events elsewhere in a comune.
var (
	venueCategories  = []string{"1.1.2", "1.1.3", "1.1.6", "1.1.7", "1.1.8", "1.2.3", "1.2.4", "1.2.5", "1.2.6", "1.3.1", "1.4.1", "2.2.1"}
	comuneCategories = []string{"1.1.1", "1.1.3", "2.4.1", "2.4.2", "2.4.4", "2.4.5", "2.4.6", "4.1.1", "5.1.3", "5.1.5"}
	longCategories   = map[string]bool{"1.1.1": true, "1.1.2": true, "4.1.1": true, "4.1.2": true}
	subjects         = []string{
		"Milano che cambia", "Le voci dei quartieri", "Leonardo e la città", "Il Novecento a Milano",
		"Libri in giardino", "Storie di Resistenza", "Acqua e Navigli", "Scienza per tutti", "Fumetti d'autore",
		"Poesia in città", "La città delle donne", "Memorie di fabbrica", "Giovani lettori", "Musica e parole",
		"Viaggio in Lombardia", "Il giallo milanese", "Tra risaie e cascine", "Parole migranti",
	}
)

// Seed loads Milan's libraries and archives as venues and generates the
// events of data set p, replacing the previous ones, in one transaction.
func Seed(ctx context.Context, pool *pgxpool.Pool, p seedgen.Params) error {
	venues, err := venueRows()
	if err != nil {
		return fmt.Errorf("culture: seed venues: %w", err)
	}
	events, err := eventRows(p)
	if err != nil {
		return fmt.Errorf("culture: seed events: %w", err)
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("culture: seed: begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	if _, err := tx.Exec(ctx, `truncate culture.event, culture.venue`); err != nil {
		return fmt.Errorf("culture: seed: truncate: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"culture", "venue"}, []string{"id", "name", "name_key", "kind", "subtype",
		"place_type", "place_type_name", "place_type_uri", "owner", "address", "comune", "nil_id", "phone", "email", "url",
		"accessible", "lat", "lon"}, pgx.CopyFromRows(venues)); err != nil {
		return fmt.Errorf("culture: seed venues: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"culture", "event"}, []string{"id", "title", "description", "category",
		"starts_at", "ends_at", "venue_id", "comune", "zona_id", "price_cents", "organizer", "lat", "lon"}, pgx.CopyFromRows(events)); err != nil {
		return fmt.Errorf("culture: seed events: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("culture: seed: commit: %w", err)
	}
	return nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func venueRows() ([][]any, error) {
	libs, err := opendata.Libraries()
	if err != nil {
		return nil, err
	}
	types, err := opendata.PlaceTypes()
	if err != nil {
		return nil, err
	}
	byName := map[string]opendata.PlaceType{}
	for _, t := range types {
		byName[t.NameIT] = t
	}
	rows := make([][]any, len(libs))
	for i, l := range libs {
		var ptCode, ptName, ptURI *string
		if t, ok := byName[placeTypeName(l)]; ok {
			ptCode, ptName, ptURI = &t.Code, &t.NameIT, &t.URI
		}
		var nilID *int
		if l.NilID != 0 {
			nilID = &l.NilID
		}
		rows[i] = []any{l.ID, l.Name, fold(l.Name), l.Type, l.Subtype, ptCode, ptName, ptURI, nullable(l.Owner),
			l.Address, MilanoIstat, nilID, nullable(l.Phone), nullable(l.Email), nullable(l.URL), l.Accessible, l.Lat, l.Lon}
	}
	return rows, nil
}

// placeTypeName maps a library or archive to its OntoPiA concept.
func placeTypeName(l opendata.Library) string {
	if l.Type == "ARCHIVI" || l.Subtype == "ARCHIVI" {
		return "Archivio"
	}
	return "Biblioteca"
}

// eventPlan holds what the event generator draws from.
type eventPlan struct {
	venues  []opendata.Library
	comuni  []opendata.Comune // the comuni other than Milano
	zonaOf  map[string]int
	types   map[string]opendata.EventType
	milanoZ *int
}

func newEventPlan() (*eventPlan, error) {
	libs, err := opendata.Libraries()
	if err != nil {
		return nil, err
	}
	comuni, err := opendata.Comuni()
	if err != nil {
		return nil, err
	}
	zone, err := opendata.Zone()
	if err != nil {
		return nil, err
	}
	members, err := opendata.ZonaMembers()
	if err != nil {
		return nil, err
	}
	types, err := opendata.EventTypes()
	if err != nil {
		return nil, err
	}
	pl := &eventPlan{venues: libs, zonaOf: map[string]int{}, types: map[string]opendata.EventType{}}
	zonaID := map[string]int{}
	for _, z := range zone {
		zonaID[z.Name] = z.ID
	}
	for _, m := range members {
		id, ok := zonaID[m.Zona]
		if !ok {
			return nil, fmt.Errorf("comune %s in unknown zona %q", m.IstatCode, m.Zona)
		}
		pl.zonaOf[m.IstatCode] = id
	}
	for _, c := range comuni {
		if c.IstatCode != MilanoIstat {
			pl.comuni = append(pl.comuni, c)
		}
	}
	for _, t := range types {
		pl.types[t.Code] = t
	}
	for _, codes := range [][]string{venueCategories, comuneCategories} {
		for _, c := range codes {
			if _, ok := pl.types[c]; !ok {
				return nil, fmt.Errorf("event type %s not in the vocabulary", c)
			}
		}
	}
	return pl, nil
}

func eventRows(p seedgen.Params) ([][]any, error) {
	pl, err := newEventPlan()
	if err != nil {
		return nil, err
	}
	n := EventCount(p)
	rows := make([][]any, n)
	for i := range n {
		rows[i] = pl.event(p, i)
	}
	return rows, nil
}

// shortName is a vocabulary label fit for a title: the first of its
// alternatives, without parentheses ("Convegno / Conferenza" → "Convegno").
func shortName(s string) string {
	if i := strings.Index(s, " / "); i >= 0 {
		s = s[:i]
	}
	return strings.NewReplacer("(", "", ")", "").Replace(s)
}

// event draws event i of data set p: most in a Milan venue, the others in
// another comune without a venue.
func (pl *eventPlan) event(p seedgen.Params, i int) []any {
	r := p.Rand("event", i)
	var (
		venue     *int
		lat, lon  float64
		comune    = MilanoIstat
		place     string
		organizer string
		code      string
	)
	if r.IntN(4) != 0 {
		v := pl.venues[r.IntN(len(pl.venues))]
		venue = &v.ID
		lat, lon = v.Lat, v.Lon
		code = venueCategories[r.IntN(len(venueCategories))]
		place = fmt.Sprintf("Presso %s, %s, Milano.", titleCase(v.Name), titleCase(v.Address))
		organizer = titleCase(v.Owner)
	} else {
		c := pl.comuni[r.IntN(len(pl.comuni))]
		comune = c.IstatCode
		lat, lon = c.Lat, c.Lon // held around the comune: at its centroid
		code = comuneCategories[r.IntN(len(comuneCategories))]
		place = fmt.Sprintf("A %s.", c.Name)
		organizer = "Comune di " + c.Name
	}
	t := pl.types[code]
	subject := subjects[r.IntN(len(subjects))]
	// Plain punctuation: Postgres' text-search parser glues guillemets to words.
	title := shortName(t.NameIT)
	if venue == nil {
		title += " a " + pl.comuneName(comune)
	}
	title += ": " + subject
	start := startTime(r)
	var end time.Time
	if longCategories[code] {
		end = start.Add(time.Duration(2+r.IntN(29)) * 24 * time.Hour)
	} else {
		end = start.Add(time.Duration(60+30*r.IntN(5)) * time.Minute)
	}
	var price *int
	priceText := "Ingresso libero."
	if r.IntN(10) >= 6 {
		cents := (6 + r.IntN(45)) * 50
		price = &cents
		priceText = fmt.Sprintf("Biglietto: € %d,%02d.", cents/100, cents%100)
	}
	about := t.Definition
	if about == "" {
		about = t.NameIT
	}
	desc := fmt.Sprintf("%s. %s %s %s", title, place, priceText, firstSentence(about))
	var zona *int
	if z, ok := pl.zonaOf[comune]; ok {
		zona = &z
	}
	return []any{p.ID("event", i), title, desc, code, start, end, venue, comune, zona, price, nullable(organizer), lat, lon}
}

func (pl *eventPlan) comuneName(code string) string {
	for _, c := range pl.comuni {
		if c.IstatCode == code {
			return c.Name
		}
	}
	return code
}

// startTime draws a start on the data set's timeline, or one in ten after it.
func startTime(r *rand.Rand) time.Time {
	from, to := seedgen.Epoch, seedgen.Horizon
	if r.IntN(10) == 0 {
		from, to = futureFrom, futureTo
	}
	days := int(to.Sub(from).Hours() / 24)
	day := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(days))
	return day.Add(time.Duration(8*60+30*r.IntN(24)) * time.Minute) // 08:00–19:30 UTC
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	if s != "" && !strings.HasSuffix(s, ".") {
		return s + "."
	}
	return s
}

// titleCase turns the upper-case names of the source into readable ones.
func titleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		if i > 0 && (len(w) <= 2 || w == "della" || w == "delle" || w == "degli" || w == "dei" || w == "per") {
			continue
		}
		rs := []rune(w)
		rs[0] = []rune(strings.ToUpper(string(rs[0])))[0]
		words[i] = string(rs)
	}
	return strings.Join(words, " ")
}
