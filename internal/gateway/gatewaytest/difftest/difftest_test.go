package difftest

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest"
)

var (
	flagN        = flag.Int("difftest.n", 0, "generated operations per seed (0: the CI count)")
	flagSeed     = flag.Uint64("difftest.seed", 0, "run this seed only (0: the CI seeds)")
	flagFeatures = flag.String("difftest.features", "", `generator features: "all", or names to switch on and "-name" to switch off, over the CI set`)
	flagWrite    = flag.Bool("difftest.write", false, "save each minimized disagreement as a regression case under testdata/regressions")
	flagShrink   = flag.Int("difftest.shrink", 3000, "operations tried while shrinking one disagreement (0: no shrinking)")
	flagWorkers  = flag.Int("difftest.workers", 2, "gateways run in parallel")
	flagSize     = flag.Int("difftest.size", 1, "size of generated operations (fields and depth grow with it)")
	flagComposer = flag.String("difftest.composer", "", `supergraph of the run: "ours" or "apollo" (default: the CI split)`)
)

// ciSeeds and ciOps are the CI run: len(ciSeeds)*ciOps operations.
var ciSeeds = []uint64{1, 2, 3, 4}

const ciOps = 600

// ciFeatures are the generator features the gateway answers right. Each
// feature that is off names the finding of /work/notes/difftest-findings.md
// (and the regression case under testdata/regressions) that keeps it off.
func ciFeatures() Features {
	return AllFeatures()
}

// ciCompare are the comparison tolerances of the CI run, each naming its
// finding: none are left (F1, "data": null on request errors, went with the
// harness hosting the gateway by its own handler).
var ciCompare = CompareOptions{}

// TestDifferential answers generated operations with the gateway and the
// reference executor and fails on any disagreement, printing each one
// shrunk to a minimal operation.
func TestDifferential(t *testing.T) {
	features := ciFeatures()
	if *flagFeatures != "" {
		var err error
		if features, err = ParseFeatures(*flagFeatures, features); err != nil {
			t.Fatal(err)
		}
	}
	seeds, n := ciSeeds, ciOps
	if *flagSeed != 0 {
		seeds = []uint64{*flagSeed}
	}
	if *flagN > 0 {
		n = *flagN
	}
	workers := max(1, *flagWorkers)
	hs := make([]*Harness, workers)
	composers := make([]gatewaytest.Composer, workers)
	for i := range hs {
		// By default the workers alternate between our composition and
		// Apollo's, so that every seed runs over both.
		composers[i] = []gatewaytest.Composer{gatewaytest.Ours, gatewaytest.Apollo}[i%2]
		if *flagComposer != "" {
			composers[i] = gatewaytest.Composer(*flagComposer)
		}
		hs[i] = NewHarness(t, gatewaytest.Config{Composer: composers[i]})
	}
	schema := hs[0].Ref.sg.API
	type job struct {
		seed    uint64
		i       int
		op      Op
		variant *Op
	}
	var jobs []job
	for _, seed := range seeds {
		g := NewGenerator(schema, features, seed)
		g.Size = *flagSize
		for i := 0; i < n; i++ {
			op := g.Next()
			jobs = append(jobs, job{seed: seed, i: i, op: op})
			// The same document again with other condition values, on the
			// same worker (whose gateway has its plan cached).
			if v, ok := g.Variant(op); ok {
				jobs[len(jobs)-1].variant = &v
			}
		}
	}
	var (
		mu       sync.Mutex
		failures []failure
		stats    = map[string]int{}
	)
	var wg sync.WaitGroup
	for w := range hs {
		wg.Add(1)
		go func(h *Harness) {
			defer wg.Done()
			for j := w; j < len(jobs); j += workers {
				jb := jobs[j]
				ops := []Op{jb.op}
				if jb.variant != nil {
					ops = append(ops, *jb.variant)
				}
				for _, op := range ops {
					o, err := h.RunOp(context.Background(), op, ciCompare)
					mu.Lock()
					switch {
					case err != nil:
						failures = append(failures, failure{seed: jb.seed, index: jb.i, op: op, diff: err.Error(), worker: w})
					case o.Diff != "":
						failures = append(failures, failure{seed: jb.seed, index: jb.i, op: op, diff: o.Diff, worker: w})
					}
					stats[outcomeClass(o)]++
					mu.Unlock()
				}
			}
		}(hs[w])
	}
	wg.Wait()
	total := 0
	for _, c := range stats {
		total += c
	}
	t.Logf("%d operations (seeds %v × %d generated documents, %d run again with other condition values) over the compositions %v, features %s: %v",
		total, seeds, n, total-len(jobs), composers, features, stats)
	sort.Slice(failures, func(a, b int) bool {
		if failures[a].seed != failures[b].seed {
			return failures[a].seed < failures[b].seed
		}
		return failures[a].index < failures[b].index
	})
	reported := 0
	for _, f := range failures {
		if reported >= 10 {
			t.Errorf("... and more disagreements (%d in all)", len(failures))
			break
		}
		h := hs[f.worker]
		// A disagreement must reproduce: run the operation again.
		again, err := h.RunOp(context.Background(), f.op, ciCompare)
		if err == nil && again.Diff == "" {
			vb, _ := json.Marshal(f.op.Variables)
			t.Logf("seed %d operation %d disagreed once over the %s composition and agrees when run again (not counted; a timing-dependent answer?)\n%s\nvariables: %s, operationName: %q\nfirst: %s",
				f.seed, f.index, composers[f.worker], f.op.Query, vb, f.op.OperationName, f.diff)
			continue
		}
		reported++
		vb, _ := json.Marshal(f.op.Variables)
		rb, _ := json.Marshal(again.Reference)
		msg := fmt.Sprintf("seed %d operation %d disagrees over the %s composition (reproduce: go test -run 'TestDifferential$' -difftest.seed=%d -difftest.n=%d -difftest.composer=%s)\noperation:\n%s\nvariables: %s, operationName: %q\n%s\nreference: %s\ngateway:   %s",
			f.seed, f.index, composers[f.worker], f.seed, f.index+1, composers[f.worker], f.op.Query, vb, f.op.OperationName, again.Diff, rb, again.GatewayBody)
		q, vars := f.op.Query, f.op.Variables
		if *flagShrink > 0 {
			q, vars = shrinkFailure(h, f.op, *flagShrink)
			small := Op{Query: q, Variables: vars, OperationName: f.op.OperationName}
			if o, err := h.RunOp(context.Background(), small, ciCompare); err == nil && o.Diff != "" && q != f.op.Query {
				mb, _ := json.Marshal(vars)
				rb, _ := json.Marshal(o.Reference)
				msg += fmt.Sprintf("\nminimized:\n%s\nvariables: %s\n%s\nreference: %s\ngateway:   %s", q, mb, o.Diff, rb, o.GatewayBody)
			} else {
				q, vars = f.op.Query, f.op.Variables
			}
		}
		t.Error(msg)
		if *flagWrite {
			if err := writeRegression(q, vars, f.diff); err != nil {
				t.Error(err)
			}
		}
	}
}

