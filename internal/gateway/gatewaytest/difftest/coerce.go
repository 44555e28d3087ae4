package difftest

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"
)

// Input coercion (GraphQL spec §3.5 and §5.6 input coercion rules, §6.1.2
// CoerceVariableValues, §6.4.1 CoerceArgumentValues). Coerced values are
// plain JSON-ready Go values: nil, int64, float64, string, bool, []any and
// map[string]any (enum values as their name).

// coercionError is an input coercion failure.
type coercionError struct{ msg string }

func (e *coercionError) Error() string { return e.msg }

func coercionErrorf(format string, a ...any) error {
	return &coercionError{msg: fmt.Sprintf(format, a...)}
}

// coerceVariables is CoerceVariableValues.
func coerceVariables(schema *ast.Schema, op *ast.OperationDefinition, given map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for _, vd := range op.VariableDefinitions {
		v, provided := given[vd.Variable]
		switch {
		case !provided && vd.DefaultValue != nil:
			c, present, err := coerceLiteral(schema, vd.DefaultValue, vd.Type, nil)
			if err != nil {
				return nil, fmt.Errorf("variable $%s default: %w", vd.Variable, err)
			}
			if present {
				out[vd.Variable] = c
			}
		case vd.Type.NonNull && (!provided || v == nil):
			return nil, coercionErrorf("variable $%s of non-null type %s must not be null or missing", vd.Variable, vd.Type)
		case provided && v == nil:
			out[vd.Variable] = nil
		case provided:
			c, err := coerceInput(schema, v, vd.Type)
			if err != nil {
				return nil, fmt.Errorf("variable $%s: %w", vd.Variable, err)
			}
			out[vd.Variable] = c
		}
	}
	return out, nil
}

// coerceInput coerces an externally given (JSON) value to type t.
func coerceInput(schema *ast.Schema, v any, t *ast.Type) (any, error) {
	if v == nil {
		if t.NonNull {
			return nil, coercionErrorf("null for non-null type %s", t)
		}
		return nil, nil
	}
	if t.Elem != nil {
		if l, ok := v.([]any); ok {
			out := make([]any, len(l))
			for i, item := range l {
				c, err := coerceInput(schema, item, t.Elem)
				if err != nil {
					return nil, fmt.Errorf("[%d]: %w", i, err)
				}
				out[i] = c
			}
			return out, nil
		}
		c, err := coerceInput(schema, v, t.Elem)
		if err != nil {
			return nil, err
		}
		return []any{c}, nil
	}
	def := schema.Types[t.NamedType]
	if def == nil {
		return nil, coercionErrorf("unknown type %s", t.NamedType)
	}
	switch def.Kind {
	case ast.Scalar:
		return coerceScalarInput(def.Name, v)
	case ast.Enum:
		s, ok := v.(string)
		if !ok || def.EnumValues.ForName(s) == nil {
			return nil, coercionErrorf("%v is not a value of enum %s", v, def.Name)
		}
		return s, nil
	case ast.InputObject:
		m, ok := asMap(v)
		if !ok {
			return nil, coercionErrorf("%s needs an object", def.Name)
		}
		for k := range m {
			if def.Fields.ForName(k) == nil {
				return nil, coercionErrorf("unknown field %s of %s", k, def.Name)
			}
		}
		out := map[string]any{}
		for _, fd := range def.Fields {
			fv, ok := m[fd.Name]
			switch {
			case !ok && fd.DefaultValue != nil:
				c, present, err := coerceLiteral(schema, fd.DefaultValue, fd.Type, nil)
				if err != nil {
					return nil, err
				}
				if present {
					out[fd.Name] = c
				}
			case !ok && fd.Type.NonNull:
				return nil, coercionErrorf("field %s.%s of non-null type is missing", def.Name, fd.Name)
			case ok:
				c, err := coerceInput(schema, fv, fd.Type)
				if err != nil {
					return nil, fmt.Errorf("%s.%s: %w", def.Name, fd.Name, err)
				}
				out[fd.Name] = c
			}
		}
		return out, nil
	}
	return nil, coercionErrorf("%s is not an input type", def.Name)
}

