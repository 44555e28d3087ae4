package guard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// DefaultMaxUploadMemory is how many bytes of a multipart request's files
// are kept in memory; the rest is spooled to temporary files.
const DefaultMaxUploadMemory = 1 << 20

// Multipart is the transport of the GraphQL multipart request spec
// (https://github.com/jaydenseric/graphql-multipart-request-spec): a POST
// of multipart/form-data whose first part, operations, is the JSON request
// with null placeholders, whose second part, map, names for each file part
// the placeholders it fills, and whose file parts follow. Each file
// becomes a graphql.Upload in the variables (the Upload scalar). Unlike
// gqlgen's transport.MultipartForm it answers every client mistake with a
// coded error (400 BAD_REQUEST, 413 REQUEST_TOO_LARGE), never echoing the
// body; it fills only placeholders that exist and are null; it keeps at
// most MaxMemory bytes of files in memory whatever the Content-Length
// says, spooling the rest to temporary files removed when the request
// ends; and it bounds the operations and the map like a JSON body.
//
// CSRF prevention is the HTTP front's (Front): multipart/form-data is a
// content type a form may send cross-site, so a multipart request must
// carry one of RequiredPreflightHeaders.
type Multipart struct {
	// Limits: MaxBodyBytes bounds the operations and the map, each;
	// MaxUploadBytes the files together; MaxUploadFiles their number.
	Limits Limits
	// MaxMemory is how many bytes of the files are kept in memory (0:
	// DefaultMaxUploadMemory).
	MaxMemory int64
	// TempDir is where files are spooled (empty: os.TempDir()).
	TempDir string
}

