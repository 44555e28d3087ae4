package main

import (
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	cultureres "github.com/citizengraph/citizengraph/resolvers/culture"
)

// mountCalendar serves the public events' iCalendar feed at /calendar.ics
// on the public listener: public data, no token needed, under the same
// per-client rate limit as /graphql (limit: nil when off).
func mountCalendar(mux *http.ServeMux, pool *pgxpool.Pool, limit func(http.Handler) http.Handler) {
	h := cultureres.NewCalendarHandler(pool)
	if limit != nil {
		h = limit(h)
	}
	mux.Handle("/calendar.ics", h)
}
