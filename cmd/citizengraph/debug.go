package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/pprof"
)

// serveDebug serves net/http/pprof on addr until ctx ends; nothing when
// addr is empty. Keep addr off the public network.
func serveDebug(ctx context.Context, addr string) {
	if addr == "" {
		return
	}
	if !loopback(addr) {
		slog.Warn("the debug listener (pprof) listens beyond loopback: keep --debug-addr off the public network", "addr", addr)
	}
	dbg := http.NewServeMux()
	dbg.HandleFunc("/debug/pprof/", pprof.Index)
	dbg.HandleFunc("/debug/pprof/profile", pprof.Profile)
	dbg.HandleFunc("/debug/pprof/trace", pprof.Trace)
	dbg.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	go func() {
		if err := listenAndServe(ctx, addr, dbg); err != nil {
			slog.Error("debug listener", "err", err)
		}
	}()
}
