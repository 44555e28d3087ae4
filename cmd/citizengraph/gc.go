package main

import (
	"log/slog"
	"os"
	"runtime/debug"
)

// defaultGCPercent is the GC target of the gateway processes. A gateway's
// heap is small and almost all of its allocation is per-request response
// data that dies at once; at Go's default of 100 the collector runs every
// few requests. 400 cut gateway CPU per request by about a quarter on the
// federation benchmark for about twice the (still small) resident memory.
const defaultGCPercent = 400

// tuneGC applies pct unless the operator set GOGC explicitly.
func tuneGC(pct int) {
	if os.Getenv("GOGC") != "" || pct <= 0 {
		return
	}
	old := debug.SetGCPercent(pct)
	slog.Debug("gc target", "percent", pct, "was", old)
}
