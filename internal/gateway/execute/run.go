package execute

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/citizengraph/citizengraph/internal/gateway/normalize"
	"github.com/citizengraph/citizengraph/internal/gateway/plan"
)

// Result is the outcome of running a plan.
type Result struct {
	// Data is the JSON of the data entry ("null" when null propagation
	// reached the root).
	Data []byte
	// Errors are the response errors.
	Errors gqlerror.List
}

// Option configures Run.
type Option func(*state)

// WithSizeHint preallocates the response buffer (e.g. the size of the
// previous response to the same operation).
func WithSizeHint(n int) Option { return func(st *state) { st.sizeHint = n } }

// WithArenaPool decodes subgraph responses into memory recycled through
// pool; Run hands it back once the response is written.
func WithArenaPool(pool *ArenaPool) Option { return func(st *state) { st.pool = pool } }

// WithBuffer gives Run a buffer to write the response data into (from
// its start); Result.Data then shares its memory unless it had to grow.
func WithBuffer(buf []byte) Option { return func(st *state) { st.buf = buf[:0] } }

// WithResponse answers the fetch with the given ID with resp instead of
// sending it: the event of a subscription, on which the rest of the plan
// (entity fetches) then runs.
func WithResponse(fetchID int, resp Response) Option {
	return func(st *state) { st.given, st.givenID = &resp, fetchID }
}

// WithParams makes Run give each request without files its parameters
// already decoded (Request.Params), for a fetcher that hands them to an
// in-process subgraph instead of the JSON body.
func WithParams() Option { return func(st *state) { st.params = true } }

// WithSchema gives Run the API schema, which it needs to answer __schema
// and __type.
func WithSchema(s *ast.Schema) Option { return func(st *state) { st.schema = s } }

type state struct {
	given    *Response // WithResponse
	givenID  int
	ctx      context.Context
	plan     *plan.Plan
	vars     map[string]any
	fetcher  Fetcher
	schema   *ast.Schema
	sizeHint int
	pool     *ArenaPool
	buf      []byte
	params   bool // WithParams

	mu   sync.Mutex
	data *Value
	// unresolved are objects no representation could be made of, with
	// the response keys the skipped entity fetches would have filled.
	unresolved map[*Value][]string
	// failedKeys are the response keys a failed entity fetch would have
	// filled, by the error reported at each of its objects: that error
	// explains nulls of those fields only.
	failedKeys map[*gqlerror.Error][]string
	errs       gqlerror.List
	// arenas hold the decoded responses, released after writing.
	arenas []*arena
	// respBytes sums the subgraph response sizes: without a size hint it
	// sizes the client response buffer.
	respBytes int
	// releases hand the subgraph response bodies back to their fetcher
	// (Response.Release), after writing: decoded values alias them.
	releases []func()
}

// Run executes p with the coerced variables and returns the response.
func Run(ctx context.Context, p *plan.Plan, variables map[string]any, fetcher Fetcher, opts ...Option) *Result {
	st := &state{ctx: ctx, plan: p, vars: variables, fetcher: fetcher}
	for _, o := range opts {
		o(st)
	}
	if p.RequestError != "" {
		e := &gqlerror.Error{Message: p.RequestError}
		if p.RequestErrorCode != "" {
			e.Extensions = map[string]any{"code": p.RequestErrorCode}
		}
		return &Result{Data: []byte("null"), Errors: gqlerror.List{e}}
	}
	st.data = &Value{Kind: Object}
	if p.Root != nil {
		st.run(p.Root)
	}
	hint := st.sizeHint + st.sizeHint/8
	if st.sizeHint == 0 {
		hint = st.respBytes + st.respBytes/4
	}
	hint = max(hint, 1024)
	if cap(st.buf) < hint {
		st.buf = make([]byte, 0, hint)
	}
	w := writer{st: st, buf: st.buf, path: make([]pathSeg, 0, 16)}
	data := w.root()
	for _, a := range st.arenas {
		a.release()
	}
	for _, r := range st.releases {
		r()
	}
	return &Result{Data: data, Errors: st.errs}
}

// RootRequest returns the plan's only root fetch and its request body: the
// upstream operation of a subscription, whose single root field one
// subgraph resolves.
func RootRequest(p *plan.Plan, variables map[string]any) (*plan.Fetch, Request, error) {
	var root *plan.Fetch
	for _, f := range p.Fetches {
		if f.Kind != plan.Root {
			continue
		}
		if root != nil {
			return nil, Request{}, fmt.Errorf("execute: the plan has more than one root fetch (%s and %s)", root.Subgraph, f.Subgraph)
		}
		root = f
	}
	if root == nil {
		return nil, Request{}, errors.New("execute: the plan has no root fetch")
	}
	st := &state{plan: p, vars: variables, data: &Value{Kind: Object}}
	body, _, _ := st.prepare(root)
	return root, Request{Body: body}, nil
}

