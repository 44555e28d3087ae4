package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"
)

//go:embed dist
var dist embed.FS

// Config is what the pages learn from the server, served at
// /web/config.json (pages carry no inline script to hold it).
type Config struct {
	// GraphQL is the path of the gateway's endpoint.
	GraphQL string `json:"graphql"`
	// Issuer is the OpenID Connect issuer pages sign in with (the
	// development issuer's URL when DevIssuer).
	Issuer string `json:"issuer,omitempty"`
	// Clients are the OAuth client ids of the faces at the issuer, by app
	// (portal, desk).
	Clients map[string]string `json:"clients,omitempty"`
	// DevIssuer reports that the development issuer is on: anyone can get
	// a token, and pages say so.
	DevIssuer bool `json:"devIssuer"`
	// Introspection reports whether /graphql answers introspection.
	Introspection bool `json:"introspection"`
}

// Options configure the handler.
type Options struct {
	Config Config
	// Owners, when not nil, are served to the explorer at
	// /explorer/owners.json (leave it nil when introspection is off: it
	// describes the schema).
	Owners *Owners
	// ConnectSources are origins, besides the page's own, that pages may
	// connect to (the OIDC issuer's, for discovery and the token
	// exchange).
	ConnectSources []string
}

// app is a face and the path it is served at.
type app struct{ name, path string }

// apps are the faces.
func apps() []app {
	return []app{{"portal", "/"}, {"desk", "/operatore"}, {"explorer", "/explorer"}}
}

// asset is one embedded file, ready to serve.
type asset struct {
	body, gzipped []byte
	etag          string
	contentType   string
	immutable     bool
}

// Handler serves the faces. Build one with New and mount it with Mount.
type Handler struct {
	assets map[string]*asset // by path under /static/
	pages  map[string]*asset // by app name
	config []byte
	owners []byte // nil: not served
	csp    string
}

// hashed matches the content-hashed names esbuild gives bundles and assets.
var hashed = regexp.MustCompile(`-[A-Z0-9]{8}\.[a-z0-9.]+$`)

// New reads the embedded assets.
func New(opts Options) (*Handler, error) {
	if opts.Config.GraphQL == "" {
		opts.Config.GraphQL = "/graphql"
	}
	cfg, err := json.Marshal(opts.Config)
	if err != nil {
		return nil, fmt.Errorf("web: config: %w", err)
	}
	h := &Handler{assets: map[string]*asset{}, pages: map[string]*asset{}, config: cfg, csp: csp(opts.ConnectSources)}
	if opts.Owners != nil {
		if h.owners, err = json.Marshal(opts.Owners); err != nil {
			return nil, fmt.Errorf("web: owners: %w", err)
		}
	}
	root, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		a := newAsset(p, b)
		if path.Base(p) == "index.html" {
			h.pages[path.Dir(p)] = a
			return nil
		}
		a.immutable = hashed.MatchString(p)
		h.assets[p] = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: reading the embedded assets: %w", err)
	}
	for _, a := range apps() {
		if h.pages[a.name] == nil {
			return nil, fmt.Errorf("web: no page for %s in the embedded assets (go generate ./internal/web)", a.name)
		}
	}
	return h, nil
}

func newAsset(p string, b []byte) *asset {
	ct := mime.TypeByExtension(path.Ext(p))
	switch path.Ext(p) {
	case ".woff2":
		ct = "font/woff2"
	case ".woff":
		ct = "font/woff"
	case ".txt":
		ct = "text/plain; charset=utf-8"
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	sum := sha256.Sum256(b)
	a := &asset{body: b, contentType: ct, etag: `"` + hex.EncodeToString(sum[:12])}
	if compressible(ct) && len(b) > 1024 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(b) //nolint:errcheck // a bytes.Buffer does not fail
		zw.Close()  //nolint:errcheck
		if buf.Len() < len(b) {
			a.gzipped = buf.Bytes()
		}
	}
	return a
}

func compressible(ct string) bool {
	for _, p := range []string{"text/", "application/javascript", "text/javascript", "application/json", "image/svg+xml"} {
		if strings.HasPrefix(ct, p) {
			return true
		}
	}
	return false
}

// csp is the Content Security Policy of every response.
func csp(connect []string) string {
	src := []string{"'self'"}
	for _, c := range connect {
		if u, err := url.Parse(c); err == nil && u.Scheme != "" && u.Host != "" {
			src = append(src, u.Scheme+"://"+u.Host)
		}
	}
	return strings.Join([]string{
		"default-src 'self'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"font-src 'self' data:", // GraphiQL's stylesheet embeds its fonts
		"connect-src " + strings.Join(src, " "),
		"worker-src 'self'",
		"object-src 'none'",
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	}, "; ")
}

// Mount mounts the faces on mux: the pages at their paths, the assets
// under /static/, the pages' configuration at /web/config.json and the
// explorer's owners map at /explorer/owners.json.
func (h *Handler) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /static/{path...}", h.serveAsset)
	mux.HandleFunc("GET /web/config.json", func(w http.ResponseWriter, r *http.Request) {
		h.headers(w)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(h.config) //nolint:errcheck
	})
	mux.HandleFunc("GET /explorer/owners.json", func(w http.ResponseWriter, r *http.Request) {
		h.headers(w)
		if h.owners == nil {
			http.Error(w, "the schema is not published: introspection is off", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(h.owners) //nolint:errcheck
	})
	// The apps route with the URL's fragment (#/…): a page is served at
	// its path only, and anything nobody mounted stays a 404.
	for _, a := range apps() {
		if a.path == "/" {
			mux.HandleFunc("GET /{$}", h.page(a.name))
			continue
		}
		mux.HandleFunc("GET "+a.path, h.page(a.name))
		mux.HandleFunc("GET "+a.path+"/{$}", h.page(a.name))
	}
}

// headers sets the security headers every response of the faces carries.
func (h *Handler) headers(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
}

func (h *Handler) page(app string) http.HandlerFunc {
	a := h.pages[app]
	return func(w http.ResponseWriter, r *http.Request) {
		h.headers(w)
		w.Header().Set("Cache-Control", "no-cache")
		h.write(w, r, a)
	}
}

func (h *Handler) serveAsset(w http.ResponseWriter, r *http.Request) {
	h.headers(w)
	a := h.assets[r.PathValue("path")]
	if a == nil {
		http.NotFound(w, r)
		return
	}
	if a.immutable {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	h.write(w, r, a)
}

// write writes a, gzipped when the client takes it, with an ETag.
func (h *Handler) write(w http.ResponseWriter, r *http.Request, a *asset) {
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	hd.Set("Vary", "Accept-Encoding")
	body, etag := a.body, a.etag+`"`
	if a.gzipped != nil && acceptsGzip(r) {
		hd.Set("Content-Encoding", "gzip")
		body, etag = a.gzipped, a.etag+`-gz"`
	}
	hd.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
