package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/sync/singleflight"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/gateway/execute"
	"github.com/citizengraph/citizengraph/internal/gateway/plan"
	"github.com/citizengraph/citizengraph/internal/gateway/subscribe"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/internal/guard"
)

// Options configure a Gateway.
type Options struct {
	// Fetcher reaches the subgraphs. Nil means an HTTP fetcher over the
	// supergraph's routing URLs.
	Fetcher execute.Fetcher
	// Subscriber opens subscriptions on the subgraphs. Nil means
	// GraphQL-over-SSE to the supergraph's routing URLs.
	Subscriber subscribe.Subscriber
	// PlanCacheSize is the number of cached plans (default 1024).
	PlanCacheSize int
	// Limits bound what a request may cost, checked before validation
	// (guard.Limits: 0 means the default, negative no limit).
	Limits guard.Limits
	// MaxDepth, MaxAliases and MaxCost, when not 0, override those of
	// Limits (negative: no limit).
	MaxDepth, MaxAliases, MaxCost int
	// MaxSubscriptions bounds the subscriptions open at once (0: no
	// limit); one more is refused with SUBSCRIPTION_LIMIT_EXCEEDED.
	MaxSubscriptions int
	// MaxSubscriptionsPerClient bounds the subscriptions one client holds
	// open at once (0: no limit): a principal by its subject, an anonymous
	// caller by address (auth.ClientOf); one more is refused with
	// SUBSCRIPTION_LIMIT_EXCEEDED.
	MaxSubscriptionsPerClient int
	// EnabledLabels are progressive-override labels to treat as enabled
	// (percent(N) labels are rolled per request regardless).
	EnabledLabels []string
	// Logger receives operational logs; nil means slog.Default().
	Logger *slog.Logger
	// ExposePlans lets a request ask for its query plan with the header
	// Citizengraph-Expose-Query-Plan: true; it comes back in
	// extensions.queryPlan. For development and debugging.
	ExposePlans bool
	// Metrics, when set, receives the gateway's Prometheus metrics:
	// operations, subgraph requests, plan-cache misses, open subscriptions.
	Metrics prometheus.Registerer
	// Authorizer tells who the caller is, for the supergraph's
	// @authenticated and @requiresScopes: fields the caller may not see are
	// never fetched and answer null with UNAUTHORIZED_FIELD_OR_TYPE. Nil:
	// every caller is anonymous (protected fields are refused).
	Authorizer Authorizer
	// TrustSubgraphs leaves @authenticated and @requiresScopes to the
	// subgraphs: the gateway fetches protected fields for everyone.
	TrustSubgraphs bool
	// DedupInbound shares one execution among identical queries in flight
	// at once: same normalized operation, variables, forwarded headers and
	// caller (inbound.go says what the key holds). Never mutations or
	// subscriptions.
	DedupInbound bool
}

// ExposePlanHeader asks for the query plan in extensions.queryPlan, when
// Options.ExposePlans allows it.
const ExposePlanHeader = "Citizengraph-Expose-Query-Plan"

// Error codes of rejected operations.
const (
	CodeMaxDepth          = guard.CodeMaxDepth
	CodeMaxAliases        = guard.CodeMaxAliases
	CodeMaxCost           = guard.CodeMaxCost
	CodePlanningFailed    = "QUERY_PLANNING_FAILED"
	CodeIntrospection     = "INTROSPECTION_DISABLED"
	CodeInvalidVariable   = "BAD_USER_INPUT"
	CodeSubscriptionLimit = "SUBSCRIPTION_LIMIT_EXCEEDED"
)

// Gateway answers operations over a supergraph.
type Gateway struct {
	sg         *supergraph.Supergraph
	opts       Options
	limits     guard.Limits
	fetcher    execute.Fetcher
	subscriber subscribe.Subscriber
	arenas     execute.ArenaPool
	cache      *lru.Cache[string, *entry]
	flight     singleflight.Group
	built      atomic.Uint64
	open       atomic.Int64  // open subscriptions
	clients    clientQuota   // open subscriptions per client
	wsLimited  atomic.Uint64 // WebSocket connections closed over their message rate
	log        *slog.Logger
	percents   []percentLabel
	enabled    map[string]bool
	metrics    *metrics
	scopes     []string // plan.ScopeLabel of each scope the supergraph names
	bufs       sync.Pool
	// data recycles response data buffers: the JSON POST transport hands
	// them back once written.
	data sync.Pool
	// inbound shares executions of identical queries (DedupInbound).
	inbound inbound
	// forwarded are the headers the fetcher passes on to subgraphs
	// (canonical, sorted), nil when it does not tell: part of the
	// deduplication key.
	forwarded []string
	// params: the fetcher takes subgraph requests' parameters decoded
	// (execute.WithParams).
	params bool
}