func (st *state) run(n plan.Node) {
	switch n := n.(type) {
	case *plan.Sequence:
		for _, c := range n.Nodes {
			st.run(c)
		}
	case *plan.Parallel:
		var wg sync.WaitGroup
		for _, c := range n.Nodes[1:] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st.run(c)
			}()
		}
		st.run(n.Nodes[0])
		wg.Wait()
	case *plan.Fetch:
		st.fetch(n)
	}
}

// target is an object receiving the entity at one representation index.
type entityBatch struct {
	reps    [][]*Value // per representation: the objects it came from
	inputOf []int
}

func (st *state) fetch(f *plan.Fetch) {
	st.mu.Lock()
	body, batch, params := st.prepare(f)
	st.mu.Unlock()
	if body == nil {
		return
	}
	var resp Response
	var err error
	if st.given != nil && f.ID == st.givenID {
		resp = *st.given
	} else {
		resp, err = st.fetcher.Fetch(st.ctx, f.Subgraph, Request{Body: body, Idempotent: st.plan.Operation == ast.Query, Params: params})
	}
	a := &arena{pool: st.pool}
	var root *Value
	if err == nil {
		root, err = decodeResponse(a, f.Subgraph, resp)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.arenas = append(st.arenas, a)
	if resp.Release != nil {
		st.releases = append(st.releases, resp.Release)
	}
	st.respBytes += len(resp.Body)
	if err != nil {
		st.fetchFailed(f, batch, err)
		return
	}
	st.merge(f, batch, root, a)
}

func decodeResponse(a *arena, subgraph string, resp Response) (*Value, error) {
	root, perr := parse(a, resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if perr == nil && root.Kind == Object && (root.Get("data") != nil || root.Get("errors") != nil) {
			return root, nil
		}
		return nil, &FetchError{Subgraph: subgraph, Code: CodeHTTPError, Err: fmt.Errorf("HTTP status %d", resp.StatusCode)}
	}
	if perr != nil {
		return nil, &FetchError{Subgraph: subgraph, Code: CodeMalformedResponse, Err: fmt.Errorf("response is not JSON: %w", perr)}
	}
	if root.Kind != Object || (root.Get("data") == nil && root.Get("errors") == nil) {
		return nil, &FetchError{Subgraph: subgraph, Code: CodeMalformedResponse, Err: fmt.Errorf("response has neither data nor errors")}
	}
	return root, nil
}

// prepare builds the request body; for entity fetches it also collects the
// deduplicated representations. A nil body means there is nothing to fetch.
// Under WithParams it also returns the body's parameters as Go values,
// built along with the body: each value is the one a JSON decoder with
// UseNumber makes of the text written for it.
func (st *state) prepare(f *plan.Fetch) ([]byte, *entityBatch, *graphql.RawParams) {
	buf := make([]byte, 0, 256+len(f.QueryJSON))
	buf = append(buf, `{"query":`...)
	buf = append(buf, f.QueryJSON...)
	buf = append(buf, `,"variables":{`...)
	n := 0
	var batch *entityBatch
	var vars map[string]any
	if st.params {
		vars = make(map[string]any, len(f.Variables)+1)
	}
	if f.Kind == plan.Entity {
		batch = &entityBatch{}
		buf = append(buf, `"representations":[`...)
		seen := map[string]int{}
		var rep []byte
		var reps []any
		for ii, in := range f.Inputs {
			walk(st.data, in.Path, func(obj *Value) {
				tn := obj.Get("__typename")
				if !typeMatches(tn, in.Types) {
					return
				}
				rep = rep[:0]
				rep = append(rep, `{"__typename":`...)
				var m map[string]any
				if vars != nil {
					m = make(map[string]any, len(in.Fields)+1)
				}
				if in.Typename != "" {
					rep = strconv.AppendQuote(rep, in.Typename)
					if m != nil {
						m["__typename"] = in.Typename
					}
				} else if tn != nil {
					rep = append(rep, tn.Raw...)
					if m != nil {
						m["__typename"] = jsonValue(tn)
					}
				} else {
					rep = strconv.AppendQuote(rep, in.Types[0])
					if m != nil {
						m["__typename"] = in.Types[0]
					}
				}
				var ok bool
				if rep, ok = appendRep(rep, obj, in.Fields, m); !ok {
					// Its key is missing, null or of the wrong type: the
					// fields this fetch would have brought cannot be
					// resolved (errors when the answer needs them).
					if st.unresolved == nil {
						st.unresolved = map[*Value][]string{}
					}
					st.unresolved[obj] = append(st.unresolved[obj], f.EntityKeys...)
					return
				}
				rep = append(rep, '}')
				if i, dup := seen[string(rep)]; dup {
					batch.reps[i] = append(batch.reps[i], obj)
					return
				}
				seen[string(rep)] = len(batch.reps)
				batch.reps = append(batch.reps, []*Value{obj})
				batch.inputOf = append(batch.inputOf, ii)
				if n > 0 {
					buf = append(buf, ',')
				}
				buf = append(buf, rep...)
				if m != nil {
					reps = append(reps, m)
				}
				n++
			})
		}
		if n == 0 {
			return nil, nil, nil
		}
		buf = append(buf, ']')
		if vars != nil {
			vars["representations"] = reps
		}
	}
	for _, v := range f.Variables {
		val, ok := st.vars[v]
		if !ok {
			continue
		}
		enc, err := json.Marshal(val)
		if err != nil {
			continue
		}
		if n > 0 || f.Kind == plan.Entity {
			buf = append(buf, ',')
		}
		buf = strconv.AppendQuote(buf, v)
		buf = append(buf, ':')
		buf = append(buf, enc...)
		if vars != nil {
			vars[v] = decodeJSON(enc)
		}
		n++
	}
	buf = append(buf, "}}"...)
	if vars == nil {
		return buf, batch, nil
	}
	q := f.Query
	if !utf8.ValidString(q) {
		// QueryJSON carries the text as encoding/json wrote it.
		q, _ = decodeJSON([]byte(f.QueryJSON)).(string)
	}
	return buf, batch, &graphql.RawParams{Query: q, Variables: vars}
}

// jsonValue is v as a JSON decoder with UseNumber makes it of v.Raw.
func jsonValue(v *Value) any {
	switch v.Kind {
	case Null:
		return nil
	case Bool:
		return len(v.Raw) > 0 && v.Raw[0] == 't'
	case Number:
		return json.Number(v.Raw)
	case String:
		raw := v.Raw[1 : len(v.Raw)-1]
		for _, c := range raw {
			if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
				// Escapes, control or non-ASCII bytes: as the decoder
				// reads them (replacing invalid UTF-8).
				return decodeJSON(v.Raw)
			}
		}
		return string(raw)
	}
	return decodeJSON(v.Raw)
}

