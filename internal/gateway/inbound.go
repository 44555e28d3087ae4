package gateway

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/gateway/execute"
	"github.com/citizengraph/citizengraph/internal/gateway/plan"
)

// Inbound request deduplication (Options.DedupInbound): identical queries in
// flight at the same time share one execution. Two requests are identical
// when everything that can make their answers differ is equal — the key of
// inboundKey:
//
//   - the normalized operation: the plan-cache entry's key, a hash of the
//     canonically printed document, the operation name and the override,
//     authorization and @skip/@include condition values its plan consulted
//     (the input of internal/gateway/normalize, whose canonical form is a
//     function of it);
//   - the coerced variables, in canonical form (object keys sorted); an
//     operation whose variables hold anything but JSON values (an upload)
//     is never shared;
//   - every value of every header the fetcher forwards to subgraphs
//     (Authorization, the trace context, any --forward-headers), or of
//     every incoming header when the fetcher does not say which it forwards;
//     a WebSocket's connection_init Authorization counts as its header;
//   - the caller's authorization labels (signed in, each scope allowed)
//     and, where a server verified the token, its principal;
//   - the number of mutations this gateway had finished when the request
//     arrived, so that a query sent after a mutation's answer never joins an
//     execution that started before the mutation ended (read your writes).
//
// Only queries are shared, never mutations or subscriptions. The shared
// execution runs on a context detached from any one client: a caller that
// goes away stops waiting (its own request ends cancelled) without
// failing the others, and the execution is cancelled only when every
// caller waiting for it has gone. Each caller gets its own copy of the
// answer's bytes and errors.
type inbound struct {
	mu      sync.Mutex
	flights map[string]*flight
	// followers counts the callers waiting for another's execution now.
	followers atomic.Int64
	// writes counts the mutations finished: part of every key.
	writes atomic.Uint64
}

// flight is one shared execution.
type flight struct {
	done   chan struct{}
	res    *execute.Result
	cancel context.CancelFunc
	// waiting counts the callers still interested in the answer (guarded
	// by inbound.mu); the execution is cancelled when it drops to 0.
	waiting int
	// refs counts the callers holding the result's data buffer: the last
	// to let go hands it back to the pool.
	refs atomic.Int32
}

// DedupFollowers is the number of requests waiting now for an identical
// query's execution (Options.DedupInbound).
func (g *Gateway) DedupFollowers() int64 { return g.inbound.followers.Load() }

// forwardedHeaders is implemented by fetchers that tell which incoming
// headers they pass on to subgraphs (execute.HTTPFetcher,
// execute.InProcessFetcher).
type forwardedHeaders interface {
	ForwardedHeaders() []string
}

// dedupable reports whether the operation may share an execution: a query,
// when deduplication is on.
func (g *Gateway) dedupable(op *ast.OperationDefinition) bool {
	return g.opts.DedupInbound && (op.Operation == ast.Query || op.Operation == "")
}

// execute runs the plan of a query or a mutation, sharing the execution of
// an identical query in flight when it may. ok is false when the caller
// went away while waiting for another request's execution.
func (g *Gateway) execute(ctx context.Context, oc *graphql.OperationContext, e *entry, labels map[string]bool, h http.Header) (res *execute.Result, ok bool) {
	if !g.dedupable(oc.Operation) {
		return g.run(ctx, oc, e), true
	}
	key, keyed := g.inboundKey(ctx, oc, e, labels, h)
	if !keyed {
		return g.run(ctx, oc, e), true
	}
	in := &g.inbound
	in.mu.Lock()
	if in.flights == nil {
		in.flights = map[string]*flight{}
	}
	if f := in.flights[key]; f != nil {
		f.waiting++
		f.refs.Add(1)
		in.mu.Unlock()
		in.followers.Add(1)
		defer in.followers.Add(-1)
		return g.follow(ctx, f, key)
	}
	shared, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f := &flight{done: make(chan struct{}), cancel: cancel, waiting: 1}
	f.refs.Store(1)
	in.flights[key] = f
	in.mu.Unlock()
	g.metrics.inboundRequest(dedupLeader)
	return g.lead(ctx, shared, oc, e, f, key), true
}

