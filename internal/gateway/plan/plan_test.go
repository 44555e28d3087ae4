package plan_test

import (
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"golang.org/x/tools/txtar"

	"github.com/citizengraph/citizengraph/internal/gateway/plan"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
)

var update = flag.Bool("update", false, "rewrite the golden plans")

// Each testdata/*.txtar holds "supergraph.graphql" (or "supergraph": the
// name of a shared testdata file), "operation.graphql",
// optionally "labels" (enabled override labels, one per line),
// "variables.json" (the request's variables) and the
// golden "plan" (or "error").
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	must(t, err)
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			must(t, err)
			sections := map[string]string{}
			for _, f := range ar.Files {
				sections[f.Name] = string(f.Data)
			}
			if ref := strings.TrimSpace(sections["supergraph"]); ref != "" {
				sdl, err := os.ReadFile(filepath.Join("testdata", ref))
				must(t, err)
				sections["supergraph.graphql"] = string(sdl)
			}
			opts := plan.Options{EnabledLabels: map[string]bool{}}
			for _, l := range strings.Fields(sections["labels"]) {
				opts.EnabledLabels[l] = true
			}
			if v := sections["variables.json"]; v != "" {
				must(t, json.Unmarshal([]byte(v), &opts.Variables))
			}
			got := planText(t, sections["supergraph.graphql"], sections["operation.graphql"], opts)
			for i := range 6 {
				shuffled := shuffleSupergraph(sections["supergraph.graphql"], rand.New(rand.NewPCG(uint64(i), 7)))
				if p := planText(t, shuffled, sections["operation.graphql"], opts); p != got {
					t.Fatalf("permutation %d changed the plan:\n%s\nwant:\n%s", i, p, got)
				}
			}
			name := "plan"
			if strings.HasPrefix(got, "error: ") {
				name = "error"
			}
			if *update {
				var kept []txtar.File
				for _, f := range ar.Files {
					if f.Name != "plan" && f.Name != "error" {
						kept = append(kept, f)
					}
				}
				ar.Files = append(kept, txtar.File{Name: name, Data: []byte(got)})
				must(t, os.WriteFile(file, txtar.Format(ar), 0o644))
				return
			}
			if sections[name] != got {
				t.Fatalf("plan differs from golden (run with -update):\n%s\nwant:\n%s", got, sections[name])
			}
		})
	}
}

func planText(t *testing.T, sdl, op string, opts plan.Options) string {
	t.Helper()
	sg, err := supergraph.Parse(sdl)
	must(t, err)
	doc, errs := gqlparser.LoadQuery(sg.API, op)
	if len(errs) > 0 {
		t.Fatalf("operation: %v", errs)
	}
	p, err := plan.BuildWithOptions(sg, doc, doc.Operations[0], opts)
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	return p.String()
}

var enumBlock = regexp.MustCompile(`(?s)enum join__Graph \{\n(.*?)\n\}`)

// shuffleSupergraph permutes the join__Graph values, the order of type
// definitions and the order of the directives on each type.
func shuffleSupergraph(sdl string, r *rand.Rand) string {
	sdl = enumBlock.ReplaceAllStringFunc(sdl, func(m string) string {
		sub := enumBlock.FindStringSubmatch(m)
		lines := strings.Split(sub[1], "\n")
		r.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
		return "enum join__Graph {\n" + strings.Join(lines, "\n") + "\n}"
	})
	blocks := defStart.Split(sdl, -1)
	heads := defStart.FindAllString(sdl, -1)
	for i := range heads {
		blocks[i+1] = heads[i] + blocks[i+1]
	}
	rest := blocks[1:]
	r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	for i, blk := range blocks {
		lines := strings.Split(blk, "\n")
		var joins []int
		for k, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), "@join__type(") {
				joins = append(joins, k)
			}
		}
		perm := r.Perm(len(joins))
		orig := make([]string, len(joins))
		for k, idx := range joins {
			orig[k] = lines[idx]
		}
		for k, idx := range joins {
			lines[idx] = orig[perm[k]]
		}
		blocks[i] = strings.Join(lines, "\n")
	}
	return strings.Join(blocks, "\n")
}

var defStart = regexp.MustCompile(`(?m)^(?:type|interface|union|enum|input|scalar|directive|schema|extend) `)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