// decodeJSON decodes one JSON value with UseNumber, as a subgraph decodes
// its request; nil when it is not JSON.
func decodeJSON(raw []byte) any {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out any
	if dec.Decode(&out) != nil {
		return nil
	}
	return out
}

func typeMatches(tn *Value, types []string) bool {
	if tn == nil || tn.Kind != String {
		return len(types) == 1
	}
	raw := tn.Raw[1 : len(tn.Raw)-1]
	for _, t := range types {
		if string(raw) == t {
			return true
		}
	}
	return false
}

// walk calls fn for every object at path under v, flattening lists.
func walk(v *Value, path []string, fn func(*Value)) {
	if v == nil {
		return
	}
	switch v.Kind {
	case Array:
		for _, it := range v.Items {
			walk(it, path, fn)
		}
	case Object:
		if len(path) == 0 {
			fn(v)
			return
		}
		walk(v.Get(path[0]), path[1:], fn)
	}
}

// walkPaths is walk with the concrete response path of each object.
func walkPaths(v *Value, path []string, cur ast.Path, fn func(*Value, ast.Path)) {
	if v == nil {
		return
	}
	switch v.Kind {
	case Array:
		for i, it := range v.Items {
			walkPaths(it, path, append(cur, ast.PathIndex(i)), fn)
		}
	case Object:
		if len(path) == 0 {
			fn(v, append(ast.Path(nil), cur...))
			return
		}
		seg := path[0]
		if seg == normalize.TypenameAlias {
			seg = "__typename"
		}
		walkPaths(v.Get(path[0]), path[1:], append(cur, ast.PathName(seg)), fn)
	}
}

