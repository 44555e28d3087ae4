package web

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
	"github.com/citizengraph/citizengraph/schema"
)

func format(doc *ast.QueryDocument) string {
	var b bytes.Buffer
	formatter.NewFormatter(&b).FormatQueryDocument(doc)
	return b.String()
}

// sourceOperations parses every .graphql file under src: each named
// operation with the fragments it spreads (transitively, in source order),
// formatted by gqlparser.
func sourceOperations(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir("src", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".graphql") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		doc, gerr := parser.ParseQuery(&ast.Source{Name: p, Input: string(b)})
		if gerr != nil {
			t.Fatalf("%s: %v", p, gerr)
		}
		for _, op := range doc.Operations {
			if op.Name == "" {
				t.Fatalf("%s: an operation without a name", p)
			}
			need := map[string]bool{}
			var walk func(ast.SelectionSet)
			walk = func(ss ast.SelectionSet) {
				for _, s := range ss {
					switch s := s.(type) {
					case *ast.Field:
						walk(s.SelectionSet)
					case *ast.InlineFragment:
						walk(s.SelectionSet)
					case *ast.FragmentSpread:
						if !need[s.Name] {
							need[s.Name] = true
							f := doc.Fragments.ForName(s.Name)
							if f == nil {
								t.Fatalf("%s: %s spreads unknown fragment %s", p, op.Name, s.Name)
							}
							walk(f.SelectionSet)
						}
					}
				}
			}
			walk(op.SelectionSet)
			one := &ast.QueryDocument{Operations: ast.OperationList{op}}
			for _, f := range doc.Fragments {
				if need[f.Name] {
					one.Fragments = append(one.Fragments, f)
				}
			}
			if prev, dup := out[op.Name]; dup && prev != format(one) {
				t.Fatalf("operation %s is defined twice, differently", op.Name)
			}
			out[op.Name] = format(one)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTrustedDocumentsAreTheSources checks the embedded manifest against
// the sources: every operation of every .graphql file under src is in it,
// as written (compared as gqlparser formats both), nothing else is, each id
// is the SHA-256 of its text, and every document is valid against the
// composed API schema — what serve registers is what the pages send, and
// the gateway can run it.
func TestTrustedDocumentsAreTheSources(t *testing.T) {
	docs, err := TrustedDocuments()
	if err != nil {
		t.Fatal(err)
	}
	src := sourceOperations(t)
	if len(src) == 0 {
		t.Fatal("no operations in src/**/*.graphql")
	}
	sg, err := supergraph.Parse(schema.Supergraph())
	if err != nil {
		t.Fatal(err)
	}
	inManifest := map[string]bool{}
	for id, body := range docs {
		doc, gerr := parser.ParseQuery(&ast.Source{Name: id, Input: body})
		if gerr != nil {
			t.Fatalf("manifest %s: %v", id, gerr)
		}
		if len(doc.Operations) != 1 {
			t.Fatalf("manifest %s: %d operations, want one", id, len(doc.Operations))
		}
		name := doc.Operations[0].Name
		inManifest[name] = true
		want, ok := src[name]
		if !ok {
			t.Errorf("the manifest has %s, which no source defines (go generate ./internal/web)", name)
			continue
		}
		if got := format(doc); got != want {
			t.Errorf("%s in the manifest differs from its source (go generate ./internal/web):\n%s\nwant\n%s", name, got, want)
		}
		if errs := validator.Validate(sg.API, doc); len(errs) > 0 {
			t.Errorf("%s is not valid against the composed schema: %v", name, errs)
		}
	}
	for name := range src {
		if !inManifest[name] {
			t.Errorf("%s is in the sources but not in the manifest (go generate ./internal/web)", name)
		}
	}
	t.Logf("%d trusted documents", len(docs))
}

// operationInJS finds GraphQL operations written in JavaScript, where no
// manifest would see them.
var operationInJS = regexp.MustCompile("(?m)[`'\"]\\s*(query|mutation|subscription)\\b\\s*[A-Za-z_]*\\s*[({]")

// TestNoOperationsOutsideGraphQLFiles keeps the portal's and the desk's
// operations in .graphql files: a query written in a JavaScript string
// would be sent as text, not as a trusted document.
func TestNoOperationsOutsideGraphQLFiles(t *testing.T) {
	for _, dir := range []string{"src/portal", "src/desk", "src/shared"} {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !slices.Contains([]string{".js", ".jsx", ".ts", ".tsx"}, filepath.Ext(p)) {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if m := operationInJS.Find(b); m != nil {
				t.Errorf("%s: a GraphQL operation in JavaScript (%q): put it in a .graphql file", p, m)
			}
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
}
