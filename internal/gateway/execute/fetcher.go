package execute

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"golang.org/x/sync/singleflight"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/guard"
)

// Request is one subgraph request.
type Request struct {
	// Body is the JSON request body: {"query": …, "variables": …}.
	Body []byte
	// Idempotent marks a query (not a mutation): identical in-flight
	// requests may share one answer.
	Idempotent bool
	// Files, when any, make the request a multipart one (the GraphQL
	// multipart request spec), Body its operations part.
	Files []File
	// Params, when set (Run's WithParams), are Body's GraphQL parameters
	// already decoded, as a subgraph's JSON decoder (UseNumber) would
	// decode them: InProcessFetcher hands them to the subgraph's POST
	// transport (guard.WithParams) instead of having it decode Body.
	Params *graphql.RawParams
}

// Response is a subgraph's answer.
type Response struct {
	// StatusCode is the HTTP status (200 for in-process answers).
	StatusCode int
	// Body is the raw JSON response body.
	Body []byte
	// Release, when set, is called once Body is no longer used (after the
	// client's response is written), so the fetcher may reuse its memory.
	Release func()
}

// Fetcher sends requests to subgraphs.
type Fetcher interface {
	Fetch(ctx context.Context, subgraph string, req Request) (Response, error)
}

// FetchError is a transport failure talking to a subgraph. Code is the
// GraphQL error code reported to the client.
type FetchError struct {
	Subgraph string
	Code     string
	Err      error
}

func (e *FetchError) Error() string {
	return fmt.Sprintf("subgraph %q: %v", e.Subgraph, e.Err)
}

func (e *FetchError) Unwrap() error { return e.Err }

// Error codes of subgraph request failures.
const (
	CodeHTTPError         = "SUBREQUEST_HTTP_ERROR"
	CodeTimeout           = "SUBREQUEST_TIMEOUT"
	CodeMalformedResponse = "SUBREQUEST_MALFORMED_RESPONSE"
	CodeUnknownSubgraph   = "SUBREQUEST_UNKNOWN_SERVICE"
)

type headersKey struct{}

// WithForwardHeaders returns a context carrying the incoming request's
// headers; fetchers forward Authorization and traceparent from them.
func WithForwardHeaders(ctx context.Context, h http.Header) context.Context {
	return context.WithValue(ctx, headersKey{}, h)
}

// IncomingHeaders returns the headers installed by WithForwardHeaders, or
// nil.
func IncomingHeaders(ctx context.Context) http.Header {
	h, _ := ctx.Value(headersKey{}).(http.Header)
	return h
}

// DefaultForwardHeaders are the incoming headers passed on to subgraphs
// unless HTTPOptions.ForwardHeaders says otherwise: the caller's token, so
// every subgraph authorizes on its own, and the W3C trace context.
func DefaultForwardHeaders() []string { return []string{"Authorization", "Traceparent", "Tracestate"} }

// HTTPOptions tune the HTTP fetcher.
type HTTPOptions struct {
	// Timeout bounds each subgraph request (default 30s).
	Timeout time.Duration
	// Timeouts overrides Timeout per subgraph.
	Timeouts map[string]time.Duration
	// MaxIdleConnsPerHost sizes the keep-alive pool (default 128).
	MaxIdleConnsPerHost int
	// Transport replaces the pooled transport (tests).
	Transport http.RoundTripper
	// DedupInflight shares one subgraph round trip among identical
	// concurrent idempotent requests: same subgraph, same body and same
	// forwarded headers (so requests of different users never share).
	DedupInflight bool
	// ForwardHeaders lists the incoming headers passed on to subgraphs;
	// nil means DefaultForwardHeaders, an empty non-nil slice none.
	ForwardHeaders []string
}

// HTTPFetcher posts subgraph requests over pooled keep-alive connections.
type HTTPFetcher struct {
	urls   map[string]string
	opts   HTTPOptions
	client *http.Client
	flight singleflight.Group
	bodies bodyPool
}