type failure struct {
	seed   uint64
	index  int
	op     Op
	diff   string
	worker int
}

func outcomeClass(o Outcome) string {
	switch {
	case o.Limited:
		return "over-gateway-limits"
	case !o.Reference.HasData:
		return "request-error"
	case len(o.Reference.Errors) > 0:
		return "data+errors"
	default:
		return "data"
	}
}

// shrinkFailure shrinks an operation while the gateway and the reference
// still disagree the same way, staying valid if it was.
func shrinkFailure(h *Harness, op Op, tries int) (string, map[string]any) {
	first, err := h.RunOp(context.Background(), op, ciCompare)
	if err != nil {
		return op.Query, op.Variables
	}
	wasValid := first.Reference.HasData
	kind := diffKind(first.Diff)
	return Shrink(op.Query, op.Variables, func(q string, v map[string]any) bool {
		o, err := h.RunOp(context.Background(), Op{Query: q, Variables: v, OperationName: op.OperationName}, ciCompare)
		if err != nil || o.Diff == "" || diffKind(o.Diff) != kind {
			return false
		}
		return !wasValid || o.Reference.HasData
	}, tries)
}

// writeRegression saves a minimized disagreement under testdata/regressions.
func writeRegression(q string, vars map[string]any, diff string) error {
	dir := filepath.Join("testdata", "regressions")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("regressions: %w", err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.graphql"))
	name := filepath.Join(dir, fmt.Sprintf("case%03d", len(files)+1))
	head := "# open: " + strings.SplitN(diff, "\n", 2)[0] + "\n"
	if err := os.WriteFile(name+".graphql", []byte(head+q+"\n"), 0o644); err != nil {
		return fmt.Errorf("regressions: %w", err)
	}
	if len(vars) > 0 {
		b, _ := json.MarshalIndent(vars, "", "  ")
		if err := os.WriteFile(name+".vars.json", append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("regressions: %w", err)
		}
	}
	return nil
}

// diffKind is the shape of a disagreement: which parts differ.
func diffKind(d string) string {
	var parts []string
	for _, p := range []string{"request error", "data differs", "error paths differ", "not a GraphQL response"} {
		if strings.Contains(d, p) {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "+")
}
