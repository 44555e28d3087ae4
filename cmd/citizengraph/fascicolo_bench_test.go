package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/auth/devissuer"
	"github.com/citizengraph/citizengraph/internal/db"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// fascicoloQuery is a citizen's fascicolo: their practices with service,
// history, comune and payments, and their latest messages.
const fascicoloQuery = `query Fascicolo { me { displayName practices(first: 10) { nodes { status protocolNumber dueBy service { title } history { status at } comune { name } payments { iupd installments { noticeNumber amountCents status dueDate } } } } messages(first: 10) { nodes { subject createdAt readAt } } } }`

// fascicoloSQL is the hand-written reference of fascicoloQuery for the
// citizen with fiscal code $1: one statement producing the gateway's
// response bytes.
var fascicoloSQL = func() string {
	// ts renders a timestamptz as Go's RFC 3339 (UTC, trailing zeros of the
	// fraction dropped), or null.
	ts := func(col string) string {
		return `coalesce('"' || to_char(` + col + ` at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
			|| coalesce('.' || nullif(rtrim(to_char(` + col + ` at time zone 'UTC', 'US'), '0'), ''), '') || 'Z"', 'null')`
	}
	str := func(col string) string { return `coalesce(to_json(` + col + `)::text, 'null')` }
	return `with me as (select id, given_name || ' ' || family_name as display_name from identity.person where fiscal_code = $1),
	pr as (select p.* from practices.practice p join me on p.applicant_id = me.id
		where p.applicant_fiscal_code = $1 order by p.created_at desc, p.id desc limit 10)
	select '{"data":{"me":' || coalesce((select '{"displayName":' || ` + str("me.display_name") + `
		|| ',"practices":{"nodes":[' || coalesce((select string_agg('{"status":' || ` + str("pr.status") + `
			|| ',"protocolNumber":' || ` + str("pr.protocol_number") + `
			|| ',"dueBy":' || ` + ts("pr.due_by") + `
			|| ',"service":{"title":' || (select ` + str("s.title") + ` from practices.service s where s.id = pr.service_id) || '}'
			|| ',"history":[' || coalesce((select string_agg('{"status":' || ` + str("h.status") + ` || ',"at":' || ` + ts("h.at") + ` || '}', ',' order by h.at, h.id)
				from practices.status_change h where h.practice_id = pr.id), '') || ']'
			|| ',"comune":{"name":' || (select ` + str("c.name") + ` from territory.comune c where c.istat_code = pr.comune) || '}'
			|| ',"payments":[' || coalesce((select string_agg('{"iupd":' || ` + str("x.iupd") + `
				|| ',"installments":[' || coalesce((select string_agg('{"noticeNumber":' || ` + str("i.notice_number") + `
					|| ',"amountCents":' || i.amount_cents || ',"status":' || ` + str("i.status") + `
					|| ',"dueDate":"' || to_char(i.due_date, 'YYYY-MM-DD') || '"}', ',' order by i.seq)
					from payments.installments i where i.position_iupd = x.iupd), '') || ']}', ',' order by x.created_at, x.iupd)
				from payments.positions x where x.practice_id = pr.id::text and x.debtor_fiscal_code = $1), '') || ']'
			|| '}', ',' order by pr.created_at desc, pr.id desc) from pr), '') || ']}'
		|| ',"messages":{"nodes":[' || coalesce((select string_agg('{"subject":' || ` + str("m.subject") + `
			|| ',"createdAt":' || ` + ts("m.created_at") + ` || ',"readAt":' || ` + ts("m.read_at") + ` || '}', ',' order by m.created_at desc, m.id desc)
			from (select * from identity.message where recipient_id = me.id order by created_at desc, id desc limit 10) m), '') || ']}'
		|| '}' from me), 'null') || '}}'`
}()

// fascicoloGraph is the whole graph served as serve does, over pool, with
// a development issuer whose tokens are verified once and then cached.
type fascicoloGraph struct {
	iss *devissuer.Issuer
	srv *httptest.Server
}

func newFascicoloGraph(tb testing.TB, pool *pgxpool.Pool) *fascicoloGraph {
	tb.Helper()
	iss, err := devissuer.New("https://issuer.citizengraph.test", "citizengraph")
	if err != nil {
		tb.Fatal(err)
	}
	v := auth.NewStaticVerifierWith(iss.URL(), iss.Audience(), auth.VerifierOptions{}, iss.PublicKey())
	// CITIZENGRAPH_BENCH_LOADER_WAIT (a duration) sets the loaders' window,
	// to see what the windows cost.
	var wait time.Duration
	if w := os.Getenv("CITIZENGRAPH_BENCH_LOADER_WAIT"); w != "" {
		d, err := time.ParseDuration(w)
		if err != nil {
			tb.Fatal(err)
		}
		wait = d
	}
	mux := http.NewServeMux()
	if err := mountGraph(mux, pool, gqlserver.Options{Verifier: v, LoaderWait: wait}, registry(), gateway.Options{}, gateway.HandlerOptions{}); err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return &fascicoloGraph{iss: iss, srv: srv}
}

