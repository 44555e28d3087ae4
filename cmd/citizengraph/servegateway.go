package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gateway/execute"
	"github.com/citizengraph/citizengraph/internal/gateway/subscribe"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
	"github.com/citizengraph/citizengraph/schema"
)

// gatewayHandler is the federation gateway over the composed supergraph,
// fetching from and subscribing to the subgraph handlers in process (same
// wire contract as HTTP, no sockets), with v verifying the tokens of HTTP
// requests and WebSocket connections.
func gatewayHandler(handlers map[string]http.Handler, v auth.TokenVerifier, opts gateway.Options, hopts gateway.HandlerOptions) (http.Handler, error) {
	sg, err := supergraph.Parse(schema.Supergraph())
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	for name := range sg.URLs() {
		if _, ok := handlers[name]; !ok {
			return nil, fmt.Errorf("gateway: the supergraph names subgraph %q, which this binary does not serve", name)
		}
	}
	opts.Fetcher = execute.NewInProcessFetcher(handlers)
	opts.Subscriber = subscribe.NewInProcess(handlers)
	opts.Authorizer = authorizer(v)
	gw, err := gateway.New(sg, opts)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	hopts.Inner = func(h http.Handler) http.Handler { return auth.Middleware(v, h) }
	hopts.VerifyInit = func(ctx context.Context, authorization string) error {
		_, err := auth.VerifyAuthorization(ctx, v, authorization)
		return err
	}
	return sharedLookups(gw.Handler(hopts)), nil
}
