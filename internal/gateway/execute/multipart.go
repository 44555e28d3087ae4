package execute

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/textproto"
	"strconv"
	"strings"
)

// File is a file a subgraph request carries, as the GraphQL multipart
// request spec says: the request goes as multipart/form-data, its
// operations part the JSON body (with null at Paths), its map part naming
// the file part that fills them.
type File struct {
	// Paths are the operations paths the file fills ("variables.file").
	Paths []string
	// Filename and ContentType are the file part's.
	Filename, ContentType string
	// Size bytes of Content, from offset 0, are the file.
	Size    int64
	Content io.ReaderAt
}

// PreflightHeader is set on multipart subgraph requests: multipart is a
// content type a browser form may send, which the subgraphs' CSRF
// prevention refuses without it.
const PreflightHeader = "Apollo-Require-Preflight"

// body returns the request body and its content type: the JSON body, or
// a multipart body written as it is read (nothing is buffered whole) when
// the request carries files. Close the body to stop the writer early.
func (r Request) body() (io.ReadCloser, string) {
	if len(r.Files) == 0 {
		return io.NopCloser(bytes.NewReader(r.Body)), "application/json"
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		pw.CloseWithError(writeMultipart(mw, r))
	}()
	return pr, mw.FormDataContentType()
}

func writeMultipart(mw *multipart.Writer, r Request) error {
	ops, err := mw.CreateFormField("operations")
	if err != nil {
		return err
	}
	if _, err := ops.Write(r.Body); err != nil {
		return err
	}
	m := make(map[string][]string, len(r.Files))
	for i, f := range r.Files {
		m[strconv.Itoa(i)] = f.Paths
	}
	mp, err := mw.CreateFormField("map")
	if err != nil {
		return err
	}
	if err := json.NewEncoder(mp).Encode(m); err != nil {
		return err
	}
	for i, f := range r.Files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%d"; filename="%s"`, i, escapeQuotes(f.Filename)))
		if f.ContentType != "" {
			h.Set("Content-Type", f.ContentType)
		} else {
			h.Set("Content-Type", "application/octet-stream")
		}
		part, err := mw.CreatePart(h)
		if err != nil {
			return err
		}
		if _, err := io.Copy(part, io.NewSectionReader(f.Content, 0, f.Size)); err != nil {
			return err
		}
	}
	return mw.Close()
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "", "\n", "")

func escapeQuotes(s string) string { return quoteEscaper.Replace(s) }
