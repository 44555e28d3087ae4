package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/citizengraph/citizengraph/internal/guard"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// TestServeLimitsOnEveryEndpoint: the gateway and every subgraph refuse
// the same oversized requests, and requests a browser could send
// cross-site without a preflight, with the same coded errors before any
// validation: the defaults hold wherever a request may come in.
func TestServeLimitsOnEveryEndpoint(t *testing.T) {
	sgs, _, _, srv := serveGraph(t, seedgen.Params{People: 5, Seed: 1})
	urls := map[string]string{"gateway": srv.URL + "/graphql"}
	for _, s := range sgs {
		urls[s.name] = srv.URL + "/subgraphs/" + s.name
	}
	// CSRF: what a browser sends cross-site without a preflight.
	for name, url := range urls {
		for _, ct := range []string{"text/plain", "multipart/form-data; boundary=b", "application/x-www-form-urlencoded"} {
			req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"query":"mutation { __typename }"}`))
			req.Header.Set("Content-Type", ct)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(raw), guard.CodeCSRF) {
				t.Errorf("%s, %s: status %d, %.300s", name, ct, resp.StatusCode, raw)
			}
		}
	}
	for name, url := range urls {
		for _, tc := range []struct {
			what, query string
			status      int
			code        string
		}{
			{"330 KB of one field", "{ __typename " + strings.Repeat("__typename ", 33000) + "}", http.StatusOK, guard.CodeMaxFields},
			{"a default list of 20000 values", "query($x: [Int] = [" + strings.Repeat("1 ", 20000) + "]) { __typename }", http.StatusOK, guard.CodeMaxTokens},
			{"5000 copies of one field", "{ " + strings.Repeat("__typename ", 5000) + "}", http.StatusOK, guard.CodeMaxFields},
			{"a 2 MiB body", "{ __typename } #" + strings.Repeat("x", 2<<20), http.StatusRequestEntityTooLarge, guard.CodeBodyTooLarge},
		} {
			body, _ := json.Marshal(map[string]any{"query": tc.query})
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var out gqlResponse
			_ = json.Unmarshal(raw, &out)
			if resp.StatusCode != tc.status && !(tc.status == http.StatusOK && resp.StatusCode == http.StatusUnprocessableEntity) ||
				len(out.Errors) == 0 || out.Errors[0].Extensions["code"] != tc.code {
				t.Errorf("%s, %s: status %d, %.300s", name, tc.what, resp.StatusCode, raw)
			}
		}
	}
}

// TestMalformedRequestsAreCodedClientErrors: on the gateway and every subgraph,
// malformed bodies, wrong content types, methods and transports, and
// requests gqlgen's transports refuse are answered with a 4xx (or a
// GraphQL error in a 200) carrying extensions.code, never a bare text, a
// 5xx or INTERNAL_SERVER_ERROR, and never echo the body.
func TestMalformedRequestsAreCodedClientErrors(t *testing.T) {
	sgs, _, _, srv := serveGraph(t, seedgen.Params{People: 5, Seed: 1})
	urls := map[string]string{"gateway": srv.URL + "/graphql"}
	for _, s := range sgs {
		urls[s.name] = srv.URL + "/subgraphs/" + s.name
	}
	const secret = "SECRET-BODY-TEXT"
	const mediaJSON = "application/json"
	for name, url := range urls {
		for _, tc := range []struct {
			what, method, contentType, query, body string
			header                                 map[string]string
		}{
			{"malformed JSON", "POST", mediaJSON, "", `{"query": "{ __typename }", ` + secret, nil},
			{"a JSON array", "POST", mediaJSON, "", `[{"query":"{ __typename }"}]`, nil},
			{"a number for the query", "POST", mediaJSON, "", `{"query": 5}`, nil},
			{"a string for the variables", "POST", mediaJSON, "", `{"query": "{ __typename }", "variables": "` + secret + `"}`, nil},
			{"two JSON values", "POST", mediaJSON, "", `{"query":"{ __typename }"}{"query":"{ __typename }"}`, nil},
			{"an empty body", "POST", mediaJSON, "", ``, nil},
			{"no query", "POST", mediaJSON, "", `{}`, nil},
			{"an unknown operation name", "POST", mediaJSON, "", `{"query":"query A { __typename }","operationName":"B"}`, nil},
			{"application/graphql", "POST", "application/graphql", "", `{ __typename }`, nil},
			{"application/xml", "POST", "application/xml", "", `<q/>`, nil},
			{"PUT", "PUT", mediaJSON, "", `{"query":"{ __typename }"}`, nil},
			{"PATCH", "PATCH", mediaJSON, "", `{"query":"{ __typename }"}`, nil},
			{"GET with malformed variables", "GET", mediaJSON, "?query=%7B__typename%7D&variables=" + secret, "", nil},
			{"GET with malformed extensions", "GET", mediaJSON, "?query=%7B__typename%7D&extensions=%7B", "", nil},
			{"GET of a mutation", "GET", mediaJSON, "?query=mutation%7B__typename%7D", "", nil},
			{"GET without a query", "GET", mediaJSON, "", "", nil},
			{"an h2c upgrade", "GET", mediaJSON, "?query=%7B__typename%7D", "", map[string]string{"Upgrade": "h2c", "Connection": "Upgrade"}},
			{"SSE with a malformed body", "POST", mediaJSON, "", `{"query": ` + secret, map[string]string{"Accept": "text/event-stream"}},
			{"SSE with a number for the query", "POST", mediaJSON, "", `{"query": 5, "x": "` + secret + `"}`, map[string]string{"Accept": "text/event-stream"}},
		} {
			req, _ := http.NewRequest(tc.method, url+tc.query, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
			text := string(raw)
			if i := strings.Index(text, "data:"); strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") && i >= 0 {
				text = strings.TrimSpace(strings.SplitN(text[i+5:], "\n", 2)[0])
			}
			var out gqlResponse
			err = jsonUnmarshal(text, &out)
			switch {
			case err != nil || len(out.Errors) == 0:
				t.Errorf("%s, %s: status %d, not a GraphQL error: %.300s", name, tc.what, resp.StatusCode, raw)
			case resp.StatusCode >= 500 || out.Errors[0].Extensions["code"] == nil || out.Errors[0].Extensions["code"] == "INTERNAL_SERVER_ERROR":
				t.Errorf("%s, %s: status %d, %.300s", name, tc.what, resp.StatusCode, raw)
			case strings.Contains(text, secret):
				t.Errorf("%s, %s: the body is echoed: %.300s", name, tc.what, raw)
			}
		}
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
