package practices

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/auth"
)

// The control room: the backlog of open practices now, and the weekly
// series and per service and comune figures of a window, for the comuni
// of an operator's token (every comune for admins). Each figure is its own
// query, run only when asked for.

// Control-room windows.
const (
	DefaultControlRoomWeeks = 12
	MaxControlRoomDays      = 731 // two years
)

// ControlRoomFilter selects the practices of the control room.
type ControlRoomFilter struct {
	Comune    string // "": every comune of the caller
	ServiceID string // "": every service
	From, To  *time.Time
}

// ControlRoomScope is a validated, authorized control-room request: the
// comuni, the service and the window [From, To).
type ControlRoomScope struct {
	Comuni    []string
	ServiceID string
	From, To  time.Time
}

// ControlRoom validates f for the caller and returns the scope the
// figures are computed on. Operators see the comuni of their token (a
// comune not theirs is FORBIDDEN), admins every comune; citizens and apps
// get FORBIDDEN. The window defaults to the 12 weeks before now and may
// not exceed two years.
func (s *Service) ControlRoom(ctx context.Context, f ControlRoomFilter) (ControlRoomScope, error) {
	const op = "practices.ControlRoom"
	p, err := deskOperator(ctx, op)
	if err != nil {
		return ControlRoomScope{}, err
	}
	sc := ControlRoomScope{To: s.Now()}
	if f.To != nil {
		sc.To = f.To.UTC()
	}
	sc.From = sc.To.AddDate(0, 0, -7*DefaultControlRoomWeeks)
	if f.From != nil {
		sc.From = f.From.UTC()
	}
	if !sc.From.Before(sc.To) {
		return ControlRoomScope{}, apperr.E(op, apperr.Invalid, "from must be before to")
	}
	if sc.To.Sub(sc.From) > MaxControlRoomDays*24*time.Hour {
		return ControlRoomScope{}, apperr.Errorf(op, apperr.Invalid, "the window may not exceed %d days", MaxControlRoomDays)
	}
	if f.ServiceID != "" {
		if !validUUID(f.ServiceID) {
			return ControlRoomScope{}, apperr.E(op, apperr.Invalid, "service is not a valid id")
		}
		sc.ServiceID = strings.ToLower(f.ServiceID)
	}
	switch {
	case f.Comune != "":
		if !s.isMetro[f.Comune] {
			return ControlRoomScope{}, apperr.E(op, apperr.Invalid, "unknown comune")
		}
		if !p.OperatesIn(f.Comune) {
			return ControlRoomScope{}, apperr.E(op, apperr.Permission, "not an operator of this comune")
		}
		sc.Comuni = []string{f.Comune}
	case p.Has(auth.RoleAdmin):
		sc.Comuni = slices.Clone(s.metro)
	default:
		for _, c := range p.Comuni {
			if s.isMetro[c] && !slices.Contains(sc.Comuni, c) {
				sc.Comuni = append(sc.Comuni, c)
			}
		}
	}
	if sc.Comuni == nil {
		sc.Comuni = []string{}
	}
	return sc, nil
}

// BacklogCount is how many practices of a comune are open in a status now.
type BacklogCount struct {
	Comune  string
	Status  Status
	Count   int
	Overdue int // of those, the ones past their due date
}

// WeekFigures are the figures of one week (Monday to Monday, Europe/Rome).
type WeekFigures struct {
	Start                time.Time
	Submitted            int
	Decided              int
	DecidedLate          int
	MedianDaysToDecision *float64
}

// ServiceComuneFigures are the figures of one service in one comune.
type ServiceComuneFigures struct {
	ServiceID            string
	Comune               string
	Submitted            int
	Decided              int
	DecidedLate          int
	MedianDaysToDecision *float64
	Backlog              int
}

// Backlog returns the open practices of sc now, by comune and status (in
// comune and lifecycle order), with how many are overdue.
func (s *Service) Backlog(ctx context.Context, sc ControlRoomScope) ([]BacklogCount, error) {
	out, err := s.store.Backlog(ctx, sc, s.Now())
	return out, apperr.Wrap("practices.Backlog", err)
}

// Weeks returns the weekly series of sc's window: every week that
// overlaps it, counting only what falls inside the window.
func (s *Service) Weeks(ctx context.Context, sc ControlRoomScope) ([]WeekFigures, error) {
	out, err := s.store.Weeks(ctx, sc)
	return out, apperr.Wrap("practices.Weeks", err)
}

// ServiceComuneFigures returns the figures of each service and comune of
// sc with a practice submitted or decided in the window or open now.
func (s *Service) ServiceComuneFigures(ctx context.Context, sc ControlRoomScope) ([]ServiceComuneFigures, error) {
	out, err := s.store.ServiceComuneFigures(ctx, sc)
	return out, apperr.Wrap("practices.ServiceComuneFigures", err)
}

const openStatusesSQL = `('PAYMENT_PENDING', 'SUBMITTED', 'REGISTERED', 'IN_PROGRESS', 'INTEGRATION_REQUESTED')`

