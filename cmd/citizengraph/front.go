package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"

	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/guard"
)

// frontFlags are the flags of the gateway's front door, the same on serve
// and gateway.
type frontFlags struct {
	origins, trusted, metricsAddr *string
	requireTrusted, exposePlans   *bool
	dedupInbound                  *bool
	introspection                 *bool
	maxSubscriptions              *int
	maxSubsPerClient              *int
	limits                        limitFlags
	ratePerSecond                 *float64
	rateBurst                     *int
}

// limitFlags are the request limits, the same on the gateway and the
// subgraphs (internal/guard).
type limitFlags struct {
	body, upload                                               *int64
	tokens, depth, aliases, fields, cost, fragments, fragDepth *int
}

func addLimitFlags(fs *flag.FlagSet) limitFlags {
	return limitFlags{
		body:      fs.Int64("max-body-bytes", guard.DefaultMaxBodyBytes, "largest request body in bytes (413 REQUEST_TOO_LARGE; -1: no limit)"),
		upload:    fs.Int64("max-upload-bytes", guard.DefaultMaxUploadBytes, "largest files of one multipart upload request together, in bytes (its operations and map are bounded by --max-body-bytes; 413 REQUEST_TOO_LARGE; -1: no limit)"),
		tokens:    fs.Int("max-tokens", guard.DefaultMaxTokens, "most lexical tokens in a query document (MAX_TOKENS_EXCEEDED; -1: no limit)"),
		depth:     fs.Int("max-depth", guard.DefaultMaxDepth, "deepest field nesting, fragments expanded (MAX_DEPTH_EXCEEDED; -1: no limit)"),
		aliases:   fs.Int("max-aliases", guard.DefaultMaxAliases, "most aliases per operation, fragments expanded (MAX_ALIASES_EXCEEDED; -1: no limit)"),
		fields:    fs.Int("max-fields", guard.DefaultMaxFields, "most fields per document, fragments expanded (MAX_FIELDS_EXCEEDED; -1: no limit)"),
		cost:      fs.Int("max-cost", guard.DefaultMaxCost, "highest operation cost: 1 per field, times 10 under a list (MAX_COST_EXCEEDED; -1: no limit)"),
		fragments: fs.Int("max-fragments", guard.DefaultMaxFragments, "most fragment definitions per document (MAX_FRAGMENTS_EXCEEDED; -1: no limit)"),
		fragDepth: fs.Int("max-fragment-depth", guard.DefaultMaxFragmentDepth, "longest chain of fragments spreading fragments (MAX_FRAGMENT_DEPTH_EXCEEDED; -1: no limit)"),
	}
}

// value returns the limits the flags set (a flag set to 0 means its default).
func (f limitFlags) value() guard.Limits {
	return guard.Limits{MaxBodyBytes: *f.body, MaxTokens: *f.tokens, MaxDepth: *f.depth, MaxAliases: *f.aliases,
		MaxFields: *f.fields, MaxCost: *f.cost, MaxFragments: *f.fragments, MaxFragmentDepth: *f.fragDepth,
		MaxUploadBytes: *f.upload}
}

func addFrontFlags(fs *flag.FlagSet) frontFlags {
	return frontFlags{
		origins:          fs.String("cors-origins", envOr("CORS_ORIGINS", ""), "comma-separated browser origins allowed to call /graphql and open WebSockets (* for any; empty: same origin)"),
		trusted:          fs.String("trusted-documents", "", "persisted query manifest (Apollo's format, or an object of sha256 to text): operations clients may send by id"),
		requireTrusted:   fs.Bool("require-trusted-documents", false, "run only the trusted documents (PERSISTED_QUERY_NOT_IN_LIST for anything else); needs --trusted-documents"),
		exposePlans:      fs.Bool("expose-query-plans", false, "answer the header Citizengraph-Expose-Query-Plan: true with the query plan in extensions.queryPlan (development)"),
		maxSubscriptions: fs.Int("max-subscriptions", 10000, "maximum subscriptions open at once (0: none)"),
		maxSubsPerClient: fs.Int("max-subscriptions-per-client", defaultMaxSubscriptionsPerClient, "maximum subscriptions one client holds open at once: a signed-in caller by token subject, an anonymous one by address (0: none)"),
		metricsAddr:      fs.String("metrics-addr", envOr("METRICS_ADDR", ""), "serve Prometheus metrics at /metrics on this address (off when empty)"),
		limits:           addLimitFlags(fs),
		introspection:    fs.Bool("introspection", false, "answer introspection (__schema, __type) on /graphql; serve --dev-issuer turns it on"),
		ratePerSecond:    fs.Float64("rate-limit", guard.DefaultRatePerSecond, "requests per second each client may send, sustained (a verified token's subject, else the remote address; 429 RATE_LIMITED; 0: no limit)"),
		rateBurst:        fs.Int("rate-burst", guard.DefaultRateBurst, "requests a client may send at once above --rate-limit"),
		dedupInbound:     fs.Bool("dedup-inbound", true, "identical queries in flight at once share one execution; identical means the same normalized operation, variables, every forwarded header (Authorization included) and caller, so different callers never share an answer; never mutations or subscriptions, and never across a mutation this gateway answered"),
	}
}

// options reads the trusted documents, starts the metrics listener when one
// is asked for, and returns the gateway and handler options the flags set.
func (f frontFlags) options(ctx context.Context) (gateway.Options, gateway.HandlerOptions, error) {
	trusted, err := loadTrusted(*f.trusted, *f.requireTrusted)
	if err != nil {
		return gateway.Options{}, gateway.HandlerOptions{}, err
	}
	return gateway.Options{
			Metrics:                   startMetrics(ctx, *f.metricsAddr),
			MaxSubscriptions:          *f.maxSubscriptions,
			MaxSubscriptionsPerClient: *f.maxSubsPerClient,
			ExposePlans:               *f.exposePlans,
			Limits:                    f.limits.value(),
			DedupInbound:              *f.dedupInbound,
		}, gateway.HandlerOptions{
			AllowedOrigins:   commaList(*f.origins),
			RateLimit:        rateLimit(*f.ratePerSecond, *f.rateBurst),
			Introspection:    *f.introspection,
			TrustedDocuments: trusted,
			RequireTrusted:   *f.requireTrusted,
		}, nil
}

// rateLimit is the per-client rate limit, nil when off.
func rateLimit(perSecond float64, burst int) func(http.Handler) http.Handler {
	if l := guard.NewRateLimiter(perSecond, burst); l != nil {
		return l.Wrap
	}
	return nil
}

// loadTrusted reads the --trusted-documents file, if any.
func loadTrusted(file string, require bool) (gateway.TrustedDocuments, error) {
	if file == "" {
		if require {
			return nil, errors.New("--require-trusted-documents needs --trusted-documents")
		}
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--trusted-documents: %w", err)
	}
	return gateway.ParseTrustedDocuments(b)
}

// defaultMaxSubscriptionsPerClient is --max-subscriptions-per-client's
// default: room for a portal following a handful of practices in several
// tabs, far from one client holding every slot.
const defaultMaxSubscriptionsPerClient = 20
