package guard_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/citizengraph/citizengraph/internal/guard"
)

// TestScanNeverRefusesWhatTheLimitsAdmit: the token scan that runs before
// parsing counts fields as a lower bound of the measured ones, so with the
// field limit set to a document's exact measure the scan never refuses it,
// and one less refuses it (at the scan or at the measure); checked on the
// random documents of the field-merging test, aliases, directives,
// fragments and type conditions included.
func TestScanNeverRefusesWhatTheLimitsAdmit(t *testing.T) {
	_, schemas := loadSpec(t)
	schema := schemas["0"]
	rng := rand.New(rand.NewPCG(3, 5))
	for i := range 2000 {
		q := randomDoc(rng, schema)
		if i%3 == 0 {
			q = fmt.Sprintf("query Q($v: Boolean = true) @onQuery { dog @include(if: $v) { n: name(surname: true) ... on Dog @skip(if: false) { on: barks } } }\n%s", q)
		}
		doc, err := parser.ParseQuery(&ast.Source{Input: q})
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, op := range doc.Operations {
			total += guard.Measure(schema, doc, op).Fields
		}
		exact := guard.NewExtension(schema, guard.Limits{MaxFields: total, MaxDepth: -1, MaxAliases: -1, MaxCost: -1, MaxFragments: -1, MaxFragmentDepth: -1}, nil)
		if err := exact.Check(q); err != nil {
			t.Fatalf("document %d with the field limit at its %d fields: %v\n%s", i, total, err, q)
		}
		under := guard.NewExtension(schema, guard.Limits{MaxFields: total - 1, MaxDepth: -1, MaxAliases: -1, MaxCost: -1, MaxFragments: -1, MaxFragmentDepth: -1}, nil)
		if total > 1 {
			if err := under.Check(q); err == nil || err.Extensions["code"] != guard.CodeMaxFields {
				t.Fatalf("document %d over the field limit: %v", i, err)
			}
		}
	}
}
