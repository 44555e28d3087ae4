package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
)

// TestPublicListenerServesNoSubgraph: serve's public listener answers the
// gateway and health only; the subgraphs are on the internal listener,
// and the gateway reaches them in process.
func TestPublicListenerServesNoSubgraph(t *testing.T) {
	sgs := registry()
	pool := devdb.NewTestDB(t, migrations(sgs)...)
	g, err := buildGraph(pool, gqlserver.Options{}, sgs, gateway.Options{}, gateway.HandlerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	public, internal := http.NewServeMux(), http.NewServeMux()
	g.mountPublic(public)
	g.mountSubgraphs(internal)
	pub, in := httptest.NewServer(public), httptest.NewServer(internal)
	defer pub.Close()
	defer in.Close()
	for _, s := range sgs {
		resp, err := http.Post(pub.URL+"/subgraphs/"+s.name, "application/json", strings.NewReader(`{"query":"{ _service { sdl } }"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("public /subgraphs/%s: status %d", s.name, resp.StatusCode)
		}
		if r := post(t, in.URL+"/subgraphs/"+s.name, "", `{ _service { sdl } }`); len(r.Errors) > 0 || !strings.Contains(string(r.Data), "sdl") {
			t.Errorf("internal /subgraphs/%s: %+v", s.name, r)
		}
	}
	if r := post(t, pub.URL+"/graphql", "", `{ comuni(first: 1) { nodes { name } } }`); len(r.Errors) > 0 {
		t.Errorf("gateway: %+v", r.Errors)
	}
}

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:4001": true, "[::1]:4001": true, "localhost:4001": true,
		"0.0.0.0:4001": false, ":4001": false, "10.0.0.5:4001": false, "nonsense": false} {
		if got := loopback(addr); got != want {
			t.Errorf("loopback(%q) = %v", addr, got)
		}
	}
}
