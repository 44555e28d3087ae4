package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
)

func runSubgraph(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("subgraph", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:4001", "listen address")
	issuer := fs.String("oidc-issuer", envOr("OIDC_ISSUER", ""), "OpenID Connect issuer of bearer tokens")
	audience := fs.String("oidc-audience", envOr("OIDC_AUDIENCE", "citizengraph"), "expected token audience")
	keyRefresh := addKeyRefreshFlag(fs)
	loaderWait := fs.Duration("loader-wait", 0, "how long dataloaders gather keys before each batch (0: 1ms)")
	limits := addLimitFlags(fs)
	docFlags := addDocumentFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: citizengraph subgraph [flags] NAME")
	}
	sgs, err := lookup(fs.Args())
	if err != nil {
		return err
	}
	if sgs[0].public != nil {
		docs, err := docFlags.config()
		if err != nil {
			return err
		}
		sgs = []subgraph{practicesEntry(docs)}
	}
	pool, err := openDB(ctx, sgs)
	if err != nil {
		return err
	}
	defer pool.Close()
	stopConsumers, err := startConsumers(ctx, pool, subgraphNames(sgs))
	if err != nil {
		return err
	}
	defer stopConsumers()
	v := verifier(ctx, *issuer, *audience, *keyRefresh)
	mux := http.NewServeMux()
	mux.Handle("/readyz", auth.ReadyHandler(v))
	opts := gqlserver.Options{Verifier: v, LoaderWait: *loaderWait, Limits: limits.value()}
	mux.Handle("/graphql", subgraphHandler(sgs[0], pool, opts))
	if sgs[0].public != nil {
		// The download links point here (--public-url): route them from
		// the public network to this path.
		mountRoutes(mux, sgs[0].public(pool, opts), nil)
	}
	mux.HandleFunc("/healthz", healthz(pool))
	slog.Info("subgraph listening", "name", sgs[0].name, "url", "http://"+*addr+"/graphql")
	return listenAndServe(ctx, *addr, mux)
}

// listenAndServe serves h on addr until ctx is done, then shuts down:
// ordinary requests may finish, while subscriptions (SSE streams and
// WebSocket connections, which would never finish) are ended at once.
func listenAndServe(ctx context.Context, addr string, h http.Handler) error {
	streams, endStreams := context.WithCancel(context.Background())
	defer endStreams()
	srv := &http.Server{Addr: addr, Handler: endOnShutdown(streams, h), ReadHeaderTimeout: 10 * time.Second}
	srv.RegisterOnShutdown(endStreams)
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// endOnShutdown cancels the context of streaming requests when streams is
// done.
func endOnShutdown(streams context.Context, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") && !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			h.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		defer context.AfterFunc(streams, cancel)()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}
