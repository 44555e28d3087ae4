package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gateway/execute"
	"github.com/citizengraph/citizengraph/internal/gateway/subscribe"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
	"github.com/citizengraph/citizengraph/schema"
)

// edge configures the gateway's front: allowed browser origins, where
// metrics go (nil: nowhere), whether query plans may be asked for, the
// trusted documents.
type edge struct {
	origins        []string
	metrics        prometheus.Registerer
	exposePlans    bool
	trusted        gateway.TrustedDocuments
	requireTrusted bool
}

// mountGateway mounts the federation gateway at /graphql over the composed
// supergraph, fetching from and subscribing to the subgraph handlers in
// process (same wire contract as HTTP, no sockets).
func mountGateway(mux *http.ServeMux, handlers map[string]http.Handler, v auth.TokenVerifier, e edge) error {
	sg, err := supergraph.Parse(schema.Supergraph())
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	for name := range sg.URLs() {
		if _, ok := handlers[name]; !ok {
			return fmt.Errorf("gateway: the supergraph names subgraph %q, which this binary does not serve", name)
		}
	}
	gw, err := gateway.New(sg, gateway.Options{
		Fetcher:          execute.NewInProcessFetcher(handlers),
		Subscriber:       subscribe.NewInProcess(handlers),
		MaxSubscriptions: 10000,
		Metrics:          e.metrics,
		ExposePlans:      e.exposePlans,
	})
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	mux.Handle("/graphql", gw.Handler(gateway.HandlerOptions{
		AllowedOrigins:   e.origins,
		TrustedDocuments: e.trusted,
		RequireTrusted:   e.requireTrusted,
		Inner:            func(h http.Handler) http.Handler { return auth.Middleware(v, h) },
		VerifyInit: func(ctx context.Context, authorization string) error {
			_, err := auth.VerifyAuthorization(ctx, v, authorization)
			return err
		},
	}))
	return nil
}
