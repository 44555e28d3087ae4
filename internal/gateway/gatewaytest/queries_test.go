package gatewaytest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the non-manual goldens from our gateway (composed by us)")

// knownGaps are the gateway's open conformance gaps, keyed by composer or
// composer/case. Each must still fail (with the failure logged); when one
// starts to pass the test fails until its entry is deleted.
var knownGaps = map[string]string{}

// TestQueries runs every conformance case against the gateway, once over the
// supergraph composed by compose.Compose and once over Apollo's.
func TestQueries(t *testing.T) {
	cases, err := LoadCases(filepath.Join("testdata", "queries"))
	if err != nil {
		t.Fatal(err)
	}
	for _, composer := range []Composer{Ours, Apollo} {
		t.Run(string(composer), func(t *testing.T) {
			t.Parallel()
			env, err := start(t, Config{Composer: composer})
			if gap, known := knownGaps[string(composer)]; known {
				if err == nil {
					t.Fatalf("known gap %q no longer fails: delete it from knownGaps", gap)
				}
				t.Logf("known gap: %s\n%v", gap, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cases {
				t.Run(c.Name, func(t *testing.T) {
					env.Reset()
					got := env.Query(t, c.Query, c.Variables)
					if *update && composer == Ours {
						writeGolden(t, c, got)
						return
					}
					want, err := os.ReadFile(c.GoldenPath)
					if err != nil {
						t.Fatalf("read golden: %v", err)
					}
					diff := Compare(want, got, c.Options)
					for name, n := range c.Fetches {
						if got := len(env.SubgraphHeaders(name)); got != n {
							diff += fmt.Sprintf("subgraph %s got %d requests, want %d\n", name, got, n)
						}
					}
					gap, known := knownGaps[string(composer)+"/"+c.Name]
					switch {
					case known && diff == "":
						t.Fatalf("known gap %q no longer fails: delete it from knownGaps", gap)
					case known:
						t.Logf("known gap: %s\n%s", gap, diff)
					case diff != "":
						t.Errorf("%s\nquery:\n%s\nresponse: %s", diff, c.Query, got)
					}
				})
			}
		})
	}
}

func writeGolden(t *testing.T, c Case, got []byte) {
	t.Helper()
	if c.Manual != "" {
		t.Logf("kept the hand-written golden: %s", c.Manual)
		return
	}
	norm, err := normalizeResponse(got)
	if err != nil {
		t.Fatalf("normalize %s: %v", got, err)
	}
	if err := os.WriteFile(c.GoldenPath, norm, 0o644); err != nil {
		t.Fatalf("write golden: %v", err)
	}
}