func asMap(v any) (map[string]any, bool) {
	switch o := v.(type) {
	case map[string]any:
		return o, true
	case Object:
		m := make(map[string]any, len(o))
		for _, e := range o {
			m[e.Key] = e.Value
		}
		return m, true
	}
	return nil, false
}

func number(v any) (float64, string, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, n.String(), err == nil
	case float64:
		return n, strconv.FormatFloat(n, 'g', -1, 64), true
	case int:
		return float64(n), strconv.Itoa(n), true
	case int64:
		return float64(n), strconv.FormatInt(n, 10), true
	}
	return 0, "", false
}

func coerceScalarInput(name string, v any) (any, error) {
	switch name {
	case "Int":
		f, _, ok := number(v)
		if !ok || f != math.Trunc(f) || f > math.MaxInt32 || f < math.MinInt32 {
			return nil, coercionErrorf("Int cannot represent %v", v)
		}
		return int64(f), nil
	case "Float":
		f, _, ok := number(v)
		if !ok || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, coercionErrorf("Float cannot represent %v", v)
		}
		return f, nil
	case "String":
		s, ok := v.(string)
		if !ok {
			return nil, coercionErrorf("String cannot represent %v", v)
		}
		return s, nil
	case "Boolean":
		b, ok := v.(bool)
		if !ok {
			return nil, coercionErrorf("Boolean cannot represent %v", v)
		}
		return b, nil
	case "ID":
		if s, ok := v.(string); ok {
			return s, nil
		}
		if f, s, ok := number(v); ok && f == math.Trunc(f) {
			return s, nil
		}
		return nil, coercionErrorf("ID cannot represent %v", v)
	}
	// Custom scalars pass through.
	return plain(v), nil
}