// appendRep writes the representation fields of obj; ok is false when a
// field is missing. When m is not nil, it also sets each field written in
// m, as a JSON decoder would decode it.
func appendRep(buf []byte, obj *Value, fields []*plan.RepField, m map[string]any) ([]byte, bool) {
	for _, f := range fields {
		if f.TypeCond != "" {
			if tn := obj.Get("__typename"); tn != nil {
				if n := tn.Str(); n != f.TypeCond && !slices.Contains(f.CondTypes, n) {
					continue
				}
			}
		}
		v := obj.Get(f.Key)
		if v == nil || v.Kind == Null && f.NonNull {
			return buf, false
		}
		if len(f.Fields) == 0 && v.Kind != Null && v.Kind != Array && !leafOK(v, f.Leaf) {
			return buf, false
		}
		buf = append(buf, ',')
		buf = strconv.AppendQuote(buf, f.Name)
		buf = append(buf, ':')
		var ok bool
		var val any
		if buf, val, ok = appendRepValue(buf, v, f.Fields, m != nil); !ok {
			return buf, false
		}
		if m != nil {
			m[f.Name] = val
		}
	}
	return buf, true
}

// appendRepValue writes v under the field set sub; with build, it also
// returns the value as a JSON decoder would decode what it wrote.
func appendRepValue(buf []byte, v *Value, sub []*plan.RepField, build bool) ([]byte, any, bool) {
	if len(sub) == 0 || v.Kind == Null {
		var val any
		if build {
			val = jsonValue(v)
		}
		return append(buf, v.Raw...), val, true
	}
	switch v.Kind {
	case Array:
		var items []any
		if build {
			items = make([]any, 0, len(v.Items))
		}
		buf = append(buf, '[')
		for i, it := range v.Items {
			if i > 0 {
				buf = append(buf, ',')
			}
			var ok bool
			var val any
			if buf, val, ok = appendRepValue(buf, it, sub, build); !ok {
				return buf, nil, false
			}
			if build {
				items = append(items, val)
			}
		}
		return append(buf, ']'), items, true
	case Object:
		var m map[string]any
		if build {
			m = make(map[string]any, len(sub))
		}
		buf = append(buf, '{')
		mark := len(buf)
		var ok bool
		if buf, ok = appendRep(buf, v, sub, m); !ok {
			return buf, nil, false
		}
		if len(buf) > mark && buf[mark] == ',' {
			buf = append(buf[:mark], buf[mark+1:]...)
		}
		return append(buf, '}'), m, true
	}
	// A scalar where the field set selects subfields: not an object.
	return buf, nil, false
}

// merge merges a fetch's response, decoded in a, into the data.
func (st *state) merge(f *plan.Fetch, batch *entityBatch, root *Value, a *arena) {
	data := root.Get("data")
	if f.Kind == plan.Root {
		if data != nil && data.Kind == Object {
			merge(a, st.data, data)
		}
		st.subgraphErrors(f, root.Get("errors"), func(p ast.Path) []ast.Path { return []ast.Path{p} })
		if (data == nil || data.Kind != Object) && root.Get("errors") == nil {
			st.fetchFailed(f, batch, &FetchError{Subgraph: f.Subgraph, Code: CodeMalformedResponse, Err: fmt.Errorf("no data")})
		}
		return
	}
	ents := data.Get("_entities")
	if ents != nil && ents.Kind == Array {
		if len(ents.Items) != len(batch.reps) {
			st.fetchFailed(f, batch, &FetchError{Subgraph: f.Subgraph, Code: CodeMalformedResponse,
				Err: fmt.Errorf("_entities returned %d entities for %d representations", len(ents.Items), len(batch.reps))})
			return
		}
		for i, it := range ents.Items {
			if it.Kind != Object {
				continue
			}
			// An @interfaceObject subgraph answers with the interface's
			// name as __typename: keep the concrete type already known.
			keepTypename := false
			if tn := f.Inputs[batch.inputOf[i]].Typename; tn != "" {
				keepTypename = it.Get("__typename").Str() == tn
			}
			for _, obj := range batch.reps[i] {
				if keepTypename && obj.Get("__typename") != nil {
					mergeExcept(a, obj, it, "__typename")
				} else {
					merge(a, obj, it)
				}
			}
		}
	} else if root.Get("errors") == nil {
		st.fetchFailed(f, batch, &FetchError{Subgraph: f.Subgraph, Code: CodeMalformedResponse, Err: fmt.Errorf("no _entities in the response")})
		return
	}
	errs := root.Get("errors")
	if errs == nil {
		return
	}
	var paths map[*Value][]ast.Path
	st.subgraphErrors(f, errs, func(p ast.Path) []ast.Path {
		if len(p) < 2 {
			return nil
		}
		if n, ok := p[0].(ast.PathName); !ok || n != "_entities" {
			return nil
		}
		idx, ok := p[1].(ast.PathIndex)
		if !ok || int(idx) < 0 || int(idx) >= len(batch.reps) {
			return nil
		}
		if paths == nil {
			paths = st.targetPaths(f)
		}
		var out []ast.Path
		for _, obj := range batch.reps[idx] {
			for _, tp := range paths[obj] {
				out = append(out, append(append(ast.Path(nil), tp...), p[2:]...))
			}
		}
		return out
	})
}

