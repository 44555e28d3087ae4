package gatewaytest

import "net/http"

// SubgraphHandler returns the named test subgraph's handler, serving
// whatever data the Env currently holds (Reset included), for callers that
// query the subgraphs in process rather than over their httptest URLs.
func (e *Env) SubgraphHandler(name string) http.Handler {
	return e.world.Handler(name)
}