// NewHTTPFetcher returns a fetcher for the subgraphs' routing URLs.
func NewHTTPFetcher(urls map[string]string, opts HTTPOptions) *HTTPFetcher {
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxIdleConnsPerHost <= 0 {
		opts.MaxIdleConnsPerHost = 128
	}
	rt := opts.Transport
	if rt == nil {
		rt = &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        1024,
			MaxIdleConnsPerHost: opts.MaxIdleConnsPerHost,
			IdleConnTimeout:     90 * time.Second,
			ForceAttemptHTTP2:   false,
			DisableCompression:  true,
		}
	}
	if opts.ForwardHeaders == nil {
		opts.ForwardHeaders = DefaultForwardHeaders()
	}
	u := make(map[string]string, len(urls))
	for k, v := range urls {
		u[k] = v
	}
	return &HTTPFetcher{urls: u, opts: opts, client: &http.Client{Transport: rt}}
}

// Fetch implements Fetcher.
func (f *HTTPFetcher) Fetch(ctx context.Context, subgraph string, req Request) (Response, error) {
	if !f.opts.DedupInflight || !req.Idempotent || len(req.Files) > 0 {
		return f.fetch(ctx, subgraph, req)
	}
	var key strings.Builder
	key.WriteString(subgraph)
	if in := IncomingHeaders(ctx); in != nil {
		for _, h := range f.opts.ForwardHeaders {
			key.WriteByte(0)
			key.WriteString(in.Get(h))
		}
	}
	key.WriteByte(0)
	key.Write(req.Body)
	ch := f.flight.DoChan(key.String(), func() (any, error) {
		// The shared round trip must not die with the first caller.
		return f.fetch(context.WithoutCancel(ctx), subgraph, req)
	})
	select {
	case r := <-ch:
		resp, _ := r.Val.(Response)
		if r.Shared {
			// Several callers hold the body: none may recycle it.
			resp.Release = nil
		}
		return resp, r.Err
	case <-ctx.Done():
		return Response{}, &FetchError{Subgraph: subgraph, Code: CodeTimeout, Err: ctx.Err()}
	}
}

func (f *HTTPFetcher) fetch(ctx context.Context, subgraph string, req Request) (Response, error) {
	url, ok := f.urls[subgraph]
	if !ok {
		return Response{}, &FetchError{Subgraph: subgraph, Code: CodeUnknownSubgraph, Err: errors.New("no routing URL")}
	}
	timeout := f.opts.Timeout
	if t, ok := f.opts.Timeouts[subgraph]; ok && t > 0 {
		timeout = t
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	reqBody, contentType := req.body()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url, reqBody)
	if err != nil {
		reqBody.Close()
		return Response{}, &FetchError{Subgraph: subgraph, Code: CodeHTTPError, Err: err}
	}
	hr.Header["Content-Type"] = []string{contentType}
	if len(req.Files) > 0 {
		hr.Header.Set(PreflightHeader, "true")
	}
	hr.Header["Accept"] = []string{"application/graphql-response+json, application/json"}
	if in := IncomingHeaders(ctx); in != nil {
		for _, h := range f.opts.ForwardHeaders {
			if v := in.Get(h); v != "" {
				hr.Header.Set(h, v)
			}
		}
	}
	setRequestID(hr.Header, ctx)
	resp, err := f.client.Do(hr)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return Response{}, &FetchError{Subgraph: subgraph, Code: CodeTimeout, Err: fmt.Errorf("timed out after %s", timeout)}
		}
		return Response{}, &FetchError{Subgraph: subgraph, Code: CodeHTTPError, Err: err}
	}
	defer resp.Body.Close()
	body, err := f.bodies.read(resp.Body, resp.ContentLength)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return Response{}, &FetchError{Subgraph: subgraph, Code: CodeTimeout, Err: fmt.Errorf("timed out after %s", timeout)}
		}
		return Response{}, &FetchError{Subgraph: subgraph, Code: CodeHTTPError, Err: err}
	}
	return Response{StatusCode: resp.StatusCode, Body: body, Release: func() { f.bodies.put(body) }}, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// InProcessFetcher serves subgraph requests with in-process handlers: the
