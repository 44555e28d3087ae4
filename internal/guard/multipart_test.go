package guard

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

type part struct{ name, filename, body string }

func multipartOf(parts ...part) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.SetBoundary("citizengraph-test-boundary") //nolint:errcheck
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.filename != "" {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.name, p.filename))
		} else {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, p.name))
		}
		w, _ := mw.CreatePart(h)
		io.WriteString(w, p.body) //nolint:errcheck
	}
	mw.Close()
	return buf.Bytes(), mw.Boundary()
}

const ops = `{"query":"mutation($f: Upload!, $l: [Upload!]!, $in: In!) { x }","variables":{"f":null,"l":[null,null],"in":{"doc":null,"n":1}}}`

// TestParseMultipart: the spec's placements (a variable, list items, an
// input field, one file at several paths), each file read back whole,
// in memory or spooled; and every malformed request a coded refusal.
func TestParseMultipart(t *testing.T) {
	big := string(bytes.Repeat([]byte("x"), 5000))
	body, boundary := multipartOf(
		part{name: "operations", body: ops},
		part{name: "map", body: `{"a":["variables.f"],"b":["variables.l.0","variables.l.1"],"c":["variables.in.doc"]}`},
		part{name: "a", filename: "a.txt", body: "alpha"},
		part{name: "b", filename: "b.txt", body: big},
		part{name: "c", filename: "../c.txt", body: ""},
	)
	dir := t.TempDir()
	form, err := ParseMultipart(bytes.NewReader(body), boundary, MultipartOptions{MaxMemory: 100, TempDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	read := func(v any) (string, string) {
		u, ok := v.(graphql.Upload)
		if !ok {
			t.Fatalf("%T is not an upload", v)
		}
		b, err := io.ReadAll(u.File)
		if err != nil || int64(len(b)) != u.Size {
			t.Fatalf("read %d of %d: %v", len(b), u.Size, err)
		}
		return string(b), u.Filename
	}
	vars := form.Params.Variables
	if s, name := read(vars["f"]); s != "alpha" || name != "a.txt" {
		t.Errorf("f = %q %q", s, name)
	}
	for _, v := range vars["l"].([]any) {
		if s, _ := read(v); s != big {
			t.Errorf("l item: %d bytes", len(s))
		}
	}
	in := vars["in"].(map[string]any)
	if s, name := read(in["doc"]); s != "" || name != "c.txt" || in["n"] == nil {
		t.Errorf("in.doc = %q %q", s, name)
	}
	if spooled, _ := filepath.Glob(filepath.Join(dir, "*")); len(spooled) != 2 {
		t.Errorf("%d spooled files, want 2 (those past the memory budget)", len(spooled))
	}
	if err := form.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("Close left %v", left)
	}

	file := part{name: "0", filename: "a.pdf", body: "%PDF-"}
	bad := []struct {
		name   string
		parts  []part
		opts   MultipartOptions
		status int
	}{
		{"empty", nil, MultipartOptions{}, 400},
		{"map first", []part{{name: "map", body: `{}`}, {name: "operations", body: ops}}, MultipartOptions{}, 400},
		{"operations not JSON", []part{{name: "operations", body: `{`}, {name: "map", body: `{}`}}, MultipartOptions{}, 400},
		{"operations twice", []part{{name: "operations", body: ops + ops}, {name: "map", body: `{}`}}, MultipartOptions{}, 400},
		{"batch", []part{{name: "operations", body: "[" + ops + "]"}, {name: "map", body: `{}`}}, MultipartOptions{}, 400},
		{"operations too large", []part{{name: "operations", body: ops}, {name: "map", body: `{}`}}, MultipartOptions{Limits: Limits{MaxBodyBytes: 10}}, 413},
		{"no map", []part{{name: "operations", body: ops}}, MultipartOptions{}, 400},
		{"map null", []part{{name: "operations", body: ops}, {name: "map", body: `null`}}, MultipartOptions{}, 400},
		{"map of strings", []part{{name: "operations", body: ops}, {name: "map", body: `{"0":"variables.f"}`}, file}, MultipartOptions{}, 400},
		{"map of empty lists", []part{{name: "operations", body: ops}, {name: "map", body: `{"0":[]}`}, file}, MultipartOptions{}, 400},
		{"path without variables", []part{{name: "operations", body: ops}, {name: "map", body: `{"0":["f"]}`}, file}, MultipartOptions{}, 400},
		{"path to nothing", []part{{name: "operations", body: ops}, {name: "map", body: `{"0":["variables.g"]}`}, file}, MultipartOptions{}, 400},
		{"path past a list", []part{{name: "operations", body: ops}, {name: "map", body: `{"0":["variables.l.2"]}`}, file}, MultipartOptions{}, 400},
		{"path with a negative index", []part{{name: "operations", body: ops}, {name: "map", body: `{"0":["variables.l.-1"]}`}, file}, MultipartOptions{}, 400},
		{"path with a padded index", []part{{name: "operations", body: ops}, {name: "map", body: `{"0":["variables.l.01"]}`}, file}, MultipartOptions{}, 400},
		{"path to a value", []part{{name: "operations", body: ops}, {name: "map", body: `{"0":["variables.in.n"]}`}, file}, MultipartOptions{}, 400},
		{"path into a null", []part{{name: "operations", body: ops}, {name: "map", body: `{"0":["variables.f.x"]}`}, file}, MultipartOptions{}, 400},
		{"path twice", []part{{name: "operations", body: ops}, {name: "map", body: `{"0":["variables.f"],"1":["variables.f"]}`}, file, {name: "1", filename: "b", body: "b"}}, MultipartOptions{}, 400},
		{"file missing", []part{{name: "operations", body: ops}, {name: "map", body: `{"0":["variables.f"]}`}}, MultipartOptions{}, 400},
		{"file twice", []part{{name: "operations", body: ops}, {name: "map", body: `{"0":["variables.f"]}`}, file, file}, MultipartOptions{}, 400},
		{"file not in map", []part{{name: "operations", body: ops}, {name: "map", body: `{"0":["variables.f"]}`}, file, {name: "x", filename: "x", body: "x"}}, MultipartOptions{}, 400},
		{"map names operations", []part{{name: "operations", body: ops}, {name: "map", body: `{"operations":["variables.f"]}`}}, MultipartOptions{}, 400},
		{"too many files", []part{{name: "operations", body: ops}, {name: "map", body: `{"0":["variables.f"],"1":["variables.in.doc"]}`}, file}, MultipartOptions{Limits: Limits{MaxUploadFiles: 1}}, 413},
		{"files too large", []part{{name: "operations", body: ops}, {name: "map", body: `{"0":["variables.f"],"1":["variables.in.doc"]}`}, file, {name: "1", filename: "b", body: "bbbbbb"}}, MultipartOptions{Limits: Limits{MaxUploadBytes: 10}}, 413},
		{"files too large, spooled", []part{{name: "operations", body: ops}, {name: "map", body: `{"0":["variables.f"]}`}, {name: "0", filename: "b", body: big}}, MultipartOptions{Limits: Limits{MaxUploadBytes: 4999}, MaxMemory: 10, TempDir: dir}, 413},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			body, boundary := multipartOf(c.parts...)
			form, err := ParseMultipart(bytes.NewReader(body), boundary, c.opts)
			var me *MultipartError
			if !errors.As(err, &me) || me.Status != c.status || form != nil {
				t.Fatalf("got %v %v, want %d", form, err, c.status)
			}
			if want := map[int]string{400: CodeBadRequest, 413: CodeBodyTooLarge}[c.status]; me.Code != want {
				t.Errorf("code %s, want %s", me.Code, want)
			}
		})
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("refused requests left %v", left)
	}
	// A body reader's limit is a 413.
	body, boundary = multipartOf(part{name: "operations", body: ops}, part{name: "map", body: `{"0":["variables.f"]}`}, part{name: "0", filename: "b", body: big})
	rec := nopWriter{}
	_, err = ParseMultipart(http.MaxBytesReader(rec, io.NopCloser(bytes.NewReader(body)), 1000), boundary, MultipartOptions{})
	var me *MultipartError
	if !errors.As(err, &me) || me.Status != 413 {
		t.Errorf("body over the reader's limit: %v", err)
	}
}