func (st *state) targetPaths(f *plan.Fetch) map[*Value][]ast.Path {
	out := map[*Value][]ast.Path{}
	for _, in := range f.Inputs {
		walkPaths(st.data, in.Path, nil, func(v *Value, p ast.Path) { out[v] = append(out[v], p) })
	}
	return out
}

type wireError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// subgraphErrors adds a subgraph's errors, re-pathed by repath (a nil
// result keeps the error without a path).
func (st *state) subgraphErrors(f *plan.Fetch, errs *Value, repath func(ast.Path) []ast.Path) {
	if errs == nil || errs.Kind != Array || len(errs.Items) == 0 {
		return
	}
	var list []wireError
	if err := json.Unmarshal(errs.Raw, &list); err != nil {
		st.errs = append(st.errs, &gqlerror.Error{Message: fmt.Sprintf("subgraph %q returned malformed errors", f.Subgraph),
			Extensions: map[string]any{"code": CodeMalformedResponse, "serviceName": f.Subgraph}})
		return
	}
	for _, we := range list {
		ext := map[string]any{}
		for k, v := range we.Extensions {
			ext[k] = v
		}
		ext["serviceName"] = f.Subgraph
		msg := we.Message
		if msg == "" {
			msg = "subgraph error"
		}
		var paths []ast.Path
		if len(we.Path) > 0 {
			var p ast.Path
			for _, e := range we.Path {
				switch e := e.(type) {
				case string:
					if e == normalize.TypenameAlias {
						e = "__typename"
					}
					p = append(p, ast.PathName(e))
				case float64:
					p = append(p, ast.PathIndex(int(e)))
				}
			}
			paths = repath(p)
		}
		if len(paths) == 0 {
			st.errs = append(st.errs, &gqlerror.Error{Message: msg, Extensions: ext})
			continue
		}
		for _, p := range paths {
			e := &gqlerror.Error{Message: msg, Path: p, Extensions: ext}
			st.errs = append(st.errs, e)
			if st.failedKeys == nil {
				st.failedKeys = map[*gqlerror.Error][]string{}
			}
			st.failedKeys[e] = f.EntityKeys
		}
	}
}

// fetchFailed records a failed fetch on the fields it should have filled.
func (st *state) fetchFailed(f *plan.Fetch, batch *entityBatch, err error) {
	code := CodeHTTPError
	if fe, ok := err.(*FetchError); ok {
		code = fe.Code
	}
	ext := map[string]any{"code": code, "serviceName": f.Subgraph}
	msg := fmt.Sprintf("request to subgraph %q failed: %v", f.Subgraph, errorCause(err))
	if f.Kind == plan.Root {
		if len(f.RootKeys) == 0 {
			st.errs = append(st.errs, &gqlerror.Error{Message: msg, Extensions: ext})
		}
		for _, k := range f.RootKeys {
			st.errs = append(st.errs, &gqlerror.Error{Message: msg, Path: ast.Path{ast.PathName(k)}, Extensions: ext})
		}
		return
	}
	paths := st.targetPaths(f)
	n := 0
	for _, in := range f.Inputs {
		walkPaths(st.data, in.Path, nil, func(v *Value, p ast.Path) {
			if batch != nil && !inBatch(batch, v) {
				return
			}
			_ = paths
			e := &gqlerror.Error{Message: msg, Path: p, Extensions: ext}
			st.errs = append(st.errs, e)
			if st.failedKeys == nil {
				st.failedKeys = map[*gqlerror.Error][]string{}
			}
			st.failedKeys[e] = f.EntityKeys
			n++
		})
	}
	if n == 0 {
		st.errs = append(st.errs, &gqlerror.Error{Message: msg, Extensions: ext})
	}
}

func inBatch(b *entityBatch, v *Value) bool {
	for _, objs := range b.reps {
		for _, o := range objs {
			if o == v {
				return true
			}
		}
	}
	return false
}

// errorCause is what a client is told of a failed subgraph request: the
// cause, without the subgraph's URL or network addresses (internal
// topology).
func errorCause(err error) error {
	if fe, ok := err.(*FetchError); ok {
		err = fe.Err
	}
	return PublicCause(err)
}

// PublicCause strips the URL (*url.Error) and the addresses (*net.OpError)
// from a transport error, keeping its reason ("connect: connection
// refused").
func PublicCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		err = oe.Err
	}
	return err
}
