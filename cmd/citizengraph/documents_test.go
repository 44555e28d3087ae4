package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gateway/execute"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/internal/guard"
	"github.com/citizengraph/citizengraph/internal/seedgen"
	practicesres "github.com/citizengraph/citizengraph/resolvers/practices"
	"github.com/citizengraph/citizengraph/schema"
	"github.com/citizengraph/citizengraph/subgraphs/practices"

	"github.com/citizengraph/citizengraph/internal/auth/devissuer"
)

// Limits of the document tests: small, so that files at the limit are
// quick to send.
const (
	testMaxDocument = 600 << 10
	testMaxUpload   = 700 << 10
)

const uploadMutation = `mutation($id: ID!, $file: Upload!, $name: String) { uploadDocument(practiceId: $id, file: $file, name: $name) { id name mediaType size sha256 downloadUrl } }`

// docServer is the graph served as serve does, with the documents' key
// known to the test, and the gateway command's HTTP gateway over it.
type docServer struct {
	f      *fixture
	pool   *pgxpool.Pool
	srv    *httptest.Server
	links  *practices.Links
	httpGW string // /graphql of a gateway fetching over HTTP
}

func serveDocuments(t *testing.T) *docServer {
	t.Helper()
	links, err := practices.NewLinks([]byte(strings.Repeat("k", 32)), time.Minute, "")
	if err != nil {
		t.Fatal(err)
	}
	sgs := registryWith(practicesres.Documents{Links: links, Policy: practices.DocumentPolicy{MaxSize: testMaxDocument}})
	pool := devdb.NewTestDB(t, migrations(sgs)...)
	for _, s := range sgs {
		if err := s.seed(context.Background(), pool, seedgen.Params{People: 80, Seed: 7}); err != nil {
			t.Fatalf("seed %s: %v", s.name, err)
		}
	}
	iss, err := devissuer.New("https://issuer.citizengraph.test", "citizengraph")
	if err != nil {
		t.Fatal(err)
	}
	limits := guard.Limits{MaxUploadBytes: testMaxUpload}
	mux := http.NewServeMux()
	if err := mountGraph(mux, pool, gqlserver.Options{Verifier: iss.Verifier(), Limits: limits}, sgs, gateway.Options{Limits: limits}, gateway.HandlerOptions{}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	// The gateway command: HTTP to the subgraphs, which judge the token.
	sg, err := supergraph.Parse(schema.Supergraph())
	if err != nil {
		t.Fatal(err)
	}
	urls := map[string]string{}
	for name := range sg.URLs() {
		urls[name] = srv.URL + "/subgraphs/" + name
	}
	gw, err := gateway.New(sg, gateway.Options{Fetcher: execute.NewHTTPFetcher(urls, execute.HTTPOptions{}), TrustSubgraphs: true, Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	gwSrv := httptest.NewServer(gw.Handler(gateway.HandlerOptions{}))
	t.Cleanup(gwSrv.Close)
	return &docServer{f: newFixture(t, pool, iss, srv.URL), pool: pool, srv: srv, links: links, httpGW: gwSrv.URL + "/graphql"}
}

// multipartFile is one file part of an upload request.
type multipartFile struct {
	name, filename, contentType string
	content                     []byte
}

// uploadBody builds a GraphQL multipart request: operations, map, files.
func uploadBody(t testing.TB, operations, mapPart string, files ...multipartFile) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if operations != "" {
		w, _ := mw.CreateFormField("operations")
		w.Write([]byte(operations)) //nolint:errcheck
	}
	if mapPart != "" {
		w, _ := mw.CreateFormField("map")
		w.Write([]byte(mapPart)) //nolint:errcheck
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, f.name, f.filename))
		if f.contentType != "" {
			h.Set("Content-Type", f.contentType)
		}
		w, _ := mw.CreatePart(h)
		w.Write(f.content) //nolint:errcheck
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// postMultipart sends a multipart request with the preflight header
// (unless preflight is false) and returns the status and the response.
func postMultipart(t testing.TB, url, token string, body io.Reader, contentType string, preflight bool) (int, gqlResult) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, body)
	req.Header.Set("Content-Type", contentType)
	if preflight {
		req.Header.Set("Apollo-Require-Preflight", "true")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out gqlResult
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: not JSON (%d): %.300s", url, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// callUpload uploads content as the file of uploadMutation for practice.
func callUpload(t testing.TB, url, token, practice, filename, contentType string, content []byte) (int, gqlResult) {
	t.Helper()
	ops, _ := json.Marshal(map[string]any{"query": uploadMutation, "variables": map[string]any{"id": practice, "file": nil}})
	body, ct := uploadBody(t, string(ops), `{"0":["variables.file"]}`, multipartFile{"0", filename, contentType, content})
	return postMultipart(t, url, token, body, ct, true)
}

type uploaded struct {
	ID, Name, MediaType, Sha256 string
	Size                        int
	DownloadURL                 *string
}

func uploadedDoc(t testing.TB, r gqlResult) uploaded {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("upload: %+v", r.Errors)
	}
	var d uploaded
	if err := json.Unmarshal(r.Data["uploadDocument"], &d); err != nil || d.ID == "" {
		t.Fatalf("upload: %s", r.Data["uploadDocument"])
	}
	return d
}

// pdfOf is n bytes that sniff as a PDF (random after the header), or, for
// n = 0, nothing.
func pdfOf(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	copy(b, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	return b
}

// documentRows counts the documents and content chunks stored.
func documentRows(t testing.TB, pool *pgxpool.Pool) (docs, chunks int) {
	t.Helper()
	if err := pool.QueryRow(context.Background(), `select (select count(*) from practices.document), (select count(*) from practices.document_chunk)`).Scan(&docs, &chunks); err != nil {
		t.Fatal(err)
	}
	return docs, chunks
}

// download GETs a link and returns the response with its body read.
func download(t testing.TB, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// TestDocumentsRoundTrip uploads files of random content and sizes (0
// bytes, around the sniffing window and the storage chunks, past the
// in-memory part of a request, at the limit) through the gateway, as serve
// runs it and as the gateway command does (HTTP to the subgraphs), and
// downloads each by its signed link: the server's size and SHA-256 equal
// the client's, the bytes come back identical with the headers that keep
// them inert.
func TestDocumentsRoundTrip(t *testing.T) {
	ds := serveDocuments(t)
	r := rand.New(rand.NewPCG(9, 9))
	sizes := []int{0, 1, 3071, 3072, 3073, 256<<10 - 1, 256 << 10, 256<<10 + 1, 512<<10 + r.IntN(64<<10), testMaxDocument}
	for range 4 {
		sizes = append(sizes, 1+r.IntN(testMaxDocument))
	}
	for i, n := range sizes {
		endpoint := ds.srv.URL + "/graphql"
		via := "serve"
		if i%2 == 1 {
			endpoint, via = ds.httpGW, "gateway command"
		}
		t.Run(fmt.Sprintf("%d bytes via %s", n, via), func(t *testing.T) {
			practice := ds.f.draft(t, "DRAFT")
			content, contentType, want := pdfOf(r, n), "application/pdf", "application/pdf"
			if n < 16 { // too short for a PDF: text
				content, contentType, want = []byte(strings.Repeat("a", n)), "text/plain", "text/plain"
				if n == 0 {
					contentType = ""
				}
			}
			sum := sha256.Sum256(content)
			_, res := callUpload(t, endpoint, ds.f.tokens[citizen], practice, "domanda è.pdf", contentType, content)
			d := uploadedDoc(t, res)
			if d.Size != n || d.Sha256 != hex.EncodeToString(sum[:]) || d.MediaType != want || d.Name != "domanda è.pdf" {
				t.Fatalf("server computed %+v, client %d bytes %x %s", d, n, sum, want)
			}
			if d.DownloadURL == nil {
				t.Fatal("no downloadUrl")
			}
			// The link as the practice lists it, through the gateway.
			data := ds.f.must(t, citizen, `query($id: ID!) { practice(id: $id) { documents { id downloadUrl } } }`, map[string]any{"id": practice})
			var pr struct {
				Documents []struct {
					ID          string
					DownloadURL string
				}
			}
			json.Unmarshal(data["practice"], &pr) //nolint:errcheck
			if len(pr.Documents) != 1 || pr.Documents[0].ID != d.ID || pr.Documents[0].DownloadURL == "" {
				t.Fatalf("practice documents: %s", data["practice"])
			}
			resp, body := download(t, ds.srv.URL+pr.Documents[0].DownloadURL)
			if resp.StatusCode != http.StatusOK || !bytes.Equal(body, content) {
				t.Fatalf("download: %d, %d bytes, identical %v", resp.StatusCode, len(body), bytes.Equal(body, content))
			}
			for h, v := range map[string]string{
				"Content-Type":            want,
				"Content-Length":          fmt.Sprint(n),
				"ETag":                    `"` + d.Sha256 + `"`,
				"X-Content-Type-Options":  "nosniff",
				"Content-Security-Policy": "default-src 'none'; sandbox; frame-ancestors 'none'",
				"Content-Disposition":     `attachment; filename*=utf-8''domanda%20%C3%A8.pdf`,
				"Cache-Control":           "private, no-store",
				"Referrer-Policy":         "no-referrer",
			} {
				if got := resp.Header.Get(h); got != v {
					t.Errorf("%s = %q, want %q", h, got, v)
				}
			}
			if n > 10 {
				resp, part := download(t, ds.srv.URL+*d.DownloadURL, "Range", "bytes=3-9")
				if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(part, content[3:10]) {
					t.Errorf("range: %d %q", resp.StatusCode, part)
				}
			}
			resp, _ = download(t, ds.srv.URL+*d.DownloadURL, "If-None-Match", `"`+d.Sha256+`"`)
			if resp.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match: %d, want 304", resp.StatusCode)
			}
		})
	}
}

// TestDocumentsRefused: uploads that break a rule are refused with a coded
// error and leave nothing stored — over the document limit, over the
// request's upload limit, of a type not accepted, declared as another
// type, by callers who may not attach, without the CSRF preflight header,
// and malformed multipart requests (the spec's error cases).
func TestDocumentsRefused(t *testing.T) {
	ds := serveDocuments(t)
	r := rand.New(rand.NewPCG(3, 4))
	practice := ds.f.draft(t, "DRAFT")
	gw := ds.srv.URL + "/graphql"
	pdf := pdfOf(r, 4000)
	docs0, chunks0 := documentRows(t, ds.pool)
	code := func(res gqlResult) string {
		if len(res.Errors) == 0 {
			return "ok"
		}
		c, _ := res.Errors[0].Extensions["code"].(string)
		return c
	}
	cases := []struct {
		name, url, actor, practice, filename, contentType string
		content                                           []byte
		status                                            int
		code                                              string
	}{
		{"one byte over the document limit", gw, citizen, practice, "big.pdf", "application/pdf", pdfOf(r, testMaxDocument+1), 200, "PAYLOAD_TOO_LARGE"},
		{"over the document limit, gateway command", ds.httpGW, citizen, practice, "big.pdf", "application/pdf", pdfOf(r, testMaxDocument+5000), 200, "PAYLOAD_TOO_LARGE"},
		{"over the request's upload limit", gw, citizen, practice, "huge.pdf", "application/pdf", pdfOf(r, testMaxUpload+1), 413, "REQUEST_TOO_LARGE"},
		{"HTML", gw, citizen, practice, "page.html", "text/html", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), 200, "BAD_USER_INPUT"},
		{"SVG declared as PNG", gw, citizen, practice, "x.png", "image/png", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), 200, "BAD_USER_INPUT"},
		{"a PDF declared as an image", gw, citizen, practice, "photo.jpg", "image/jpeg", pdf, 200, "BAD_USER_INPUT"},
		{"random bytes", gw, citizen, practice, "x.bin", "", pdfOf(r, 1)[1:], 200, "ok"}, // one random byte: replaced below
		{"another citizen", gw, other, practice, "a.pdf", "application/pdf", pdf, 200, "NOT_FOUND"},
		{"a delegate out of scope", gw, delOut, practice, "a.pdf", "application/pdf", pdf, 200, "NOT_FOUND"},
		{"the comune's operator, on a draft", gw, opComune, practice, "a.pdf", "application/pdf", pdf, 200, "CONFLICT"},
		{"an app without practices:write", gw, appMissing, practice, "a.pdf", "application/pdf", pdf, 200, "UNAUTHORIZED_FIELD_OR_TYPE"},
		{"anonymous", gw, anon, practice, "a.pdf", "application/pdf", pdf, 200, "UNAUTHORIZED_FIELD_OR_TYPE"},
		{"anonymous, gateway command", ds.httpGW, anon, practice, "a.pdf", "application/pdf", pdf, 200, "UNAUTHENTICATED"},
		{"a practice that does not exist", gw, citizen, "00000000-0000-4000-8000-000000000000", "a.pdf", "application/pdf", pdf, 200, "NOT_FOUND"},
	}
	cases[6].content, cases[6].code = []byte{0x00, 0x01, 0xfe, 0xff, 0x02}, "BAD_USER_INPUT"
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			token := ""
			if c.actor != anon {
				token = ds.f.token(t, c.actor, auth.ScopePracticesWrite)
			}
			docs, chunks := documentRows(t, ds.pool)
			status, res := callUpload(t, c.url, token, c.practice, c.filename, c.contentType, c.content)
			if status != c.status || code(res) != c.code {
				t.Errorf("got %d %s, want %d %s (%+v)", status, code(res), c.status, c.code, res.Errors)
			}
			if d, c := documentRows(t, ds.pool); d != docs || c != chunks {
				t.Errorf("stored %d documents and %d chunks", d-docs, c-chunks)
			}
		})
	}
	ops, _ := json.Marshal(map[string]any{"query": uploadMutation, "variables": map[string]any{"id": practice, "file": nil}})
	file := multipartFile{"0", "a.pdf", "application/pdf", pdf}
	t.Run("without the CSRF preflight header", func(t *testing.T) {
		body, ct := uploadBody(t, string(ops), `{"0":["variables.file"]}`, file)
		status, res := postMultipart(t, gw, ds.f.tokens[citizen], body, ct, false)
		if status != http.StatusBadRequest || code(res) != "CSRF_PREVENTION" {
			t.Errorf("got %d %s, want 400 CSRF_PREVENTION", status, code(res))
		}
	})
	malformed := []struct {
		name, ops, mapPart string
		files              []multipartFile
		status             int
		code               string
	}{
		{"map not JSON", string(ops), `{"0":`, []multipartFile{file}, 400, "BAD_REQUEST"},
		{"map not an object", string(ops), `["variables.file"]`, []multipartFile{file}, 400, "BAD_REQUEST"},
		{"map entry not a list of paths", string(ops), `{"0":"variables.file"}`, []multipartFile{file}, 400, "BAD_REQUEST"},
		{"map path outside variables", string(ops), `{"0":["query"]}`, []multipartFile{file}, 400, "BAD_REQUEST"},
		{"map path to no variable", string(ops), `{"0":["variables.nothing"]}`, []multipartFile{file}, 400, "BAD_REQUEST"},
		{"map path to a value that is not null", string(ops), `{"0":["variables.id"]}`, []multipartFile{file}, 400, "BAD_REQUEST"},
		{"map path twice", string(ops), `{"0":["variables.file"],"1":["variables.file"]}`, []multipartFile{file, {"1", "b.pdf", "application/pdf", pdf}}, 400, "BAD_REQUEST"},
		{"file missing", string(ops), `{"0":["variables.file"]}`, nil, 400, "BAD_REQUEST"},
		{"a part not in map", string(ops), `{"0":["variables.file"]}`, []multipartFile{file, {"9", "b.pdf", "application/pdf", pdf}}, 400, "BAD_REQUEST"},
		{"no map", string(ops), "", []multipartFile{file}, 400, "BAD_REQUEST"},
		{"no operations", "", `{"0":["variables.file"]}`, []multipartFile{file}, 400, "BAD_REQUEST"},
		{"operations not JSON", `{"query":`, `{"0":["variables.file"]}`, []multipartFile{file}, 400, "BAD_REQUEST"},
		{"batched operations", "[" + string(ops) + "]", `{"0":["0.variables.file"]}`, []multipartFile{file}, 400, "BAD_REQUEST"},
		{"too many files", string(ops), `{"0":["variables.file"],"1":["variables.a"],"2":["variables.b"],"3":["variables.c"],"4":["variables.d"],"5":["variables.e"],"6":["variables.f"],"7":["variables.g"],"8":["variables.h"],"9":["variables.i"],"10":["variables.j"]}`, nil, 413, "REQUEST_TOO_LARGE"},
	}
	for _, c := range malformed {
		for _, url := range []string{gw, ds.httpGW, ds.srv.URL + "/subgraphs/practices"} {
			t.Run(c.name+" at "+strings.TrimPrefix(url, "http://"), func(t *testing.T) {
				body, ct := uploadBody(t, c.ops, c.mapPart, c.files...)
				status, res := postMultipart(t, url, ds.f.tokens[citizen], body, ct, true)
				if status != c.status || code(res) != c.code {
					t.Errorf("got %d %s, want %d %s (%+v)", status, code(res), c.status, c.code, res.Errors)
				}
			})
		}
	}
	if docs, chunks := documentRows(t, ds.pool); docs != docs0 || chunks != chunks0 {
		t.Errorf("refused uploads stored %d documents and %d chunks", docs-docs0, chunks-chunks0)
	}
}