type percentLabel struct {
	label string
	pct   float64
}

type entry struct {
	size atomic.Int64 // size of the last response, to preallocate the next
	plan *plan.Plan
	// labels are the override labels and condition variables the plan
	// (or the planning failure) depends on.
	labels []string
	err    *gqlerror.Error
	intro  bool
	// norm identifies the normalized operation under its labels: the
	// plan cache's key of the entry.
	norm string
}

// New returns a gateway over sg.
func New(sg *supergraph.Supergraph, opts Options) (*Gateway, error) {
	if sg == nil || sg.API == nil {
		return nil, errors.New("gateway: no supergraph")
	}
	if opts.PlanCacheSize <= 0 {
		opts.PlanCacheSize = 1024
	}
	c, err := lru.New[string, *entry](opts.PlanCacheSize)
	if err != nil {
		return nil, fmt.Errorf("gateway: plan cache: %w", err)
	}
	g := &Gateway{sg: sg, opts: opts, cache: c, log: opts.Logger, enabled: map[string]bool{}, limits: opts.limits()}
	g.bufs.New = func() any { return new(bytes.Buffer) }
	if g.log == nil {
		g.log = slog.Default()
	}
	g.fetcher = opts.Fetcher
	if g.fetcher == nil {
		g.fetcher = execute.NewHTTPFetcher(sg.URLs(), execute.HTTPOptions{})
	}
	if opts.Metrics != nil {
		if g.metrics, err = newMetrics(opts.Metrics, g); err != nil {
			return nil, fmt.Errorf("gateway: metrics: %w", err)
		}
	}
	g.forwarded = forwardedNames(g.fetcher)
	g.params = takesParams(g.fetcher)
	g.fetcher = observedFetcher{next: uploadFetcher{next: g.fetcher}, m: g.metrics, log: g.log}
	g.subscriber = opts.Subscriber
	if g.subscriber == nil {
		g.subscriber = subscribe.NewHTTP(sg.URLs(), subscribe.HTTPOptions{})
	}
	for _, l := range opts.EnabledLabels {
		g.enabled[l] = true
	}
	g.percents = percentLabels(sg)
	for _, s := range sg.AccessScopes {
		g.scopes = append(g.scopes, plan.ScopeLabel(s))
	}
	return g, nil
}

// limits are the request limits of the options, defaults filled in.
func (o Options) limits() guard.Limits {
	l := o.Limits
	for _, v := range []struct{ over, to *int }{{&o.MaxDepth, &l.MaxDepth}, {&o.MaxAliases, &l.MaxAliases}, {&o.MaxCost, &l.MaxCost}} {
		if *v.over != 0 {
			*v.to = *v.over
		}
	}
	return l.Defaults()
}

var percentRe = regexp.MustCompile(`^percent\((\d+(?:\.\d+)?)\)$`)

