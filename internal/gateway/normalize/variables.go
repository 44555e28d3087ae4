package normalize

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

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

// CheckLiterals reports the first Int literal outside 32 bits among the
// field arguments and variable defaults of the document — every operation
// and fragment, conditions notwithstanding, as validation covers the whole
// document (Values of Correct Type, GraphQL spec §5.6.1): a request error,
// GRAPHQL_VALIDATION_FAILED.
func CheckLiterals(schema *ast.Schema, doc *ast.QueryDocument) string {
	for _, op := range doc.Operations {
		if msg := checkOperationLiterals(schema, doc, op); msg != "" {
			return msg
		}
	}
	return ""
}

func checkOperationLiterals(schema *ast.Schema, doc *ast.QueryDocument, op *ast.OperationDefinition) string {
	seen := map[string]bool{}
	var walk func(set ast.SelectionSet) string
	walk = func(set ast.SelectionSet) string {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				if s.Definition != nil {
					for _, a := range s.Arguments {
						if ad := s.Definition.Arguments.ForName(a.Name); ad != nil {
							if msg := checkLiteral(schema, ad.Type, a.Value, 0); msg != "" {
								return msg
							}
						}
					}
				}
				if msg := walk(s.SelectionSet); msg != "" {
					return msg
				}
			case *ast.InlineFragment:
				if msg := walk(s.SelectionSet); msg != "" {
					return msg
				}
			case *ast.FragmentSpread:
				if seen[s.Name] {
					continue
				}
				seen[s.Name] = true
				if fr := doc.Fragments.ForName(s.Name); fr != nil {
					if msg := walk(fr.SelectionSet); msg != "" {
						return msg
					}
				}
			}
		}
		return ""
	}
	for _, vd := range op.VariableDefinitions {
		if msg := checkLiteral(schema, vd.Type, vd.DefaultValue, 0); msg != "" {
			return msg
		}
	}
	return walk(op.SelectionSet)
}

func checkLiteral(schema *ast.Schema, t *ast.Type, v *ast.Value, depth int) string {
	if v == nil || t == nil || depth > 64 {
		return ""
	}
	switch v.Kind {
	case ast.IntValue:
		if t.Elem == nil && t.NamedType == "Int" {
			if n, err := strconv.ParseInt(v.Raw, 10, 64); err != nil || n > math.MaxInt32 || n < math.MinInt32 {
				return fmt.Sprintf("Int cannot represent non 32-bit signed integer value: %s", v.Raw)
			}
		}
	case ast.ListValue:
		et := t
		if t.Elem != nil {
			et = t.Elem
		}
		for _, c := range v.Children {
			if msg := checkLiteral(schema, et, c.Value, depth+1); msg != "" {
				return msg
			}
		}
	case ast.ObjectValue:
		d := schema.Types[t.Name()]
		if d == nil || d.Kind != ast.InputObject {
			return ""
		}
		for _, c := range v.Children {
			if fd := d.Fields.ForName(c.Name); fd != nil {
				if msg := checkLiteral(schema, fd.Type, c.Value, depth+1); msg != "" {
					return msg
				}
			}
		}
	}
	return ""
}
