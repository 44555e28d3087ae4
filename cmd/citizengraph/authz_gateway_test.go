package main

import (
	"strings"

	"github.com/citizengraph/citizengraph/internal/gateway"
)

// signedInOnly are the matrix rows whose operation is marked @authenticated
// (no scope): the gateway refuses them to anonymous callers.
var signedInOnly = map[string]bool{
	"Query.me": true, "Query.serviceStats": true,
	"Mutation.createPaymentPosition": true, "Mutation.publishPaymentPosition": true, "Mutation.invalidatePaymentPosition": true,
}

// atGateway is a cell's expected outcome through the gateway, which
// honours @authenticated and @requiresScopes before any subgraph sees the
// request: where the subgraph would refuse an anonymous caller
// (UNAUTHENTICATED) or an app without the operation's scope (FORBIDDEN),
// the gateway answers UNAUTHORIZED_FIELD_OR_TYPE and fetches nothing.
// Every other cell is the same on both paths.
func atGateway(op *matrixOp, actor, want string) string {
	row := strings.SplitN(op.name, " ", 2)[0]
	switch {
	case actor == anon && (op.scope != "" || signedInOnly[row]):
		return gateway.CodeUnauthorized
	case (actor == appMissing || actor == appNone) && op.scope != "":
		return gateway.CodeUnauthorized
	}
	return want
}
