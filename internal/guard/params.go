package guard

import (
	"context"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
)

// inProcess is the decoded parameters of one in-process request, taken
// once.
type inProcess struct {
	params *graphql.RawParams
	taken  atomic.Bool
}

type paramsKey struct{}

// WithParams returns the context of a request served in process (the
// gateway's in-process fetcher) carrying its GraphQL parameters already
// decoded: the query, the operation name, and the variables as a JSON
// decoder with UseNumber makes them from the request's body, which must
// hold the same request. The first POST.Do under the context serves them
// instead of reading and decoding the body; any later one (none, for an
// in-process request) decodes its own. A client cannot set a context
// value: requests over HTTP always have their body decoded.
func WithParams(ctx context.Context, p *graphql.RawParams) context.Context {
	return context.WithValue(ctx, paramsKey{}, &inProcess{params: p})
}

// takeParams returns the parameters WithParams put on ctx, once; nil when
// there are none or they were taken.
func takeParams(ctx context.Context) *graphql.RawParams {
	ip, _ := ctx.Value(paramsKey{}).(*inProcess)
	if ip == nil || !ip.taken.CompareAndSwap(false, true) {
		return nil
	}
	return ip.params
}