// same wire contract as HTTP, without a socket.
type InProcessFetcher struct {
	handlers map[string]http.Handler
	bodies   bodyPool
	writers  sync.Pool // *memWriter
}

// TakesParams reports that the fetcher uses Request.Params (Run's
// WithParams).
func (f *InProcessFetcher) TakesParams() bool { return true }

// NewInProcessFetcher returns a fetcher over handlers by subgraph name.
func NewInProcessFetcher(handlers map[string]http.Handler) *InProcessFetcher {
	h := make(map[string]http.Handler, len(handlers))
	for k, v := range handlers {
		h[k] = v
	}
	f := &InProcessFetcher{handlers: h}
	f.writers.New = func() any { return &memWriter{header: http.Header{}} }
	return f
}

// Fetch implements Fetcher. The request carries the caller's forwarded
// headers, and a context prepared with auth.ForHop: the subgraph's
// auth.Middleware takes the principal the gateway's verified for the same
// Authorization value instead of verifying the token again; and, with
// req.Params, guard.WithParams: the subgraph's POST transport takes the
// parameters as they are instead of decoding the body.
func (f *InProcessFetcher) Fetch(ctx context.Context, subgraph string, req Request) (Response, error) {
	h, ok := f.handlers[subgraph]
	if !ok {
		return Response{}, &FetchError{Subgraph: subgraph, Code: CodeUnknownSubgraph, Err: errors.New("no handler")}
	}
	body, contentType := req.body()
	defer body.Close() // ends a multipart writer the handler did not read to its end
	hdr := make(http.Header, 4)
	hdr["Content-Type"] = []string{contentType}
	if len(req.Files) > 0 {
		hdr[PreflightHeader] = []string{"true"}
	}
	if in := IncomingHeaders(ctx); in != nil {
		for _, n := range DefaultForwardHeaders() {
			if v := in.Get(n); v != "" {
				hdr.Set(n, v)
			}
		}
	}
	setRequestID(hdr, ctx)
	hctx := auth.ForHop(ctx, hdr.Get("Authorization"))
	if req.Params != nil && len(req.Files) == 0 {
		hctx = guard.WithParams(hctx, req.Params)
	}
	hr, err := http.NewRequestWithContext(hctx, http.MethodPost, "/graphql", body)
	if err != nil {
		return Response{}, &FetchError{Subgraph: subgraph, Code: CodeHTTPError, Err: err}
	}
	hr.Header = hdr
	w := f.writers.Get().(*memWriter)
	w.reset(&f.bodies)
	h.ServeHTTP(w, hr)
	status, out := w.status, w.body
	w.body = nil
	f.writers.Put(w)
	if err := ctx.Err(); err != nil {
		f.bodies.put(out)
		return Response{}, &FetchError{Subgraph: subgraph, Code: CodeTimeout, Err: err}
	}
	return Response{StatusCode: status, Body: out, Release: func() { f.bodies.put(out) }}, nil
}

// memWriter is the http.ResponseWriter of an in-process request: the body
// goes into a buffer of the fetcher's body pool, handed back once the
// gateway has written its answer (Response.Release).
type memWriter struct {
	header http.Header
	status int
	wrote  bool
	body   []byte
	pool   *bodyPool
}

// firstWrite is the buffer an in-process response starts in.
const firstWrite = 4 << 10

func (w *memWriter) reset(pool *bodyPool) {
	clear(w.header)
	w.status, w.wrote, w.pool = http.StatusOK, false, pool
	w.body = pool.get(firstWrite)
}

func (w *memWriter) Header() http.Header { return w.header }
func (w *memWriter) WriteHeader(s int) {
	if !w.wrote {
		w.status, w.wrote = s, true
	}
}
func (w *memWriter) Write(b []byte) (int, error) {
	w.wrote = true
	if len(w.body)+len(b) > cap(w.body) {
		nb := w.pool.get(max(2*cap(w.body), len(w.body)+len(b)))
		nb = append(nb, w.body...)
		w.pool.put(w.body)
		w.body = nb
	}
	w.body = append(w.body, b...)
	return len(b), nil
}

var _ io.Writer = (*memWriter)(nil)