// lead executes for every caller of f, on the detached context shared.
func (g *Gateway) lead(ctx, shared context.Context, oc *graphql.OperationContext, e *entry, f *flight, key string) *execute.Result {
	stop := context.AfterFunc(ctx, func() { g.leave(f, key) })
	defer func() {
		if r := recover(); r != nil {
			// The followers get an internal error; the panic goes on to
			// the handler's recovery for this request.
			g.land(f, key, &execute.Result{Errors: gqlerror.List{{Message: "internal error", Extensions: map[string]any{"code": "INTERNAL_SERVER_ERROR"}}}})
			panic(r)
		}
	}()
	res := g.run(shared, oc, e)
	g.land(f, key, res)
	if !stop() {
		// This caller left: nothing to answer it with.
		g.release(f)
		return &execute.Result{Data: []byte("null")}
	}
	if f.refs.Load() == 1 {
		// Nobody else waited (followers that left have let go): the
		// answer is this caller's alone, as without deduplication.
		f.cancel()
		return res
	}
	return g.take(f)
}

// land publishes the result of f: from now on nobody joins it.
func (g *Gateway) land(f *flight, key string, res *execute.Result) {
	in := &g.inbound
	in.mu.Lock()
	if in.flights[key] == f {
		delete(in.flights, key)
	}
	in.mu.Unlock()
	f.res = res
	close(f.done)
}

// follow waits for the execution of f.
func (g *Gateway) follow(ctx context.Context, f *flight, key string) (*execute.Result, bool) {
	select {
	case <-f.done:
		if ctx.Err() != nil {
			g.release(f)
			return nil, false
		}
		g.metrics.inboundRequest(dedupFollower)
		return g.take(f), true
	case <-ctx.Done():
		g.leave(f, key)
		g.release(f)
		return nil, false
	}
}

// leave withdraws one caller's interest in f; the last one out cancels the
// execution, which nobody may join any more.
func (g *Gateway) leave(f *flight, key string) {
	in := &g.inbound
	in.mu.Lock()
	f.waiting--
	last := f.waiting == 0
	if last && in.flights[key] == f {
		delete(in.flights, key)
	}
	in.mu.Unlock()
	if last {
		f.cancel()
	}
}

// take copies the shared result for one caller, whose response transport
// recycles the data buffer it writes, and lets go of the shared one.
func (g *Gateway) take(f *flight) *execute.Result {
	src := f.res
	var buf []byte
	if p, _ := g.data.Get().(*[]byte); p != nil {
		buf = (*p)[:0]
	}
	out := &execute.Result{Data: append(buf, src.Data...)}
	if len(src.Errors) > 0 {
		// Errors are values the caller's handler may add to: its own.
		out.Errors = make(gqlerror.List, len(src.Errors))
		for i, e := range src.Errors {
			c := *e
			out.Errors[i] = &c
		}
	}
	g.release(f)
	return out
}

// release drops one hold on the shared result; the last hands its data
// buffer back to the pool.
func (g *Gateway) release(f *flight) {
	if f.refs.Add(-1) != 0 {
		return
	}
	f.cancel()
	if f.res != nil && cap(f.res.Data) >= 1024 && cap(f.res.Data) <= 4<<20 {
		data := f.res.Data[:0]
		g.data.Put(&data)
	}
}

// run executes the plan for one caller.
func (g *Gateway) run(ctx context.Context, oc *graphql.OperationContext, e *entry) *execute.Result {
	var buf []byte
	if p, _ := g.data.Get().(*[]byte); p != nil {
		buf = *p
	}
	// Files of a multipart request go to the fetches that take them
	// (uploadFetcher); such a request is never shared (appendCanonical).
	vars, files := takeUploads(oc.Variables)
	if files != nil {
		ctx = context.WithValue(ctx, uploadsKey{}, files)
	}
	opts := []execute.Option{execute.WithSchema(g.sg.API), execute.WithSizeHint(int(e.size.Load())),
		execute.WithArenaPool(&g.arenas), execute.WithBuffer(buf)}
	if g.params {
		opts = append(opts, execute.WithParams())
	}
	res := execute.Run(ctx, e.plan, vars, g.fetcher, opts...)
	e.size.Store(int64(len(res.Data)))
	return res
}

