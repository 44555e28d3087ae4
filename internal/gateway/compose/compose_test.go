package compose

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the expected outputs of testdata/*.txtar")

// fixture is one txtar test case: subgraphs/<name>.graphqls inputs and either
// supergraph.graphqls or errors as the expected output. An optional
// apollo.graphqls holds the supergraph Apollo's composition produces for the
// same inputs (join directives must agree semantically), and apollo-errors the
// error codes it reports (ours must be among them).
type fixture struct {
	path      string
	archive   *txtar.Archive
	subgraphs []Subgraph
}

func loadFixture(t *testing.T, path string) *fixture {
	t.Helper()
	a, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{path: path, archive: a}
	for _, file := range a.Files {
		if name, ok := strings.CutPrefix(file.Name, "subgraphs/"); ok {
			name = strings.TrimSuffix(name, ".graphqls")
			f.subgraphs = append(f.subgraphs, Subgraph{Name: name, URL: "http://" + name + ".example/graphql", SDL: string(file.Data)})
		}
	}
	if len(f.subgraphs) == 0 {
		t.Fatal("fixture has no subgraphs/ files")
	}
	return f
}

func (f *fixture) file(name string) (string, bool) {
	for _, file := range f.archive.Files {
		if file.Name == name {
			return string(file.Data), true
		}
	}
	return "", false
}

func (f *fixture) set(name, data string) {
	for i, file := range f.archive.Files {
		if file.Name == name {
			f.archive.Files[i].Data = []byte(data)
			return
		}
	}
	f.archive.Files = append(f.archive.Files, txtar.File{Name: name, Data: []byte(data)})
}

func (f *fixture) remove(name string) {
	f.archive.Files = slices.DeleteFunc(f.archive.Files, func(file txtar.File) bool { return file.Name == name })
}

// render runs Compose and renders its result as the golden text.
func render(sgs []Subgraph) (out string, isErr bool) {
	sdl, err := Compose(sgs)
	if err == nil {
		return sdl, false
	}
	var ce *Error
	if !errors.As(err, &ce) {
		return "unexpected error type: " + err.Error() + "\n", true
	}
	var b strings.Builder
	for _, p := range ce.Problems {
		b.WriteString(p.String())
		b.WriteString("\n")
	}
	return b.String(), true
}

func TestCompose(t *testing.T) {
	paths, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			f := loadFixture(t, path)
			got, isErr := render(f.subgraphs)

			if *update {
				if isErr {
					f.remove("supergraph.graphqls")
					f.set("errors", got)
				} else {
					f.remove("errors")
					f.set("supergraph.graphqls", got)
				}
				if err := os.WriteFile(path, txtar.Format(f.archive), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if isErr {
				want, ok := f.file("errors")
				if !ok {
					t.Fatalf("composition failed but the fixture expects a supergraph:\n%s", got)
				}
				if want != got {
					t.Errorf("errors differ\nwant:\n%s\ngot:\n%s", want, got)
				}
			} else {
				want, ok := f.file("supergraph.graphqls")
				if !ok {
					t.Fatalf("composition succeeded but the fixture expects errors:\n%s", got)
				}
				if want != got {
					t.Errorf("supergraph differs\nwant:\n%s\ngot:\n%s", want, got)
				}
				if _, err := gqlparser.LoadSchema(&ast.Source{Name: "supergraph.graphqls", Input: got}); err != nil {
					t.Fatalf("the supergraph is not a valid GraphQL schema: %v", err)
				}
			}

			if apollo, ok := f.file("apollo.graphqls"); ok {
				if isErr {
					t.Fatalf("Apollo composes these subgraphs, we fail:\n%s", got)
				}
				assertEquivalent(t, apollo, got)
			}
			if codes, ok := f.file("apollo-errors"); ok {
				if !isErr {
					t.Fatal("Apollo rejects these subgraphs, we compose them")
				}
				// We report the causes Apollo reports, not necessarily every
				// consequence it derives from them.
				apollo := strings.Fields(codes)
				for _, c := range errorCodes(t, f.subgraphs) {
					if !slices.Contains(apollo, c) {
						t.Errorf("error code %s is not among Apollo's %v", c, apollo)
					}
				}
			}

			// Every order of the subgraphs gives the same bytes.
			permute(f.subgraphs, func(p []Subgraph) {
				again, _ := render(p)
				if again != got {
					t.Errorf("order %v gives a different result:\n%s", names(p), again)
				}
			})
		})
	}
}

func errorCodes(t *testing.T, sgs []Subgraph) []string {
	t.Helper()
	_, err := Compose(sgs)
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("not a composition error: %v", err)
	}
	var codes []string
	for _, p := range ce.Problems {
		codes = append(codes, p.Code)
	}
	slices.Sort(codes)
	return slices.Compact(codes)
}

func names(sgs []Subgraph) []string {
	out := make([]string, len(sgs))
	for i, s := range sgs {
		out[i] = s.Name
	}
	return out
}

// permute calls fn with every permutation of sgs but the identity (Heap's
// algorithm), capped for large fixtures.
func permute(sgs []Subgraph, fn func([]Subgraph)) {
	p := slices.Clone(sgs)
	n := len(p)
	c := make([]int, n)
	calls := 0
	for i := 0; i < n && calls < 720; {
		if c[i] < i {
			if i%2 == 0 {
				p[0], p[i] = p[i], p[0]
			} else {
				p[c[i]], p[i] = p[i], p[c[i]]
			}
			fn(p)
			calls++
			c[i]++
			i = 0
		} else {
			c[i] = 0
			i++
		}
	}
}

// assertEquivalent compares two supergraphs on what the planner reads: kinds,
// interfaces, members, field and argument types and defaults, and every
// applied directive with its arguments (defaults elided), order-insensitively.
func assertEquivalent(t *testing.T, want, got string) {
	t.Helper()
	w, g := normalizeSupergraph(t, want), normalizeSupergraph(t, got)
	var keys []string
	for k := range w {
		keys = append(keys, k)
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if w[k] != g[k] {
			t.Errorf("%s differs from Apollo's supergraph:\n  apollo: %s\n  ours:   %s", k, w[k], g[k])
		}
	}
}

func normalizeSupergraph(t *testing.T, sdl string) map[string]string {
	t.Helper()
	sd, err := parser.ParseSchema(&ast.Source{Input: sdl})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, d := range sd.Definitions {
		if (strings.HasPrefix(d.Name, "join__") || strings.HasPrefix(d.Name, "link__")) && d.Name != "join__Graph" {
			continue
		}
		ifs := slices.Sorted(slices.Values(d.Interfaces))
		members := slices.Sorted(slices.Values(d.Types))
		m["type "+d.Name] = fmt.Sprintf("%s implements%v members%v %v", d.Kind, ifs, members, normalizeDirectives(d.Directives))
		for _, f := range d.Fields {
			var args []string
			for _, a := range f.Arguments {
				dv := ""
				if a.DefaultValue != nil {
					dv = " = " + a.DefaultValue.String()
				}
				args = append(args, fmt.Sprintf("%s: %s%s %v", a.Name, a.Type.String(), dv, normalizeDirectives(a.Directives)))
			}
			m["field "+d.Name+"."+f.Name] = fmt.Sprintf("(%s): %s %v", strings.Join(args, ", "), f.Type.String(), normalizeDirectives(f.Directives))
		}
		for _, v := range d.EnumValues {
			m["value "+d.Name+"."+v.Name] = fmt.Sprint(normalizeDirectives(v.Directives))
		}
	}
	return m
}

func normalizeDirectives(list ast.DirectiveList) []string {
	var out []string
	for _, d := range list {
		var args []string
		for _, a := range d.Arguments {
			v := a.Value.String()
			if (a.Name == "extension" || a.Name == "isInterfaceObject") && v == "false" || a.Name == "resolvable" && v == "true" {
				continue
			}
			args = append(args, a.Name+": "+v)
		}
		sort.Strings(args)
		out = append(out, "@"+d.Name+"("+strings.Join(args, ", ")+")")
	}
	sort.Strings(out)
	return out
}