func (g *fascicoloGraph) token(tb testing.TB, fiscalCode string) string {
	tb.Helper()
	tok, err := g.iss.Token(auth.Claims{FiscalCode: fiscalCode, Roles: []string{auth.RoleCitizen}}, time.Hour)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// fetch posts the fascicolo query with token and returns the response body.
func (g *fascicoloGraph) fetch(tb testing.TB, client *http.Client, token string) []byte {
	body, _ := json.Marshal(map[string]any{"query": fascicoloQuery})
	req, _ := http.NewRequest(http.MethodPost, g.srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return bytes.TrimSpace(raw)
}

func fascicoloReference(tb testing.TB, pool *pgxpool.Pool, fiscalCode string) []byte {
	var out []byte
	if err := pool.QueryRow(context.Background(), fascicoloSQL, fiscalCode).Scan(&out); err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestFascicoloMatchesSQL checks, for every seeded citizen with a
// practice, a payment or a message (and one without anything), that the
// graph's answer and the hand-written SQL's answer are byte-identical, and
// that the answers are not trivial.
func TestFascicoloMatchesSQL(t *testing.T) {
	ctx := context.Background()
	pool, err := db.Open(ctx, devdb.TestURL(t, migrations(registry())...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	for _, s := range registry() {
		if err := s.seed(ctx, pool, seedgen.Params{People: 60, Seed: 5}); err != nil {
			t.Fatalf("seed %s: %v", s.name, err)
		}
	}
	g := newFascicoloGraph(t, pool)
	rows, err := pool.Query(ctx, `select fiscal_code from identity.person order by fiscal_code`)
	if err != nil {
		t.Fatal(err)
	}
	var people []string
	for rows.Next() {
		var fc string
		if err := rows.Scan(&fc); err != nil {
			t.Fatal(err)
		}
		people = append(people, fc)
	}
	if rows.Close(); rows.Err() != nil || len(people) < 60 {
		t.Fatalf("people %d: %v", len(people), rows.Err())
	}
	var withPractices, withPayments, withMessages int
	for _, fc := range people {
		want := fascicoloReference(t, pool, fc)
		got := g.fetch(t, http.DefaultClient, g.token(t, fc))
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: the graph answered\n%s\nthe SQL reference\n%s", fc, got, want)
		}
		s := string(got)
		if !strings.Contains(s, `"displayName":"`) {
			t.Fatalf("%s: no person in %s", fc, s)
		}
		if strings.Contains(s, `"status":`) {
			withPractices++
		}
		if strings.Contains(s, `"noticeNumber":`) {
			withPayments++
		}
		if strings.Contains(s, `"subject":`) {
			withMessages++
		}
	}
	if withPractices < 5 || withPayments < 3 || withMessages < 5 {
		t.Fatalf("too few rich fascicoli to compare: %d with practices, %d with payments, %d with messages", withPractices, withPayments, withMessages)
	}
	t.Logf("%d fascicoli identical: %d with practices, %d with payments, %d with messages", len(people), withPractices, withPayments, withMessages)
	// An unknown citizen has no fascicolo in the reference either. no fascicolo from either.
	if got := fascicoloReference(t, pool, "NOBODY0000000000"); string(got) != `{"data":{"me":null}}` {
		t.Fatalf("reference for an unknown citizen: %s", got)
	}
}

// BenchmarkFascicolo runs a citizen's fascicolo through the graph as serve
// builds it (gateway and in-process subgraphs, over HTTP on loopback, with
// serve's garbage collector target unless GOGC is set) and,
// in the same run, the hand-written SQL reference of the same answer, the
// floor. It reports the graph's statements per request and its ratio to
// the floor (x-floor), its median and 95th-percentile request times
// (p50-ns, p95-ns, for the SQL too) and the ratio of the medians
// (p50-x-floor), and the CPU per request of this process and of the
// database's backends together (cpu-ns/op) with its ratio to the floor's
// (cpu-x-floor), steadier than times on a shared machine. On CITIZENGRAPH_BENCH_DATABASE_URL (a database
// seeded with `citizengraph seed --people 100000`) it uses that database;
// otherwise a fresh one with 2,000 people.
func BenchmarkFascicolo(b *testing.B) {
	ctx := context.Background()
	url := os.Getenv("CITIZENGRAPH_BENCH_DATABASE_URL")
	seed := url == ""
	if seed {
		url = devdb.TestURL(b, migrations(registry())...)
	}
	qc := &devdb.QueryCounter{}
	pool, err := db.OpenWith(ctx, url, func(c *pgxpool.Config) { c.ConnConfig.Tracer = qc })
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	if seed {
		for _, s := range registry() {
			if err := s.seed(ctx, pool, seedgen.Params{People: 2000, Seed: 5}); err != nil {
				b.Fatal(err)
			}
		}
	}
	// The citizen with the most practices that carry payments, then messages.
	var fc string
	if err := pool.QueryRow(ctx, `select p.applicant_fiscal_code from practices.practice p
		join payments.positions x on x.practice_id = p.id::text
		group by 1 order by count(distinct p.id) desc, 1 limit 1`).Scan(&fc); err != nil {
		b.Fatal(err)
	}
	// The garbage collector's target serve runs with.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(defaultGCPercent))
	}
	g := newFascicoloGraph(b, pool)
	token := g.token(b, fc)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	want := fascicoloReference(b, pool, fc)
	if got := g.fetch(b, client, token); !bytes.Equal(got, want) {
		b.Fatalf("the graph answered\n%s\nthe SQL reference\n%s", got, want)
	}
	// One client, then 50 concurrent clients (throughput: ns/op is the
	// inverse of requests per second); the graph's x-floor is its ratio to
	// the SQL's ns/op at the same concurrency, p50-x-floor the ratio of the
	// median request times.
	for _, clients := range []int{1, 50} {
		var floor, floorP50 float64
		var floorCPU float64
		run := func(b *testing.B, reference bool, op func(b *testing.B)) *latencies {
			b.ReportAllocs()
			lat := &latencies{}
			cpu0, pg0 := processCPU(), postgresCPU(b, pool)
			qc.Reset()
			defer func() {
				b.ReportMetric(float64(qc.Count())/float64(b.N), "stmts/op")
				// CPU per request of this process (client, gateway and
				// subgraphs) and of the database's backends: on a shared
				// machine steadier than the times.
				cpu := float64(processCPU()-cpu0+postgresCPU(b, pool)-pg0) / float64(b.N)
				b.ReportMetric(cpu, "cpu-ns/op")
				if reference {
					floorCPU = cpu
				} else if floorCPU > 0 {
					b.ReportMetric(cpu/floorCPU, "cpu-x-floor")
				}
			}()
			if clients == 1 {
				for b.Loop() {
					start := time.Now()
					op(b)
					lat.add(time.Since(start))
				}
			} else {
				b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
				b.RunParallel(func(pb *testing.PB) {
					var own []time.Duration
					for pb.Next() {
						start := time.Now()
						op(b)
						own = append(own, time.Since(start))
					}
					lat.merge(own)
				})
			}
			b.ReportMetric(float64(lat.quantile(0.5).Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(lat.quantile(0.95).Nanoseconds()), "p95-ns")
			return lat
		}
		b.Run(fmt.Sprintf("sql/clients=%d", clients), func(b *testing.B) {
			lat := run(b, true, func(b *testing.B) { fascicoloReference(b, pool, fc) })
			floor = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			floorP50 = float64(lat.quantile(0.5).Nanoseconds())
		})
		b.Run(fmt.Sprintf("graph/clients=%d", clients), func(b *testing.B) {
			lat := run(b, false, func(b *testing.B) { g.fetch(b, client, token) })
			if floor > 0 {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/floor, "x-floor")
			}
			if floorP50 > 0 {
				b.ReportMetric(float64(lat.quantile(0.5).Nanoseconds())/floorP50, "p50-x-floor")
			}
		})
	}
}

// postgresCPU is the CPU time the database's client backends have used,
// read from /proc (0 where it cannot be read: a server on another host).
func postgresCPU(tb testing.TB, pool *pgxpool.Pool) time.Duration {
	var pids []int32
	if err := pool.QueryRow(context.Background(), `select coalesce(array_agg(pid), '{}') from pg_stat_activity
		where backend_type = 'client backend' and datname = current_database()`).Scan(&pids); err != nil {
		tb.Fatal(err)
	}
	var total time.Duration
	for _, pid := range pids {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// Fields after the command (which may hold spaces): state is the
		// 3rd field, utime and stime the 14th and 15th, in clock ticks.
		f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
		if len(f) < 13 {
			continue
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(ut+st) * time.Second / 100 // USER_HZ
	}
	return total
}

// latencies collects request times from one or several goroutines.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) { l.d = append(l.d, d) }

func (l *latencies) merge(d []time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d...)
	l.mu.Unlock()
}

// quantile returns the q-quantile (nearest rank) of the times, 0 when
// there are none.
func (l *latencies) quantile(q float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0
	}
	slices.Sort(l.d)
	i := int(math.Ceil(q*float64(len(l.d)))) - 1
	return l.d[min(max(i, 0), len(l.d)-1)]
}
