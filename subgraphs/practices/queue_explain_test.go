package practices

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// people100k is the data set of 100,000 people (about 175,000 practices).
var people100k = seedgen.Params{People: 100_000, Seed: 1}

// peopleExplain is the data set of the EXPLAIN test: large enough for the
// planner to choose as on 100,000 people, small enough for CI.
var peopleExplain = seedgen.Params{People: 20_000, Seed: 1}

func seededPractices(tb testing.TB, params seedgen.Params) *pgxpool.Pool {
	tb.Helper()
	pool := devdb.NewTestDB(tb, Migration())
	ctx := context.Background()
	if err := Seed(ctx, pool, params); err != nil {
		tb.Fatal(err)
	}
	// Some practices of Milan taken by the benchmark's operator.
	if _, err := pool.Exec(ctx, `update practices.practice set assignee = 'VRDGPP70A01F205Z', assigned_at = now()
		where id in (select id from practices.practice where comune = $1 and status in ('SUBMITTED', 'IN_PROGRESS') order by id limit 300)`, MilanIstat); err != nil {
		tb.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "analyze practices.practice"); err != nil {
		tb.Fatal(err)
	}
	return pool
}

var (
	deskOperatorOfMilan = &auth.Principal{FirstParty: true, Subject: "op", FiscalCode: "VRDGPP70A01F205Z", Roles: []string{auth.RoleOperator},
		Comuni: []string{MilanIstat, "015182"}}
	deskAdmin = &auth.Principal{FirstParty: true, Subject: "admin", Roles: []string{auth.RoleAdmin}}
)

// queueCases are the work-queue pages the test and the benchmark read.
func queueCases() []struct {
	name string
	who  *auth.Principal
	args QueueArgs
	idx  string // the index the plan must use
} {
	twenty, seven := 20, 7
	return []struct {
		name string
		who  *auth.Principal
		args QueueArgs
		idx  string
	}{
		{"open-by-due-date", deskOperatorOfMilan, QueueArgs{First: &twenty}, "practice_queue_due_idx"},
		{"open-by-submission", deskOperatorOfMilan, QueueArgs{First: &twenty, Order: OrderSubmitted}, "practice_queue_submitted_idx"},
		{"due-within-7-days-unassigned", deskOperatorOfMilan, QueueArgs{First: &twenty,
			Filter: QueueFilter{DueWithinDays: &seven, Assigned: AssignedNobody}}, "practice_queue_due_idx"},
		{"mine", deskOperatorOfMilan, QueueArgs{First: &twenty, Filter: QueueFilter{Assigned: AssignedToMe}}, "practice_assignee_idx"},
		{"completed-by-due-date", deskOperatorOfMilan, QueueArgs{First: &twenty, Filter: QueueFilter{Statuses: []Status{StatusCompleted}}}, "practice_queue_due_idx"},
		{"admin-every-comune", deskAdmin, QueueArgs{First: &twenty}, "practice_queue_due_idx"},
	}
}

func explainLines(tb testing.TB, pool *pgxpool.Pool, sql string, args ...any) string {
	tb.Helper()
	rows, err := pool.Query(context.Background(), sql, args...)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			tb.Fatal(err)
		}
		plan = append(plan, l)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

// TestWorkQueueUsesItsIndexes: on 100,000 people's data the pages of the
// work queue are read through the queue indexes — with the plan chosen for
// the values and with the generic plan the pools force — never by a
// sequential scan of the practices.
func TestWorkQueueUsesItsIndexes(t *testing.T) {
	pool := seededPractices(t, peopleExplain)
	svc, err := NewService(NewStore(pool))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range queueCases() {
		t.Run(c.name, func(t *testing.T) {
			q, _, err := svc.queueQuery("test", c.who, c.args)
			if err != nil {
				t.Fatal(err)
			}
			sql, args := WorkQueueSQL(q)
			custom := explainLines(t, pool, "explain "+sql, args...)
			conn, err := pool.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Release()
			if _, err := conn.Exec(ctx, "set plan_cache_mode = force_generic_plan"); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Conn().Prepare(ctx, "queue_"+strings.ReplaceAll(c.name, "-", "_"), sql); err != nil {
				t.Fatal(err)
			}
			var generic []string
			grows, err := conn.Query(ctx, "explain execute queue_"+strings.ReplaceAll(c.name, "-", "_")+"("+literals(args)+")")
			if err != nil {
				t.Fatal(err)
			}
			for grows.Next() {
				var l string
				_ = grows.Scan(&l)
				generic = append(generic, l)
			}
			grows.Close()
			if err := grows.Err(); err != nil {
				t.Fatal(err)
			}
			if err := conn.Conn().Deallocate(ctx, "queue_"+strings.ReplaceAll(c.name, "-", "_")); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, "reset plan_cache_mode"); err != nil {
				t.Fatal(err)
			}
			for name, plan := range map[string]string{"custom": custom, "generic": strings.Join(generic, "\n")} {
				if !strings.Contains(plan, c.idx) || strings.Contains(plan, "Seq Scan on practice") {
					t.Errorf("%s plan without %s:\n%s", name, c.idx, plan)
				}
			}
			t.Logf("custom plan:\n%s", custom)
		})
	}
}

