package main

import (
	"context"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/auth/devissuer"
	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/internal/guard"
	"github.com/citizengraph/citizengraph/internal/web"
	"github.com/citizengraph/citizengraph/schema"
)

func runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", envOr("ADDR", "127.0.0.1:4000"), "public listen address: the gateway, health and readiness")
	subgraphsAddr := fs.String("subgraphs-addr", envOr("SUBGRAPHS_ADDR", "127.0.0.1:4001"), "internal listen address of the subgraphs at /subgraphs/<name> (keep it off the public network; empty: not served over HTTP, the gateway reaches them in process either way)")
	issuer := fs.String("oidc-issuer", envOr("OIDC_ISSUER", ""), "OpenID Connect issuer of bearer tokens")
	audience := fs.String("oidc-audience", envOr("OIDC_AUDIENCE", "citizengraph"), "expected token audience")
	keyRefresh := addKeyRefreshFlag(fs)
	gcPercent := fs.Int("gc-percent", defaultGCPercent, "Go GC target percentage (GOGC, which wins when set)")
	front := addFrontFlags(fs)
	docFlags := addDocumentFlags(fs)
	loaderWait := fs.Duration("loader-wait", 0, "how long subgraph dataloaders gather keys before each batch (0: 1ms)")
	debugAddr := fs.String("debug-addr", "", "serve net/http/pprof on this address (off when empty)")
	dev := fs.Bool("dev-issuer", false, "DEVELOPMENT ONLY: serve an OIDC issuer at /dev/oidc that signs tokens for any fiscal code")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tuneGC(*gcPercent)
	gwOpts, hOpts, err := front.options(ctx)
	if err != nil {
		return err
	}
	if *dev {
		hOpts.Introspection = true // GraphiQL and codegen against a development server
	}
	// The faces' own operations are always trusted documents: the pages
	// send them by id.
	faceDocs, err := web.TrustedDocuments()
	if err != nil {
		return err
	}
	hOpts.TrustedDocuments = mergeTrusted(faceDocs, hOpts.TrustedDocuments)
	docs, err := docFlags.config()
	if err != nil {
		return err
	}
	sgs := registryWith(docs)
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
	mux := http.NewServeMux()
	var v auth.TokenVerifier
	webOpts := web.Options{Config: web.Config{Issuer: *issuer, Clients: map[string]string{"portal": portalClient, "desk": deskClient}, DevIssuer: *dev, Introspection: hOpts.Introspection}}
	if *issuer != "" {
		webOpts.ConnectSources = []string{*issuer}
	}
	if *dev {
		iss, err := devissuer.New("http://"+*addr+"/dev/oidc", *audience,
			devissuer.WithClients(devClients(*addr)...), devissuer.WithDirectory(seededAccounts{pool}))
		if err != nil {
			return err
		}
		mux.Handle("/dev/oidc/", http.StripPrefix("/dev/oidc", iss.Handler()))
		v = iss.Verifier()
		webOpts.Config.Issuer = iss.URL()
		slog.Warn("DEVELOPMENT issuer enabled: anyone can get a token", "token_endpoint", iss.URL()+"/token", "sign_in", iss.URL()+"/authorize")
	} else {
		v = verifier(ctx, *issuer, *audience, *keyRefresh)
	}
	mux.Handle("/readyz", auth.ReadyHandler(v))
	g, err := buildGraph(pool, gqlserver.Options{Verifier: v, LoaderWait: *loaderWait, Limits: gwOpts.Limits}, sgs, gwOpts, hOpts)
	if err != nil {
		return err
	}
	if hOpts.Introspection {
		sg, err := supergraph.Parse(schema.Supergraph())
		if err != nil {
			return err
		}
		owners := web.OwnersOf(sg)
		webOpts.Owners = &owners
	}
	if g.faces, err = web.New(webOpts); err != nil {
		return err
	}
	g.mountPublic(mux)
	mountCalendar(mux, pool, hOpts.RateLimit)
	serveDebug(ctx, *debugAddr)
	if *subgraphsAddr == "" {
		slog.Info("citizengraph listening", "graphql", "http://"+*addr+"/graphql")
		return listenAndServe(ctx, *addr, mux)
	}
	if !loopback(*subgraphsAddr) {
		slog.Warn("the subgraphs listen beyond loopback: keep --subgraphs-addr off the public network", "addr", *subgraphsAddr)
	}
	internal := http.NewServeMux()
	g.mountSubgraphs(internal)
	internal.HandleFunc("/healthz", healthz(pool))
	slog.Info("citizengraph listening", "graphql", "http://"+*addr+"/graphql", "subgraphs", "http://"+*subgraphsAddr+"/subgraphs/<name>")
	errc := make(chan error, 2)
	go func() { errc <- listenAndServe(ctx, *subgraphsAddr, internal) }()
	go func() { errc <- listenAndServe(ctx, *addr, mux) }()
	err = <-errc
	if ctx.Err() == nil {
		return err // one listener failed: the command ends
	}
	if err2 := <-errc; err == nil {
		err = err2
	}
	return err
}

