package gqlserver

import (
	"context"
	"errors"
	"net/http"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/citizengraph/citizengraph/internal/auth"
)

// CloseTryAgainLater is the WebSocket close code (RFC 6455 1013) of a
// connection_init refused because the token issuer is not reachable yet.
const CloseTryAgainLater = 1013

// RefuseInit is the answer of a WebSocket InitFunc whose connection_init
// Authorization was refused with err (from auth.VerifyAuthorization): the
// connection closes with 4403 Forbidden, or 1013 Try Again Later while the
// issuer is unreachable, after a connection error naming the cause.
func RefuseInit(ctx context.Context, err error) (context.Context, *transport.InitPayload, error) {
	r := auth.RefusalOf(err)
	if r.Status == http.StatusServiceUnavailable {
		ctx = transport.AppendCloseReason(transport.WithWebsocketCloseCode(ctx, CloseTryAgainLater), "Try Again Later")
		return ctx, nil, errors.New(r.Message)
	}
	return Forbidden(ctx), nil, errors.New(r.Message)
}