// Backlog counts the open practices of sc at now.
func (st *Store) Backlog(ctx context.Context, sc ControlRoomScope, now time.Time) ([]BacklogCount, error) {
	rows, err := st.pool.Query(ctx, `select p.comune, p.status, count(*)::int, (count(*) filter (where p.due_by < $3))::int
		from practices.practice p
		where p.comune = any($1::text[]) and p.status in `+openStatusesSQL+` and ($2 = '' or p.service_id = nullif($2, '')::uuid)
		group by p.comune, p.status`, sc.Comuni, sc.ServiceID, now)
	if err != nil {
		return nil, fmt.Errorf("backlog: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (BacklogCount, error) {
		var b BacklogCount
		err := r.Scan(&b.Comune, &b.Status, &b.Count, &b.Overdue)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("backlog: %w", err)
	}
	order := func(s Status) int { return slices.Index(Statuses, s) }
	slices.SortFunc(out, func(a, b BacklogCount) int {
		if c := strings.Compare(a.Comune, b.Comune); c != 0 {
			return c
		}
		return order(a.Status) - order(b.Status)
	})
	return out, nil
}

// windowSQL selects the practices of sc whose column col falls in the
// window ($1 comuni, $2 service, $3 from, $4 to).
func windowSQL(col string) string {
	return `p.comune = any($1::text[]) and ($2 = '' or p.service_id = nullif($2, '')::uuid)
		and p.` + col + ` >= $3 and p.` + col + ` < $4`
}

// daysSQL is the days from submission to decision.
const daysSQL = `extract(epoch from p.decided_at - p.submitted_at) / 86400.0`

// Weeks computes the weekly series of sc.
func (st *Store) Weeks(ctx context.Context, sc ControlRoomScope) ([]WeekFigures, error) {
	rows, err := st.pool.Query(ctx, `with weeks as (
			select generate_series(date_trunc('week', $3::timestamptz at time zone 'Europe/Rome'),
				$4::timestamptz at time zone 'Europe/Rome', interval '1 week') as wk),
		sub as (select date_trunc('week', p.submitted_at at time zone 'Europe/Rome') as wk, count(*)::int as n
			from practices.practice p where `+windowSQL("submitted_at")+` group by 1),
		dec as (select date_trunc('week', p.decided_at at time zone 'Europe/Rome') as wk, count(*)::int as n,
				(count(*) filter (where p.decided_at > p.due_by))::int as late,
				percentile_cont(0.5) within group (order by `+daysSQL+`) as med
			from practices.practice p where `+windowSQL("decided_at")+` group by 1)
		select weeks.wk at time zone 'Europe/Rome', coalesce(sub.n, 0), coalesce(dec.n, 0), coalesce(dec.late, 0), dec.med
		from weeks left join sub using (wk) left join dec using (wk)
		where weeks.wk < $4::timestamptz at time zone 'Europe/Rome'
		order by weeks.wk`, sc.Comuni, sc.ServiceID, sc.From, sc.To)
	if err != nil {
		return nil, fmt.Errorf("weeks: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (WeekFigures, error) {
		var w WeekFigures
		err := r.Scan(&w.Start, &w.Submitted, &w.Decided, &w.DecidedLate, &w.MedianDaysToDecision)
		w.Start = w.Start.UTC()
		return w, err
	})
	if err != nil {
		return nil, fmt.Errorf("weeks: %w", err)
	}
	return out, nil
}

// ServiceComuneFigures computes the figures of each service and comune.
func (st *Store) ServiceComuneFigures(ctx context.Context, sc ControlRoomScope) ([]ServiceComuneFigures, error) {
	rows, err := st.pool.Query(ctx, `with sub as (select p.service_id, p.comune, count(*)::int as n
			from practices.practice p where `+windowSQL("submitted_at")+` group by 1, 2),
		dec as (select p.service_id, p.comune, count(*)::int as n, (count(*) filter (where p.decided_at > p.due_by))::int as late,
				percentile_cont(0.5) within group (order by `+daysSQL+`) as med
			from practices.practice p where `+windowSQL("decided_at")+` group by 1, 2),
		open as (select p.service_id, p.comune, count(*)::int as n from practices.practice p
			where p.comune = any($1::text[]) and ($2 = '' or p.service_id = nullif($2, '')::uuid)
			  and p.status in `+openStatusesSQL+` group by 1, 2)
		select k.service_id::text, k.comune, coalesce(sub.n, 0), coalesce(dec.n, 0), coalesce(dec.late, 0), dec.med, coalesce(open.n, 0)
		from (select service_id, comune from sub union select service_id, comune from dec union select service_id, comune from open) k
		left join sub using (service_id, comune) left join dec using (service_id, comune) left join open using (service_id, comune)
		join practices.service s on s.id = k.service_id
		order by k.comune, s.title, k.service_id`, sc.Comuni, sc.ServiceID, sc.From, sc.To)
	if err != nil {
		return nil, fmt.Errorf("service and comune figures: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ServiceComuneFigures, error) {
		var f ServiceComuneFigures
		err := r.Scan(&f.ServiceID, &f.Comune, &f.Submitted, &f.Decided, &f.DecidedLate, &f.MedianDaysToDecision, &f.Backlog)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("service and comune figures: %w", err)
	}
	return out, nil
}
