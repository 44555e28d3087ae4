package main

import (
	"context"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/auth/devissuer"
	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/internal/guard"
)

func runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", envOr("ADDR", "127.0.0.1:4000"), "listen address")
	issuer := fs.String("oidc-issuer", envOr("OIDC_ISSUER", ""), "OpenID Connect issuer of bearer tokens")
	audience := fs.String("oidc-audience", envOr("OIDC_AUDIENCE", "citizengraph"), "expected token audience")
	keyRefresh := addKeyRefreshFlag(fs)
	gcPercent := fs.Int("gc-percent", defaultGCPercent, "Go GC target percentage (GOGC, which wins when set)")
	front := addFrontFlags(fs)
	loaderWait := fs.Duration("loader-wait", 0, "how long subgraph dataloaders gather keys before each batch (0: 1ms)")
	dev := fs.Bool("dev-issuer", false, "DEVELOPMENT ONLY: serve an OIDC issuer at /dev/oidc that signs tokens for any fiscal code")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tuneGC(*gcPercent)
	gwOpts, hOpts, err := front.options(ctx)
	if err != nil {
		return err
	}
	sgs := registry()
	pool, err := openDB(ctx, sgs)
	if err != nil {
		return err
	}
	defer pool.Close()
	mux := http.NewServeMux()
	var v auth.TokenVerifier
	if *dev {
		iss, err := devissuer.New("http://"+*addr+"/dev/oidc", *audience)
		if err != nil {
			return err
		}
		mux.Handle("/dev/oidc/", http.StripPrefix("/dev/oidc", iss.Handler()))
		v = iss.Verifier()
		slog.Warn("DEVELOPMENT issuer enabled: anyone can get a token", "token_endpoint", iss.URL()+"/token")
	} else {
		v = verifier(ctx, *issuer, *audience, *keyRefresh)
	}
	mux.Handle("/readyz", auth.ReadyHandler(v))
	if err := mountGraph(mux, pool, gqlserver.Options{Verifier: v, LoaderWait: *loaderWait, Limits: gwOpts.Limits}, sgs, gwOpts, hOpts); err != nil {
		return err
	}
	slog.Info("citizengraph listening", "graphql", "http://"+*addr+"/graphql", "subgraphs", "http://"+*addr+"/subgraphs/<name>")
	return listenAndServe(ctx, *addr, mux)
}

// mountGraph mounts every subgraph at /subgraphs/<name>, the gateway over
// them at /graphql (with gwOpts and hOpts), and /healthz; opts.Verifier
// authenticates both.
func mountGraph(mux *http.ServeMux, pool *pgxpool.Pool, opts gqlserver.Options, sgs []subgraph, gwOpts gateway.Options, hOpts gateway.HandlerOptions) error {
	handlers := make(map[string]http.Handler, len(sgs))
	for _, s := range sgs {
		h := subgraphHandler(s, pool, opts)
		handlers[s.name] = h
		mux.Handle("/subgraphs/"+s.name, h)
	}
	if err := mountGateway(mux, handlers, opts.Verifier, gwOpts, hOpts); err != nil {
		return err
	}
	mux.HandleFunc("/healthz", healthz(pool))
	return nil
}

// subgraphHandler is a subgraph's GraphQL handler with its HTTP front: the
// body limit and token verification.
func subgraphHandler(s subgraph, pool *pgxpool.Pool, opts gqlserver.Options) http.Handler {
	return guard.LimitBody(opts.Limits.Defaults().MaxBodyBytes, auth.Middleware(opts.Verifier, s.handler(pool, opts)))
}

// verifier starts verifying issuer's tokens: an issuer that is down is
// retried with backoff, and meanwhile /readyz answers 503 and requests with
// tokens are refused with 503 UNAVAILABLE. Without an issuer, requests are
// anonymous and any bearer token is refused.
func verifier(ctx context.Context, issuer, audience string, keyRefresh time.Duration) auth.TokenVerifier {
	if issuer == "" {
		slog.Warn("no OIDC issuer configured: requests are anonymous and bearer tokens are refused")
		return nil
	}
	return auth.StartVerifier(ctx, issuer, audience, auth.VerifierOptions{KeyRefreshInterval: keyRefresh})
}

func addKeyRefreshFlag(fs *flag.FlagSet) *time.Duration {
	return fs.Duration("oidc-key-refresh", time.Minute, "least time between two fetches of the issuer's keys caused by tokens with an unknown key id")
}

func healthz(pool *pgxpool.Pool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := pool.Ping(r.Context()); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n")) //nolint:errcheck
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
