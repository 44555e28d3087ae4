package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// startMetrics serves Prometheus metrics at addr/metrics until ctx is done
// and returns the registry to record them in: the Go runtime's and the
// process's, plus whatever the caller registers. Empty addr: no metrics,
// nil registerer.
func startMetrics(ctx context.Context, addr string) prometheus.Registerer {
	if addr == "" {
		return nil
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	go func() {
		if err := listenAndServe(ctx, addr, mux); err != nil {
			slog.Error("metrics listener", "err", err)
		}
	}()
	slog.Info("metrics listening", "url", "http://"+addr+"/metrics")
	return reg
}
