package guard_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/citizengraph/citizengraph/internal/guard"
)

// TestFront: requests a browser can send cross-site without a preflight,
// other methods, upgrades and content types are refused with a coded
// error before the handler; the rest reach it.
func TestFront(t *testing.T) {
	reached := false
	h := guard.Front(guard.FrontOptions{AllowedOrigins: []string{"https://portale.comune.test"}}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached = true
	}))
	form := "application/x-www-form-urlencoded"
	for _, tc := range []struct {
		name, method, contentType string
		header                    map[string]string
		status                    int
		code                      string
	}{
		{"JSON POST", "POST", "application/json", nil, 200, ""},
		{"JSON POST with charset", "POST", "application/json; charset=utf-8", nil, 200, ""},
		{"text/plain POST", "POST", "text/plain", nil, 400, guard.CodeCSRF},
		{"multipart POST", "POST", "multipart/form-data; boundary=x", nil, 400, guard.CodeCSRF},
		{"form POST", "POST", form, nil, 400, guard.CodeCSRF},
		{"POST without a content type", "POST", "", nil, 400, guard.CodeCSRF},
		{"form POST with the preflight header", "POST", form, map[string]string{"Apollo-Require-Preflight": "true"}, 415, guard.CodeUnsupportedMedia},
		{"application/graphql POST", "POST", "application/graphql", nil, 415, guard.CodeUnsupportedMedia},
		{"malformed content type", "POST", "application/json; ===", nil, 415, guard.CodeUnsupportedMedia},
		{"GET without a header", "GET", "", nil, 400, guard.CodeCSRF},
		{"GET with Apollo-Require-Preflight", "GET", "", map[string]string{"Apollo-Require-Preflight": "true"}, 200, ""},
		{"GET with X-Apollo-Operation-Name", "GET", "", map[string]string{"X-Apollo-Operation-Name": "Q"}, 200, ""},
		{"GET with a JSON content type", "GET", "application/json", nil, 200, ""},
		{"PUT", "PUT", "application/json", nil, 405, guard.CodeMethodNotAllowed},
		{"DELETE", "DELETE", "", nil, 405, guard.CodeMethodNotAllowed},
		{"OPTIONS", "OPTIONS", "", nil, 200, ""},
		{"h2c upgrade", "GET", "", map[string]string{"Upgrade": "h2c", "Connection": "Upgrade"}, 400, guard.CodeTransportRejected},
		{"WebSocket, no origin", "GET", "", map[string]string{"Upgrade": "websocket"}, 200, ""},
		{"WebSocket, listed origin", "GET", "", map[string]string{"Upgrade": "websocket", "Origin": "https://portale.comune.test"}, 200, ""},
		{"WebSocket, listed host over http", "GET", "", map[string]string{"Upgrade": "websocket", "Origin": "http://portale.comune.test"}, 403, guard.CodeCSRF},
		{"WebSocket, other origin", "GET", "", map[string]string{"Upgrade": "websocket", "Origin": "https://evil.test"}, 403, guard.CodeCSRF},
		{"WebSocket, same host", "GET", "", map[string]string{"Upgrade": "websocket", "Origin": "http://example.com"}, 200, ""},
		{"WebSocket, same host over https", "GET", "", map[string]string{"Upgrade": "websocket", "Origin": "https://example.com"}, 200, ""},
		{"POST upgrade", "POST", "application/json", map[string]string{"Upgrade": "websocket"}, 400, guard.CodeTransportRejected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reached = false
			req := httptest.NewRequest(tc.method, "http://example.com/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if tc.code == "" {
				if !reached || rec.Code != 200 {
					t.Fatalf("refused: %d %s", rec.Code, rec.Body.String())
				}
				return
			}
			var out struct {
				Errors []struct {
					Message    string
					Extensions map[string]any
				}
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Errors) != 1 {
				t.Fatalf("body %s", rec.Body.String())
			}
			if reached || rec.Code != tc.status || out.Errors[0].Extensions["code"] != tc.code {
				t.Fatalf("reached %v, status %d, %s", reached, rec.Code, rec.Body.String())
			}
		})
	}
}
