package main

import (
	"log/slog"
	"os"
	"runtime/debug"
)

// defaultGCPercent is the GC target of serve. Its heap is small and almost
// all of its allocation is per-request data that dies at once; at Go's
// default of 100 the collector runs every few requests. 400 cut gateway CPU
// per request by about a quarter on the federation benchmark for about
// twice the (still small) resident memory.
const defaultGCPercent = 400

// gatewayGCPercent is the GC target of the gateway command. On a quiet
// machine, at 50 connections on the federation benchmark in full-work mode,
// 200 peaked at 93 MB resident and 100 at 70 MB, for the same throughput
// (1.01x) and CPU per request (0.94x, within the runs' noise): the
// subgraphs, not the gateway, bound that workload, and a request's garbage
// is small since bodies and buffers are recycled (README, Measuring).
const gatewayGCPercent = 100

// tuneGC applies pct unless the operator set GOGC explicitly.
func tuneGC(pct int) {
	if os.Getenv("GOGC") != "" || pct <= 0 {
		return
	}
	old := debug.SetGCPercent(pct)
	slog.Debug("gc target", "percent", pct, "was", old)
}