// plain converts ordered objects to maps, recursively.
func plain(v any) any {
	switch x := v.(type) {
	case Object:
		m := make(map[string]any, len(x))
		for _, e := range x {
			m[e.Key] = plain(e.Value)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	}
	return v
}

// coerceLiteral coerces a literal of the document (which may contain
// variables) to type t. present is false when the value is a variable that
// has no value (neither given nor defaulted).
func coerceLiteral(schema *ast.Schema, v *ast.Value, t *ast.Type, vars map[string]any) (any, bool, error) {
	if v.Kind == ast.Variable {
		val, ok := vars[v.Raw]
		if !ok {
			return nil, false, nil
		}
		if val == nil && t.NonNull {
			return nil, true, coercionErrorf("variable $%s is null where %s is expected", v.Raw, t)
		}
		return val, true, nil
	}
	if v.Kind == ast.NullValue {
		if t.NonNull {
			return nil, true, coercionErrorf("null where %s is expected", t)
		}
		return nil, true, nil
	}
	if t.Elem != nil {
		if v.Kind == ast.ListValue {
			out := make([]any, 0, len(v.Children))
			for _, c := range v.Children {
				item, present, err := coerceLiteral(schema, c.Value, t.Elem, vars)
				if err != nil {
					return nil, true, err
				}
				if !present {
					// A list item variable without a value is null.
					if t.Elem.NonNull {
						return nil, true, coercionErrorf("missing list item of %s", t)
					}
					item = nil
				}
				out = append(out, item)
			}
			return out, true, nil
		}
		item, present, err := coerceLiteral(schema, v, t.Elem, vars)
		if err != nil || !present {
			return nil, present, err
		}
		return []any{item}, true, nil
	}
	def := schema.Types[t.NamedType]
	if def == nil {
		return nil, true, coercionErrorf("unknown type %s", t.NamedType)
	}
	switch def.Kind {
	case ast.Scalar:
		switch def.Name {
		case "Int":
			if v.Kind != ast.IntValue {
				return nil, true, coercionErrorf("Int cannot represent %s", v.String())
			}
			n, err := strconv.ParseInt(v.Raw, 10, 32)
			if err != nil {
				return nil, true, coercionErrorf("Int cannot represent %s", v.Raw)
			}
			return n, true, nil
		case "Float":
			if v.Kind != ast.IntValue && v.Kind != ast.FloatValue {
				return nil, true, coercionErrorf("Float cannot represent %s", v.String())
			}
			f, err := strconv.ParseFloat(v.Raw, 64)
			if err != nil || math.IsInf(f, 0) {
				return nil, true, coercionErrorf("Float cannot represent %s", v.Raw)
			}
			return f, true, nil
		case "String":
			if v.Kind != ast.StringValue && v.Kind != ast.BlockValue {
				return nil, true, coercionErrorf("String cannot represent %s", v.String())
			}
			return v.Raw, true, nil
		case "Boolean":
			if v.Kind != ast.BooleanValue {
				return nil, true, coercionErrorf("Boolean cannot represent %s", v.String())
			}
			return v.Raw == "true", true, nil
		case "ID":
			if v.Kind != ast.StringValue && v.Kind != ast.IntValue && v.Kind != ast.BlockValue {
				return nil, true, coercionErrorf("ID cannot represent %s", v.String())
			}
			return v.Raw, true, nil
		}
		x, err := v.Value(vars)
		if err != nil {
			return nil, true, coercionErrorf("%s: %v", def.Name, err)
		}
		return plain(x), true, nil
	case ast.Enum:
		if v.Kind != ast.EnumValue || def.EnumValues.ForName(v.Raw) == nil {
			return nil, true, coercionErrorf("%s is not a value of enum %s", v.String(), def.Name)
		}
		return v.Raw, true, nil
	case ast.InputObject:
		if v.Kind != ast.ObjectValue {
			return nil, true, coercionErrorf("%s needs an object", def.Name)
		}
		out := map[string]any{}
		for _, fd := range def.Fields {
			var child *ast.Value
			for _, c := range v.Children {
				if c.Name == fd.Name {
					child = c.Value
				}
			}
			present := false
			var c any
			if child != nil {
				var err error
				c, present, err = coerceLiteral(schema, child, fd.Type, vars)
				if err != nil {
					return nil, true, fmt.Errorf("%s.%s: %w", def.Name, fd.Name, err)
				}
			}
			switch {
			case present:
				out[fd.Name] = c
			case fd.DefaultValue != nil:
				d, dp, err := coerceLiteral(schema, fd.DefaultValue, fd.Type, nil)
				if err != nil {
					return nil, true, err
				}
				if dp {
					out[fd.Name] = d
				}
			case fd.Type.NonNull:
				return nil, true, coercionErrorf("field %s.%s of non-null type is missing", def.Name, fd.Name)
			}
		}
		return out, true, nil
	}
	return nil, true, coercionErrorf("%s is not an input type", def.Name)
}

// coerceArguments is CoerceArgumentValues for a field or directive.
func coerceArguments(schema *ast.Schema, defs ast.ArgumentDefinitionList, args ast.ArgumentList, vars map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for _, ad := range defs {
		a := args.ForName(ad.Name)
		var value any
		hasValue := a != nil
		if a != nil && a.Value.Kind == ast.Variable {
			value, hasValue = vars[a.Value.Raw]
		}
		switch {
		case !hasValue && ad.DefaultValue != nil:
			c, present, err := coerceLiteral(schema, ad.DefaultValue, ad.Type, nil)
			if err != nil {
				return nil, err
			}
			if present {
				out[ad.Name] = c
			}
		case ad.Type.NonNull && (!hasValue || (a.Value.Kind == ast.Variable && value == nil) || a.Value.Kind == ast.NullValue):
			return nil, coercionErrorf("argument %s of non-null type %s must not be null", ad.Name, ad.Type)
		case hasValue && a.Value.Kind == ast.Variable:
			out[ad.Name] = value
		case hasValue:
			c, present, err := coerceLiteral(schema, a.Value, ad.Type, vars)
			if err != nil {
				return nil, err
			}
			if present {
				out[ad.Name] = c
			}
		}
	}
	return out, nil
}
