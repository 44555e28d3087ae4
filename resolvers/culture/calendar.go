package culture

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/subgraphs/culture"
)

// DefaultCalendarLimit is how many events a feed holds when limit is not given.
const DefaultCalendarLimit = 200

// NewCalendarHandler returns the iCalendar feed of public events over pool,
// for calendar apps that subscribe to a URL (GET /calendar.ics?…). Query
// parameters, all optional: lat, lon and radius (metres) for the events
// nearest a point first (radius, comune or nil bound them); comune (ISTAT
// code), nil (NIL id), venue (venue id), category (public-event type code);
// from, to (RFC 3339); past=true for events already over too (upcoming
// only otherwise); limit (1..500, default 200). Bad parameters are 400
// with a BAD_USER_INPUT message.
func NewCalendarHandler(pool *pgxpool.Pool) http.Handler {
	svc := culture.NewService(culture.NewStore(pool))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		q, err := calendarQuery(r.URL.Query())
		var buf bytes.Buffer
		if err == nil {
			err = svc.Calendar(r.Context(), &buf, q)
		}
		if err != nil {
			kind := apperr.KindOf(err)
			status := http.StatusBadRequest
			if kind != apperr.Invalid {
				status = http.StatusInternalServerError
				slog.ErrorContext(r.Context(), "calendar feed", "err", err)
			}
			http.Error(w, kind.Code()+": "+apperr.PublicMessage(err), status)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/calendar; charset=utf-8")
		h.Set("Content-Disposition", `inline; filename="eventi.ics"`)
		h.Set("Cache-Control", "public, max-age=300")
		w.Write(buf.Bytes()) //nolint:errcheck // the client went away
	})
}

// calendarQuery parses the feed's query parameters.
func calendarQuery(v url.Values) (culture.CalendarQuery, error) {
	const op = "culture.calendar"
	q := culture.CalendarQuery{Comune: v.Get("comune"), Nil: v.Get("nil"), Venue: v.Get("venue"),
		Category: v.Get("category"), Limit: DefaultCalendarLimit}
	num := func(name string) (*float64, error) {
		s := v.Get(name)
		if s == "" {
			return nil, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, apperr.Errorf(op, apperr.Invalid, "%s must be a number", name)
		}
		return &f, nil
	}
	lat, err := num("lat")
	if err != nil {
		return q, err
	}
	lon, err := num("lon")
	if err != nil {
		return q, err
	}
	radius, err := num("radius")
	if err != nil {
		return q, err
	}
	switch {
	case lat != nil && lon != nil:
		q.Near = &culture.Near{Lat: *lat, Lon: *lon, Radius: radius}
	case lat != nil || lon != nil || radius != nil:
		return q, apperr.E(op, apperr.Invalid, "lat and lon go together (and radius needs them)")
	}
	for name, dst := range map[string]**time.Time{"from": &q.From, "to": &q.To} {
		if s := v.Get(name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return q, apperr.Errorf(op, apperr.Invalid, "%s must be an RFC 3339 timestamp, e.g. 2026-12-01T00:00:00+01:00", name)
			}
			*dst = &t
		}
	}
	if s := v.Get("past"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return q, apperr.E(op, apperr.Invalid, "past must be true or false")
		}
		q.Past = b
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return q, apperr.E(op, apperr.Invalid, "limit must be an integer")
		}
		q.Limit = n
	}
	return q, nil
}
