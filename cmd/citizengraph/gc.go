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

// gatewayGCPercent is the GC target of the gateway command. With subgraph
// bodies and response buffers recycled, a request allocates about a third
// of what it did when 400 was chosen: at 200 the collector does less work
// per request than it did then, and the heap goal (three times the live
// heap) holds peak memory at 50 connections on the federation benchmark
// under 80 MB (README, Measuring).
const gatewayGCPercent = 200

// tuneGC applies pct unless the operator set GOGC explicitly.
func tuneGC(pct int) {
	if os.Getenv("GOGC") != "" || pct <= 0 {
		return
	}
	old := debug.SetGCPercent(pct)
	slog.Debug("gc target", "percent", pct, "was", old)
}
