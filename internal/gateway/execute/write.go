package execute

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/citizengraph/citizengraph/internal/gateway/plan"
)

// writer writes the client response from the merged tree and the shape.
type writer struct {
	st   *state
	buf  []byte
	path []pathSeg
}

// pathSeg is one step of the response path being written: a field key,
// or a list index when key is empty and idx is non-negative. Keeping
// steps unboxed avoids an allocation per written field; ast.Path is built
// only when an error needs it.
type pathSeg struct {
	key string
	idx int
}

// astPath returns the current response path as an ast.Path.
func (w *writer) astPath() ast.Path {
	p := make(ast.Path, len(w.path))
	for i, s := range w.path {
		if s.idx >= 0 {
			p[i] = ast.PathIndex(s.idx)
		} else {
			p[i] = ast.PathName(s.key)
		}
	}
	return p
}

// root writes the data entry.
func (w *writer) root() []byte {
	if !w.object(w.st.data, w.st.plan.Shape, w.st.plan.RootType) {
		return []byte("null")
	}
	return w.buf
}

func (w *writer) fieldsFor(v *Value, s *plan.Shape) ([]*plan.ShapeField, string, bool) {
	if !s.Abstract {
		return s.Fields, s.TypeName, true
	}
	tn := v.Get("__typename").Str()
	fs, ok := s.ByType[tn]
	return fs, tn, ok
}

// object writes v with shape s; false means null must propagate.
func (w *writer) object(v *Value, s *plan.Shape, _ string) bool {
	fields, typeName, ok := w.fieldsFor(v, s)
	if !ok {
		w.addError(fmt.Sprintf("Abstract type %s resolved to unknown type %q.", s.TypeName, v.Get("__typename").Str()))
		return false
	}
	w.buf = append(w.buf, '{')
	first := true
	for _, f := range fields {
		if !f.Include(w.st.vars) {
			continue
		}
		if !first {
			w.buf = append(w.buf, ',')
		}
		first = false
		w.buf = append(w.buf, f.KeyJSON...)
		w.path = append(w.path, pathSeg{key: f.Key, idx: -1})
		ok := true
		switch {
		case f.Typename:
			w.buf = strconv.AppendQuote(w.buf, typeName)
		case f.Intro:
			ok = w.intro(f)
		case f.ErrField:
			w.addError(f.Err)
			if f.ErrCode != "" {
				w.st.errs[len(w.st.errs)-1].Extensions = map[string]any{"code": f.ErrCode}
			}
			ok = w.value(nil, f.Type, f)
		default:
			fv := v.Get(f.Src)
			if fv == nil && w.st.unresolved != nil && slices.Contains(w.st.unresolved[v], f.Src) {
				w.addError(fmt.Sprintf("Cannot resolve %s.%s: the object's key is missing, null or invalid.", typeName, f.Name))
			}
			ok = w.value(fv, f.Type, f)
		}
		w.path = w.path[:len(w.path)-1]
		if !ok {
			return false
		}
	}
	w.buf = append(w.buf, '}')
	return true
}

// value writes one field value of type t.
func (w *writer) value(v *Value, t *ast.Type, f *plan.ShapeField) bool {
	if v == nil || v.Kind == Null {
		if t.NonNull {
			w.nonNull(f, v == nil)
			return false
		}
		w.buf = append(w.buf, "null"...)
		return true
	}
	start := len(w.buf)
	if t.Elem != nil {
		if v.Kind != Array {
			w.addError(fmt.Sprintf("Expected a list for %s.%s.", f.ParentType, f.Name))
			return w.nullable(start, t)
		}
		w.buf = append(w.buf, '[')
		for i, it := range v.Items {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.path = append(w.path, pathSeg{idx: i})
			ok := w.value(it, t.Elem, f)
			w.path = w.path[:len(w.path)-1]
			if !ok {
				return w.nullable(start, t)
			}
		}
		w.buf = append(w.buf, ']')
		return true
	}
	if f.Sub == nil {
		var msg string
		if w.buf, msg = appendLeaf(w.buf, v, f.Leaf, f.EnumValues); msg != "" {
			w.addError(msg)
			return w.nullable(start, t)
		}
		return true
	}
	if v.Kind != Object {
		w.addError(fmt.Sprintf("Expected an object for %s.%s.", f.ParentType, f.Name))
		return w.nullable(start, t)
	}
	if f.Err != "" && (f.ErrTypes == nil || slices.Contains(f.ErrTypes, v.Get("__typename").Str())) {
		w.addError(f.Err)
		return w.nullable(start, t)
	}
	if !w.object(v, f.Sub, "") {
		return w.nullable(start, t)
	}
	return true
}

// nullable truncates a failed value back to start and writes null when
// the type allows it.
func (w *writer) nullable(start int, t *ast.Type) bool {
	w.buf = w.buf[:start]
	if t.NonNull {
		return false
	}
	w.buf = append(w.buf, "null"...)
	return true
}

// nonNull reports a null in a non-null position unless an error already
// explains it.
func (w *writer) nonNull(f *plan.ShapeField, missing bool) {
	for _, e := range w.st.errs {
		if isPrefix(e.Path, w.path) {
			if keys, ok := w.st.failedKeys[e]; ok && len(e.Path)+1 == len(w.path) && !slices.Contains(keys, w.path[len(w.path)-1].key) {
				continue
			}
			return
		}
		// An error below this position explains its null too: the
		// subgraph nulled the position for it (a bad argument value at
		// ["events","filter","from"], a failed non-null descendant).
		if len(e.Path) > len(w.path) && isPrefix(e.Path[:len(w.path)], w.path) {
			return
		}
		// An error on a sibling field explains a null here too: a
		// subgraph that fails one non-null field of an entity nulls the
		// whole entity, and with it the fields fetched alongside.
		if n := len(w.path); missing && n > 1 && len(e.Path) == n && isPrefix(e.Path[:n-1], w.path[:n-1]) {
			return
		}
	}
	w.addError(fmt.Sprintf("Cannot return null for non-nullable field %s.%s.", f.ParentType, f.Name))
}

func (w *writer) addError(msg string) {
	w.st.errs = append(w.st.errs, &gqlerror.Error{Message: msg, Path: w.astPath()})
}

// isPrefix reports whether p is a non-empty prefix of (or equal to) q.
func isPrefix(p ast.Path, q []pathSeg) bool {
	if len(p) == 0 || len(p) > len(q) {
		return false
	}
	for i, e := range p {
		switch e := e.(type) {
		case ast.PathName:
			if q[i].idx >= 0 || q[i].key != string(e) {
				return false
			}
		case ast.PathIndex:
			if q[i].idx != int(e) {
				return false
			}
		default:
			return false
		}
	}
	return true
}
