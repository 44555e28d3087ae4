package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citizengraph/citizengraph/internal/gateway/compose"
	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
)

// TestComposeFetchesServiceSDL serves the gateway test subgraphs over HTTP,
// composes them with the compose command — each SDL fetched with
// { _service { sdl } } but one read from a file — and expects the same
// supergraph as composing the SDLs directly, loadable by the gateway.
func TestComposeFetchesServiceSDL(t *testing.T) {
	dir := t.TempDir()
	var args, direct = []string{"--out", filepath.Join(dir, "supergraph.graphql")}, []compose.Subgraph(nil)
	for i, sg := range subgraphs.New(subgraphs.Options{}) {
		srv := httptest.NewServer(sg.Handler)
		t.Cleanup(srv.Close)
		direct = append(direct, compose.Subgraph{Name: sg.Name, URL: srv.URL, SDL: sg.SDL})
		arg := sg.Name + "=" + srv.URL
		if i == 0 {
			file := filepath.Join(dir, sg.Name+".graphqls")
			if err := os.WriteFile(file, []byte(sg.SDL), 0o644); err != nil {
				t.Fatal(err)
			}
			arg += "=" + file
		}
		args = append(args, arg)
	}
	want, err := compose.Compose(direct)
	if err != nil {
		t.Fatal(err)
	}
	if err := runCompose(context.Background(), args); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "supergraph.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("compose over HTTP differs from direct composition:\n%s", got)
	}
	if _, err := supergraph.Parse(string(got)); err != nil {
		t.Fatalf("the gateway cannot load the composed supergraph: %v", err)
	}
}

func TestComposeErrors(t *testing.T) {
	notGraphQL := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("<html>hello</html>")) //nolint:errcheck
	}))
	t.Cleanup(notGraphQL.Close)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"errors":[{"message":"Cannot query field \"_service\" on type \"Query\"."}]}`)) //nolint:errcheck
	}))
	t.Cleanup(plain.Close)
	missing := filepath.Join(t.TempDir(), "nope.graphqls")
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "usage"},
		{[]string{"accounts"}, "want name=URL"},
		{[]string{"web=" + notGraphQL.URL}, "subgraph web: fetch SDL: HTTP 200, not a GraphQL response"},
		{[]string{"plain=" + plain.URL}, `subgraph plain: fetch SDL: Cannot query field "_service"`},
		{[]string{"a=http://127.0.0.1:1/graphql=" + missing}, "subgraph a: open " + missing},
		{[]string{"a=http://x/graphql=" + writeSDL(t, "type Query { a: Int }"), "b=http://y/graphql=" + writeSDL(t, "type Query { a: String }")}, `[FIELD_TYPE_MISMATCH] Query.a (a, b)`},
	} {
		err := runCompose(context.Background(), c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("compose %q: error %v, want it to contain %q", c.args, err, c.want)
		}
	}
}

func writeSDL(t *testing.T, sdl string) string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "*.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(`extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])` + "\n" + sdl); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}
