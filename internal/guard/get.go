package guard

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
)

// GET is gqlgen's GET transport (queries in the URL) with its refusals
// coded: malformed parameters 400 BAD_REQUEST, an operation other than a
// query 405 METHOD_NOT_ALLOWED.
type GET struct{}

// Supports implements graphql.Transport.
func (GET) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == "" && r.Method == http.MethodGet
}

// Do implements graphql.Transport.
func (GET) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		WriteError(w, http.StatusBadRequest, CodeBadRequest, "the URL's query string is malformed")
		return
	}
	raw := &graphql.RawParams{Query: query.Get("query"), OperationName: query.Get("operationName"), Headers: r.Header}
	raw.ReadTime.Start = graphql.Now()
	for name, into := range map[string]*map[string]any{"variables": &raw.Variables, "extensions": &raw.Extensions} {
		if v := query.Get(name); v != "" {
			dec := json.NewDecoder(strings.NewReader(v))
			dec.UseNumber()
			if err := dec.Decode(into); err != nil {
				WriteError(w, http.StatusBadRequest, CodeBadRequest, name+" is not a JSON object: "+jsonProblem(err))
				return
			}
		}
	}
	raw.ReadTime.End = graphql.Now()
	ctx := r.Context()
	w.Header().Set("Content-Type", mediaJSON)
	var buf bytes.Buffer
	opCtx, gqlErr := exec.CreateOperationContext(ctx, raw)
	if gqlErr != nil {
		if ctx.Err() != nil {
			return
		}
		status := http.StatusOK
		if errcode.GetErrorKind(gqlErr) == errcode.KindProtocol {
			status = http.StatusUnprocessableEntity
		}
		w.WriteHeader(status)
		POST{}.writeRequestError(w, &buf, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), gqlErr))
		return
	}
	if op := opCtx.Doc.Operations.ForName(opCtx.OperationName); op == nil || op.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		WriteError(w, http.StatusMethodNotAllowed, CodeMethodNotAllowed, "GET runs queries only: send mutations and subscriptions with POST")
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	if resp := responses(ctx); resp != nil {
		POST{}.write(w, &buf, resp)
	}
}
