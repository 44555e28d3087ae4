package main

import (
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	cultureres "github.com/citizengraph/citizengraph/resolvers/culture"
)

// mountCalendar serves the public events' iCalendar feed at /calendar.ics
// on the public listener: public data, no token needed.
func mountCalendar(mux *http.ServeMux, pool *pgxpool.Pool) {
	mux.Handle("/calendar.ics", cultureres.NewCalendarHandler(pool))
}