// Supports implements graphql.Transport.
func (Multipart) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" || r.Method != http.MethodPost {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// Do implements graphql.Transport.
func (t Multipart) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	w.Header().Set("Content-Type", mediaJSON)
	start := graphql.Now()
	var buf bytes.Buffer
	fail := func(err error) {
		if ctx.Err() != nil {
			return
		}
		status, gerr := http.StatusInternalServerError, Errorf("INTERNAL_SERVER_ERROR", "the request could not be read")
		var me *MultipartError
		if errors.As(err, &me) {
			status, gerr = me.Status, Errorf(me.Code, "%s", me.Message)
		}
		w.WriteHeader(status)
		POST{}.writeRequestError(w, &buf, exec.DispatchError(ctx, gqlerror.List{gerr}))
	}
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		fail(multipartErr(http.StatusBadRequest, "the multipart Content-Type has no boundary"))
		return
	}
	form, err := ParseMultipart(r.Body, params["boundary"], MultipartOptions{Limits: t.Limits, MaxMemory: t.MaxMemory, TempDir: t.TempDir})
	if err != nil {
		fail(err)
		return
	}
	defer form.Close()
	form.Params.Headers = r.Header
	form.Params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, opErr := exec.CreateOperationContext(ctx, &form.Params)
	if opErr != nil {
		if ctx.Err() != nil {
			return
		}
		status := http.StatusOK
		if errcode.GetErrorKind(opErr) == errcode.KindProtocol {
			status = http.StatusUnprocessableEntity
		}
		w.WriteHeader(status)
		POST{}.writeRequestError(w, &buf, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	if resp == nil {
		return
	}
	POST{}.write(w, &buf, resp)
}

// MultipartError is a client's mistake in a multipart request: the HTTP
// status and the GraphQL error code and message to answer.
type MultipartError struct {
	Status  int
	Code    string
	Message string
}

func (e *MultipartError) Error() string { return e.Message }

func multipartErr(status int, msg string) *MultipartError {
	code := CodeBadRequest
	if status == http.StatusRequestEntityTooLarge {
		code = CodeBodyTooLarge
	}
	return &MultipartError{Status: status, Code: code, Message: msg}
}

// MultipartOptions bound ParseMultipart.
type MultipartOptions struct {
	// Limits: MaxBodyBytes bounds the operations and the map, each;
	// MaxUploadBytes the files together; MaxUploadFiles their number (0:
	// the defaults; negative: no limit).
	Limits Limits
	// MaxMemory is how many bytes of the files are kept in memory (0:
	// DefaultMaxUploadMemory; negative: none, every file is spooled).
	MaxMemory int64
	// TempDir is where files are spooled (empty: os.TempDir()).
	TempDir string
}

// MultipartForm is a parsed multipart request: the GraphQL request with
// its files in the variables. Close removes the spooled files.
type MultipartForm struct {
	Params graphql.RawParams
	spool  []*os.File
}

// Close closes and removes the temporary files of the form.
func (f *MultipartForm) Close() error {
	if f == nil {
		return nil
	}
	var errs []error
	for _, s := range f.spool {
		errs = append(errs, s.Close(), os.Remove(s.Name()))
	}
	f.spool = nil
	return errors.Join(errs...)
}

// ParseMultipart reads a GraphQL multipart request from body. A client
// mistake is a *MultipartError: 413 when a limit is passed (also when the
// body reader reports an http.MaxBytesError), 400 otherwise. Every
// placeholder named in map must exist in the operations' variables and be
// null, each filled once; every file of map must come, and no other part.
// Batched operations (a JSON array) are refused.
func ParseMultipart(body io.Reader, boundary string, o MultipartOptions) (form *MultipartForm, err error) {
	lim := o.Limits.Defaults()
	memory := o.MaxMemory
	if memory == 0 {
		memory = DefaultMaxUploadMemory
	}
	f := &MultipartForm{}
	defer func() {
		if err != nil {
			_ = f.Close()
			form = nil
		}
	}()
	form = f
	readErr := func(err error, what string) error {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return multipartErr(http.StatusRequestEntityTooLarge, "the request body is larger than "+itoa(tooLarge.Limit)+" bytes")
		}
		return multipartErr(http.StatusBadRequest, "the multipart body is malformed: "+what)
	}
	mr := multipart.NewReader(body, boundary)
	part, err := mr.NextPart()
	if err != nil {
		return nil, readErr(err, "no operations part")
	}
	if part.FormName() != "operations" {
		return nil, multipartErr(http.StatusBadRequest, "the first part must be operations (GraphQL multipart request spec)")
	}
	ops, err := readLimited(part, lim.MaxBodyBytes, "operations")
	if err != nil {
		return nil, err
	}
	if err := decodeOperations(ops, &form.Params); err != nil {
		return nil, err
	}
	if part, err = mr.NextPart(); err != nil {
		return nil, readErr(err, "no map part")
	}
	if part.FormName() != "map" {
		return nil, multipartErr(http.StatusBadRequest, "the second part must be map (GraphQL multipart request spec)")
	}
	raw, err := readLimited(part, lim.MaxBodyBytes, "map")
	if err != nil {
		return nil, err
	}
	files, err := decodeMap(raw, form.Params.Variables, lim.MaxUploadFiles)
	if err != nil {
		return nil, err
	}
	var total int64
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, readErr(err, "a part cannot be read")
		}
		key := part.FormName()
		paths, ok := files[key]
		if !ok {
			return nil, multipartErr(http.StatusBadRequest, "a part is neither named in map nor the first of its name")
		}
		delete(files, key)
		left := int64(-1)
		if lim.MaxUploadBytes >= 0 {
			left = lim.MaxUploadBytes - total
		}
		up, err := form.spoolPart(part, left, memory-total, o.TempDir)
		switch {
		case errors.Is(err, errUploadTooLarge):
			return nil, multipartErr(http.StatusRequestEntityTooLarge, "the files are larger than "+itoa(lim.MaxUploadBytes)+" bytes")
		case errors.As(err, new(*fs.PathError)):
			return nil, fmt.Errorf("multipart: spool a file: %w", err) // the server's failure
		case err != nil:
			return nil, readErr(err, "a file cannot be read")
		}
		total += up.Size
		for _, p := range paths {
			u := up
			if ra, ok := up.File.(io.ReaderAt); ok {
				u.File = io.NewSectionReader(ra, 0, up.Size)
			}
			setPath(form.Params.Variables, p, u)
		}
	}
	if len(files) > 0 {
		return nil, multipartErr(http.StatusBadRequest, "a file named in map is missing from the request")
	}
	return form, nil
}

// readLimited reads a part of at most max bytes (negative: no limit).
func readLimited(r io.Reader, max int64, what string) ([]byte, error) {
	if max < 0 {
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, partReadErr(err, what)
		}
		return b, nil
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, partReadErr(err, what)
	}
	if int64(len(b)) > max {
		return nil, multipartErr(http.StatusRequestEntityTooLarge, "the "+what+" part is larger than "+itoa(max)+" bytes")
	}
	return b, nil
}

func partReadErr(err error, what string) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return multipartErr(http.StatusRequestEntityTooLarge, "the request body is larger than "+itoa(tooLarge.Limit)+" bytes")
	}
	return multipartErr(http.StatusBadRequest, "the multipart body is malformed: the "+what+" part cannot be read")
}