// literals renders args as SQL literals for EXPLAIN EXECUTE.
func literals(args []any) string {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	out := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case []string:
			q := make([]string, len(v))
			for j, s := range v {
				q[j] = quote(s)
			}
			out[i] = "array[" + strings.Join(q, ", ") + "]::text[]"
		case time.Time:
			out[i] = quote(v.UTC().Format(time.RFC3339Nano))
		case string:
			out[i] = quote(v)
		default:
			out[i] = fmt.Sprint(v)
		}
	}
	return strings.Join(out, ", ")
}

// naiveQueueSQL is the obvious statement of a page of the queue, the
// benchmark's reference: one ordered scan of every comune and status of
// the filter at once, with the same indexes available.
const naiveQueueSQL = `select ` + practiceCols + ` from practices.practice p
	where p.comune = any($1::text[]) and p.status = any($2::text[])
	order by coalesce(p.due_by, 'infinity'::timestamptz), p.id limit $3`

// BenchmarkWorkQueue100k: pages of the work queue on 100,000 people's data
// through the service (the statement walking each comune and status range
// of the queue index), against two references measured in the same run:
// the obvious single statement (ORDER BY … LIMIT over every comune and
// status at once, same indexes) and the service's statement with index
// scans off.
func BenchmarkWorkQueue100k(b *testing.B) {
	pool := seededPractices(b, people100k)
	ctx := context.Background()
	noIndexCfg := pool.Config().Copy()
	noIndexCfg.ConnConfig.RuntimeParams["enable_indexscan"] = "off"
	noIndexCfg.ConnConfig.RuntimeParams["enable_bitmapscan"] = "off"
	noIndexCfg.ConnConfig.RuntimeParams["enable_indexonlyscan"] = "off"
	noIndex, err := pgxpool.NewWithConfig(ctx, noIndexCfg)
	if err != nil {
		b.Fatal(err)
	}
	defer noIndex.Close()
	svc, err := NewService(NewStore(pool))
	if err != nil {
		b.Fatal(err)
	}
	svcNoIndex, err := NewService(NewStore(noIndex))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range queueCases() {
		ctx := auth.WithPrincipal(ctx, c.who)
		b.Run(c.name+"/queue", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if p, err := svc.WorkQueue(ctx, c.args); err != nil || len(p.Practices) == 0 {
					b.Fatal(err, len(p.Practices))
				}
			}
		})
		if c.name == "open-by-due-date" || c.name == "admin-every-comune" {
			q, _, err := svc.queueQuery("bench", c.who, c.args)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(c.name+"/naive", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					rows, err := pool.Query(ctx, naiveQueueSQL, q.Comuni, q.Statuses, q.Limit)
					if err != nil {
						b.Fatal(err)
					}
					if l, err := collectPractices(rows); err != nil || len(l) == 0 {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(c.name+"/no-index", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svcNoIndex.WorkQueue(ctx, c.args); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("page-50-by-cursor/queue", func(b *testing.B) {
		ctx := auth.WithPrincipal(ctx, deskOperatorOfMilan)
		twenty := 20
		var after *string
		for range 49 {
			p, err := svc.WorkQueue(ctx, QueueArgs{First: &twenty, After: after})
			if err != nil || !p.HasNextPage {
				b.Fatal(err, "fewer than 50 pages")
			}
			after = &p.Cursors[len(p.Cursors)-1]
		}
		b.ReportAllocs()
		for b.Loop() {
			if p, err := svc.WorkQueue(ctx, QueueArgs{First: &twenty, After: after}); err != nil || len(p.Practices) == 0 {
				b.Fatal(err)
			}
		}
	})
	b.Run("counts-per-status/queue", func(b *testing.B) {
		ctx := auth.WithPrincipal(ctx, deskOperatorOfMilan)
		twenty := 20
		b.ReportAllocs()
		for b.Loop() {
			if p, err := svc.WorkQueue(ctx, QueueArgs{First: &twenty, Total: true, Counts: true}); err != nil || p.Total == 0 {
				b.Fatal(err)
			}
		}
	})
}
