package main

import (
	"context"
	"fmt"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/gateway"
)

// authorizer tells the gateway who the caller is, for @authenticated and
// @requiresScopes: the principal the token middleware verified, or, on a
// WebSocket, the connection_init's token verified with v (cached).
func authorizer(v auth.TokenVerifier) gateway.Authorizer {
	return func(ctx context.Context, authorization string) (bool, func(string) bool) {
		p := auth.FromContext(ctx)
		if p == nil && authorization != "" && v != nil {
			p, _ = auth.VerifyAuthorization(ctx, v, authorization)
		}
		if p == nil {
			return false, nil
		}
		return true, p.Allows
	}
}

// authorizationMode applies the gateway command's --authorization: with
// "gateway" (the default) the gateway, which verifies no token, treats
// every caller as anonymous and refuses the supergraph's protected fields
// itself; with "subgraphs" it fetches them and leaves the decision to the
// subgraphs, which must verify tokens and enforce the directives.
func authorizationMode(mode string, opts *gateway.Options) error {
	switch mode {
	case "gateway", "":
		opts.Authorizer = nil
	case "subgraphs":
		opts.TrustSubgraphs = true
	default:
		return fmt.Errorf("--authorization: want gateway or subgraphs, got %q", mode)
	}
	return nil
}