// TestDocumentLinks: a link works for whoever holds it until it expires;
// an expired, tampered or foreign-key link is 403 and a link to a
// document that does not exist 404, with bodies that say nothing more;
// another citizen gets no link (the practice is NOT_FOUND to them); the
// delegate and the comune's operator get links of their own.
func TestDocumentLinks(t *testing.T) {
	ds := serveDocuments(t)
	practice := ds.f.draft(t, "DRAFT")
	content := pdfOf(rand.New(rand.NewPCG(1, 2)), 5000)
	_, res := callUpload(t, ds.srv.URL+"/graphql", ds.f.tokens[citizen], practice, "a.pdf", "application/pdf", content)
	d := uploadedDoc(t, res)
	link := ds.srv.URL + *d.DownloadURL
	if resp, body := download(t, link); resp.StatusCode != 200 || !bytes.Equal(body, content) {
		t.Fatalf("link: %d", resp.StatusCode)
	}
	token := strings.TrimPrefix(*d.DownloadURL, practices.DocumentsPath)
	foreign, _ := practices.NewLinks([]byte(strings.Repeat("x", 32)), time.Minute, "")
	flip := []byte(token)
	flip[len(flip)/2] ^= 1
	if flip[len(flip)/2] == '-' || flip[len(flip)/2] == '_' {
		flip[len(flip)/2] = 'A'
	}
	owner := practices.Subject{FiscalCode: ds.f.aFC}
	bad := map[string]struct {
		path   string
		status int
	}{
		"expired":             {practices.DocumentsPath + ds.links.Token(d.ID, owner, time.Now().Add(-time.Second)), 403},
		"tampered":            {practices.DocumentsPath + string(flip), 403},
		"cut short":           {practices.DocumentsPath + token[:len(token)-2], 403},
		"signed with another": {practices.DocumentsPath + foreign.Token(d.ID, owner, time.Now().Add(time.Minute)), 403},
		"another document":    {practices.DocumentsPath + ds.links.Token("00000000-0000-4000-8000-000000000001", owner, time.Now().Add(time.Minute)), 404},
		"garbage":             {practices.DocumentsPath + "not-a-token", 403},
		"no token":            {practices.DocumentsPath, 404},
		"too long":            {practices.DocumentsPath + strings.Repeat("A", 20000), 403},
		// Sealed with the right key for someone who may not see the
		// practice: the standing is asked at download time.
		"for another citizen":         {practices.DocumentsPath + ds.links.Token(d.ID, practices.Subject{FiscalCode: ds.f.personFC[other]}, time.Now().Add(time.Minute)), 403},
		"for an operator elsewhere":   {practices.DocumentsPath + ds.links.Token(d.ID, practices.Subject{Comuni: []string{ds.f.otherComune}}, time.Now().Add(time.Minute)), 403},
		"for a delegate out of scope": {practices.DocumentsPath + ds.links.Token(d.ID, practices.Subject{FiscalCode: ds.f.personFC[delOut]}, time.Now().Add(time.Minute)), 403},
		"for nobody":                  {practices.DocumentsPath + ds.links.Token(d.ID, practices.Subject{}, time.Now().Add(time.Minute)), 403},
	}
	for name, b := range bad {
		t.Run(name, func(t *testing.T) {
			resp, body := download(t, ds.srv.URL+b.path)
			if resp.StatusCode != b.status {
				t.Errorf("status %d, want %d", resp.StatusCode, b.status)
			}
			if bytes.Contains(body, content[:20]) || len(body) > 64 {
				t.Errorf("the refusal says too much: %.64q", body)
			}
		})
	}
	q := `query($id: ID!) { practice(id: $id) { documents { downloadUrl } } }`
	for _, a := range []string{other, delOut, opOther} {
		r := call(t, ds.srv.URL+"/graphql", ds.f.token(t, a, auth.ScopePracticesRead), q, map[string]any{"id": practice})
		if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "NOT_FOUND" || strings.Contains(string(r.Data["practice"]), "documents/") {
			t.Errorf("%s: %s %+v, want NOT_FOUND and no link", a, r.Data["practice"], r.Errors)
		}
	}
	for _, a := range []string{delIn, opComune, admin} {
		r := call(t, ds.srv.URL+"/graphql", ds.f.token(t, a, auth.ScopePracticesRead), q, map[string]any{"id": practice})
		var pr struct {
			Documents []struct{ DownloadURL string }
		}
		json.Unmarshal(r.Data["practice"], &pr) //nolint:errcheck
		if len(r.Errors) > 0 || len(pr.Documents) != 1 {
			t.Fatalf("%s: %s %+v", a, r.Data["practice"], r.Errors)
		}
		if resp, body := download(t, ds.srv.URL+pr.Documents[0].DownloadURL); resp.StatusCode != 200 || !bytes.Equal(body, content) {
			t.Errorf("%s's link: %d", a, resp.StatusCode)
		}
	}
	// A document registered by metadata alone has no link.
	r := call(t, ds.srv.URL+"/graphql", ds.f.tokens[citizen], `mutation($id: ID!, $in: DocumentInput!) { addDocument(practiceId: $id, input: $in) { downloadUrl } }`,
		map[string]any{"id": practice, "in": map[string]any{"name": "a.pdf", "mediaType": "application/pdf", "size": 10, "sha256": strings.Repeat("ab", 32)}})
	if len(r.Errors) > 0 || string(r.Data["addDocument"]) != `{"downloadUrl":null}` {
		t.Errorf("addDocument: %s %+v", r.Data["addDocument"], r.Errors)
	}
}