func percentLabels(sg *supergraph.Supergraph) []percentLabel {
	seen := map[string]bool{}
	var out []percentLabel
	for _, t := range sg.Types {
		for _, f := range t.Fields {
			for _, j := range f.Joins {
				if j.OverrideLabel == "" || seen[j.OverrideLabel] {
					continue
				}
				seen[j.OverrideLabel] = true
				if m := percentRe.FindStringSubmatch(j.OverrideLabel); m != nil {
					p, _ := strconv.ParseFloat(m[1], 64)
					out = append(out, percentLabel{label: j.OverrideLabel, pct: p})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].label < out[j].label })
	return out
}

// Supergraph returns the gateway's supergraph.
func (g *Gateway) Supergraph() *supergraph.Supergraph { return g.sg }

// Schema implements graphql.ExecutableSchema: the API schema.
func (g *Gateway) Schema() *ast.Schema { return g.sg.API }

// Complexity implements graphql.ExecutableSchema (limits are the
// gateway's own).
func (g *Gateway) Complexity(context.Context, string, string, int, map[string]any) (int, bool) {
	return 0, false
}

// Exec implements graphql.ExecutableSchema.
func (g *Gateway) Exec(ctx context.Context) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc == nil || oc.Operation == nil {
		return graphql.OneShot(graphql.ErrorResponse(ctx, "no operation"))
	}
	if ctx.Err() != nil {
		// The client is gone: plan and fetch nothing.
		return oneError("the request was cancelled", guard.CodeRequestCancelled)
	}
	start := time.Now()
	kind := string(oc.Operation.Operation)
	if kind == "" {
		kind = string(ast.Query)
	}
	if err := (variableCheck{api: g.sg.API}).MutateOperationContext(ctx, oc); err != nil {
		g.metrics.operation(kind, start, true)
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{err}})
	}
	labels := g.accessLabels(ctx, oc, g.labels())
	e := g.plan(oc, labels)
	if e.err != nil {
		g.metrics.operation(kind, start, true)
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{e.err}})
	}
	if e.intro && oc.DisableIntrospection {
		return oneError("introspection is disabled", CodeIntrospection)
	}
	h := incomingHeaders(ctx, oc)
	if h != nil {
		ctx = execute.WithForwardHeaders(ctx, h)
	}
	ctx = execute.WithRequestID(ctx, execute.NewRequestID())
	if oc.Operation.Operation == ast.Subscription {
		return g.subscription(ctx, oc, e, start)
	}
	res, ok := g.execute(ctx, oc, e, labels, h)
	if oc.Operation.Operation == ast.Mutation {
		// Queries sent after this answer no longer join executions
		// that began before it.
		g.inbound.writes.Add(1)
	}
	if !ok {
		g.metrics.ended(kind, start, outcomeCancelled)
		return oneError("the request was cancelled", guard.CodeRequestCancelled)
	}
	if clientGone(ctx) {
		g.metrics.ended(kind, start, outcomeCancelled)
	} else {
		g.metrics.operation(kind, start, len(res.Errors) > 0)
	}
	resp := &graphql.Response{Data: res.Data, Errors: res.Errors}
	if !g.opts.ExposePlans || oc.Headers.Get(ExposePlanHeader) != "true" {
		return graphql.OneShot(resp)
	}
	// Extensions live in the response context, which gqlgen makes for the
	// call of the handler, not for Exec.
	sent := false
	return func(ctx context.Context) *graphql.Response {
		if sent {
			return nil
		}
		sent = true
		graphql.RegisterExtension(ctx, "queryPlan", e.plan.String())
		graphql.RegisterExtension(ctx, "subgraphFetches", len(e.plan.Fetches))
		return resp
	}
}

func oneError(msg, code string) graphql.ResponseHandler {
	return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{Message: msg, Extensions: map[string]any{"code": code}}}})
}

// labels rolls the percent labels for one request.
func (g *Gateway) labels() map[string]bool {
	if len(g.percents) == 0 {
		return g.enabled
	}
	on := make(map[string]bool, len(g.enabled)+len(g.percents))
	for l := range g.enabled {
		on[l] = true
	}
	for _, p := range g.percents {
		if g.enabled[p.label] || rand.Float64()*100 < p.pct {
			on[p.label] = true
		}
	}
	return on
}

// plan returns the cached plan of the operation under labels, building it
// once. A plan is cached per roll of only the override labels it consulted:
// the first lookup, keyed by the operation alone, yields a plan and the
// labels it depends on (none for most operations: done); the next is keyed
// by this request's roll of those labels, and so on until the plan found
// consulted no label outside its key.
func (g *Gateway) plan(oc *graphql.OperationContext, labels map[string]bool) *entry {
	var used []string
	for {
		e := g.planKeyed(oc, labels, labelKey(used, labels, oc.Variables))
		if covers(used, e.labels) {
			return e
		}
		for _, l := range e.labels {
			if !slices.Contains(used, l) {
				used = append(used, l)
			}
		}
		slices.Sort(used)
	}
}

// labelKey is the roll of the used labels, as part of a cache key; a
// label "$name" is a variable that decided an @skip/@include.
func labelKey(used []string, labels map[string]bool, vars map[string]any) string {
	var b strings.Builder
	for _, l := range used {
		b.WriteString(l)
		if name, ok := strings.CutPrefix(l, "$"); ok {
			switch v, _ := vars[name].(bool); {
			case vars[name] == nil:
				b.WriteString("=null,")
			case v:
				b.WriteString("=1,")
			default:
				b.WriteString("=0,")
			}
			continue
		}
		if labels[l] {
			b.WriteString("=1,")
		} else {
			b.WriteString("=0,")
		}
	}
	return b.String()
}

func covers(used, labels []string) bool {
	for _, l := range labels {
		if !slices.Contains(used, l) {
			return false
		}
	}
	return true
}

