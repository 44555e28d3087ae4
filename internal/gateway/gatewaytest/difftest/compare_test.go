package difftest

import (
	"slices"
	"testing"
)

// TestCanonicalize checks what the comparison keeps: request errors, data
// with key order, error paths cut at positions nulled by propagation, and
// failed subgraph requests counted where they are observable.
func TestCanonicalize(t *testing.T) {
	parse := func(s string) Response {
		r, err := ParseResponse([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, c := range []struct {
		name, resp string
		want       Canonical
	}{
		{"request error", `{"errors":[{"message":"x"}]}`, Canonical{RequestError: true}},
		{"key order and numbers", `{"data":{"b":1.0,"a":[2,{"c":null}]}}`, Canonical{Data: `{"b":1,"a":[2,{"c":null}]}`}},
		{"error at a nullable field", `{"errors":[{"message":"x","path":["a","b"]}],"data":{"a":{"b":null}}}`,
			Canonical{Data: `{"a":{"b":null}}`, ErrorPaths: []string{".a.b"}}},
		{"errors below a nulled position count there once", `{"errors":[{"message":"x","path":["a",1,"b"]},{"message":"y","path":["a",1,"c"]}],"data":{"a":[{},null]}}`,
			Canonical{Data: `{"a":[{},null]}`, ErrorPaths: []string{".a.1"}}},
		{"data null", `{"errors":[{"message":"x","path":["a",0,"b"]}],"data":null}`,
			Canonical{Data: "null", ErrorPaths: []string{"."}}},
		{"an error at a key the data lacks keeps its path", `{"errors":[{"message":"x","path":["a","zz"]}],"data":{"a":{}}}`,
			Canonical{Data: `{"a":{}}`, ErrorPaths: []string{".a.zz"}}},
		{"a failed request alone", `{"errors":[{"message":"x","path":["h"],"extensions":{"code":"SUBREQUEST_HTTP_ERROR"}}],"data":{"h":null}}`,
			Canonical{Data: `{"h":null}`, ErrorPaths: []string{"SUBREQUEST"}}},
		{"a failed request explained by another error", `{"errors":[{"message":"x","path":["p"],"extensions":{"code":"SUBREQUEST_HTTP_ERROR"}},{"message":"y","path":["p","q"]}],"data":{"p":null}}`,
			Canonical{Data: `{"p":null}`, ErrorPaths: []string{".p"}}},
		{"a variable's error", `{"errors":[{"message":"x","path":["variable","v"]}],"data":null}`,
			Canonical{Data: "null", ErrorPaths: []string{"variable.v"}, RequestLevelErrors: true}},
	} {
		got := Canonicalize(parse(c.resp))
		if got.RequestError != c.want.RequestError || got.Data != c.want.Data || !slices.Equal(got.ErrorPaths, c.want.ErrorPaths) ||
			got.RequestLevelErrors != c.want.RequestLevelErrors {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

// TestDiffTolerance: data null with request-level errors passes for a
// request error only with the F1 tolerance.
func TestDiffTolerance(t *testing.T) {
	want := Canonical{RequestError: true}
	got := Canonical{Data: "null", ErrorPaths: []string{"-"}, RequestLevelErrors: true}
	if Diff(want, got, CompareOptions{}) == "" {
		t.Error("strict: data null accepted for a request error")
	}
	if d := Diff(want, got, CompareOptions{NullDataForRequestErrors: true}); d != "" {
		t.Errorf("tolerant: %s", d)
	}
	got.RequestLevelErrors = false
	if Diff(want, got, CompareOptions{NullDataForRequestErrors: true}) == "" {
		t.Error("tolerant: data null with a field error accepted for a request error")
	}
}
