package normalize

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CheckVariables completes the input coercion of the operation's coerced
// variables where the parser's is lenient: an Int must be a 32-bit signed
// integer (GraphQL spec §3.5.1), in lists and input objects too. The error
// is a request error (BAD_USER_INPUT).
func CheckVariables(schema *ast.Schema, op *ast.OperationDefinition, vars map[string]any) *gqlerror.Error {
	for _, vd := range op.VariableDefinitions {
		v, ok := vars[vd.Variable]
		if !ok {
			continue
		}
		if msg := checkValue(schema, vd.Type, v, 0); msg != "" {
			return &gqlerror.Error{
				Message:    fmt.Sprintf("Variable \"$%s\" got invalid value %s; %s", vd.Variable, show(v), msg),
				Extensions: map[string]any{"code": "BAD_USER_INPUT"},
			}
		}
	}
	return nil
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func checkValue(schema *ast.Schema, t *ast.Type, v any, depth int) string {
	if v == nil || depth > 64 {
		return ""
	}
	if t.Elem != nil {
		if items, ok := v.([]any); ok {
			for _, it := range items {
				if msg := checkValue(schema, t.Elem, it, depth+1); msg != "" {
					return msg
				}
			}
			return ""
		}
		return checkValue(schema, t.Elem, v, depth+1)
	}
	if t.NamedType == "Int" {
		if f, ok := number(v); ok && (f != math.Trunc(f) || f > math.MaxInt32 || f < math.MinInt32) {
			return fmt.Sprintf("Int cannot represent non 32-bit signed integer value: %s", show(v))
		}
		return ""
	}
	d := schema.Types[t.NamedType]
	if d == nil || d.Kind != ast.InputObject {
		return ""
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	for _, f := range d.Fields {
		if msg := checkValue(schema, f.Type, obj[f.Name], depth+1); msg != "" {
			return msg
		}
	}
	return ""
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}
