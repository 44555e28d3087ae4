package subscribe

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"time"

	"github.com/citizengraph/citizengraph/internal/gateway/execute"
)

// Subscriber opens subscriptions on subgraphs.
type Subscriber interface {
	// Subscribe sends req (a subscription operation) to subgraph. The
	// stream ends when ctx is done, when the subgraph completes it, or on
	// Close.
	Subscribe(ctx context.Context, subgraph string, req execute.Request) (Stream, error)
}

// Stream is one open upstream subscription.
type Stream interface {
	// Next blocks for the next event: one subgraph response. It returns
	// io.EOF once the subgraph has completed the subscription, a
	// *execute.FetchError when the stream broke, and ctx's error when ctx
	// is done first.
	Next(ctx context.Context) (execute.Response, error)
	// Close ends the subscription. It is safe to call while Next waits,
	// and more than once.
	Close() error
}

// MaxEventBytes bounds one event's payload.
const MaxEventBytes = 8 << 20

// HTTPOptions tune the HTTP subscriber.
type HTTPOptions struct {
	// ConnectTimeout bounds dialing and the wait for the response headers
	// (default 10s); an open stream has no deadline.
	ConnectTimeout time.Duration
	// ForwardHeaders lists the incoming headers passed on to subgraphs;
	// nil means execute.DefaultForwardHeaders, an empty non-nil slice none.
	ForwardHeaders []string
	// Transport replaces the default transport (tests).
	Transport http.RoundTripper
	// Protocols chooses the protocol per subgraph (default SSE).
	Protocols map[string]Protocol
}

// Protocol is the wire protocol of an upstream subscription.
type Protocol string

// Protocols.
const (
	// SSE is GraphQL over Server-Sent Events, distinct-connections mode.
	SSE Protocol = "sse"
	// WebSocket is graphql-transport-ws, one connection per subscription.
	WebSocket Protocol = "ws"
)

// ParseProtocol reads a protocol name.
func ParseProtocol(s string) (Protocol, error) {
	switch p := Protocol(s); p {
	case SSE, WebSocket:
		return p, nil
	}
	return "", fmt.Errorf("unknown subscription protocol %q (want sse or ws)", s)
}

// HTTP subscribes over GraphQL-over-SSE to the subgraphs' routing URLs.
type HTTP struct {
	urls   map[string]string
	opts   HTTPOptions
	client *http.Client
}

// NewHTTP returns a subscriber for the subgraphs' routing URLs.
func NewHTTP(urls map[string]string, opts HTTPOptions) *HTTP {
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 10 * time.Second
	}
	if opts.ForwardHeaders == nil {
		opts.ForwardHeaders = execute.DefaultForwardHeaders()
	}
	rt := opts.Transport
	if rt == nil {
		rt = &http.Transport{
			DialContext:           (&net.Dialer{Timeout: opts.ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext,
			ResponseHeaderTimeout: opts.ConnectTimeout,
			MaxIdleConnsPerHost:   16,
			IdleConnTimeout:       90 * time.Second,
			DisableCompression:    true,
		}
	}
	u := make(map[string]string, len(urls))
	for k, v := range urls {
		u[k] = v
	}
	return &HTTP{urls: u, opts: opts, client: &http.Client{Transport: rt}}
}

// Subscribe implements Subscriber.
func (s *HTTP) Subscribe(ctx context.Context, subgraph string, req execute.Request) (Stream, error) {
	url, ok := s.urls[subgraph]
	if !ok {
		return nil, &execute.FetchError{Subgraph: subgraph, Code: execute.CodeUnknownSubgraph, Err: errors.New("no routing URL")}
	}
	if s.opts.Protocols[subgraph] == WebSocket {
		return s.websocket(ctx, subgraph, url, req)
	}
	ctx, cancel := context.WithCancel(ctx)
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(req.Body))
	if err != nil {
		cancel()
		return nil, &execute.FetchError{Subgraph: subgraph, Code: execute.CodeHTTPError, Err: err}
	}
	setHeaders(hr, execute.IncomingHeaders(ctx), s.opts.ForwardHeaders)
	resp, err := s.client.Do(hr)
	if err != nil {
		cancel()
		code := execute.CodeHTTPError
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			code = execute.CodeTimeout
		}
		return nil, &execute.FetchError{Subgraph: subgraph, Code: code, Err: err}
	}
	st, err := open(subgraph, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Body)
	if err != nil {
		resp.Body.Close()
		cancel()
		return nil, err
	}
	st.stop = func() { cancel(); resp.Body.Close() }
	return st, nil
}

