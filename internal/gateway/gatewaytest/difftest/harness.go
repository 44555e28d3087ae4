package difftest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
)

// Harness answers operations with the gateway and the reference over one
// gatewaytest Env.
type Harness struct {
	Env *gatewaytest.Env
	Ref *Reference
}

// NewHarness starts a gatewaytest Env and a reference executor over the
// same subgraphs (called in process).
func NewHarness(t testing.TB, cfg gatewaytest.Config) *Harness {
	t.Helper()
	if cfg.SubgraphTimeout <= 0 {
		// The reference has no timeout: neither may the gateway, on a
		// loaded machine (the faults subgraph's slow field is never
		// generated).
		cfg.SubgraphTimeout = time.Minute
	}
	env := gatewaytest.Start(t, cfg)
	sg, err := supergraph.Parse(env.Supergraph)
	if err != nil {
		t.Fatal(err)
	}
	f := HandlerFetcher{}
	for name := range env.SubgraphURLs {
		f[name] = env.SubgraphHandler(name)
	}
	return &Harness{Env: env, Ref: NewReference(sg, f)}
}

// Outcome is one operation answered by both.
type Outcome struct {
	Reference, Gateway Response
	GatewayBody        []byte
	// Diff is how the gateway's answer differs from the reference's ("":
	// they agree).
	Diff string
	// Limited: the gateway refused the operation for its cost limits
	// (MAX_*_EXCEEDED), which the reference does not have; not compared.
	Limited bool
}

// Run answers the document's operation with both, each over freshly reset
// subgraph data (so that mutations see the same world), and compares the
// answers.
func (h *Harness) Run(ctx context.Context, query string, vars map[string]any, opts CompareOptions) (Outcome, error) {
	return h.RunOp(ctx, Op{Query: query, Variables: vars}, opts)
}

// RunOp is Run for a generated operation (with its operationName).
func (h *Harness) RunOp(ctx context.Context, op Op, opts CompareOptions) (Outcome, error) {
	query, vars := op.Query, op.Variables
	if vars == nil {
		vars = map[string]any{}
	}
	payload := map[string]any{"query": query, "variables": vars}
	if op.OperationName != "" {
		payload["operationName"] = op.OperationName
	}
	reqBody, err := json.Marshal(payload)
	if err != nil {
		return Outcome{}, fmt.Errorf("encode request: %w", err)
	}
	h.Env.Reset()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.Env.URL, bytes.NewReader(reqBody))
	if err != nil {
		return Outcome{}, fmt.Errorf("new request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return Outcome{}, fmt.Errorf("gateway: %w", err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return Outcome{}, fmt.Errorf("read gateway answer: %w", err)
	}
	o := Outcome{GatewayBody: body}
	h.Env.Reset()
	// The reference sees the variables as the gateway does: decoded JSON.
	var rv map[string]any
	dec := json.NewDecoder(bytes.NewReader(reqBody))
	dec.UseNumber()
	var whole struct {
		Variables map[string]any `json:"variables"`
	}
	if err := dec.Decode(&whole); err != nil {
		return Outcome{}, fmt.Errorf("decode variables: %w", err)
	}
	rv = whole.Variables
	o.Reference = h.Ref.ExecuteOperation(ctx, query, op.OperationName, rv)
	gw, err := ParseResponse(body)
	if err != nil {
		o.Diff = fmt.Sprintf("gateway answer is not a GraphQL response: %v", err)
		return o, nil
	}
	o.Gateway = gw
	for _, e := range gw.Errors {
		if strings.HasPrefix(e.Code, "MAX_") && strings.HasSuffix(e.Code, "_EXCEEDED") {
			o.Limited = true
			return o, nil
		}
	}
	o.Diff = Diff(Canonicalize(o.Reference), Canonicalize(o.Gateway), opts)
	return o, nil
}
