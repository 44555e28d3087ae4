package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/citizengraph/citizengraph/internal/gateway"
)

// frontFlags are the flags of the gateway's front door, the same on serve
// and gateway.
type frontFlags struct {
	origins, trusted, metricsAddr *string
	requireTrusted, exposePlans   *bool
	maxSubscriptions              *int
}

func addFrontFlags(fs *flag.FlagSet) frontFlags {
	return frontFlags{
		origins:          fs.String("cors-origins", envOr("CORS_ORIGINS", ""), "comma-separated browser origins allowed to call /graphql and open WebSockets (* for any; empty: same origin)"),
		trusted:          fs.String("trusted-documents", "", "persisted query manifest (Apollo's format, or an object of sha256 to text): operations clients may send by id"),
		requireTrusted:   fs.Bool("require-trusted-documents", false, "run only the trusted documents (PERSISTED_QUERY_NOT_IN_LIST for anything else); needs --trusted-documents"),
		exposePlans:      fs.Bool("expose-query-plans", false, "answer the header Citizengraph-Expose-Query-Plan: true with the query plan in extensions.queryPlan (development)"),
		maxSubscriptions: fs.Int("max-subscriptions", 10000, "maximum subscriptions open at once (0: none)"),
		metricsAddr:      fs.String("metrics-addr", envOr("METRICS_ADDR", ""), "serve Prometheus metrics at /metrics on this address (off when empty)"),
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
			Metrics:          startMetrics(ctx, *f.metricsAddr),
			MaxSubscriptions: *f.maxSubscriptions,
			ExposePlans:      *f.exposePlans,
		}, gateway.HandlerOptions{
			AllowedOrigins:   commaList(*f.origins),
			TrustedDocuments: trusted,
			RequireTrusted:   *f.requireTrusted,
		}, nil
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
