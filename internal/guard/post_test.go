package guard

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestPostRendersAsJSON: an executed response renders as encoding/json
// would render it — errors, data, extensions — whether its data is small
// (copied into the buffer) or large (written straight to the client),
// and the transport's buffer never holds large data.
func TestPostRendersAsJSON(t *testing.T) {
	large := `{"s":"` + strings.Repeat("x", 3*streamData) + `"}`
	for _, data := range []string{``, `{"a":1}`, large} {
		for _, errs := range []gqlerror.List{nil, {{Message: "boom", Extensions: map[string]any{"code": "X"}}}} {
			for _, ext := range []map[string]any{nil, {"k": 1}} {
				resp := &graphql.Response{Data: json.RawMessage(data), Errors: errs, Extensions: ext}
				var out, buf bytes.Buffer
				POST{}.write(&out, &buf, resp)
				var got map[string]any
				if err := json.Unmarshal(out.Bytes(), &got); err != nil {
					t.Fatalf("invalid JSON %q: %v", out.String(), err)
				}
				if data == "" {
					resp.Data = json.RawMessage("null")
				}
				wantJSON, _ := json.Marshal(resp)
				var want map[string]any
				_ = json.Unmarshal(wantJSON, &want)
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				if !bytes.Equal(g, w) {
					t.Fatalf("rendered %s\nwant %s", g, w)
				}
				if strings.Index(out.String(), `"errors"`) > strings.Index(out.String(), `"data"`) {
					t.Fatalf("errors after data: %s", out.String())
				}
				if buf.Cap() > 2*streamData {
					t.Fatalf("the buffer grew to %d bytes", buf.Cap())
				}
			}
		}
	}
}
