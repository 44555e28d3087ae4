package culture

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/opendata"

	_ "time/tzdata" // Europe/Rome on machines without a zoneinfo database
)

// MaxCalendar is the most events one calendar feed holds.
const MaxCalendar = 500

// CalendarQuery selects the events of a calendar feed: by distance from a
// point (Near set, nearest first) or by start; upcoming unless Past.
type CalendarQuery struct {
	Near     *Near
	Comune   string
	Nil      string
	Venue    string
	Category string
	From, To *time.Time
	Past     bool
	Limit    int       // 1..MaxCalendar
	Now      time.Time // zero: time.Now()
}

// Calendar writes the events selected by q as an iCalendar feed (RFC 5545)
// to w. Bad arguments are apperr Invalid, before anything is written.
func (s *Service) Calendar(ctx context.Context, w io.Writer, q CalendarQuery) error {
	const op = "culture.Calendar"
	if q.Limit < 1 || q.Limit > MaxCalendar {
		return apperr.Errorf(op, apperr.Invalid, "limit must be between 1 and %d", MaxCalendar)
	}
	now := q.Now
	if now.IsZero() {
		now = time.Now()
	}
	var events []Event
	if q.Near != nil {
		nq := NearQuery{Near: *q.Near, Comune: q.Comune, Nil: q.Nil, Category: q.Category, From: q.From, To: q.To,
			Past: q.Past, Now: now}
		if q.Venue != "" {
			return apperr.E(op, apperr.Invalid, "venue cannot be combined with a point: the venue's events are all at it")
		}
		for len(events) < q.Limit {
			nq.First = min(MaxPage, q.Limit-len(events))
			p, err := s.EventsNear(ctx, nq)
			if err != nil {
				return err
			}
			for _, it := range p.Items {
				events = append(events, it.Event)
			}
			if !p.HasNext {
				break
			}
			nq.After = p.Cursors[len(p.Cursors)-1]
		}
	} else {
		from := q.From
		if !q.Past && (from == nil || from.Before(now)) {
			from = &now
		}
		eq := EventQuery{Comune: q.Comune, Nil: q.Nil, Venue: q.Venue, Category: q.Category, From: from, To: q.To}
		if q.From != nil && q.To != nil && q.To.Before(*q.From) {
			return apperr.E(op, apperr.Invalid, "to is before from")
		}
		for len(events) < q.Limit {
			eq.First = min(MaxPage, q.Limit-len(events))
			p, err := s.Events(ctx, eq)
			if err != nil {
				return err
			}
			events = append(events, p.Events...)
			if !p.HasNext {
				break
			}
			eq.After = p.Cursors[len(p.Cursors)-1]
		}
	}
	entries, err := s.calendarEntries(ctx, events)
	if err != nil {
		return apperr.Wrap(op, err)
	}
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return apperr.Wrap(op, fmt.Errorf("load Europe/Rome: %w", err))
	}
	cats, _, err := s.vocabulary()
	if err != nil {
		return apperr.Wrap(op, err)
	}
	name := func(code string) string { return cats[code].NameIT }
	return apperr.Wrap(op, WriteICS(w, Calendar{Name: "Eventi – Città metropolitana di Milano", Stamp: now, Entries: entries}, name, rome))
}

// calendarEntries adds to each event its venue (one query) and comune name.
func (s *Service) calendarEntries(ctx context.Context, events []Event) ([]CalendarEntry, error) {
	var ids []int
	for _, e := range events {
		if e.VenueID != nil {
			ids = append(ids, *e.VenueID)
		}
	}
	vs, err := s.store.VenuesByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[int]*Venue, len(vs))
	for i := range vs {
		byID[vs[i].ID] = &vs[i]
	}
	comuni, err := opendata.Comuni()
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(comuni))
	for _, c := range comuni {
		names[c.IstatCode] = c.Name
	}
	out := make([]CalendarEntry, len(events))
	for i, e := range events {
		out[i] = CalendarEntry{Event: e, ComuneName: names[e.Comune]}
		if e.VenueID != nil {
			out[i].Venue = byID[*e.VenueID]
		}
	}
	return out, nil
}