// inboundKey is the deduplication key of a query (see inbound); keyed is
// false when the request must run on its own.
func (g *Gateway) inboundKey(ctx context.Context, oc *graphql.OperationContext, e *entry, labels map[string]bool, h http.Header) (key string, keyed bool) {
	if e.norm == "" {
		return "", false
	}
	b := make([]byte, 0, 256)
	b = appendField(b, e.norm)
	b = appendField(b, oc.OperationName)
	b = binary.AppendUvarint(b, g.inbound.writes.Load())
	var ok bool
	if b, ok = appendCanonical(b, oc.Variables, 0); !ok {
		return "", false
	}
	b = g.appendHeaders(b, h)
	// The caller's authorization labels, all of them (the plan's key has
	// those it consulted, and the override rolls it consulted).
	b = strconv.AppendBool(b, labels[plan.LabelAuthenticated])
	for _, l := range g.scopes {
		b = strconv.AppendBool(b, labels[l])
	}
	if p := auth.FromContext(ctx); p != nil {
		b = append(b, 'p')
		b = appendField(b, p.Subject)
		b = appendField(b, p.FiscalCode)
		b = appendField(b, p.Client)
		b = strconv.AppendBool(b, p.FirstParty)
		b = appendList(b, p.Roles)
		b = appendList(b, p.Comuni)
		b = appendList(b, p.Scopes)
		b = binary.AppendVarint(b, p.Expiry.UnixNano())
	} else {
		b = append(b, 'a')
	}
	return string(b), true
}

// appendHeaders appends every value of the headers the fetcher forwards,
// or of all of h when it does not say which.
func (g *Gateway) appendHeaders(b []byte, h http.Header) []byte {
	names := g.forwarded
	if names == nil {
		names = make([]string, 0, len(h))
		for n := range h {
			names = append(names, n)
		}
		sort.Strings(names)
	}
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, n := range names {
		b = appendField(b, n)
		b = appendList(b, h.Values(n))
	}
	return b
}

// paramsTaker is implemented by fetchers that use the decoded parameters
// of subgraph requests (execute.InProcessFetcher).
type paramsTaker interface {
	TakesParams() bool
}

func takesParams(f any) bool {
	pt, ok := f.(paramsTaker)
	return ok && pt.TakesParams()
}

// forwardedNames returns the canonical, sorted header names a fetcher
// forwards, or nil when it does not tell.
func forwardedNames(f any) []string {
	fh, ok := f.(forwardedHeaders)
	if !ok {
		return nil
	}
	names := []string{}
	for _, n := range fh.ForwardedHeaders() {
		names = append(names, http.CanonicalHeaderKey(n))
	}
	sort.Strings(names)
	return slices.Compact(names)
}

func appendField(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendList(b []byte, l []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(l)))
	for _, s := range l {
		b = appendField(b, s)
	}
	return b
}

// appendCanonical appends an unambiguous encoding of a JSON value, object
// keys sorted; ok is false for anything that is not a JSON value.
func appendCanonical(b []byte, v any, depth int) (_ []byte, ok bool) {
	if depth > 64 {
		return b, false
	}
	switch v := v.(type) {
	case nil:
		return append(b, 'z'), true
	case bool:
		if v {
			return append(b, 't'), true
		}
		return append(b, 'f'), true
	case string:
		return appendField(append(b, 's'), v), true
	case json.Number:
		return appendField(append(b, 'n'), string(v)), true
	case float64:
		return binary.BigEndian.AppendUint64(append(b, 'd'), math.Float64bits(v)), true
	case int:
		return binary.AppendVarint(append(b, 'i'), int64(v)), true
	case int64:
		return binary.AppendVarint(append(b, 'i'), v), true
	case int32:
		return binary.AppendVarint(append(b, 'i'), int64(v)), true
	case []any:
		b = binary.AppendUvarint(append(b, '['), uint64(len(v)))
		for _, x := range v {
			if b, ok = appendCanonical(b, x, depth+1); !ok {
				return b, false
			}
		}
		return b, true
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = binary.AppendUvarint(append(b, '{'), uint64(len(keys)))
		for _, k := range keys {
			b = appendField(b, k)
			if b, ok = appendCanonical(b, v[k], depth+1); !ok {
				return b, false
			}
		}
		return b, true
	}
	return b, false
}
