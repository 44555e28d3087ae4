package practices

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// queueKeySQL is the sort key of each queue order, as the indexes of
// migration 004 hold it.
var queueKeySQL = map[QueueOrder]string{
	OrderDueDate:   `coalesce(p.due_by, 'infinity'::timestamptz)`,
	OrderSubmitted: `coalesce(p.submitted_at, 'infinity'::timestamptz)`,
}

// overdueSQL is Practice.Overdue at $now (the argument placeholder given).
func overdueSQL(now string) string {
	return `coalesce(p.due_by is not null and case when p.decided_at is not null then p.decided_at > p.due_by
		else p.status not in ('COMPLETED', 'REJECTED', 'WITHDRAWN') and ` + now + ` > p.due_by end, false)`
}

// queueFilters returns the conditions of q other than comune and status,
// adding their arguments through arg.
func queueFilters(q QueueQuery, arg func(any) string) []string {
	var where []string
	if q.Service != "" {
		where = append(where, "p.service_id = "+arg(q.Service)+"::uuid")
	}
	switch q.Assigned {
	case AssignedNobody:
		where = append(where, "p.assignee is null")
	case AssignedToMe:
		where = append(where, "p.assignee = "+arg(q.Assignee))
	}
	if q.Overdue != nil {
		c := overdueSQL(arg(q.Now) + "::timestamptz")
		if !*q.Overdue {
			c = "not " + c
		}
		where = append(where, c)
	}
	if q.DueUntil != nil {
		// On the due-date order's key, so that it bounds the index range.
		due := queueKeySQL[OrderDueDate]
		where = append(where, due+" > "+arg(*q.DueAfter)+"::timestamptz", due+" <= "+arg(*q.DueUntil)+"::timestamptz")
	}
	return where
}

// WorkQueue returns up to q.Limit practices of the queue in q's order after
// q.After (the statement of [WorkQueueSQL]).
func (s *Store) WorkQueue(ctx context.Context, q QueueQuery) ([]Practice, error) {
	sql, args := WorkQueueSQL(q)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("work queue: %w", err)
	}
	return collectPractices(rows)
}

// WorkQueueSQL is the statement of a work-queue page and its arguments. It
// walks each (comune, status) range of the queue index in order, at most
// q.Limit rows each, and merges them; "assigned to me" walks the
// operator's own index by status instead.
func WorkQueueSQL(q QueueQuery) (string, []any) {
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	key := queueKeySQL[q.Order]
	comuni, statuses := arg(q.Comuni), arg(q.Statuses)
	where := queueFilters(q, arg)
	if q.After != nil {
		k := "infinity"
		if q.After.Key != nil {
			k = q.After.Key.UTC().Format(time.RFC3339Nano)
		}
		where = append(where, "("+key+", p.id) > ("+arg(k)+"::timestamptz, "+arg(q.After.ID)+"::uuid)")
	}
	limit := arg(q.Limit)
	var ranges, match string
	if q.Assigned == AssignedToMe {
		ranges = `unnest(` + statuses + `::text[]) st(status)`
		match = `p.status = st.status and p.comune = any(` + comuni + `::text[])`
	} else {
		ranges = `unnest(` + comuni + `::text[]) c(code) cross join unnest(` + statuses + `::text[]) st(status)`
		match = `p.comune = c.code and p.status = st.status`
	}
	cond := strings.Join(append([]string{match}, where...), " and ")
	return `select ` + practiceCols + ` from ` + ranges + ` cross join lateral (
			select p.*, ` + key + ` as queue_key from practices.practice p
			where ` + cond + ` order by ` + key + `, p.id limit ` + limit + `) p
		order by p.queue_key, p.id limit ` + limit, args
}

// WorkQueueCounts counts the practices of the whole filtered queue (q
// without its cursor) per status.
func (s *Store) WorkQueueCounts(ctx context.Context, q QueueQuery) (map[Status]int, error) {
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	where := append([]string{"p.comune = any(" + arg(q.Comuni) + "::text[])", "p.status = any(" + arg(q.Statuses) + "::text[])"},
		queueFilters(q, arg)...)
	rows, err := s.pool.Query(ctx, `select p.status, count(*)::int from practices.practice p where `+
		strings.Join(where, " and ")+` group by p.status`, args...)
	if err != nil {
		return nil, fmt.Errorf("work queue counts: %w", err)
	}
	defer rows.Close()
	out := map[Status]int{}
	for rows.Next() {
		var st Status
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("scan work queue count: %w", err)
		}
		out[st] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("work queue counts: %w", err)
	}
	return out, nil
}

// Assign locks practice id for update, lets decide compute its assignment
// and writes it when decide reports a change, in one transaction: of two
// concurrent calls the second decides on the first's outcome. decide's
// error aborts without writing; ErrNotFound when there is no practice.
func (s *Store) Assign(ctx context.Context, id string, decide func(Practice) (Practice, bool, error)) (Practice, error) {
	var out Practice
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		cur, err := scanPractice(tx.QueryRow(ctx, `select `+practiceCols+` from practices.practice p where p.id = $1 for update`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("lock practice: %w", err)
		}
		np, changed, err := decide(cur)
		if err != nil {
			return err
		}
		if changed {
			if _, err := tx.Exec(ctx, `update practices.practice set assignee = nullif($2, ''), assignee_name = $3, assigned_at = $4
				where id = $1`, id, np.Assignee, np.AssigneeName, np.AssignedAt); err != nil {
				return fmt.Errorf("assign practice: %w", err)
			}
		}
		out = np
		return nil
	})
	return out, err
}

// ComuniWithPractices returns those of comuni where person personID has a
// practice (in comuni's order): the comuni through which their operators
// may read the person's data (the identity subgraph's PracticeLinks).
func (s *Store) ComuniWithPractices(ctx context.Context, personID string, comuni []string) ([]string, error) {
	if !validUUID(personID) || len(comuni) == 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `select c.code from unnest($2::text[]) with ordinality c(code, n)
		where exists (select 1 from practices.practice p where p.applicant_id = $1 and p.comune = c.code) order by c.n`,
		strings.ToLower(personID), comuni)
	if err != nil {
		return nil, fmt.Errorf("comuni with practices: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("comuni with practices: %w", err)
	}
	return out, nil
}
