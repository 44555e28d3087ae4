// Command testsubgraphs serves the gatewaytest subgraphs on one address, each
// at /NAME, for recording goldens through a reference gateway (see
// ../../oracle/README.md). POST /reset replaces every subgraph's data with a
// fresh copy, so each recorded case starts from the same state.
package main

import (
	"flag"
	"log"
	"net/http"
	"time"

	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4300", "listen address")
	slow := flag.Duration("slow", 3*time.Second, "delay of the faults subgraph's slow field")
	flag.Parse()

	w := subgraphs.NewWorld(subgraphs.Options{SlowDelay: *slow})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /reset", func(rw http.ResponseWriter, _ *http.Request) {
		w.Reset()
		rw.WriteHeader(http.StatusNoContent)
	})
	for _, sg := range w.Subgraphs() {
		mux.Handle("/"+sg.Name, w.Handler(sg.Name))
	}
	log.Printf("test subgraphs listening on http://%s/{name}", *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}
