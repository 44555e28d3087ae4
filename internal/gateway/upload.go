package gateway

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	"github.com/citizengraph/citizengraph/internal/gateway/execute"
)

// Files of the GraphQL multipart request spec through the gateway: the
// client's multipart request (guard.Multipart) puts each file in the
// variables as a graphql.Upload; before execution, the gateway puts a null
// placeholder in its place and keeps the file by variable and path; a
// subgraph request that carries such a variable goes as a multipart request
// with the file at the same path (uploadFetcher). Only the subgraphs whose
// fetches take a file receive it.

// upload is one file of the request's variables.
type upload struct {
	path []string // under its variable
	up   graphql.Upload
	ra   io.ReaderAt
}

// uploads are the request's files, by variable name.
type uploads map[string][]upload

type uploadsKey struct{}

// nullUpload is the placeholder of a file in the variables sent to
// subgraphs.
type nullUpload struct{}

func (nullUpload) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

// takeUploads returns vars with the files replaced by placeholders, and
// the files; vars itself when it holds none.
func takeUploads(vars map[string]any) (map[string]any, uploads) {
	var found uploads
	var out map[string]any
	for name, v := range vars {
		var files []upload
		nv := stripUploads(v, nil, &files)
		if len(files) == 0 {
			continue
		}
		if found == nil {
			found = uploads{}
			out = make(map[string]any, len(vars))
			for k, v := range vars {
				out[k] = v
			}
		}
		found[name] = files
		out[name] = nv
	}
	if found == nil {
		return vars, nil
	}
	return out, found
}

// stripUploads copies v with its uploads replaced by nullUpload (v itself
// when it holds none), appending them to files.
func stripUploads(v any, path []string, files *[]upload) any {
	switch x := v.(type) {
	case graphql.Upload:
		ra, ok := x.File.(io.ReaderAt)
		if !ok {
			ra = &seekReaderAt{r: x.File}
		}
		*files = append(*files, upload{path: append([]string(nil), path...), up: x, ra: ra})
		return nullUpload{}
	case *graphql.Upload:
		if x == nil {
			return v
		}
		return stripUploads(*x, path, files)
	case map[string]any:
		n := len(*files)
		var out map[string]any
		for k, e := range x {
			ne := stripUploads(e, append(path, k), files)
			if len(*files) > n && out == nil {
				out = make(map[string]any, len(x))
				for k2, e2 := range x {
					out[k2] = e2
				}
			}
			if out != nil {
				out[k] = ne
			}
		}
		if out == nil {
			return v
		}
		return out
	case []any:
		n := len(*files)
		var out []any
		for i, e := range x {
			ne := stripUploads(e, append(path, strconv.Itoa(i)), files)
			if len(*files) > n && out == nil {
				out = append([]any(nil), x...)
			}
			if out != nil {
				out[i] = ne
			}
		}
		if out == nil {
			return v
		}
		return out
	}
	return v
}

// seekReaderAt reads at an offset of a ReadSeeker, one read at a time.
type seekReaderAt struct {
	mu sync.Mutex
	r  io.ReadSeeker
}

func (s *seekReaderAt) ReadAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.r.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	return io.ReadFull(s.r, p)
}

// uploadFetcher sends the subgraph requests that carry a variable holding
// files of the request as multipart requests with those files.
type uploadFetcher struct {
	next execute.Fetcher
}

func (f uploadFetcher) Fetch(ctx context.Context, subgraph string, req execute.Request) (execute.Response, error) {
	ups, _ := ctx.Value(uploadsKey{}).(uploads)
	if len(ups) == 0 {
		return f.next.Fetch(ctx, subgraph, req)
	}
	var body struct {
		Variables map[string]json.RawMessage `json:"variables"`
	}
	if err := json.Unmarshal(req.Body, &body); err != nil {
		return f.next.Fetch(ctx, subgraph, req)
	}
	var files []execute.File
	for name := range body.Variables {
		for _, u := range ups[name] {
			p := "variables." + name
			if len(u.path) > 0 {
				p += "." + strings.Join(u.path, ".")
			}
			files = append(files, execute.File{Paths: []string{p}, Filename: u.up.Filename, ContentType: u.up.ContentType, Size: u.up.Size, Content: u.ra})
		}
	}
	req.Files = files
	return f.next.Fetch(ctx, subgraph, req)
}