type nopWriter struct{}

func (nopWriter) Header() http.Header         { return http.Header{} }
func (nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (nopWriter) WriteHeader(int)             {}

// FuzzParseMultipart: whatever the body, ParseMultipart answers a form
// whose uploads read back their announced size, or a coded client error;
// it never panics and leaves no spooled file behind.
func FuzzParseMultipart(f *testing.F) {
	seed, boundary := multipartOf(part{name: "operations", body: ops},
		part{name: "map", body: `{"a":["variables.f"],"b":["variables.l.0","variables.l.1"],"c":["variables.in.doc"]}`},
		part{name: "a", filename: "a", body: "alpha"}, part{name: "b", filename: "b", body: "beta beta beta"}, part{name: "c", filename: "c", body: ""})
	f.Add(seed, `{"0":["variables.f"]}`)
	f.Add(seed[:len(seed)/2], `{"0":["variables.l.1"]}`)
	f.Add([]byte("--"+boundary+"\r\n\r\n"), `[]`)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, body []byte, mapPart string) {
		for _, b := range [][]byte{body, mustMultipart(mapPart)} {
			form, err := ParseMultipart(bytes.NewReader(b), boundary, MultipartOptions{MaxMemory: 8, TempDir: dir, Limits: Limits{MaxUploadBytes: 64}})
			if err != nil {
				var me *MultipartError
				if !errors.As(err, &me) || (me.Status != 400 && me.Status != 413) || me.Code == "" {
					t.Fatalf("not a coded client error: %v", err)
				}
				continue
			}
			checkUploads(t, form.Params.Variables)
			if err := form.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Fatalf("spooled files left: %d", len(left))
		}
	})
}

func mustMultipart(mapPart string) []byte {
	b, _ := multipartOf(part{name: "operations", body: ops}, part{name: "map", body: mapPart},
		part{name: "0", filename: "a", body: "some bytes of a file"}, part{name: "1", filename: "b", body: ""})
	return b
}

func checkUploads(t *testing.T, v any) {
	switch x := v.(type) {
	case graphql.Upload:
		b, err := io.ReadAll(x.File)
		if err != nil || int64(len(b)) != x.Size {
			t.Fatalf("upload reads %d of %d: %v", len(b), x.Size, err)
		}
	case map[string]any:
		for _, e := range x {
			checkUploads(t, e)
		}
	case []any:
		for _, e := range x {
			checkUploads(t, e)
		}
	}
}