func setHeaders(hr *http.Request, in http.Header, forward []string) {
	hr.Header["Content-Type"] = []string{"application/json"}
	hr.Header["Accept"] = []string{"text/event-stream"}
	copyForwarded(hr.Header, in, forward)
}

// copyForwarded copies the forward headers of in to dst.
func copyForwarded(dst, in http.Header, forward []string) {
	for _, h := range forward {
		if v := in.Get(h); v != "" {
			dst.Set(h, v)
		}
	}
}

// InProcess subscribes through in-process subgraph handlers: the same wire
// contract as HTTP, without a socket.
type InProcess struct {
	handlers map[string]http.Handler
}

// NewInProcess returns a subscriber over handlers by subgraph name.
func NewInProcess(handlers map[string]http.Handler) *InProcess {
	h := make(map[string]http.Handler, len(handlers))
	for k, v := range handlers {
		h[k] = v
	}
	return &InProcess{handlers: h}
}

// Subscribe implements Subscriber.
func (s *InProcess) Subscribe(ctx context.Context, subgraph string, req execute.Request) (Stream, error) {
	h, ok := s.handlers[subgraph]
	if !ok {
		return nil, &execute.FetchError{Subgraph: subgraph, Code: execute.CodeUnknownSubgraph, Err: errors.New("no handler")}
	}
	ctx, cancel := context.WithCancel(ctx)
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, "/graphql", bytes.NewReader(req.Body))
	if err != nil {
		cancel()
		return nil, &execute.FetchError{Subgraph: subgraph, Code: execute.CodeHTTPError, Err: err}
	}
	setHeaders(hr, execute.IncomingHeaders(ctx), execute.DefaultForwardHeaders())
	pr, pw := io.Pipe()
	w := &pipeWriter{header: http.Header{}, pw: pw, ready: make(chan struct{})}
	go func() {
		defer func() {
			w.start(http.StatusOK)
			pw.Close()
		}()
		h.ServeHTTP(w, hr)
	}()
	select {
	case <-w.ready:
	case <-ctx.Done():
		cancel()
		pr.Close()
		return nil, &execute.FetchError{Subgraph: subgraph, Code: execute.CodeTimeout, Err: ctx.Err()}
	}
	st, err := open(subgraph, w.status, w.contentType, pr)
	if err != nil {
		cancel()
		pr.Close()
		return nil, err
	}
	st.stop = func() { cancel(); pr.Close() }
	return st, nil
}

// pipeWriter is an http.ResponseWriter and http.Flusher streaming the body
// into a pipe; ready closes when the status and headers are known.
type pipeWriter struct {
	header      http.Header
	pw          *io.PipeWriter
	ready       chan struct{}
	started     bool
	status      int
	contentType string
}

func (w *pipeWriter) Header() http.Header { return w.header }

func (w *pipeWriter) start(status int) {
	if w.started {
		return
	}
	w.started = true
	w.status = status
	w.contentType = w.header.Get("Content-Type")
	close(w.ready)
}

func (w *pipeWriter) WriteHeader(status int) { w.start(status) }

func (w *pipeWriter) Write(b []byte) (int, error) {
	w.start(http.StatusOK)
	return w.pw.Write(b)
}