// loopback reports whether addr (host:port) names a loopback host.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// graph is the product's HTTP handlers: every subgraph, and the gateway
// over them, fetching in process.
type graph struct {
	subgraphs map[string]http.Handler
	gateway   http.Handler
	health    http.HandlerFunc
	faces     *web.Handler // the portal, the desk and the explorer; nil: none
	// routes are the subgraphs' public routes, by path, under the rate
	// limit.
	routes map[string]http.Handler
}

// buildGraph builds every subgraph's handler and the gateway over them
// (with gwOpts and hOpts); opts.Verifier authenticates both.
func buildGraph(pool *pgxpool.Pool, opts gqlserver.Options, sgs []subgraph, gwOpts gateway.Options, hOpts gateway.HandlerOptions) (*graph, error) {
	g := &graph{subgraphs: make(map[string]http.Handler, len(sgs)), health: healthz(pool), routes: map[string]http.Handler{}}
	for _, s := range sgs {
		g.subgraphs[s.name] = subgraphHandler(s, pool, opts)
		if s.public != nil {
			for path, h := range s.public(pool, opts) {
				if hOpts.RateLimit != nil {
					h = hOpts.RateLimit(h)
				}
				g.routes[path] = h
			}
		}
	}
	gw, err := gatewayHandler(g.subgraphs, opts.Verifier, gwOpts, hOpts)
	if err != nil {
		return nil, err
	}
	g.gateway = gw
	return g, nil
}

// mountPublic mounts what the public listener serves: the gateway at
// /graphql, /healthz, the subgraphs' public routes (document downloads)
// and the faces (the portal at /, the desk at /operatore, the explorer at
// /explorer, their assets under /static/).
func (g *graph) mountPublic(mux *http.ServeMux) {
	mux.Handle("/graphql", g.gateway)
	mux.HandleFunc("/healthz", g.health)
	for path, h := range g.routes {
		mux.Handle(path, h)
	}
	if g.faces != nil {
		g.faces.Mount(mux)
	}
}

// mountSubgraphs mounts every subgraph at /subgraphs/<name>, for the
// internal listener.
func (g *graph) mountSubgraphs(mux *http.ServeMux) {
	for name, h := range g.subgraphs {
		mux.Handle("/subgraphs/"+name, h)
	}
}

// subgraphHandler is a subgraph's GraphQL handler with its HTTP front
// (methods, CSRF prevention, content types, the body limit) and token
// verification.
func subgraphHandler(s subgraph, pool *pgxpool.Pool, opts gqlserver.Options) http.Handler {
	limits := opts.Limits.Defaults()
	return guard.Front(guard.FrontOptions{MaxBodyBytes: limits.MaxBodyBytes, MaxUploadBytes: limits.MaxUploadBytes}, auth.Middleware(opts.Verifier, s.handler(pool, opts)))
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

// mergeTrusted is the union of trusted document sets (ids are the SHA-256
// of the text, so the same id is the same document).
func mergeTrusted(sets ...gateway.TrustedDocuments) gateway.TrustedDocuments {
	out := gateway.TrustedDocuments{}
	for _, s := range sets {
		for id, text := range s {
			out[id] = text
		}
	}
	return out
}
