// Command testsubgraphs serves the gatewaytest subgraphs on one address, each
// at /NAME, for recording goldens through a reference gateway (see
// ../../oracle/README.md). POST /reset replaces every subgraph's data with a
// fresh copy, so each recorded case starts from the same state.
package main

import (
	"flag"
	"log"
	"net/http"
	"sync"
	"time"

	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4300", "listen address")
	slow := flag.Duration("slow", 3*time.Second, "delay of the faults subgraph's slow field")
	flag.Parse()

	w := &world{opts: subgraphs.Options{SlowDelay: *slow}}
	w.reset()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /reset", func(rw http.ResponseWriter, _ *http.Request) {
		w.reset()
		rw.WriteHeader(http.StatusNoContent)
	})
	for _, sg := range subgraphs.New(w.opts) {
		name := sg.Name
		mux.HandleFunc("/"+name, func(rw http.ResponseWriter, r *http.Request) {
			w.handler(name).ServeHTTP(rw, r)
		})
	}
	log.Printf("test subgraphs listening on http://%s/{name}", *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}

type world struct {
	opts     subgraphs.Options
	mu       sync.Mutex
	handlers map[string]http.Handler
}

func (w *world) reset() {
	hs := map[string]http.Handler{}
	for _, sg := range subgraphs.New(w.opts) {
		hs[sg.Name] = sg.Handler
	}
	w.mu.Lock()
	w.handlers = hs
	w.mu.Unlock()
}

func (w *world) handler(name string) http.Handler {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.handlers[name]
}