// planKeyed is the cache lookup under one label key. The cache is keyed by
// the normalized operation — the parsed document printed canonically, so
// whitespace, comments and formatting do not matter — with the raw query
// text as a fast alias in front of it.
func (g *Gateway) planKeyed(oc *graphql.OperationContext, labels map[string]bool, labelKey string) *entry {
	raw := "r\x00" + labelKey + "\x00" + oc.OperationName + "\x00" + oc.RawQuery
	if e, ok := g.cache.Get(raw); ok {
		return e
	}
	var norm strings.Builder
	norm.WriteString(labelKey)
	norm.WriteByte(0)
	norm.WriteString(oc.OperationName)
	norm.WriteByte(0)
	formatter.NewFormatter(&norm).FormatQueryDocument(oc.Doc)
	sum := sha256.Sum256([]byte(norm.String()))
	key := "n\x00" + hex.EncodeToString(sum[:])
	v, _, _ := g.flight.Do(key, func() (any, error) {
		if e, ok := g.cache.Get(key); ok {
			return e, nil
		}
		g.built.Add(1)
		e := g.build(oc, labels)
		e.norm = key
		g.cache.Add(key, e)
		return e, nil
	})
	e := v.(*entry)
	g.cache.Add(raw, e)
	return e
}

// PlansBuilt is the number of query plans built so far: misses of the plan
// cache, for metrics and tests.
func (g *Gateway) PlansBuilt() uint64 { return g.built.Load() }

func (g *Gateway) build(oc *graphql.OperationContext, labels map[string]bool) (e *entry) {
	defer func() {
		if r := recover(); r != nil {
			g.log.Error("query planning panicked", "panic", r, "operation", oc.OperationName)
			e = &entry{err: &gqlerror.Error{Message: "query planning failed", Extensions: map[string]any{"code": CodePlanningFailed}}}
		}
	}()
	// The handler checked the document before validation; the operation
	// is checked again here for other handlers (gqlserver.New over a
	// gateway), with the plan cached either way.
	m := guard.Measure(g.sg.API, oc.Doc, oc.Operation)
	if err := g.limits.CheckMeasures(m); err != nil {
		return &entry{err: err}
	}
	p, err := plan.BuildWithOptions(g.sg, oc.Doc, oc.Operation, plan.Options{EnabledLabels: labels, Variables: oc.Variables, Authorize: g.authorizing()})
	if err != nil {
		g.log.Warn("query planning failed", "err", err, "operation", oc.OperationName)
		var pe *plan.Error
		errors.As(err, &pe)
		e := &entry{err: &gqlerror.Error{Message: err.Error(), Extensions: map[string]any{"code": CodePlanningFailed}}}
		if pe != nil {
			e.labels = pe.Labels
		}
		return e
	}
	return &entry{plan: p, labels: p.Labels, intro: m.Introspection}
}

// HandlerOptions configure Handler.
type HandlerOptions struct {
	// Logger for internal errors; nil means the gateway's logger.
	Logger *slog.Logger
	// KeepAlive is the WebSocket ping interval (default 15s).
	KeepAlive time.Duration
	// InitTimeout is how long a WebSocket may stay open without its
	// connection_init (default 10s).
	InitTimeout time.Duration
	// TrustedDocuments are operations clients may send by id alone
	// (extensions.persistedQuery.sha256Hash).
	TrustedDocuments TrustedDocuments
	// RequireTrusted refuses every operation that is not a trusted
	// document (PERSISTED_QUERY_NOT_IN_LIST), and with it automatic
	// persisted queries, which would register any.
	RequireTrusted bool
	// AllowedOrigins are the browser origins ("https://portale.example.it")
	// allowed to call the gateway across origins (CORS) and to open
	// WebSockets; "*" allows any. Empty: same-origin only.
	AllowedOrigins []string
	// Inner, when set, wraps the GraphQL handler inside the CORS layer
	// (e.g. token verification), so that its refusals carry CORS headers.
	Inner func(http.Handler) http.Handler
	// Introspection answers __schema and __type; off, they are refused
	// with INTROSPECTION_DISABLED (the production default: the schema is
	// no map for strangers).
	Introspection bool
	// RateLimit, when set, wraps the GraphQL handler inside Inner (so that
	// it sees the verified principal) and behind the front's checks.
	RateLimit func(http.Handler) http.Handler
	// WSMessageRate is the messages per second a WebSocket client may
	// send, sustained, with WSMessageBurst at once above it; one more
	// closes the connection with 4429 (0: DefaultWSMessageRate and
	// DefaultWSMessageBurst; a negative rate: no limit).
	WSMessageRate  float64
	WSMessageBurst int
	// MaxSubscriptionsPerConnection bounds the subscriptions open at once
	// on one WebSocket; one more is refused with
	// SUBSCRIPTION_LIMIT_EXCEEDED (0: the default,
	// DefaultMaxSubscriptionsPerConnection; negative: no limit).
	MaxSubscriptionsPerConnection int
	// VerifyInit, when set, checks the Authorization of a WebSocket
	// connection_init payload; an error refuses the connection. Without
	// it the token is only forwarded, and the subgraphs verify it.
	VerifyInit func(ctx context.Context, authorization string) error
}

