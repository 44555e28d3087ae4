package guard

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// echoExec answers every operation with its query and variables.
type echoExec struct{}

func (echoExec) CreateOperationContext(_ context.Context, p *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	return &graphql.OperationContext{RawQuery: p.Query, Variables: p.Variables}, nil
}

func (echoExec) DispatchOperation(ctx context.Context, oc *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	data, _ := json.Marshal(map[string]any{"query": oc.RawQuery, "variables": oc.Variables})
	return graphql.OneShot(&graphql.Response{Data: data}), ctx
}

func (echoExec) DispatchError(_ context.Context, list gqlerror.List) *graphql.Response {
	return &graphql.Response{Errors: list}
}

// TestPostTakesInProcessParamsOnce: POST serves the parameters WithParams
// put on the request's context instead of decoding the body, once; a
// request without them, or a second one under the same context, has its
// body decoded (and a malformed one refused as before).
func TestPostTakesInProcessParamsOnce(t *testing.T) {
	do := func(ctx context.Context, body string) (int, string) {
		r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/graphql", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		POST{}.Do(w, r, echoExec{})
		return w.Code, w.Body.String()
	}
	params := &graphql.RawParams{Query: "{ given }", Variables: map[string]any{"n": json.Number("1.50")}}
	ctx := WithParams(context.Background(), params)
	if code, body := do(ctx, `{"query":"{ sent }"}`); code != 200 || body != `{"data":{"query":"{ given }","variables":{"n":1.50}}}` {
		t.Fatalf("with params: %d %s", code, body)
	}
	if code, body := do(ctx, `{"query":"{ sent }"}`); code != 200 || body != `{"data":{"query":"{ sent }","variables":null}}` {
		t.Fatalf("params taken twice: %d %s", code, body)
	}
	if code, body := do(context.Background(), `{"query":"{ sent }","variables":{"n":2}}`); code != 200 || body != `{"data":{"query":"{ sent }","variables":{"n":2}}}` {
		t.Fatalf("without params: %d %s", code, body)
	}
	if code, body := do(context.Background(), `{"query":`); code != http.StatusBadRequest || !strings.Contains(body, CodeBadRequest) {
		t.Fatalf("malformed body: %d %s", code, body)
	}
	if code, body := do(WithParams(context.Background(), params), `{"query":`); code != 200 || !strings.Contains(body, "given") {
		t.Fatalf("params with a body not read: %d %s", code, body)
	}
}
