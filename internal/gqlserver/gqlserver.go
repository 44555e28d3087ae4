// Package gqlserver assembles the gqlgen HTTP handler shared by every
// subgraph and the gateway: transports (GET, POST, SSE, WebSocket with
// graphql-transport-ws), introspection (which federation's _service needs),
// the parsed-query cache, automatic persisted queries, the request limits
// of internal/guard checked before validation, panic
// recovery, and the error presenter that maps [apperr] kinds to
// extensions.code while hiding internal causes.
package gqlserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/guard"
)

// Options tune a handler. The zero value is usable.
type Options struct {
	// AroundOperation, when set, derives the context of each operation,
	// e.g. to install per-operation dataloaders.
	AroundOperation func(ctx context.Context) context.Context
	// LoaderWait is how long the subgraph's per-operation dataloaders
	// gather keys before each batch (0: loader.DefaultWait).
	LoaderWait time.Duration
	// ComplexityLimit rejects operations above this complexity (0: none).
	ComplexityLimit int
	// Limits bound what a request may cost, checked before validation
	// (guard.Limits: 0 means the default, negative no limit). The body
	// limit is the HTTP front's (guard.LimitBody).
	Limits guard.Limits
	// Logger receives internal errors; nil means slog.Default().
	Logger *slog.Logger
	// Verifier authenticates WebSocket connection_init payloads; HTTP
	// requests are authenticated by auth.Middleware around the handler.
	Verifier auth.TokenVerifier
}

// New returns the gqlgen handler for es.
func New(es graphql.ExecutableSchema, opts Options) *handler.Server {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	srv := handler.New(es)
	srv.AddTransport(ExpiringWebsocket(transport.Websocket{
		KeepAlivePingInterval: 15 * time.Second,
		InitTimeout:           10 * time.Second,
		InitFunc:              wsInit(opts.Verifier),
	}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.SSE{}) // before POST, which accepts any JSON POST
	srv.AddTransport(guard.GET{})
	srv.AddTransport(guard.POST{Bufs: &sync.Pool{New: func() any { return new(bytes.Buffer) }}})
	limits := opts.Limits.Defaults()
	if es.Schema().Types["Upload"] != nil {
		// The GraphQL multipart request spec, for schemas taking files.
		srv.AddTransport(guard.Multipart{Limits: limits})
	}
	queries := guard.NewQueryCache[*ast.QueryDocument](1000)
	srv.SetQueryCache(queries)
	srv.SetValidationRulesFn(guard.Rules)
	srv.SetParserTokenLimit(max(limits.MaxTokens, 0))
	srv.Use(extension.Introspection{})
	srv.Use(SubscriptionExpiry{})
	// The limits before automatic persisted queries, which would store a
	// document before it is checked.
	srv.Use(guard.NewExtension(es.Schema(), limits, queries))
	srv.Use(extension.AutomaticPersistedQuery{Cache: guard.NewAPQCache(1000)})
	if opts.ComplexityLimit > 0 {
		srv.Use(extension.FixedComplexityLimit(opts.ComplexityLimit))
	}
	if opts.AroundOperation != nil {
		around := opts.AroundOperation
		srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
			return next(around(ctx))
		})
	}
	srv.SetErrorPresenter(Presenter(log))
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", p)
		return apperr.E("graphql", apperr.Internal, "internal error")
	})
	return srv
}

// Presenter converts resolver errors into client errors: kinded errors keep
// their message and get their code; anything else becomes a generic
// INTERNAL_SERVER_ERROR, logged with its cause.
func Presenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && gqlErr.Err == nil {
			// Already a client error (validation, parsing, or built by a resolver).
			if variableValueError(gqlErr) {
				return gqlErr
			}
			if gqlErr.Path == nil {
				gqlErr.Path = graphql.GetPath(ctx)
			}
			if gqlErr.Path == nil && gqlErr.Extensions["code"] == nil {
				// A request the transports refused (a malformed body, a
				// message gqlgen's transports word): the client's mistake.
				if gqlErr.Extensions == nil {
					gqlErr.Extensions = map[string]any{}
				}
				gqlErr.Extensions["code"] = guard.CodeBadRequest
			}
			return gqlErr
		}
		var ae *apperr.Error
		out := &gqlerror.Error{Path: graphql.GetPath(ctx)}
		if gqlErr != nil {
			out.Path, out.Locations = gqlErr.Path, gqlErr.Locations
			if out.Path == nil {
				out.Path = graphql.GetPath(ctx)
			}
		}
		if errors.As(err, &ae) && ae.Kind != apperr.Internal {
			out.Message = ae.Msg
			out.Extensions = map[string]any{"code": ae.Kind.Code()}
			return out
		}
		log.ErrorContext(ctx, "internal error", "err", err, "path", out.Path.String())
		out.Message = "internal error"
		out.Extensions = map[string]any{"code": apperr.Internal.Code()}
		return out
	}
}

// variableValueError rewrites an error of coercing the request's variable
// values (gqlparser's, coded GRAPHQL_VALIDATION_FAILED with a path under
// "variable") as the request error BAD_USER_INPUT naming the variable, as
// graphql-js and Apollo Server word it: the values are the client's input,
// the document itself is valid. It reports whether err was one.
func variableValueError(err *gqlerror.Error) bool {
	if len(err.Path) < 2 || err.Path[0] != ast.PathName("variable") || err.Extensions["code"] != errcode.ValidationFailed {
		return false
	}
	name, _ := err.Path[1].(ast.PathName)
	at := ""
	if len(err.Path) > 2 {
		at = " at " + strings.TrimPrefix(ast.Path(err.Path[2:]).String(), ".")
	}
	err.Message = fmt.Sprintf("Variable \"$%s\" got an invalid value%s: %s", name, at, err.Message)
	err.Path = nil
	err.Extensions["code"] = apperr.Invalid.Code()
	return true
}

func wsInit(v auth.TokenVerifier) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		p, err := auth.VerifyAuthorization(ctx, v, InitAuthorization(payload))
		if err != nil {
			return RefuseInit(ctx, err)
		}
		if p != nil {
			ctx = auth.WithPrincipal(ctx, p)
		}
		return ctx, nil, nil
	}
}

// Forbidden makes a refused connection_init close the WebSocket with
// graphql-transport-ws' 4403 Forbidden.
func Forbidden(ctx context.Context) context.Context {
	return transport.AppendCloseReason(transport.WithWebsocketCloseCode(ctx, 4403), "Forbidden")
}

// InitAuthorization is the Authorization of a graphql-transport-ws
// connection_init payload ("authorization" or "Authorization").
func InitAuthorization(payload transport.InitPayload) string {
	if a := payload.Authorization(); a != "" {
		return a
	}
	a, _ := payload["Authorization"].(string)
	return a
}

// Handle wraps h with auth.Middleware.
func Handle(v auth.TokenVerifier, h http.Handler) http.Handler {
	return auth.Middleware(v, h)
}

// Around returns o with f run on every operation's context after any
// AroundOperation hook o already has, e.g. to install a subgraph's
// per-operation dataloaders on top of the caller's hook.
func (o Options) Around(f func(context.Context) context.Context) Options {
	prev := o.AroundOperation
	if prev == nil {
		o.AroundOperation = f
		return o
	}
	o.AroundOperation = func(ctx context.Context) context.Context { return f(prev(ctx)) }
	return o
}
