package difftest

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest"
)

// regression is one minimized disagreement of testdata/regressions.
type regression struct {
	name  string
	query string
	vars  map[string]any
	// open is the finding the gateway still gets wrong ("" once fixed).
	open string
	// operationName is sent with the request (a "# operationName:" line).
	operationName string
}

func loadRegressions(t *testing.T) []regression {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "regressions", "*.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	var out []regression
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		base := strings.TrimSuffix(f, ".graphql")
		r := regression{name: filepath.Base(base), query: string(b)}
		if vb, err := os.ReadFile(base + ".vars.json"); err == nil {
			dec := json.NewDecoder(strings.NewReader(string(vb)))
			dec.UseNumber()
			if err := dec.Decode(&r.vars); err != nil {
				t.Fatalf("%s.vars.json: %v", base, err)
			}
		} else if !os.IsNotExist(err) {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(strings.NewReader(r.query))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if !strings.HasPrefix(line, "#") {
				break
			}
			text := strings.TrimSpace(strings.TrimPrefix(line, "#"))
			if rest, ok := strings.CutPrefix(text, "open:"); ok {
				r.open = strings.TrimSpace(rest)
			}
			if rest, ok := strings.CutPrefix(text, "operationName:"); ok {
				r.operationName = strings.TrimSpace(rest)
			}
		}
		out = append(out, r)
	}
	return out
}

// TestRegressions runs every saved disagreement through the gateway and the
// reference with the strict comparison (no CI tolerance), with the
// operationName of a "# operationName:" header line. A case marked
// "# open: <finding>" is a disagreement the gateway still has: it must still
// disagree (when it stops, delete the line, so that it keeps agreeing).
func TestRegressions(t *testing.T) {
	h := NewHarness(t, gatewaytest.Config{})
	cases := loadRegressions(t)
	if len(cases) == 0 {
		t.Fatal("no regression cases")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := h.RunOp(context.Background(), Op{Query: c.query, Variables: c.vars, OperationName: c.operationName}, CompareOptions{})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case c.open != "" && o.Diff == "":
				t.Fatalf("the gateway now agrees with the reference on open finding %q: delete the # open line of %s.graphql", c.open, c.name)
			case c.open != "":
				t.Logf("open finding %s:\n%s", c.open, o.Diff)
			case o.Diff != "":
				rb, _ := json.Marshal(o.Reference)
				t.Errorf("%s\nquery:\n%s\nreference: %s\ngateway:   %s", o.Diff, c.query, rb, o.GatewayBody)
			}
		})
	}
}
