package gatewaytest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// FuzzGatewayHTTP posts arbitrary bodies to the gateway's handler: it must
// never panic, and every response must be a GraphQL response (an object with
// data or a non-empty errors list of messages); a non-200 status must carry
// errors; and no body may keep the handler from answering.
func FuzzGatewayHTTP(f *testing.F) {
	for _, seed := range []string{
		`{"query":"{ me { name } }"}`,
		`{"query":"{ topProducts { name inStock reviews { author { name } } } }"}`,
		`{"query":"query($n: Int) { topProducts(first: $n) { upc } }","variables":{"n":"x"}}`,
		`{"query":"{ search(text: \"a\") { ... on User { name } ... on Product { upc } } }"}`,
		`{"query":"mutation { createUser(input: {name: \"a\", username: \"b\"}) { id } }"}`,
		`{"query":"{ __schema { types { name } } }"}`,
		`{"query":"{ me { ...F } } fragment F on User { ...F }"}`,
		`{"query":"{ http500 garbage }"}`,
		`{"query":"{","variables":null}`,
		`{"query":1}`,
		`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"00"}}}`,
		`[]`,
		`null`,
		``,
		"\x00\xff",
	} {
		f.Add([]byte(seed))
	}
	env := Start(f, Config{Composer: Apollo})
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		go func() {
			defer close(done)
			env.Handler.ServeHTTP(rec, req)
		}()
		// A liveness bound, far above any legitimate answer (subgraph
		// requests time out after 500ms): a body must not hang the gateway.
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Fatalf("no answer within 15s for body %q", body)
		}
		var r struct {
			Data   *json.RawMessage `json:"data"`
			Errors []struct {
				Message *string `json:"message"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatalf("status %d, body is not a JSON object: %v\n%q", rec.Code, err, rec.Body.String())
		}
		if (r.Data == nil || string(*r.Data) == "null") && len(r.Errors) == 0 {
			t.Fatalf("status %d: neither data nor errors: %s", rec.Code, rec.Body.String())
		}
		if rec.Code != http.StatusOK && len(r.Errors) == 0 {
			t.Fatalf("status %d without errors: %s", rec.Code, rec.Body.String())
		}
		for _, e := range r.Errors {
			if e.Message == nil {
				t.Fatalf("an error without a message: %s", rec.Body.String())
			}
		}
	})
}
