package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/gqlserver"
	practicesres "github.com/citizengraph/citizengraph/resolvers/practices"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

// documentFlags configure the practices subgraph's documents: the limits
// of uploads and the signed download links (serve and subgraph).
type documentFlags struct {
	key, publicURL, types *string
	ttl                   *time.Duration
	maxBytes              *int64
}

func addDocumentFlags(fs *flag.FlagSet) documentFlags {
	return documentFlags{
		key:       fs.String("document-link-key", envOr("DOCUMENT_LINK_KEY", ""), fmt.Sprintf("secret of at least %d bytes signing document download links (HMAC-SHA256); the same on every process serving /documents/ (empty: a random key, links then work only on this process)", practices.MinLinkKey)),
		ttl:       fs.Duration("document-link-ttl", practices.DefaultLinkTTL, "how long a document download link works"),
		publicURL: fs.String("public-url", envOr("PUBLIC_URL", ""), "base URL of the public listener as clients reach it (e.g. https://servizi.example.it), for download links (empty: links are paths, /documents/…)"),
		maxBytes:  fs.Int64("max-document-bytes", practices.MaxDocumentSize, "largest uploaded document in bytes (PAYLOAD_TOO_LARGE)"),
		types:     fs.String("document-types", "", "comma-separated media types accepted for uploaded documents, as sniffed from the content (empty: PDF, signed .p7m, XML, ODT, JPEG, PNG, TIFF, plain text)"),
	}
}

// config returns the documents the flags configure.
func (f documentFlags) config() (practicesres.Documents, error) {
	var key []byte
	if *f.key != "" {
		key = []byte(*f.key)
	} else {
		slog.Warn("no --document-link-key: download links are signed with a random key and work only on this process until it stops")
	}
	links, err := practices.NewLinks(key, *f.ttl, *f.publicURL)
	if err != nil {
		return practicesres.Documents{}, fmt.Errorf("--document-link-key: %w", err)
	}
	if *f.maxBytes <= 0 {
		return practicesres.Documents{}, fmt.Errorf("--max-document-bytes must be positive")
	}
	return practicesres.Documents{Links: links, Policy: practices.DocumentPolicy{MaxSize: *f.maxBytes, Types: commaList(*f.types)}}, nil
}

// practicesEntry is the registry's practices subgraph with docs: its
// GraphQL handler and its download route share them (and the signing
// key).
func practicesEntry(docs practicesres.Documents) subgraph {
	if docs.Links == nil {
		l, err := practices.NewLinks(nil, 0, "")
		if err != nil {
			panic(err) // the system's random source failed
		}
		docs.Links = l
	}
	return subgraph{name: "practices", migrations: practices.Migrations(), seed: practices.Seed,
		handler: func(pool *pgxpool.Pool, opts gqlserver.Options) http.Handler {
			h, _ := practicesres.NewHandlers(pool, opts, docs)
			return h
		},
		public: func(pool *pgxpool.Pool, opts gqlserver.Options) map[string]http.Handler {
			_, download := practicesres.NewHandlers(pool, opts, docs)
			return map[string]http.Handler{practices.DocumentsPath: download}
		},
	}
}

// mountRoutes mounts the public routes of sgs on mux, under limit (the
// per-client rate limit; nil when off).
func mountRoutes(mux *http.ServeMux, routes map[string]http.Handler, limit func(http.Handler) http.Handler) {
	for path, h := range routes {
		if limit != nil {
			h = limit(h)
		}
		mux.Handle(path, h)
	}
}
