package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gateway/execute"
	"github.com/citizengraph/citizengraph/internal/gateway/subscribe"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
	"github.com/citizengraph/citizengraph/internal/guard"
)

// subgraphFlags collects repeated --subgraph name=url flags.
type subgraphFlags map[string]string

func (s subgraphFlags) String() string { return fmt.Sprint(map[string]string(s)) }

func (s subgraphFlags) Set(v string) error {
	name, url, ok := strings.Cut(v, "=")
	if !ok || name == "" || url == "" {
		return fmt.Errorf("want name=url, got %q", v)
	}
	s[name] = url
	return nil
}

func runGateway(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	file := fs.String("supergraph", "", "supergraph SDL file (Apollo join format)")
	addr := fs.String("addr", "127.0.0.1:4000", "listen address")
	timeout := fs.Duration("subgraph-timeout", 30*time.Second, "timeout of each subgraph request")
	front := addFrontFlags(fs)
	dedup := fs.Bool("dedup-inflight", true, "share identical concurrent subgraph queries (same body and forwarded headers)")
	forward := fs.String("forward-headers", strings.Join(execute.DefaultForwardHeaders(), ","), "comma-separated incoming headers passed on to subgraphs (empty: none)")
	debugAddr := fs.String("debug-addr", "", "serve net/http/pprof on this address (off when empty)")
	gcPercent := fs.Int("gc-percent", gatewayGCPercent, "Go GC target percentage (GOGC, which wins when set); responses are short-lived garbage, so a higher target trades memory for CPU")
	authorization := fs.String("authorization", "gateway", "who enforces the supergraph's @authenticated and @requiresScopes: gateway (this gateway verifies no token, so protected fields answer UNAUTHORIZED_FIELD_OR_TYPE to everyone) or subgraphs (fetched for everyone; the subgraphs verify tokens and decide)")
	overrides := subgraphFlags{}
	fs.Var(overrides, "subgraph", "override a subgraph's routing URL: name=url (repeatable)")
	rateBy := fs.String("rate-limit-by", "address", "how --rate-limit names a client: address (the remote address, whatever the token) or principal (the subject of a bearer token verified against --oidc-issuer, so that one token is one client from any address and the people behind one address are each their own; requests without a valid token by address)")
	issuer := fs.String("oidc-issuer", envOr("OIDC_ISSUER", ""), "OpenID Connect issuer whose tokens --rate-limit-by principal verifies (the gateway authorizes nothing with them: the subgraphs verify tokens and decide)")
	audience := fs.String("oidc-audience", envOr("OIDC_AUDIENCE", "citizengraph"), "expected token audience, with --oidc-issuer")
	keyRefresh := addKeyRefreshFlag(fs)
	protocols := subgraphFlags{}
	fs.Var(protocols, "subscription-protocol", "upstream subscription protocol of a subgraph, name=sse|ws, or *=ws for all (repeatable; default sse)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tuneGC(*gcPercent)
	if *file == "" {
		return fmt.Errorf("--supergraph is required")
	}
	sdl, err := os.ReadFile(*file)
	if err != nil {
		return fmt.Errorf("read supergraph: %w", err)
	}
	sg, err := supergraph.Parse(string(sdl))
	if err != nil {
		return err
	}
	urls := sg.URLs()
	for name, url := range overrides {
		if _, ok := urls[name]; !ok {
			return fmt.Errorf("--subgraph %s: the supergraph has no subgraph %q", name, name)
		}
		urls[name] = url
	}
	protos, err := subscriptionProtocols(protocols, urls)
	if err != nil {
		return err
	}
	opts, hopts, err := front.options(ctx)
	if err != nil {
		return err
	}
	if err := authorizationMode(*authorization, &opts); err != nil {
		return err
	}
	ready, err := principalRateLimit(ctx, *rateBy, *issuer, *audience, *keyRefresh, front, &hopts)
	if err != nil {
		return err
	}
	opts.Fetcher = execute.NewHTTPFetcher(urls, execute.HTTPOptions{Timeout: *timeout, DedupInflight: *dedup, ForwardHeaders: commaList(*forward)})
	opts.Subscriber = subscribe.NewHTTP(urls, subscribe.HTTPOptions{ForwardHeaders: commaList(*forward), Protocols: protos})
	gw, err := gateway.New(sg, opts)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", gw.Handler(hopts))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.Handle("/readyz", ready)
	serveDebug(ctx, *debugAddr)
	slog.Info("gateway listening", "url", "http://"+*addr+"/graphql", "subgraphs", len(urls))
	return listenAndServe(ctx, *addr, mux)
}

// commaList parses a comma-separated flag (--forward-headers,
// --cors-origins): never nil, so an empty --forward-headers forwards nothing.
func commaList(s string) []string {
	out := []string{}
	for _, h := range strings.Split(s, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}

// subscriptionProtocols resolves --subscription-protocol flags against the
// supergraph's subgraphs; "*" sets every subgraph without a flag of its own.
func subscriptionProtocols(flags subgraphFlags, urls map[string]string) (map[string]subscribe.Protocol, error) {
	out := map[string]subscribe.Protocol{}
	if all, ok := flags["*"]; ok {
		p, err := subscribe.ParseProtocol(all)
		if err != nil {
			return nil, fmt.Errorf("--subscription-protocol: %w", err)
		}
		for name := range urls {
			out[name] = p
		}
	}
	for name, v := range flags {
		if name == "*" {
			continue
		}
		if _, ok := urls[name]; !ok {
			return nil, fmt.Errorf("--subscription-protocol %s: the supergraph has no subgraph %q", name, name)
		}
		p, err := subscribe.ParseProtocol(v)
		if err != nil {
			return nil, fmt.Errorf("--subscription-protocol: %w", err)
		}
		out[name] = p
	}
	return out, nil
}

// principalRateLimit keys the gateway's rate limit by the verified
// principal under --rate-limit-by principal (with a verifier of issuer's
// tokens), and returns the readiness handler: 503 until the issuer's keys
// are known when there is a verifier, else always ready.
func principalRateLimit(ctx context.Context, by, issuer, audience string, keyRefresh time.Duration, front frontFlags, hopts *gateway.HandlerOptions) (http.Handler, error) {
	switch by {
	case "address", "":
		return auth.ReadyHandler(nil), nil
	case "principal":
	default:
		return nil, fmt.Errorf("--rate-limit-by: want address or principal, got %q", by)
	}
	if issuer == "" {
		return nil, errors.New("--rate-limit-by principal needs --oidc-issuer to verify tokens")
	}
	v := auth.StartVerifier(ctx, issuer, audience, auth.VerifierOptions{KeyRefreshInterval: keyRefresh})
	if l := guard.NewRateLimiter(*front.ratePerSecond, *front.rateBurst); l != nil {
		hopts.RateLimit = l.WithKey(guard.VerifiedKey(v)).Wrap
	}
	return auth.ReadyHandler(v), nil
}