// documentLink returns the download link of practice's only document as
// token's holder lists it through the gateway, "" when the practice is
// refused to them.
func (ds *docServer) documentLink(t *testing.T, token, practice string) string {
	t.Helper()
	r := call(t, ds.srv.URL+"/graphql", token, `query($id: ID!) { practice(id: $id) { documents { downloadUrl } } }`, map[string]any{"id": practice})
	if len(r.Errors) > 0 {
		if r.Errors[0].Extensions["code"] != "NOT_FOUND" {
			t.Fatalf("practice: %+v", r.Errors)
		}
		return ""
	}
	var pr struct {
		Documents []struct{ DownloadURL string }
	}
	json.Unmarshal(r.Data["practice"], &pr) //nolint:errcheck
	if len(pr.Documents) != 1 || pr.Documents[0].DownloadURL == "" {
		t.Fatalf("documents: %s", r.Data["practice"])
	}
	return ds.srv.URL + pr.Documents[0].DownloadURL
}

// TestDocumentLinksFollowAccess: a link works only while the person it was
// given to may see the document. A delegate's link stops the moment the
// delegator revokes the delegation (through revokeDelegation) or the
// delegation expires, with the same 403 as a tampered link and nothing of
// the document in the answer; the applicant's and the operator's links
// keep working; and no link outlives the sign-in it was given under.
func TestDocumentLinksFollowAccess(t *testing.T) {
	ds := serveDocuments(t)
	f := ds.f
	practice := f.draft(t, "DRAFT")
	content := pdfOf(rand.New(rand.NewPCG(5, 6)), 3000)
	d := uploadedDoc(t, func() gqlResult {
		_, r := callUpload(t, ds.srv.URL+"/graphql", f.tokens[citizen], practice, "a.pdf", "application/pdf", content)
		return r
	}())
	// A second delegate, in scope, whose delegation expires instead.
	expiring := f.grantees[0]
	var delegation, expiringDelegation string
	if err := f.pool.QueryRow(context.Background(), `select d.id::text from identity.delegation d join identity.person p on p.id = d.delegate_id
		where d.delegator_person_id = $1 and p.fiscal_code = $2`, f.aID, f.personFC[delIn]).Scan(&delegation); err != nil {
		t.Fatal(err)
	}
	if err := f.pool.QueryRow(context.Background(), `insert into identity.delegation (id, delegator_person_id, delegate_id, areas, services, valid_from)
		select gen_random_uuid(), $1, p.id, '{}', '{}', now() - interval '1 day' from identity.person p where p.fiscal_code = $2 returning id::text`,
		f.aID, expiring).Scan(&expiringDelegation); err != nil {
		t.Fatal(err)
	}
	expiringToken := f.mint(t, auth.Claims{Subject: "del-" + expiring, FiscalCode: expiring, Roles: []string{auth.RoleCitizen}})

	links := map[string]string{}
	for who, tok := range map[string]string{citizen: f.tokens[citizen], delIn: f.tokens[delIn], "expiring delegate": expiringToken, opComune: f.tokens[opComune], admin: f.tokens[admin]} {
		if links[who] = ds.documentLink(t, tok, practice); links[who] == "" {
			t.Fatalf("%s gets no link", who)
		}
	}
	works := func(t *testing.T, who string, want bool) {
		t.Helper()
		resp, body := download(t, links[who])
		switch {
		case want && (resp.StatusCode != http.StatusOK || !bytes.Equal(body, content)):
			t.Errorf("%s's link: %d, want 200 and the content", who, resp.StatusCode)
		case !want && resp.StatusCode != http.StatusForbidden:
			t.Errorf("%s's link: %d, want 403", who, resp.StatusCode)
		case !want && (bytes.Contains(body, content[:20]) || len(body) > 64 || resp.Header.Get("Content-Disposition") != "" || resp.Header.Get("ETag") != ""):
			t.Errorf("%s's refusal says too much: %.64q %v", who, body, resp.Header)
		}
	}
	for who := range links {
		works(t, who, true)
	}

	// The delegator revokes the delegation.
	r := call(t, ds.srv.URL+"/graphql", f.tokens[citizen], `mutation($id: ID!) { revokeDelegation(id: $id) { status } }`, map[string]any{"id": delegation})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data["revokeDelegation"]), "REVOKED") {
		t.Fatalf("revokeDelegation: %s %+v", r.Data["revokeDelegation"], r.Errors)
	}
	works(t, delIn, false)
	if ds.documentLink(t, f.tokens[delIn], practice) != "" {
		t.Error("the revoked delegate still gets a link")
	}
	// The other delegation expires.
	if _, err := f.pool.Exec(context.Background(), `update identity.delegation set valid_to = now() - interval '1 second' where id = $1`, expiringDelegation); err != nil {
		t.Fatal(err)
	}
	works(t, "expiring delegate", false)
	// Nothing changed for the applicant, the comune's operator, the admin.
	for _, who := range []string{citizen, opComune, admin} {
		works(t, who, true)
	}
	// HEAD and ranges are refused alike.
	req, _ := http.NewRequest(http.MethodHead, links[delIn], nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("HEAD of a revoked link: %v %v", resp, err)
	}
	if resp, _ := download(t, links[delIn], "Range", "bytes=0-9"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("range of a revoked link: %d", resp.StatusCode)
	}

	// A link ends with the sign-in it was given under, before its TTL.
	short, err := f.iss.Token(auth.Claims{Subject: "short-" + f.aFC, FiscalCode: f.aFC, Roles: []string{auth.RoleCitizen}}, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	link := ds.documentLink(t, short, practice)
	token := link[strings.LastIndex(link, "/")+1:]
	// A token's exp is whole seconds (issued at t, it may end at t+29.x s):
	// "before" is checked with a margin for that and for the time spent
	// since it was issued.
	if _, _, err := ds.links.Verify(token, time.Now().Add(25*time.Second)); err != nil {
		t.Errorf("the link before the sign-in ends: %v", err)
	}
	if _, _, err := ds.links.Verify(token, time.Now().Add(31*time.Second)); !errors.Is(err, practices.ErrLinkExpired) {
		t.Errorf("the link after the sign-in ends (TTL %s): %v, want expired", ds.links.TTL(), err)
	}
	// The link names no one in clear.
	for _, l := range links {
		if strings.Contains(l, f.aFC) || strings.Contains(l, d.ID) {
			t.Errorf("the link shows who or what: %s", l)
		}
	}
}
