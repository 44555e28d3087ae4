package gateway_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/citizengraph/citizengraph/internal/gateway"
)

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestParseTrustedDocuments(t *testing.T) {
	const q = `query Me { me { name } }`
	id := sha256Hex(q)
	for name, in := range map[string]string{
		"apollo manifest": `{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id":"` + id + `","name":"Me","type":"query","body":"query Me { me { name } }"}]}`,
		"plain object":    `{"` + id + `":"query Me { me { name } }"}`,
	} {
		docs, err := gateway.ParseTrustedDocuments([]byte(in))
		if err != nil || len(docs) != 1 || docs[id] != q {
			t.Errorf("%s: %v %v", name, docs, err)
		}
	}
	for name, in := range map[string]string{
		"wrong id":     `{"` + strings.Repeat("0", 64) + `":"query Me { me { name } }"}`,
		"empty":        `{}`,
		"not JSON":     `query Me { me { name } }`,
		"other format": `{"format":"relay","operations":[]}`,
	} {
		if _, err := gateway.ParseTrustedDocuments([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestTrustedDocuments: clients send a trusted document by id alone; with
// RequireTrusted nothing else runs, not even by automatic persisted query.
func TestTrustedDocuments(t *testing.T) {
	const q = `query Me { me { name } }`
	docs := gateway.TrustedDocuments{sha256Hex(q): q}
	byID := map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha256Hex(q)}}}
	other := `{ me { name } }`
	apq := map[string]any{"query": other, "extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha256Hex(other)}}}
	answer := func(subgraphRequest) (int, string) { return 200, `{"data":{"me":{"name":"Ada"}}}` }
	for _, require := range []bool{false, true} {
		gw, _, _ := shopGateway(t, answer, gateway.Options{})
		h := gw.Handler(gateway.HandlerOptions{TrustedDocuments: docs, RequireTrusted: require})
		code := func(body any) string {
			t.Helper()
			_, out := post(t, h, body)
			var errs []struct{ Extensions map[string]any }
			if len(out["errors"]) > 0 {
				if err := json.Unmarshal(out["errors"], &errs); err != nil {
					t.Fatal(err)
				}
				c, _ := errs[0].Extensions["code"].(string)
				return c
			}
			if string(out["data"]) != `{"me":{"name":"Ada"}}` {
				t.Fatalf("data %s", out["data"])
			}
			return ""
		}
		if c := code(byID); c != "" {
			t.Errorf("require=%v: by id: %s", require, c)
		}
		if c := code(map[string]any{"query": q}); c != "" {
			t.Errorf("require=%v: the trusted text itself: %s", require, c)
		}
		want := ""
		if require {
			want = gateway.CodeNotTrusted
		}
		if c := code(map[string]any{"query": other}); c != want {
			t.Errorf("require=%v: another operation: %q, want %q", require, c, want)
		}
		if c := code(apq); c != want {
			t.Errorf("require=%v: registering by APQ: %q, want %q", require, c, want)
		}
		if c := code(map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": strings.Repeat("a", 64)}}}); require && c != gateway.CodeNotTrusted || !require && c != "PERSISTED_QUERY_NOT_FOUND" {
			t.Errorf("require=%v: unknown id: %q", require, c)
		}
	}
}
