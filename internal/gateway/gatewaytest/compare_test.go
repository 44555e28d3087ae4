package gatewaytest

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	golden := `{"errors":[{"message":"boom","path":["a",1,"b"],"extensions":{"code":"X","serviceName":"s"}}],"data":{"a":[{"b":null},{"b":null}],"c":1.5}}`
	tests := []struct {
		name, got string
		opts      CompareOptions
		wantDiff  string // substring of the report; "" means a match
	}{
		{name: "identical", got: golden},
		{name: "other message, extra extension, locations", got: `{"data":{"a":[{"b":null},{"b":null}],"c":1.5},"errors":[{"message":"other","locations":[{"line":1,"column":2}],"path":["a",1,"b"],"extensions":{"code":"X","serviceName":"s","more":true}}]}`},
		{name: "key order", got: `{"data":{"c":1.5,"a":[{"b":null},{"b":null}]},"errors":[{"message":"boom","path":["a",1,"b"],"extensions":{"code":"X","serviceName":"s"}}]}`, wantDiff: "data differs"},
		{name: "list order", got: `{"data":{"a":[{"b":null},{"b":1}],"c":1.5},"errors":[{"message":"boom","path":["a",1,"b"],"extensions":{"code":"X","serviceName":"s"}}]}`, wantDiff: "data differs"},
		{name: "wrong path", got: `{"data":{"a":[{"b":null},{"b":null}],"c":1.5},"errors":[{"message":"boom","path":["a",0,"b"],"extensions":{"code":"X","serviceName":"s"}}]}`, wantDiff: "missing errors"},
		{name: "wrong code", got: `{"data":{"a":[{"b":null},{"b":null}],"c":1.5},"errors":[{"message":"boom","path":["a",1,"b"],"extensions":{"code":"Y","serviceName":"s"}}]}`, wantDiff: "missing errors"},
		{name: "no service name", got: `{"data":{"a":[{"b":null},{"b":null}],"c":1.5},"errors":[{"message":"boom","path":["a",1,"b"],"extensions":{"code":"X"}}]}`, wantDiff: "missing errors"},
		{name: "extra error", got: `{"data":{"a":[{"b":null},{"b":null}],"c":1.5},"errors":[{"message":"boom","path":["a",1,"b"],"extensions":{"code":"X","serviceName":"s"}},{"message":"more"}]}`, wantDiff: "unexpected errors"},
		{name: "no errors", got: `{"data":{"a":[{"b":null},{"b":null}],"c":1.5}}`, wantDiff: "missing errors"},
		{name: "not JSON", got: `<html>`, wantDiff: "not a GraphQL response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diff := Compare([]byte(golden), []byte(tt.got), tt.opts)
			if tt.wantDiff == "" && diff != "" {
				t.Fatalf("unexpected difference:\n%s", diff)
			}
			if tt.wantDiff != "" && !strings.Contains(diff, tt.wantDiff) {
				t.Fatalf("difference %q does not mention %q", diff, tt.wantDiff)
			}
		})
	}
}

func TestCompareDetails(t *testing.T) {
	if d := Compare([]byte(`{"data":{"x":[1,2]}}`), []byte(`{"data":{"x":[2,1]}}`), CompareOptions{UnorderedLists: true}); d != "" {
		t.Errorf("unordered lists: %s", d)
	}
	if d := Compare([]byte(`{"data":{"x":1}}`), []byte(`{"data":{"x":1.0}}`), CompareOptions{}); d != "" {
		t.Errorf("1 and 1.0: %s", d)
	}
	// A golden without data (error before execution) matches data: null.
	if d := Compare([]byte(`{"errors":[{"message":"m","extensions":{"code":"V"}}]}`), []byte(`{"errors":[{"message":"n","extensions":{"code":"V"}}],"data":null}`), CompareOptions{}); d != "" {
		t.Errorf("absent vs null data: %s", d)
	}
	// A golden error without a path matches an error with any path.
	if d := Compare([]byte(`{"errors":[{"message":"m","extensions":{"code":"V"}}],"data":{"a":null}}`), []byte(`{"errors":[{"message":"n","path":["a"],"extensions":{"code":"V"}}],"data":{"a":null}}`), CompareOptions{}); d != "" {
		t.Errorf("pathless golden error: %s", d)
	}
}

func TestNormalizeResponse(t *testing.T) {
	got, err := normalizeResponse([]byte(`{"data":null,"errors":[{"message":"m","locations":[{"line":1,"column":1}],"path":["a"],"extensions":{"code":"C","serviceName":"s","other":1}}],"extensions":{"x":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"errors\": [\n    {\n      \"message\": \"m\",\n      \"path\": [\n        \"a\"\n      ],\n      \"extensions\": {\n        \"code\": \"C\",\n        \"serviceName\": \"s\"\n      }\n    }\n  ],\n  \"data\": null\n}\n"
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestLoadCases(t *testing.T) {
	cases, err := LoadCases(filepath.Join("testdata", "queries"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	byName := map[string]Case{}
	for _, c := range cases {
		byName[c.Name] = c
	}
	if c := byName["subgraph_timeout"]; !strings.Contains(c.Manual, "timeout") {
		t.Errorf("subgraph_timeout manual reason = %q", c.Manual)
	}
	if c := byName["inaccessible_introspection"]; !c.Options.UnorderedLists {
		t.Error("inaccessible_introspection should compare lists unordered")
	}
	if c := byName["skip_include"]; c.Variables["skip"] != true || c.Manual != "" {
		t.Errorf("skip_include = %+v", c)
	}
}
