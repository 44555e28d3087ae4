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
			{"330 KB of one field", "{ __typename " + strings.Repeat("__typename ", 33000) + "}", http.StatusOK, guard.CodeMaxTokens},
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
