package execute

import (
	"strconv"

	"github.com/99designs/gqlgen/graphql/introspection"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/citizengraph/citizengraph/internal/gateway/plan"
)

// intro answers __schema and __type from the API schema.
func (w *writer) intro(f *plan.ShapeField) bool {
	if w.st.schema == nil {
		w.addError("introspection is not available")
		return w.nullable(len(w.buf), f.Type)
	}
	switch f.Name {
	case "__schema":
		return w.introValue(introspection.WrapSchema(w.st.schema), f.Type, f.Sub)
	default:
		name, _ := argValue(f.Field, "name", w.st.vars).(string)
		def := w.st.schema.Types[name]
		if def == nil {
			w.buf = append(w.buf, "null"...)
			return true
		}
		return w.introValue(introspection.WrapTypeFromDef(w.st.schema, def), f.Type, f.Sub)
	}
}

func argValue(f *ast.Field, name string, vars map[string]any) any {
	if f == nil {
		return nil
	}
	a := f.Arguments.ForName(name)
	if a == nil || a.Value == nil {
		return nil
	}
	v, err := a.Value.Value(vars)
	if err != nil {
		return nil
	}
	return v
}

func (w *writer) introValue(obj any, t *ast.Type, s *plan.Shape) bool {
	w.buf = append(w.buf, '{')
	first := true
	for _, f := range s.Fields {
		if !f.Include(w.st.vars) {
			continue
		}
		if !first {
			w.buf = append(w.buf, ',')
		}
		first = false
		w.buf = append(w.buf, f.KeyJSON...)
		if f.Typename {
			w.buf = strconv.AppendQuote(w.buf, s.TypeName)
			continue
		}
		w.introField(obj, f)
	}
	w.buf = append(w.buf, '}')
	return true
}

func (w *writer) str(s string) { w.buf = strconv.AppendQuote(w.buf, s) }

func (w *writer) strPtr(s *string) {
	if s == nil {
		w.buf = append(w.buf, "null"...)
		return
	}
	w.str(*s)
}

func (w *writer) boolean(b bool) { w.buf = strconv.AppendBool(w.buf, b) }

func introList[T any](w *writer, items []T, sub *plan.Shape, wrap func(T) any) {
	w.buf = append(w.buf, '[')
	for i, it := range items {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.introValue(wrap(it), nil, sub)
	}
	w.buf = append(w.buf, ']')
}

func (w *writer) introType(t *introspection.Type, sub *plan.Shape) {
	if t == nil {
		w.buf = append(w.buf, "null"...)
		return
	}
	w.introValue(t, nil, sub)
}

func includeDeprecated(f *plan.ShapeField, vars map[string]any) bool {
	v, _ := argValue(f.Field, "includeDeprecated", vars).(bool)
	return v
}

func (w *writer) introField(obj any, f *plan.ShapeField) {
	switch o := obj.(type) {
	case *introspection.Schema:
		switch f.Name {
		case "description":
			w.strPtr(o.Description())
		case "types":
			introList(w, o.Types(), f.Sub, func(t introspection.Type) any { return &t })
		case "queryType":
			w.introType(o.QueryType(), f.Sub)
		case "mutationType":
			w.introType(o.MutationType(), f.Sub)
		case "subscriptionType":
			w.introType(o.SubscriptionType(), f.Sub)
		case "directives":
			introList(w, o.Directives(), f.Sub, func(d introspection.Directive) any { return &d })
		default:
			w.buf = append(w.buf, "null"...)
		}
	case *introspection.Type:
		switch f.Name {
		case "kind":
			w.str(o.Kind())
		case "name":
			w.strPtr(o.Name())
		case "description":
			w.strPtr(o.Description())
		case "specifiedByURL":
			w.strPtr(o.SpecifiedByURL())
		case "isOneOf":
			w.boolean(o.IsOneOf())
		case "fields":
			fs := o.Fields(includeDeprecated(f, w.st.vars))
			if fs == nil {
				w.buf = append(w.buf, "null"...)
				return
			}
			introList(w, fs, f.Sub, func(x introspection.Field) any { return &x })
		case "interfaces":
			is := o.Interfaces()
			if is == nil {
				w.buf = append(w.buf, "null"...)
				return
			}
			introList(w, is, f.Sub, func(x introspection.Type) any { return &x })
		case "possibleTypes":
			ps := o.PossibleTypes()
			if ps == nil {
				w.buf = append(w.buf, "null"...)
				return
			}
			introList(w, ps, f.Sub, func(x introspection.Type) any { return &x })
		case "enumValues":
			es := o.EnumValues(includeDeprecated(f, w.st.vars))
			if es == nil {
				w.buf = append(w.buf, "null"...)
				return
			}
			introList(w, es, f.Sub, func(x introspection.EnumValue) any { return &x })
		case "inputFields":
			is := o.InputFields()
			if is == nil {
				w.buf = append(w.buf, "null"...)
				return
			}
			introList(w, is, f.Sub, func(x introspection.InputValue) any { return &x })
		case "ofType":
			w.introType(o.OfType(), f.Sub)
		default:
			w.buf = append(w.buf, "null"...)
		}
	case *introspection.Field:
		switch f.Name {
		case "name":
			w.str(o.Name)
		case "description":
			w.strPtr(o.Description())
		case "args":
			introList(w, o.Args, f.Sub, func(x introspection.InputValue) any { return &x })
		case "type":
			w.introType(o.Type, f.Sub)
		case "isDeprecated":
			w.boolean(o.IsDeprecated())
		case "deprecationReason":
			w.strPtr(o.DeprecationReason())
		default:
			w.buf = append(w.buf, "null"...)
		}
	case *introspection.InputValue:
		switch f.Name {
		case "name":
			w.str(o.Name)
		case "description":
			w.strPtr(o.Description())
		case "type":
			w.introType(o.Type, f.Sub)
		case "defaultValue":
			w.strPtr(o.DefaultValue)
		case "isDeprecated":
			w.boolean(o.IsDeprecated())
		case "deprecationReason":
			w.strPtr(o.DeprecationReason())
		default:
			w.buf = append(w.buf, "null"...)
		}
	case *introspection.EnumValue:
		switch f.Name {
		case "name":
			w.str(o.Name)
		case "description":
			w.strPtr(o.Description())
		case "isDeprecated":
			w.boolean(o.IsDeprecated())
		case "deprecationReason":
			w.strPtr(o.DeprecationReason())
		default:
			w.buf = append(w.buf, "null"...)
		}
	case *introspection.Directive:
		switch f.Name {
		case "name":
			w.str(o.Name)
		case "description":
			w.strPtr(o.Description())
		case "locations":
			w.buf = append(w.buf, '[')
			for i, l := range o.Locations {
				if i > 0 {
					w.buf = append(w.buf, ',')
				}
				w.str(l)
			}
			w.buf = append(w.buf, ']')
		case "args":
			introList(w, o.Args, f.Sub, func(x introspection.InputValue) any { return &x })
		case "isRepeatable":
			w.boolean(o.IsRepeatable)
		default:
			w.buf = append(w.buf, "null"...)
		}
	default:
		w.buf = append(w.buf, "null"...)
	}
}
