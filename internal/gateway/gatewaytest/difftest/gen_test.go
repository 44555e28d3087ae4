package difftest

import (
	"context"
	"reflect"
	"strings"
	"testing"

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