// Handler returns the HTTP handler of the gateway: POST, GET, automatic
// persisted queries, the parsed-query cache and the error presenter of
// internal/gqlserver, and subscriptions over WebSocket
// (graphql-transport-ws) and Server-Sent Events.
func (g *Gateway) Handler(opts HandlerOptions) http.Handler {
	log := opts.Logger
	if log == nil {
		log = g.log
	}
	if opts.KeepAlive <= 0 {
		opts.KeepAlive = 15 * time.Second
	}
	if opts.InitTimeout <= 0 {
		opts.InitTimeout = 10 * time.Second
	}
	srv := handler.New(g)
	srv.AddTransport(limitedWebsocket{ws: transport.Websocket{
		KeepAlivePingInterval: opts.KeepAlive,
		InitTimeout:           opts.InitTimeout,
		InitFunc:              wsInit(opts.VerifyInit),
		Implementation:        transport.CoderWebsocketImplementation{AcceptOptions: websocket.AcceptOptions{OriginPatterns: originHosts(opts.AllowedOrigins)}},
	}, wrap: gqlserver.ExpiringWebsocket, limits: limitsOf(opts, func() { g.wsLimited.Add(1) })})
	// SSE before the JSON POST transport, which would accept its requests.
	srv.AddTransport(transport.SSE{KeepAlivePingInterval: opts.KeepAlive})
	// The first transport answers JSON POSTs, writing the gateway's
	// pre-rendered data without re-encoding it; gqlgen's own transports
	// serve GET and the rest.
	srv.AddTransport(guard.POST{Bufs: &g.bufs, Data: &g.data})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(guard.GET{})
	srv.AddTransport(transport.POST{})
	if g.sg.API.Types["Upload"] != nil {
		// The GraphQL multipart request spec: files are forwarded to the
		// subgraphs whose fetches take them (uploadFetcher).
		srv.AddTransport(guard.Multipart{Limits: g.limits})
	}
	queries := guard.NewQueryCache[*ast.QueryDocument](1000)
	srv.SetQueryCache(queries)
	srv.SetValidationRulesFn(guard.Rules)
	srv.SetParserTokenLimit(max(g.limits.MaxTokens, 0))
	if opts.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(gqlserver.SubscriptionExpiry{})
	if len(opts.TrustedDocuments) > 0 || opts.RequireTrusted {
		srv.Use(trusted{docs: opts.TrustedDocuments, require: opts.RequireTrusted})
	}
	// The limits after the trusted documents (which fill in a query from
	// its id) and before automatic persisted queries, which would store a
	// document before it is checked: a query they fill in was checked when
	// it was stored.
	srv.Use(guard.NewExtension(g.sg.API, g.limits, queries))
	srv.Use(variableCheck{api: g.sg.API})
	if !opts.RequireTrusted {
		srv.Use(extension.AutomaticPersistedQuery{Cache: guard.NewAPQCache(1000)})
	}
	srv.SetErrorPresenter(gqlserver.Presenter(log))
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic while executing an operation", "panic", p)
		return &gqlerror.Error{Message: "internal error", Extensions: map[string]any{"code": "INTERNAL_SERVER_ERROR"}}
	})
	var h http.Handler = auth.WithPeer(srv)
	if opts.RateLimit != nil {
		h = opts.RateLimit(h)
	}
	if opts.Inner != nil {
		h = opts.Inner(h)
	}
	h = guard.Front(guard.FrontOptions{MaxBodyBytes: g.limits.MaxBodyBytes, MaxUploadBytes: g.limits.MaxUploadBytes, AllowedOrigins: opts.AllowedOrigins}, h)
	if len(opts.AllowedOrigins) == 0 {
		return h
	}
	// Bearer tokens, not cookies: no credentials mode.
	return cors.New(cors.Options{
		AllowedOrigins: opts.AllowedOrigins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: append([]string{"Content-Type", "Accept", "Authorization", "Traceparent", "Tracestate"}, guard.RequiredPreflightHeaders...),
		MaxAge:         600,
	}).Handler(h)
}

// originHosts turns allowed origins into coder/websocket's host patterns.
func originHosts(origins []string) []string {
	var out []string
	for _, o := range origins {
		if o == "*" {
			return []string{"*"}
		}
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			out = append(out, u.Host)
		}
	}
	return out
}
