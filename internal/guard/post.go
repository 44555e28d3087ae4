package guard

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// POST is gqlgen's JSON POST transport with a response writer that copies
// pre-rendered data instead of re-encoding it, client mistakes answered
// with a coded error (a body over the limit 413 REQUEST_TOO_LARGE, an
// unreadable or malformed one 400 BAD_REQUEST, never echoed back), and
// nothing written once the client is gone.
type POST struct {
	// Bufs recycles *bytes.Buffer for bodies and responses (nil: none).
	Bufs *sync.Pool
	// Data, if set, takes back the response data buffer once it is
	// written: nothing else holds it after the write.
	Data *sync.Pool
}

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// Supports implements graphql.Transport.
func (POST) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" || r.Method != http.MethodPost {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == mediaJSON
}

func (t POST) buffer() *bytes.Buffer {
	if t.Bufs != nil {
		if b, ok := t.Bufs.Get().(*bytes.Buffer); ok {
			b.Reset()
			return b
		}
	}
	return new(bytes.Buffer)
}

// Do implements graphql.Transport.
func (t POST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	contentType := mediaJSON
	if strings.Contains(r.Header.Get("Accept"), mediaGraphQLResponse) && !strings.Contains(r.Header.Get("Accept"), mediaJSON) {
		contentType = mediaGraphQLResponse
	}
	w.Header().Set("Content-Type", contentType)
	start := graphql.Now()
	buf := t.buffer()
	defer func() {
		if t.Bufs != nil && buf.Cap() <= 1<<20 {
			buf.Reset()
			t.Bufs.Put(buf)
		}
	}()
	var params graphql.RawParams
	if p := takeParams(ctx); p != nil {
		params = *p
	} else if !t.decode(w, r, exec, buf, &params) {
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, opErr := exec.CreateOperationContext(ctx, &params)
	if opErr != nil {
		if ctx.Err() != nil {
			return
		}
		status := http.StatusOK
		if errcode.GetErrorKind(opErr) == errcode.KindProtocol {
			status = http.StatusUnprocessableEntity
			if contentType == mediaGraphQLResponse {
				status = http.StatusBadRequest
			}
		}
		w.WriteHeader(status)
		t.writeRequestError(w, buf, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	if resp == nil {
		// gqlgen's end of stream: the client went away before the answer.
		return
	}
	t.write(w, buf, resp)
	if t.Data != nil && cap(resp.Data) >= 1024 && cap(resp.Data) <= 4<<20 {
		data := []byte(resp.Data[:0])
		resp.Data = nil
		t.Data.Put(&data)
	}
}

// decode reads the body of r and decodes it into params; on failure it
// answers the request and returns false.
func (t POST) decode(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, buf *bytes.Buffer, params *graphql.RawParams) bool {
	ctx := r.Context()
	if _, err := buf.ReadFrom(r.Body); err != nil {
		if ctx.Err() != nil {
			return false
		}
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			t.writeRequestError(w, buf, exec.DispatchError(ctx, gqlerror.List{Errorf(CodeBodyTooLarge, "the request body is larger than %d bytes", tooLarge.Limit)}))
			return false
		}
		w.WriteHeader(http.StatusBadRequest)
		t.writeRequestError(w, buf, exec.DispatchError(ctx, gqlerror.List{Errorf(CodeBadRequest, "could not read the request body")}))
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		t.writeRequestError(w, buf, exec.DispatchError(ctx, gqlerror.List{Errorf(CodeBadRequest, "the body is not a GraphQL request in JSON: %s", jsonProblem(err))}))
		return false
	}
	if dec.More() {
		w.WriteHeader(http.StatusBadRequest)
		t.writeRequestError(w, buf, exec.DispatchError(ctx, gqlerror.List{Errorf(CodeBadRequest, "the body holds more than one JSON value")}))
		return false
	}
	return true
}

// streamData is the size of response data written straight to the client
// rather than through the transport's buffer.
const streamData = 8 << 10

// jsonProblem describes a JSON decoding error without quoting the body.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return "invalid JSON at offset " + itoa(syn.Offset)
	case errors.As(err, &typ):
		return "field " + typ.Field + " must be " + typ.Type.String()
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the body is empty or cut short"
	}
	return "malformed"
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// write renders the response of an executed operation like encoding/json
// would (errors, data, extensions), copying Data as is.
func (t POST) write(w io.Writer, buf *bytes.Buffer, resp *graphql.Response) {
	t.render(w, buf, resp, true)
}

// writeRequestError renders a request error: one raised before execution
// began (a body, parse, validation, limit or variable-coercion error), which
// per the GraphQL spec (§7.1.1) and GraphQL over HTTP has no "data" entry.
func (t POST) writeRequestError(w io.Writer, buf *bytes.Buffer, resp *graphql.Response) {
	t.render(w, buf, resp, false)
}

func (POST) render(w io.Writer, buf *bytes.Buffer, resp *graphql.Response, executed bool) {
	buf.Reset()
	buf.WriteByte('{')
	if len(resp.Errors) > 0 {
		buf.WriteString(`"errors":`)
		b, err := json.Marshal(resp.Errors)
		if err != nil {
			b = []byte(`[{"message":"internal error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]`)
		}
		buf.Write(b)
	}
	sep := len(resp.Errors) > 0
	if executed {
		if sep {
			buf.WriteByte(',')
		}
		buf.WriteString(`"data":`)
		switch {
		case len(resp.Data) == 0:
			buf.WriteString("null")
		case len(resp.Data) < streamData:
			buf.Write(resp.Data)
		default:
			// Large data goes out as it is, not copied into buf: the
			// buffer then stays the size of request bodies, which every
			// request in flight holds.
			_, _ = w.Write(buf.Bytes())
			buf.Reset()
			_, _ = w.Write(resp.Data)
		}
		sep = true
	}
	if len(resp.Extensions) > 0 {
		if b, err := json.Marshal(resp.Extensions); err == nil {
			if sep {
				buf.WriteByte(',')
			}
			buf.WriteString(`"extensions":`)
			buf.Write(b)
		}
	}
	buf.WriteByte('}')
	_, _ = w.Write(buf.Bytes())
}
