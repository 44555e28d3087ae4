package difftest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest"
)

// TestGenerator: the same seed gives the same operations, and operations
// generated valid are valid (the reference gives them no request error,
// except for Ints outside 32 bits, which are generated on purpose).
func TestGenerator(t *testing.T) {
	h := NewHarness(t, gatewaytest.Config{})
	schema := h.Ref.sg.API
	a, b := NewGenerator(schema, AllFeatures(), 9), NewGenerator(schema, AllFeatures(), 9)
	invalid, accidental := 0, 0
	for i := 0; i < 600; i++ {
		opA, opB := a.Next(), b.Next()
		if !reflect.DeepEqual(opA, opB) {
			t.Fatalf("operation %d differs between two generators of one seed:\n%s\n%s", i, opA.Query, opB.Query)
		}
		if opA.Invalid != "" {
			invalid++
			continue
		}
		r := h.Ref.ExecuteOperation(context.Background(), opA.Query, opA.OperationName, opA.Variables)
		if !r.HasData && !strings.Contains(r.Errors[0].Message, "Int cannot represent") {
			accidental++
			t.Errorf("operation %d generated valid is a request error: %s\n%s", i, r.Errors[0].Message, opA.Query)
		}
	}
	if invalid < 30 || invalid > 120 {
		t.Errorf("%d invalid operations out of 600, want about 10 %%", invalid)
	}
}

// TestStringLiterals: every form the generator writes a string literal in
// (quoted, block string, \u escapes with surrogate pairs) parses back to the
// same value.
func TestStringLiterals(t *testing.T) {
	st := &opState{g: &Generator{f: Features{LiteralForms: true}, rnd: rand.New(rand.NewPCG(1, 2))}}
	forms := map[string]bool{}
	for range 40 {
		for _, v := range specialStrings {
			want := v.(string)
			lit := st.stringLiteral(want)
			forms[lit[:1]+lit[len(lit)-1:]+fmt.Sprint(strings.HasPrefix(lit, `"""`), strings.Contains(lit, `\u`))] = true
			doc, err := parser.ParseQuery(&ast.Source{Input: "{ f(a: " + lit + ") }"})
			if err != nil {
				t.Fatalf("%q as %s: %v", want, lit, err)
			}
			got := doc.Operations[0].SelectionSet[0].(*ast.Field).Arguments[0].Value.Raw
			if got != want {
				t.Errorf("%s parses as %q, want %q", lit, got, want)
			}
		}
	}
	if len(forms) < 3 {
		t.Errorf("only %d literal forms generated: %v", len(forms), forms)
	}
}
