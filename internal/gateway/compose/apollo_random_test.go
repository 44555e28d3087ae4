package compose

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

var writeRandom = flag.String("compose.write-random", "", "write the random fixtures of TestRandomAgainstApollo as txtar files into this directory (to record Apollo's verdicts)")

// randomSeed and randomCount name the random fixtures whose Apollo verdicts
// testdata/apollo-random-verdicts.txt records.
const (
	randomSeed  = 20261206
	randomCount = 400
)

// TestRandomAgainstApollo composes random federation schemas — entities
// known by resolvable or unresolvable keys, value types whose fields live
// in different subgraphs, reached from root fields and from each other at
// several depths, @provides, @requires — and checks each verdict against
// Apollo's composition (2.14) on the same subgraphs: we accept exactly what
// Apollo accepts, and each error code we report is among Apollo's.
//
// Re-record the verdicts after changing the generator:
//
//	go test ./internal/gateway/compose -run TestRandomAgainstApollo -compose.write-random=$TMPDIR/random
//	node internal/gateway/gatewaytest/oracle/verdicts.mjs $TMPDIR/random > internal/gateway/compose/testdata/apollo-random-verdicts.txt
func TestRandomAgainstApollo(t *testing.T) {
	rng := rand.New(rand.NewPCG(randomSeed, 1))
	fixtures := make([][]Subgraph, randomCount)
	for i := range fixtures {
		fixtures[i] = randomSubgraphs(rng)
	}
	if *writeRandom != "" {
		if err := os.MkdirAll(*writeRandom, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, sgs := range fixtures {
			var a txtar.Archive
			for _, s := range sgs {
				a.Files = append(a.Files, txtar.File{Name: "subgraphs/" + s.Name + ".graphqls", Data: []byte(s.SDL)})
			}
			if err := os.WriteFile(filepath.Join(*writeRandom, fmt.Sprintf("r%03d.txtar", i)), txtar.Format(&a), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	verdicts := readVerdicts(t, filepath.Join("testdata", "apollo-random-verdicts.txt"))
	if len(verdicts) != randomCount {
		t.Fatalf("%d Apollo verdicts recorded for %d random fixtures: re-record them (see the test's doc)", len(verdicts), randomCount)
	}
	accepted, refused, crashed := 0, 0, 0
	for i, sgs := range fixtures {
		name := fmt.Sprintf("r%03d", i)
		apollo, ok := verdicts[name]
		if !ok {
			t.Fatalf("no Apollo verdict for %s", name)
		}
		if slices.Equal(apollo, []string{"CRASH"}) {
			crashed++ // Apollo's composition threw (a cycle of @requires): no verdict to compare
			continue
		}
		_, err := Compose(sgs)
		var ours []string
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("%s: %v", name, err)
			}
			for _, p := range ce.Problems {
				ours = append(ours, p.Code)
			}
			slices.Sort(ours)
			ours = slices.Compact(ours)
		}
		switch {
		case len(apollo) == 0 && len(ours) == 0:
			accepted++
			continue
		case len(apollo) == 0:
			t.Errorf("%s: Apollo composes it, we refuse it: %v\n%s", name, err, dump(sgs))
			continue
		case len(ours) == 0:
			t.Errorf("%s: Apollo refuses it (%v), we compose it\n%s", name, apollo, dump(sgs))
			continue
		}
		refused++
		for _, c := range ours {
			if !slices.Contains(apollo, c) {
				t.Errorf("%s: error code %s is not among Apollo's %v: %v\n%s", name, c, apollo, err, dump(sgs))
			}
		}
	}
	t.Logf("%d random compositions: %d accepted and %d refused by both (%d without Apollo's verdict)", randomCount, accepted, refused, crashed)
	if accepted < randomCount/5 || refused < randomCount/5 {
		t.Errorf("the generator is lopsided: %d accepted, %d refused", accepted, refused)
	}
}

func dump(sgs []Subgraph) string {
	var b strings.Builder
	for _, s := range sgs {
		fmt.Fprintf(&b, "-- %s --\n%s", s.Name, s.SDL)
	}
	return b.String()
}

// readVerdicts reads "name" or "name CODE CODE..." lines.
func readVerdicts(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		out[fields[0]] = fields[1:]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// randomSubgraphs builds 2–4 federation v2 subgraphs over 1–3 entity types
// (key "id", resolvable or not per subgraph), 1–3 value types (@shareable),
// an interface and a union over some of them (implemented and with members
// per subgraph), every field @shareable so that only satisfiability (and
// the rules it leans on) can refuse them.
func randomSubgraphs(rng *rand.Rand) []Subgraph {
	nGraphs := 2 + rng.IntN(3)
	nEnt, nVal := 1+rng.IntN(3), 1+rng.IntN(3)
	type field struct {
		name, typ string
		in        []bool // declared in subgraph g
		external  []bool
		requires  []string
		provides  []string
	}
	type typ struct {
		name     string
		entity   bool
		in       []bool
		keyMode  []int // 0 resolvable key, 1 resolvable: false
		fields   []*field
		declared bool
	}
	subset := func(p float64) []bool {
		in := make([]bool, nGraphs)
		any := false
		for g := range in {
			in[g] = rng.Float64() < p
			any = any || in[g]
		}
		if !any {
			in[rng.IntN(nGraphs)] = true
		}
		return in
	}
	var types []*typ
	for i := range nEnt {
		types = append(types, &typ{name: fmt.Sprintf("E%d", i), entity: true, in: subset(0.6)})
	}
	for i := range nVal {
		types = append(types, &typ{name: fmt.Sprintf("V%d", i), in: subset(0.6)})
	}
	// Now and then an interface I0 (field i0) and a union U0 over some of
	// the object types, which fields and root fields may return too.
	hasIface, hasUnion := rng.Float64() < 0.6, rng.Float64() < 0.5
	names := func() []string {
		var out []string
		for _, t := range types {
			out = append(out, t.name)
		}
		if hasIface {
			out = append(out, "I0")
		}
		if hasUnion {
			out = append(out, "U0")
		}
		return out
	}()
	abstract := func(name string) bool { return name == "I0" || name == "U0" }
	for _, t := range types {
		t.keyMode = make([]int, nGraphs)
		for g := range nGraphs {
			if rng.Float64() < 0.25 {
				t.keyMode[g] = 1
			}
		}
		nf := 1 + rng.IntN(3)
		for j := range nf {
			f := &field{name: fmt.Sprintf("s%d", j), typ: "String"}
			if rng.Float64() < 0.45 {
				f.name = fmt.Sprintf("o%d", j)
				f.typ = names[rng.IntN(len(names))]
			}
			// Declared in some of the subgraphs declaring the type.
			f.in = make([]bool, nGraphs)
			any := false
			for g := range nGraphs {
				if t.in[g] && rng.Float64() < 0.5 {
					f.in[g], any = true, true
				}
			}
			if !any {
				for g := range nGraphs {
					if t.in[g] {
						f.in[g] = true
						break
					}
				}
			}
			f.external = make([]bool, nGraphs)
			f.requires = make([]string, nGraphs)
			f.provides = make([]string, nGraphs)
			t.fields = append(t.fields, f)
		}
	}
	byName := map[string]*typ{}
	for _, t := range types {
		byName[t.name] = t
	}
	// Now and then an entity field @requires a scalar field, which the
	// requiring subgraph declares @external.
	for _, t := range types {
		if !t.entity {
			continue
		}
		for _, f := range t.fields {
			if f.typ != "String" || rng.Float64() > 0.2 {
				continue
			}
			for g := range nGraphs {
				if !f.in[g] {
					continue
				}
				for _, r := range t.fields {
					if r != f && r.typ == "String" && !r.in[g] && t.in[g] {
						f.requires[g] = r.name
						r.in[g], r.external[g] = true, true
						break
					}
				}
				break
			}
		}
	}
	type rootField struct {
		name, typ string
		in        []bool
		provides  []string
	}
	var roots []rootField
	for i := range 1 + rng.IntN(3) {
		target := types[rng.IntN(len(types))]
		rf := rootField{name: fmt.Sprintf("q%d", i), typ: target.name, in: make([]bool, nGraphs), provides: make([]string, nGraphs)}
		if an := names[rng.IntN(len(names))]; abstract(an) && rng.Float64() < 0.5 {
			rf.typ = an // declared below where the abstract type is
		}
		any := false
		for g := range nGraphs {
			if target.in[g] && rng.Float64() < 0.5 {
				rf.in[g], any = true, true
			}
		}
		if !any {
			for g := range nGraphs {
				if target.in[g] {
					rf.in[g] = true
					break
				}
			}
		}
		// @provides of a scalar field the subgraph declares @external.
		if target.entity && rf.typ == target.name && rng.Float64() < 0.2 {
			for g := range nGraphs {
				if !rf.in[g] {
					continue
				}
				for _, f := range target.fields {
					if f.typ == "String" && !f.in[g] {
						f.in[g], f.external[g] = true, true
						rf.provides[g] = f.name
						break
					}
				}
				break
			}
		}
		roots = append(roots, rf)
	}
	// A field of an object type is declared only where its type is.
	for _, t := range types {
		for _, f := range t.fields {
			if ft := byName[f.typ]; ft != nil {
				for g := range nGraphs {
					if f.in[g] && !ft.in[g] {
						ft.in[g] = true
					}
				}
			}
		}
	}
	// Where each object type implements I0 or is a member of U0; the
	// abstract types are declared where they have one, and fields
	// returning them only there.
	impl := map[string][]bool{}
	member := map[string]bool{}
	ifaceIn, unionIn := make([]bool, nGraphs), make([]bool, nGraphs)
	for _, t := range types {
		if hasIface && rng.Float64() < 0.6 {
			impl[t.name] = make([]bool, nGraphs)
			for g := range nGraphs {
				if t.in[g] && rng.Float64() < 0.75 {
					impl[t.name][g], ifaceIn[g] = true, true
				}
			}
		}
		if hasUnion && rng.Float64() < 0.5 {
			member[t.name] = true
			for g := range nGraphs {
				unionIn[g] = unionIn[g] || t.in[g]
			}
		}
	}
	declaredIn := func(name string) []bool {
		if name == "I0" {
			return ifaceIn
		}
		return unionIn
	}
	restrict := func(typ *string, in []bool) {
		if !abstract(*typ) {
			return
		}
		d := declaredIn(*typ)
		left := false
		for g := range in {
			in[g] = in[g] && d[g]
			left = left || in[g]
		}
		if !left {
			*typ = "String"
			for g := range in {
				in[g] = d[g] || in[g]
			}
		}
	}
	for _, t := range types {
		for _, f := range t.fields {
			if abstract(f.typ) {
				orig := slices.Clone(f.in)
				restrict(&f.typ, f.in)
				if f.typ == "String" {
					copy(f.in, orig)
				}
			}
		}
	}
	for i := range roots {
		if abstract(roots[i].typ) {
			orig := slices.Clone(roots[i].in)
			for g := range roots[i].in {
				roots[i].in[g] = true // any subgraph declaring the abstract type
			}
			restrict(&roots[i].typ, roots[i].in)
			if roots[i].typ == "String" {
				copy(roots[i].in, orig)
			}
		}
	}
	var out []Subgraph
	for g := range nGraphs {
		var b strings.Builder
		b.WriteString(`extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides"])` + "\n")
		var qs []string
		for _, rf := range roots {
			if rf.in[g] {
				q := rf.name + ": " + rf.typ + " @shareable"
				if rf.provides[g] != "" {
					q += fmt.Sprintf(" @provides(fields: %q)", rf.provides[g])
				}
				qs = append(qs, q)
			}
		}
		if len(qs) > 0 {
			b.WriteString("type Query { " + strings.Join(qs, " ") + " }\n")
		}
		if ifaceIn[g] {
			b.WriteString("interface I0 { i0: String }\n")
		}
		if unionIn[g] {
			var ms []string
			for _, t := range types {
				if member[t.name] && t.in[g] {
					ms = append(ms, t.name)
				}
			}
			b.WriteString("union U0 = " + strings.Join(ms, " | ") + "\n")
		}
		for _, t := range types {
			if !t.in[g] {
				continue
			}
			var fs []string
			if t.entity {
				fs = append(fs, "id: ID!")
			}
			for _, f := range t.fields {
				if !f.in[g] {
					continue
				}
				s := f.name + ": " + f.typ
				switch {
				case f.external[g]:
					s += " @external"
				case f.requires[g] != "":
					s += fmt.Sprintf(" @requires(fields: %q) @shareable", f.requires[g])
				default:
					s += " @shareable"
				}
				fs = append(fs, s)
			}
			if impl[t.name] != nil && impl[t.name][g] {
				fs = append(fs, "i0: String @shareable")
			}
			if len(fs) == 0 {
				fs = append(fs, "x: String @shareable")
			}
			head := "type " + t.name
			if impl[t.name] != nil && impl[t.name][g] {
				head += " implements I0"
			}
			if t.entity {
				if t.keyMode[g] == 1 {
					head += ` @key(fields: "id", resolvable: false)`
				} else {
					head += ` @key(fields: "id")`
				}
			} else {
				head += " @shareable"
			}
			b.WriteString(head + " { " + strings.Join(fs, " ") + " }\n")
		}
		name := string(rune('a' + g))
		out = append(out, Subgraph{Name: name, URL: "http://" + name + ".example/graphql", SDL: b.String()})
	}
	return out
}