func decodeOperations(b []byte, params *graphql.RawParams) error {
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		return multipartErr(http.StatusBadRequest, "batched operations are not supported")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		return multipartErr(http.StatusBadRequest, "the operations part is not a GraphQL request in JSON: "+jsonProblem(err))
	}
	if dec.More() {
		return multipartErr(http.StatusBadRequest, "the operations part holds more than one JSON value")
	}
	return nil
}

// decodeMap checks map against the variables: an object of non-empty
// arrays of paths, each naming a distinct null placeholder.
func decodeMap(b []byte, vars map[string]any, maxFiles int) (map[string][]string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || raw == nil {
		return nil, multipartErr(http.StatusBadRequest, "the map part is not a JSON object")
	}
	if maxFiles >= 0 && len(raw) > maxFiles {
		return nil, multipartErr(http.StatusRequestEntityTooLarge, "the request has more than "+strconv.Itoa(maxFiles)+" files")
	}
	files := make(map[string][]string, len(raw))
	used := map[string]bool{}
	for key, v := range raw {
		var paths []string
		if err := json.Unmarshal(v, &paths); err != nil || len(paths) == 0 {
			return nil, multipartErr(http.StatusBadRequest, "each entry of map must be a non-empty array of operations paths")
		}
		if key == "operations" || key == "map" {
			return nil, multipartErr(http.StatusBadRequest, "operations and map cannot name files")
		}
		for _, p := range paths {
			if used[p] {
				return nil, multipartErr(http.StatusBadRequest, "an operations path of map is named twice")
			}
			used[p] = true
			if !placeholder(vars, p) {
				return nil, multipartErr(http.StatusBadRequest, "an operations path of map does not name a null placeholder in variables")
			}
		}
		files[key] = paths
	}
	return files, nil
}

// placeholder reports whether path ("variables.a.0.b") names an existing
// null value of vars.
func placeholder(vars map[string]any, path string) bool {
	rest, ok := strings.CutPrefix(path, "variables.")
	if !ok || vars == nil {
		return false
	}
	var cur any = vars
	for _, seg := range strings.Split(rest, ".") {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[seg]
			if !ok {
				return false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(c) || strconv.Itoa(i) != seg {
				return false
			}
			cur = c[i]
		default:
			return false
		}
	}
	return cur == nil
}

// setPath puts v at path, which placeholder accepted.
func setPath(vars map[string]any, path string, v any) {
	segs := strings.Split(strings.TrimPrefix(path, "variables."), ".")
	var cur any = vars
	for i, seg := range segs {
		last := i == len(segs)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[seg] = v
				return
			}
			cur = c[seg]
		case []any:
			n, _ := strconv.Atoi(seg)
			if last {
				c[n] = v
				return
			}
			cur = c[n]
		}
	}
}

var errUploadTooLarge = errors.New("the files are larger than the upload limit")

// spoolPart reads one file part: into memory while memory (bytes left of
// the in-memory budget) lasts, then into a temporary file. left bounds its
// size (negative: no limit).
func (f *MultipartForm) spoolPart(part *multipart.Part, left, memory int64, dir string) (graphql.Upload, error) {
	up := graphql.Upload{Filename: part.FileName(), ContentType: part.Header.Get("Content-Type")}
	var r io.Reader = part
	if left >= 0 {
		r = io.LimitReader(part, left+1)
	}
	tooLarge := func(n int64) bool { return left >= 0 && n > left }
	var head []byte
	if memory > 0 {
		var err error
		head, err = io.ReadAll(io.LimitReader(r, memory+1))
		if err != nil {
			return up, err
		}
		if tooLarge(int64(len(head))) {
			return up, errUploadTooLarge
		}
		if int64(len(head)) <= memory {
			up.File, up.Size = bytes.NewReader(head), int64(len(head))
			return up, nil
		}
	}
	tmp, err := os.CreateTemp(dir, "citizengraph-upload-")
	if err != nil {
		return up, err
	}
	f.spool = append(f.spool, tmp)
	if _, err := tmp.Write(head); err != nil {
		return up, err
	}
	n, err := io.Copy(tmp, r)
	if err != nil {
		return up, err
	}
	n += int64(len(head))
	if tooLarge(n) {
		return up, errUploadTooLarge
	}
	up.File, up.Size = io.NewSectionReader(tmp, 0, n), n
	return up, nil
}
