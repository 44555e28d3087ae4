package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/db"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// BenchmarkServeCPU is the fascicolo of BenchmarkFascicolo measured by
// CPU time instead of elapsed time, which on a shared machine depends on
// everybody's load: per request, the process's CPU (cpu-ns/op: the
// gateway, the in-process subgraphs and the benchmark's client) and
// Postgres's (pg-cpu-ns/op: every process of the local server, read from
// /proc; absent when the server is not local), for the graph and, in the
// same run, the hand-written SQL reference; the graph reports its total
// over the reference's (x-floor-cpu). Same database as BenchmarkFascicolo
// (CITIZENGRAPH_BENCH_DATABASE_URL, or 2,000 seeded people).
func BenchmarkServeCPU(b *testing.B) {
	ctx := context.Background()
	url := os.Getenv("CITIZENGRAPH_BENCH_DATABASE_URL")
	seed := url == ""
	if seed {
		url = devdb.TestURL(b, migrations(registry())...)
	}
	pool, err := db.Open(ctx, url)
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
	var fc string
	if err := pool.QueryRow(ctx, `select p.applicant_fiscal_code from practices.practice p
		join payments.positions x on x.practice_id = p.id::text
		group by 1 order by count(distinct p.id) desc, 1 limit 1`).Scan(&fc); err != nil {
		b.Fatal(err)
	}
	var backend int
	if err := pool.QueryRow(ctx, `select pg_backend_pid()`).Scan(&backend); err != nil {
		b.Fatal(err)
	}
	pg := postmasterOf(backend)
	g := newFascicoloGraph(b, pool)
	token := g.token(b, fc)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	want := fascicoloReference(b, pool, fc)
	if got := g.fetch(b, client, token); !bytes.Equal(got, want) {
		b.Fatalf("the graph answered\n%s\nthe SQL reference\n%s", got, want)
	}
	for _, clients := range []int{1, 50} {
		var floor float64
		run := func(b *testing.B, op func(b *testing.B)) float64 {
			b.ReportAllocs()
			cpu, pgCPU := processCPU(), childrenCPU(pg)
			if clients == 1 {
				for b.Loop() {
					op(b)
				}
			} else {
				b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						op(b)
					}
				})
			}
			own := float64(processCPU()-cpu) / float64(b.N)
			b.ReportMetric(own, "cpu-ns/op")
			total := own
			if pg > 0 {
				pgPer := float64(childrenCPU(pg)-pgCPU) / float64(b.N)
				b.ReportMetric(pgPer, "pg-cpu-ns/op")
				total += pgPer
			}
			return total
		}
		b.Run(fmt.Sprintf("sql/clients=%d", clients), func(b *testing.B) {
			floor = run(b, func(b *testing.B) { fascicoloReference(b, pool, fc) })
		})
		b.Run(fmt.Sprintf("graph/clients=%d", clients), func(b *testing.B) {
			total := run(b, func(b *testing.B) { g.fetch(b, client, token) })
			if floor > 0 {
				b.ReportMetric(total/floor, "x-floor-cpu")
			}
		})
	}
}

// postmasterOf is the parent of the Postgres backend with process id pid,
// when it runs on this machine and /proc tells (0 otherwise).
func postmasterOf(pid int) int {
	_, ppid, ok := procCPU(pid)
	if !ok {
		return 0
	}
	return ppid
}

// childrenCPU sums the CPU time of the processes whose parent is pid (a
// postmaster's backends and workers; those that ended in between are not
// counted).
func childrenCPU(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var sum time.Duration
	for _, d := range dirs {
		p, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		if cpu, ppid, ok := procCPU(p); ok && ppid == pid {
			sum += cpu
		}
	}
	return sum
}

// clockTicks is the kernel's USER_HZ, the unit of /proc/<pid>/stat times.
const clockTicks = 100

// procCPU reads the CPU time (user and system) and the parent of process
// pid from /proc.
func procCPU(pid int) (cpu time.Duration, ppid int, ok bool) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	// The command name is in parentheses and may hold spaces.
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:])
	// f[0] is the state (field 3): ppid is field 4, utime 14, stime 15.
	if len(f) < 13 {
		return 0, 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTicks, ppid, true
}
