package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gateway/compose"
	"github.com/citizengraph/citizengraph/internal/gateway/execute"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
	"github.com/citizengraph/citizengraph/internal/guard"
)

// received is what a subgraph got: its content type and, for a multipart
// request, the files at their operations paths.
type received struct {
	multipart bool
	query     string
	files     map[string]string // operations path → content
}

// uploadSubgraphs are two subgraphs, one taking files and one not, that
// record their requests and answer from them.
func uploadSubgraphs(t *testing.T) (map[string]http.Handler, func() map[string][]received) {
	var mu sync.Mutex
	got := map[string][]received{}
	handler := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := received{files: map[string]string{}}
			mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			var vars map[string]any
			switch mt {
			case "multipart/form-data":
				rec.multipart = true
				if r.Header.Get(execute.PreflightHeader) == "" {
					t.Errorf("%s: multipart without the preflight header", name)
				}
				form, err := guard.ParseMultipart(r.Body, params["boundary"], guard.MultipartOptions{})
				if err != nil {
					t.Errorf("%s: %v", name, err)
					http.Error(w, err.Error(), 400)
					return
				}
				defer form.Close()
				rec.query, vars = form.Params.Query, form.Params.Variables
			default:
				var p struct {
					Query     string
					Variables map[string]any
				}
				json.NewDecoder(r.Body).Decode(&p) //nolint:errcheck
				rec.query, vars = p.Query, p.Variables
			}
			var walk func(path string, v any)
			walk = func(path string, v any) {
				switch x := v.(type) {
				case graphql.Upload:
					b, _ := io.ReadAll(x.File)
					rec.files[path] = x.Filename + ":" + string(b)
				case map[string]any:
					for k, e := range x {
						walk(path+"."+k, e)
					}
				case []any:
					for i, e := range x {
						walk(fmt.Sprintf("%s.%d", path, i), e)
					}
				}
			}
			walk("variables", vars)
			mu.Lock()
			got[name] = append(got[name], rec)
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			if name == "docs" {
				fmt.Fprintf(w, `{"data":{"upload":%d}}`, len(rec.files))
				return
			}
			io.WriteString(w, `{"data":{"rename":"ok"}}`) //nolint:errcheck
		})
	}
	return map[string]http.Handler{"docs": handler("docs"), "people": handler("people")}, func() map[string][]received {
		mu.Lock()
		defer mu.Unlock()
		out := got
		got = map[string][]received{}
		return out
	}
}

// TestUploadsGoToTheSubgraphThatTakesThem: a client's multipart request
// reaches the subgraph whose fetch takes its files as a multipart request
// with each file at its path (a variable, list items), while the other
// subgraph of the same mutation gets plain JSON; over HTTP and in process.
func TestUploadsGoToTheSubgraphThatTakesThem(t *testing.T) {
	handlers, take := uploadSubgraphs(t)
	servers := map[string]string{}
	for name, h := range handlers {
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		servers[name] = s.URL
	}
	sdl, err := compose.Compose([]compose.Subgraph{
		{Name: "docs", URL: servers["docs"], SDL: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
scalar Upload
type Query { ping: Int }
type Mutation { upload(file: Upload!, more: [Upload!]): Int }`},
		{Name: "people", URL: servers["people"], SDL: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Query { pong: Int }
type Mutation { rename(name: String!): String }`},
	})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse(sdl)
	if err != nil {
		t.Fatal(err)
	}
	for _, fetcher := range []struct {
		name string
		f    execute.Fetcher
	}{{"http", execute.NewHTTPFetcher(servers, execute.HTTPOptions{})}, {"in process", execute.NewInProcessFetcher(handlers)}} {
		t.Run(fetcher.name, func(t *testing.T) {
			gw, err := gateway.New(sg, gateway.Options{Fetcher: fetcher.f})
			if err != nil {
				t.Fatal(err)
			}
			h := gw.Handler(gateway.HandlerOptions{})
			ops := `{"query":"mutation($f: Upload!, $l: [Upload!], $n: String!) { upload(file: $f, more: $l) rename(name: $n) }","variables":{"f":null,"l":[null,null],"n":"x"}}`
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			w, _ := mw.CreateFormField("operations")
			io.WriteString(w, ops) //nolint:errcheck
			w, _ = mw.CreateFormField("map")
			io.WriteString(w, `{"a":["variables.f","variables.l.1"],"b":["variables.l.0"]}`) //nolint:errcheck
			big := strings.Repeat("z", 2<<20)                                                // spooled past the in-memory part
			for _, f := range []struct{ name, filename, body string }{{"a", "a.pdf", "alpha"}, {"b", "b.pdf", big}} {
				hdr := textproto.MIMEHeader{}
				hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, f.name, f.filename))
				hdr.Set("Content-Type", "application/pdf")
				pw, _ := mw.CreatePart(hdr)
				io.WriteString(pw, f.body) //nolint:errcheck
			}
			mw.Close()
			req := httptest.NewRequest(http.MethodPost, "/graphql", &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Apollo-Require-Preflight", "true")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"upload":3`) || !strings.Contains(rec.Body.String(), `"rename":"ok"`) {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			got := take()
			if d := got["docs"]; len(d) != 1 || !d[0].multipart || len(d[0].files) != 3 ||
				d[0].files["variables.f"] != "a.pdf:alpha" || d[0].files["variables.l.1"] != "a.pdf:alpha" || d[0].files["variables.l.0"] != "b.pdf:"+big {
				t.Errorf("docs received %+v", summary(d))
			}
			if p := got["people"]; len(p) != 1 || p[0].multipart || len(p[0].files) != 0 {
				t.Errorf("people received %+v", summary(p))
			}
			// Without files, the same subgraph gets JSON.
			_, out := post(t, h, map[string]any{"query": `mutation { rename(name: "y") }`})
			jsonEq(t, out["data"], `{"rename":"ok"}`)
			if p := take()["people"]; len(p) != 1 || p[0].multipart {
				t.Errorf("people received %+v", summary(p))
			}
		})
	}
}

func summary(rs []received) []string {
	var out []string
	for _, r := range rs {
		s := fmt.Sprintf("multipart=%v", r.multipart)
		for p, f := range r.files {
			s += fmt.Sprintf(" %s=%.20s(%d)", p, f, len(f))
		}
		out = append(out, s)
	}
	return out
}