func (w *pipeWriter) Flush() { w.start(http.StatusOK) }

// sseStream reads GraphQL-over-SSE events.
type sseStream struct {
	subgraph string
	r        *bufio.Reader
	stop     func()
	done     bool
}

// open checks a subscription's answer: an event stream, or a plain GraphQL
// response (a subgraph that rejects the operation may answer with JSON),
// which becomes a stream of that one response.
func open(subgraph string, status int, contentType string, body io.Reader) (*sseStream, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	if status < 200 || status > 299 {
		if mt == "application/json" || mt == "application/graphql-response+json" {
			return &sseStream{subgraph: subgraph, r: bufio.NewReader(jsonAsEvent(body))}, nil
		}
		return nil, &execute.FetchError{Subgraph: subgraph, Code: execute.CodeHTTPError, Err: fmt.Errorf("subscription answered HTTP status %d", status)}
	}
	switch mt {
	case "text/event-stream":
		return &sseStream{subgraph: subgraph, r: bufio.NewReaderSize(body, 16<<10)}, nil
	case "application/json", "application/graphql-response+json":
		return &sseStream{subgraph: subgraph, r: bufio.NewReader(jsonAsEvent(body))}, nil
	}
	return nil, &execute.FetchError{Subgraph: subgraph, Code: execute.CodeMalformedResponse, Err: fmt.Errorf("subscription answered %q, not an event stream", contentType)}
}

// jsonAsEvent frames a plain JSON response as one "next" event.
func jsonAsEvent(body io.Reader) io.Reader {
	raw, err := io.ReadAll(io.LimitReader(body, MaxEventBytes))
	if err != nil {
		return bytes.NewReader(nil)
	}
	raw = bytes.ReplaceAll(bytes.TrimSpace(raw), []byte("\n"), []byte("\ndata: "))
	var b bytes.Buffer
	b.WriteString("event: next\ndata: ")
	b.Write(raw)
	b.WriteString("\n\nevent: complete\n\n")
	return &b
}

// Next implements Stream. The stream's own request ends with the
// subscription's context; ctx only stops the wait early.
func (s *sseStream) Next(ctx context.Context) (execute.Response, error) {
	if s.done {
		return execute.Response{}, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return execute.Response{}, err
	}
	var event string
	var data []byte
	for {
		line, err := s.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A long line: gather it whole.
			full := append([]byte(nil), line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = s.r.ReadSlice('\n')
				full = append(full, line...)
				if len(full) > MaxEventBytes {
					return execute.Response{}, s.broken(fmt.Errorf("event larger than %d bytes", MaxEventBytes), execute.CodeMalformedResponse)
				}
			}
			line = full
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("the subgraph closed the subscription stream without completing it")
			}
			return execute.Response{}, s.broken(fmt.Errorf("subscription stream: %w", err), execute.CodeHTTPError)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 { // end of an event
			switch event {
			case "complete":
				s.done = true
				return execute.Response{}, io.EOF
			case "next", "":
				if data != nil {
					return execute.Response{StatusCode: http.StatusOK, Body: data}, nil
				}
			}
			event, data = "", nil
			continue
		}
		if line[0] == ':' { // a comment: keep-alive
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "event":
			event = string(value)
		case "data":
			if data != nil {
				data = append(data, '\n')
			}
			data = append(data, value...)
			if len(data) > MaxEventBytes {
				return execute.Response{}, s.broken(fmt.Errorf("event larger than %d bytes", MaxEventBytes), execute.CodeMalformedResponse)
			}
		}
	}
}

func (s *sseStream) broken(err error, code string) error {
	s.done = true
	return &execute.FetchError{Subgraph: s.subgraph, Code: code, Err: err}
}

// Close implements Stream; it may be called while Next waits, which then
// returns an error.
func (s *sseStream) Close() error {
	if s.stop != nil {
		s.stop()
	}
	return nil
}
