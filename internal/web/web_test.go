package web

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func testServer(t *testing.T, opts Options) *httptest.Server {
	t.Helper()
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	// The product's other routes, as serve mounts them: the faces must
	// not conflict with them nor shadow them.
	mux.HandleFunc("/graphql", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "graphql") })
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.Handle("/dev/oidc/", http.StripPrefix("/dev/oidc", http.NotFoundHandler()))
	h.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	tr := &http.Transport{DisableCompression: true}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

var assetRef = regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`)

// Every page is served at its paths with the security headers, and every
// bundle it references is served with an immutable cache lifetime.
func TestPagesAndTheirAssets(t *testing.T) {
	srv := testServer(t, Options{})
	for _, tc := range []struct{ path, lang string }{
		{"/", "it"}, {"/operatore", "it"}, {"/operatore/", "it"},
		{"/explorer", "en"}, {"/explorer/", "en"},
	} {
		resp, body := get(t, srv.URL+tc.path)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %s", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if !strings.Contains(body, `<html lang="`+tc.lang+`"`) {
			t.Errorf("%s: no lang=%s: %.200s", tc.path, tc.lang, body)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", tc.path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline code: %q", tc.path, csp)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("%s: Cache-Control %q", tc.path, cc)
		}
		if strings.Contains(body, "<script>") || strings.Contains(body, "{{") {
			t.Errorf("%s: inline script or unexpanded placeholder: %s", tc.path, body)
		}
		refs := assetRef.FindAllStringSubmatch(body, -1)
		if len(refs) < 2 {
			t.Errorf("%s: expected a script and a stylesheet, found %v", tc.path, refs)
		}
		for _, m := range refs {
			resp, _ := get(t, srv.URL+m[1])
			if resp.StatusCode != 200 {
				t.Errorf("%s references %s: %d", tc.path, m[1], resp.StatusCode)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
				t.Errorf("%s: Cache-Control %q", m[1], cc)
			}
		}
	}
}

// The faces leave the product's own routes alone and answer 404 for
// unknown files and non-GET methods on pages.
func TestRoutesNotShadowed(t *testing.T) {
	srv := testServer(t, Options{})
	for path, want := range map[string]string{"/graphql": "graphql", "/healthz": "ok"} {
		if _, body := get(t, srv.URL+path); body != want {
			t.Errorf("%s answered %q", path, body)
		}
	}
	// Only the pages' own paths serve them: the apps route with the URL's
	// fragment, and a path nobody mounted (on the public listener, say
	// /subgraphs/identity) is no page.
	for _, path := range []string{"/static/nope-ABCDEFGH.js", "/favicon.ico", "/static/", "/static/manifest.json/x",
		"/fascicolo", "/operatore/pratiche/42", "/explorer/x", "/subgraphs/identity"} {
		if resp, _ := get(t, srv.URL+path); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
	for _, path := range []string{"/", "/operatore", "/explorer"} {
		resp, err := http.Post(srv.URL+path, "text/plain", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST %s: %d", path, resp.StatusCode)
		}
	}
}

// Text assets are gzipped for clients that take it, byte-identical once
// decompressed, with a validator that the client can revalidate with.
func TestGzipAndRevalidation(t *testing.T) {
	srv := testServer(t, Options{})
	_, page := get(t, srv.URL+"/")
	css := ""
	for _, m := range assetRef.FindAllStringSubmatch(page, -1) {
		if strings.HasSuffix(m[1], ".css") {
			css = m[1]
		}
	}
	if css == "" {
		t.Fatal("the portal has no stylesheet")
	}
	_, plain := get(t, srv.URL+css)
	resp, zipped := get(t, srv.URL+css, "Accept-Encoding", "gzip, br")
	if resp.Header.Get("Content-Encoding") != "gzip" || len(zipped) >= len(plain) {
		t.Fatalf("gzip: encoding %q, %d bytes vs %d", resp.Header.Get("Content-Encoding"), len(zipped), len(plain))
	}
	zr, err := gzip.NewReader(strings.NewReader(zipped))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || string(unzipped) != plain {
		t.Fatalf("gunzipped asset differs from the plain one (err %v)", err)
	}
	if resp, _ := get(t, srv.URL+css, "Accept-Encoding", "gzip;q=0"); resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 got %q", resp.Header.Get("Content-Encoding"))
	}
	resp, _ = get(t, srv.URL+"/operatore")
	etag := resp.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on a page")
	}
	if resp, _ := get(t, srv.URL+"/operatore", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: %d", resp.StatusCode)
	}
}

// The configuration is served as JSON; connect-src names the issuer's
// origin and nothing else.
func TestConfigAndConnectSources(t *testing.T) {
	srv := testServer(t, Options{
		Config:         Config{Issuer: "https://login.example.it/realms/milano", Clients: map[string]string{"desk": "faces-desk"}, Introspection: true},
		ConnectSources: []string{"https://login.example.it/realms/milano", "not a url"},
	})
	resp, body := get(t, srv.URL+"/web/config.json")
	var cfg Config
	if err := json.Unmarshal([]byte(body), &cfg); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if cfg.GraphQL != "/graphql" || cfg.Issuer != "https://login.example.it/realms/milano" || cfg.Clients["desk"] != "faces-desk" || !cfg.Introspection || cfg.DevIssuer {
		t.Errorf("config %+v", cfg)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "connect-src 'self' https://login.example.it;") {
		t.Errorf("CSP %q", csp)
	}
}

// The owners map is served only when given (introspection on).
func TestOwnersEndpoint(t *testing.T) {
	if resp, _ := get(t, testServer(t, Options{}).URL+"/explorer/owners.json"); resp.StatusCode != 404 {
		t.Errorf("without owners: %d", resp.StatusCode)
	}
	o := &Owners{Subgraphs: []string{"a"}, Types: map[string]TypeOwners{"Query": {Subgraphs: []string{"a"}, Fields: map[string][]string{"x": {"a"}}}}}
	resp, body := get(t, testServer(t, Options{Owners: o}).URL+"/explorer/owners.json")
	var got Owners
	if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != 200 || got.Types["Query"].Fields["x"][0] != "a" {
		t.Errorf("%d %s (%v)", resp.StatusCode, body, err)
	}
}
