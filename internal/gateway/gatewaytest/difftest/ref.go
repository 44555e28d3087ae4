package difftest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
)

// Fetcher sends one GraphQL request to a subgraph and returns the body of
// its answer, or an error when there is no GraphQL answer (transport
// failure, HTTP status other than 200, a body that is not JSON).
type Fetcher interface {
	Fetch(ctx context.Context, subgraph string, query string, vars map[string]any) ([]byte, error)
}

// HandlerFetcher calls the subgraphs' HTTP handlers in process.
type HandlerFetcher map[string]http.Handler

// Fetch implements Fetcher.
func (h HandlerFetcher) Fetch(ctx context.Context, subgraph, query string, vars map[string]any) ([]byte, error) {
	hd := h[subgraph]
	if hd == nil {
		return nil, &fetchError{code: "SUBREQUEST_HTTP_ERROR", msg: "no subgraph " + subgraph}
	}
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, fmt.Errorf("encode subgraph request: %w", err)
	}
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	hd.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return nil, &fetchError{code: "SUBREQUEST_HTTP_ERROR", msg: fmt.Sprintf("HTTP %d from subgraph %s", rec.Code, subgraph)}
	}
	return rec.Body.Bytes(), nil
}

// fetchError is a subgraph request that got no GraphQL answer.
type fetchError struct{ code, msg string }

func (e *fetchError) Error() string { return e.msg }

// Reference is the reference executor: GraphQL spec §6 Execution over the
// supergraph's API schema, with every field resolved by a request to a
// subgraph that owns it (no query planning).
type Reference struct {
	sg    *supergraph.Supergraph
	fetch Fetcher
	// EnabledLabels are the progressive-override labels taken as enabled,
	// as in gateway.Options (percent(100) is always on, percent(0) off).
	EnabledLabels map[string]bool
}

// NewReference returns a reference executor over sg reaching the
// subgraphs through f.
func NewReference(sg *supergraph.Supergraph, f Fetcher) *Reference {
	return &Reference{sg: sg, fetch: f}
}

// exec is the state of one operation's execution.
type exec struct {
	r      *Reference
	ctx    context.Context
	schema *ast.Schema
	doc    *ast.QueryDocument
	vars   map[string]any
	errs   []Error
	memo   map[string][]byte // subgraph answers of a query operation
	// up is the field whose value is being completed: objects of value
	// types created then remember it (fetchViaParent).
	up *link
}

// link is the field an object was reached through.
type link struct {
	obj  *object
	typ  *ast.Definition
	fd   *ast.FieldDefinition
	args map[string]any
}

// object is an object value during execution: the data known about it
// (fields fetched with it: keys, provided fields, value-type fields, and
// fields fetched later as keys or requirements).
type object struct {
	typename string
	known    map[string]any
	// up is the field this object is the value of, for value types.
	up   *link
	busy map[string]bool // fields being fetched (cycle guard)
}

// errNull signals that a non-null position became null: its parent must be
// null too (the error is already recorded).
var errNull = errors.New("null propagated")

// Execute runs the document's only operation with the given variables.
func (r *Reference) Execute(ctx context.Context, query string, vars map[string]any) Response {
	return r.ExecuteOperation(ctx, query, "", vars)
}

// ExecuteOperation runs the operation named operationName ("" when the
// document must hold exactly one: GetOperation, §6.1).
func (r *Reference) ExecuteOperation(ctx context.Context, query, operationName string, vars map[string]any) Response {
	doc, gerrs := gqlparser.LoadQuery(r.sg.API, query)
	if len(gerrs) > 0 {
		out := Response{}
		for _, e := range gerrs {
			out.Errors = append(out.Errors, Error{Message: e.Message, Code: "GRAPHQL_VALIDATION_FAILED"})
		}
		return out
	}
	if err := checkLiterals(doc); err != nil {
		return Response{Errors: []Error{{Message: err.Error(), Code: "GRAPHQL_VALIDATION_FAILED"}}}
	}
	var op *ast.OperationDefinition
	switch {
	case operationName != "":
		op = doc.Operations.ForName(operationName)
		if op == nil {
			return Response{Errors: []Error{{Message: "no operation named " + operationName}}}
		}
	case len(doc.Operations) == 1:
		op = doc.Operations[0]
	default:
		return Response{Errors: []Error{{Message: "several operations and no operation name"}}}
	}
	cv, err := coerceVariables(r.sg.API, op, vars)
	if err != nil {
		return Response{Errors: []Error{{Message: err.Error(), Code: "BAD_USER_INPUT"}}}
	}
	e := &exec{r: r, ctx: ctx, schema: r.sg.API, doc: doc, vars: cv}
	var root *ast.Definition
	switch op.Operation {
	case ast.Query:
		root = r.sg.API.Query
		e.memo = map[string][]byte{}
	case ast.Mutation:
		root = r.sg.API.Mutation
	default:
		return Response{Errors: []Error{{Message: "the reference does not run subscriptions"}}}
	}
	groups, err := e.collectFields(root, op.SelectionSet, map[string]bool{}, nil)
	if err != nil {
		// graphql-js: an error collecting the root fields ends the
		// operation with data null.
		return Response{HasData: true, Errors: []Error{{Message: err.Error()}}}
	}
	data, err := e.executeSelectionSet(groups, root, &object{typename: root.Name, known: map[string]any{}}, nil)
	if err != nil {
		return Response{HasData: true, Errors: e.errs}
	}
	return Response{HasData: true, Data: data, Errors: e.errs}
}

type fieldGroup struct {
	key    string
	fields []*ast.Field
}

// collectFields is CollectFields (§6.3.2), appending to groups.
func (e *exec) collectFields(t *ast.Definition, sel ast.SelectionSet, visited map[string]bool, groups []fieldGroup) ([]fieldGroup, error) {
	for _, s := range sel {
		var dirs ast.DirectiveList
		switch s := s.(type) {
		case *ast.Field:
			dirs = s.Directives
		case *ast.InlineFragment:
			dirs = s.Directives
		case *ast.FragmentSpread:
			if visited[s.Name] {
				// graphql-js looks at visited fragments before their
				// directives (which matters only for a null condition).
				continue
			}
			dirs = s.Directives
		}
		include, err := e.included(dirs)
		if err != nil {
			return nil, err
		}
		if !include {
			continue
		}
		switch s := s.(type) {
		case *ast.Field:
			key := s.Alias
			if key == "" {
				key = s.Name
			}
			i := slices.IndexFunc(groups, func(g fieldGroup) bool { return g.key == key })
			if i < 0 {
				groups = append(groups, fieldGroup{key: key, fields: []*ast.Field{s}})
			} else {
				groups[i].fields = append(groups[i].fields, s)
			}
		case *ast.FragmentSpread:
			if visited[s.Name] {
				continue
			}
			visited[s.Name] = true
			frag := e.doc.Fragments.ForName(s.Name)
			if frag == nil || !e.applies(t, frag.TypeCondition) {
				continue
			}
			if groups, err = e.collectFields(t, frag.SelectionSet, visited, groups); err != nil {
				return nil, err
			}
		case *ast.InlineFragment:
			if s.TypeCondition != "" && !e.applies(t, s.TypeCondition) {
				continue
			}
			if groups, err = e.collectFields(t, s.SelectionSet, visited, groups); err != nil {
				return nil, err
			}
		}
	}
	return groups, nil
}

// included evaluates @skip then @include, as graphql-js does (a @skip that
// excludes means @include is never evaluated).
func (e *exec) included(dirs ast.DirectiveList) (bool, error) {
	for _, name := range []string{"skip", "include"} {
		d := dirs.ForName(name)
		if d == nil {
			continue
		}
		def := e.schema.Directives[name]
		args, err := coerceArguments(e.schema, def.Arguments, d.Arguments, e.vars)
		if err != nil {
			return false, fmt.Errorf("@%s: %w", name, err)
		}
		if v, _ := args["if"].(bool); v == (name == "skip") {
			return false, nil
		}
	}
	return true, nil
}

// applies is DoesFragmentTypeApply.
func (e *exec) applies(obj *ast.Definition, cond string) bool {
	if cond == obj.Name {
		return true
	}
	ct := e.schema.Types[cond]
	if ct == nil || (ct.Kind != ast.Interface && ct.Kind != ast.Union) {
		return false
	}
	for _, p := range e.schema.GetPossibleTypes(ct) {
		if p.Name == obj.Name {
			return true
		}
	}
	return false
}

// executeSelectionSet is ExecuteSelectionSet (serially, which is also
// correct for queries). A non-null field that fails makes the object null,
// but its siblings still run, as they would in parallel.
func (e *exec) executeSelectionSet(groups []fieldGroup, t *ast.Definition, obj *object, path []any) (Object, error) {
	out := make(Object, 0, len(groups))
	var failed error
	for _, g := range groups {
		p := append(slices.Clone(path), g.key)
		v, err := e.executeField(t, obj, g.fields, p)
		if err != nil {
			// Every field still runs (their errors are reported, as when
			// resolvers run in parallel); the object is null.
			failed = err
			continue
		}
		out = append(out, Entry{Key: g.key, Value: v})
	}
	if failed != nil {
		return nil, failed
	}
	return out, nil
}

func (e *exec) fieldError(path []any, code string, format string, a ...any) {
	e.errs = append(e.errs, Error{Message: fmt.Sprintf(format, a...), Path: slices.Clone(path), Code: code})
}

// nullFor handles a field error at a position of type t: null, or errNull
// when t is non-null.
func nullFor(t *ast.Type) (any, error) {
	if t.NonNull {
		return nil, errNull
	}
	return nil, nil
}

// executeField is ExecuteField (§6.4).
func (e *exec) executeField(t *ast.Definition, obj *object, fields []*ast.Field, path []any) (any, error) {
	f := fields[0]
	if f.Name == "__typename" {
		return t.Name, nil
	}
	fd := t.Fields.ForName(f.Name)
	if fd == nil {
		e.fieldError(path, "", "no field %s on %s", f.Name, t.Name)
		return nil, nil
	}
	args, err := coerceArguments(e.schema, fd.Arguments, f.Arguments, e.vars)
	if err != nil {
		e.fieldError(path, "", "%v", err)
		return nullFor(fd.Type)
	}
	v, err := e.resolve(t, obj, fd, args)
	if err != nil {
		code := ""
		var fe *fetchError
		if errors.As(err, &fe) {
			code = fe.code
		}
		e.fieldError(path, code, "%v", err)
		return nullFor(fd.Type)
	}
	prev := e.up
	e.up = &link{obj: obj, typ: t, fd: fd, args: args}
	if fd.Type.Elem != nil {
		e.up = nil // a list: fetchViaParent does not index into lists
	}
	defer func() { e.up = prev }()
	return e.completeValue(fd.Type, fields, v, path)
}

// completeValue is CompleteValue (§6.4.3) with result coercion. errNull
// means the position is null with its error already recorded: a nullable
// position absorbs it, a non-null one passes it to its parent.
func (e *exec) completeValue(t *ast.Type, fields []*ast.Field, v any, path []any) (any, error) {
	if t.NonNull {
		inner := *t
		inner.NonNull = false
		c, err := e.completeInner(&inner, fields, v, path)
		if err != nil {
			return nil, err
		}
		if c == nil {
			e.fieldError(path, "", "cannot return null for non-nullable field")
			return nil, errNull
		}
		return c, nil
	}
	c, err := e.completeInner(t, fields, v, path)
	if err != nil {
		return nil, nil
	}
	return c, nil
}

func (e *exec) completeInner(t *ast.Type, fields []*ast.Field, v any, path []any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if t.Elem != nil {
		l, ok := v.([]any)
		if !ok {
			e.fieldError(path, "", "expected a list")
			return nil, errNull
		}
		out := make([]any, len(l))
		for i, item := range l {
			c, err := e.completeValue(t.Elem, fields, item, append(slices.Clone(path), i))
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	def := e.schema.Types[t.NamedType]
	switch def.Kind {
	case ast.Scalar, ast.Enum:
		c, err := coerceResult(def, v)
		if err != nil {
			e.fieldError(path, "", "%v", err)
			return nil, errNull
		}
		return c, nil
	}
	m, ok := asMap(v)
	if !ok {
		e.fieldError(path, "", "expected an object for %s", def.Name)
		return nil, errNull
	}
	obj := &object{known: m}
	if def.Kind == ast.Object && !e.isEntity(def.Name) {
		obj.up = e.up
	}
	rt := def
	if tn, ok := m["__typename"].(string); ok {
		obj.typename = tn
	}
	if def.Kind != ast.Object {
		var err error
		if rt, err = e.resolveAbstractType(def, obj); err != nil {
			e.fieldError(path, "", "%v", err)
			return nil, errNull
		}
	}
	obj.typename = rt.Name
	var groups []fieldGroup
	visited := map[string]bool{}
	for _, f := range fields {
		var err error
		if groups, err = e.collectFields(rt, f.SelectionSet, visited, groups); err != nil {
			e.fieldError(path, "", "%v", err)
			return nil, errNull
		}
	}
	return e.executeSelectionSet(groups, rt, obj, path)
}

// coerceResult is result coercion of a leaf value (§3.5, §3.9).
func coerceResult(def *ast.Definition, v any) (any, error) {
	if def.Kind == ast.Enum {
		s, ok := v.(string)
		if !ok || def.EnumValues.ForName(s) == nil {
			return nil, fmt.Errorf("enum %s cannot represent %v", def.Name, v)
		}
		return s, nil
	}
	switch def.Name {
	case "Int":
		f, s, ok := number(v)
		if !ok || f != math.Trunc(f) || f > math.MaxInt32 || f < math.MinInt32 {
			return nil, fmt.Errorf("Int cannot represent %v", v)
		}
		return json.Number(s), nil
	case "Float":
		_, s, ok := number(v)
		if !ok {
			return nil, fmt.Errorf("Float cannot represent %v", v)
		}
		return json.Number(s), nil
	case "String":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("String cannot represent %v", v)
		}
		return s, nil
	case "Boolean":
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("Boolean cannot represent %v", v)
		}
		return b, nil
	case "ID":
		if s, ok := v.(string); ok {
			return s, nil
		}
		if f, s, ok := number(v); ok && f == math.Trunc(f) {
			return s, nil
		}
		return nil, fmt.Errorf("ID cannot represent %v", v)
	}
	return v, nil
}

// resolveAbstractType is ResolveAbstractType: the object's __typename, made
// concrete through an entity-interface subgraph when it names an
// @interfaceObject.
func (e *exec) resolveAbstractType(abstract *ast.Definition, obj *object) (*ast.Definition, error) {
	if obj.typename == "" {
		return nil, fmt.Errorf("no __typename for a %s", abstract.Name)
	}
	rt := e.schema.Types[obj.typename]
	if rt != nil && (rt.Kind == ast.Interface) {
		meta := e.r.sg.Types[rt.Name]
		var concrete string
		var lastErr error
		for _, g := range meta.Graphs {
			if meta.InterfaceObject[g] {
				continue
			}
			rep, ok := e.representation(rt, obj, g, rt.Name, nil)
			if !ok {
				continue
			}
			res, err := e.entityFetch(g, rt.Name, rep, "__typename")
			if err != nil {
				lastErr = err
				continue
			}
			if s, ok := res.(string); ok {
				concrete = s
				break
			}
		}
		if concrete == "" {
			if lastErr != nil {
				return nil, lastErr
			}
			return nil, fmt.Errorf("cannot resolve the concrete type of %s", rt.Name)
		}
		rt = e.schema.Types[concrete]
	}
	if rt == nil || rt.Kind != ast.Object || !e.applies(rt, abstract.Name) {
		return nil, fmt.Errorf("%q is not a possible type of %s", obj.typename, abstract.Name)
	}
	return rt, nil
}

// resolve is ResolveFieldValue: a root field from a subgraph that owns it;
// an object's field from its known data when it has no arguments and was
// fetched with the object, else from an owning subgraph through _entities.
func (e *exec) resolve(t *ast.Definition, obj *object, fd *ast.FieldDefinition, args map[string]any) (any, error) {
	if strings.HasPrefix(fd.Name, "__") {
		return nil, fmt.Errorf("the reference does not answer introspection (%s)", fd.Name)
	}
	if t == e.schema.Query || (e.schema.Mutation != nil && t == e.schema.Mutation) {
		return e.rootFetch(t, fd, args)
	}
	if len(fd.Arguments) == 0 {
		if v, ok := obj.known[fd.Name]; ok {
			return v, nil
		}
	}
	return e.fetchField(t, obj, fd, args)
}

// owner is a subgraph that resolves a field, through the type named repType
// (the object type itself, or an interface that is an @interfaceObject
// there).
type owner struct {
	graph, repType string
	join           *supergraph.FieldJoin
}

var percentRe = regexp.MustCompile(`^percent\((\d+(?:\.\d+)?)\)$`)

func (r *Reference) labelOn(label string) bool {
	if label == "" {
		return true
	}
	if m := percentRe.FindStringSubmatch(label); m != nil {
		p, _ := strconv.ParseFloat(m[1], 64)
		return p >= 100
	}
	return r.EnabledLabels[label]
}

// owners lists the subgraphs resolving t.field, in name order: its
// @join__field entries that are not @external and not overridden, or, for
// a type without them, every subgraph declaring the type; failing both, an
// interface of t that is an @interfaceObject with the field.
func (e *exec) owners(t *ast.Definition, field string) []owner {
	meta := e.r.sg.Types[t.Name]
	if meta == nil {
		return nil
	}
	var out []owner
	f := meta.Fields[field]
	if f == nil || len(f.Joins) == 0 {
		for _, g := range meta.Graphs {
			out = append(out, owner{graph: g, repType: t.Name})
		}
		return out
	}
	overridden := map[string]bool{}
	for _, j := range f.Joins {
		if j.Override != "" && e.r.labelOn(j.OverrideLabel) {
			overridden[j.Override] = true
		}
	}
	for _, j := range f.Joins {
		if j.Graph == "" || j.External || j.UsedOverridden || overridden[j.Graph] {
			continue
		}
		if j.Override != "" && !e.r.labelOn(j.OverrideLabel) {
			continue
		}
		out = append(out, owner{graph: j.Graph, repType: t.Name, join: j})
	}
	if len(out) > 0 || t.Kind != ast.Object {
		return out
	}
	for _, in := range t.Interfaces {
		it := e.schema.Types[in]
		if it == nil {
			continue
		}
		im := e.r.sg.Types[in]
		for _, o := range e.owners(it, field) {
			if im != nil && im.InterfaceObject[o.graph] {
				out = append(out, o)
			}
		}
	}
	return out
}

// rootFetch asks the first owning subgraph for a root field.
func (e *exec) rootFetch(t *ast.Definition, fd *ast.FieldDefinition, args map[string]any) (any, error) {
	owners := e.owners(t, fd.Name)
	if len(owners) == 0 {
		return nil, fmt.Errorf("no subgraph resolves %s.%s", t.Name, fd.Name)
	}
	o := owners[0]
	decl, call, vars := argumentsOf(fd, args)
	kw := "query"
	if t == e.schema.Mutation {
		kw = "mutation"
	}
	q := kw + decl + " { " + fd.Name + call + e.needed(o.graph, fd.Type, o.join) + " }"
	data, err := e.send(o.graph, q, vars, fd.Name)
	if err != nil {
		return nil, err
	}
	v, _ := get(data, fd.Name)
	return v, nil
}

// fetchField resolves an object's field through _entities.
func (e *exec) fetchField(t *ast.Definition, obj *object, fd *ast.FieldDefinition, args map[string]any) (any, error) {
	owners := e.owners(t, fd.Name)
	if len(owners) == 0 {
		return nil, fmt.Errorf("no subgraph resolves %s.%s", t.Name, fd.Name)
	}
	for _, o := range owners {
		var req ast.SelectionSet
		if o.join != nil {
			req = o.join.RequiresSel
		}
		rep, ok := e.representation(t, obj, o.graph, o.repType, req)
		if !ok {
			continue
		}
		decl, call, vars := argumentsOf(fd, args)
		sel := fd.Name + call + e.needed(o.graph, fd.Type, o.join)
		ent, err := e.entityFetchWith(o.graph, o.repType, rep, sel, decl, vars, fd.Name)
		if err != nil {
			return nil, err
		}
		if ent == nil {
			return nil, nil
		}
		v, _ := get(ent, fd.Name)
		return v, nil
	}
	if v, ok, err := e.fetchViaParent(t, obj, fd, args); ok {
		return v, err
	}
	return nil, fmt.Errorf("no subgraph can resolve %s.%s from the data known here", t.Name, fd.Name)
}

// isEntity reports whether the type has a resolvable @key in a subgraph.
func (e *exec) isEntity(name string) bool {
	m := e.r.sg.Types[name]
	if m == nil {
		return false
	}
	for _, g := range m.Graphs {
		if len(m.ResolvableKeys(g)) > 0 {
			return true
		}
	}
	return false
}

// fetchViaParent resolves a field of a value-type object that no subgraph
// resolves from the object itself (a value type has no key): through the
// nearest entity above it, from a subgraph resolving every field from that
// entity down to this one (fields without arguments, no list between).
func (e *exec) fetchViaParent(t *ast.Definition, obj *object, fd *ast.FieldDefinition, args map[string]any) (any, bool, error) {
	var chain []*link
	for o := obj; o.up != nil; o = o.up.obj {
		if len(o.up.args) > 0 {
			return nil, false, nil
		}
		chain = append([]*link{o.up}, chain...)
		if e.isEntity(o.up.typ.Name) {
			break
		}
	}
	if len(chain) == 0 || !e.isEntity(chain[0].typ.Name) {
		return nil, false, nil
	}
	resolvesIn := func(t *ast.Definition, field, g string) bool {
		return slices.ContainsFunc(e.owners(t, field), func(o owner) bool { return o.graph == g && o.repType == t.Name })
	}
	et, ent := chain[0].typ, chain[0].obj
	for _, o := range e.owners(t, fd.Name) {
		ok := true
		for _, l := range chain {
			ok = ok && resolvesIn(l.typ, l.fd.Name, o.graph)
		}
		if !ok {
			continue
		}
		var req ast.SelectionSet
		for _, ow := range e.owners(et, chain[0].fd.Name) {
			if ow.graph == o.graph && ow.join != nil {
				req = ow.join.RequiresSel
			}
		}
		rep, ok := e.representation(et, ent, o.graph, et.Name, req)
		if !ok {
			continue
		}
		decl, call, vars := argumentsOf(fd, args)
		sel := fd.Name + call + e.needed(o.graph, fd.Type, o.join)
		for i := len(chain) - 1; i >= 0; i-- {
			sel = chain[i].fd.Name + " { " + sel + " }"
		}
		v, err := e.entityFetchWith(o.graph, et.Name, rep, sel, decl, vars, chain[0].fd.Name)
		if err != nil {
			return nil, true, err
		}
		for _, l := range chain {
			if v == nil {
				return nil, true, nil
			}
			v, _ = get(v, l.fd.Name)
		}
		if v == nil {
			return nil, true, nil
		}
		v, _ = get(v, fd.Name)
		return v, true, nil
	}
	return nil, false, nil
}

// argumentsOf renders coerced arguments as variables of a subgraph
// operation: the declaration, the call and the values.
func argumentsOf(fd *ast.FieldDefinition, args map[string]any) (decl, call string, vars map[string]any) {
	vars = map[string]any{}
	var ds, cs []string
	for i, ad := range fd.Arguments {
		v, ok := args[ad.Name]
		if !ok {
			continue
		}
		name := "a" + strconv.Itoa(i)
		ds = append(ds, "$"+name+": "+ad.Type.String())
		cs = append(cs, ad.Name+": $"+name)
		vars[name] = v
	}
	if len(cs) > 0 {
		call = "(" + strings.Join(cs, ", ") + ")"
	}
	if len(ds) > 0 {
		decl = "(" + strings.Join(ds, ", ") + ")"
	}
	return decl, call, vars
}

// entityFetch fetches one argument-less field of one entity.
func (e *exec) entityFetch(graph, repType string, rep map[string]any, field string) (any, error) {
	ent, err := e.entityFetchWith(graph, repType, rep, field, "", nil, field)
	if err != nil || ent == nil {
		return nil, err
	}
	v, _ := get(ent, field)
	return v, nil
}

// entityFetchWith fetches the selection sel (of the one field key) of one
// entity.
func (e *exec) entityFetchWith(graph, repType string, rep map[string]any, sel, decl string, vars map[string]any, key string) (any, error) {
	if vars == nil {
		vars = map[string]any{}
	}
	vars["representations"] = []any{rep}
	d := "($representations: [_Any!]!"
	if decl != "" {
		d += ", " + strings.TrimPrefix(decl, "(")
	} else {
		d += ")"
	}
	q := "query" + d + " { _entities(representations: $representations) { ... on " + repType + " { " + sel + " } } }"
	data, err := e.send(graph, q, vars, key)
	if err != nil {
		return nil, err
	}
	ents, _ := get(data, "_entities")
	l, _ := ents.([]any)
	if len(l) != 1 {
		return nil, &fetchError{code: "SUBREQUEST_MALFORMED_RESPONSE", msg: "_entities: not one entity"}
	}
	return l[0], nil
}

// subgraphError is the GraphQL error a subgraph answered with; the field
// being fetched becomes null with it.
type subgraphError struct{ msg, code string }

func (e *subgraphError) Error() string { return e.msg }

// send sends one operation to a subgraph; a response with errors and no
// value for the fetched field is an error.
func (e *exec) send(graph, query string, vars map[string]any, key string) (any, error) {
	mk := ""
	var body []byte
	if e.memo != nil {
		kb, _ := json.Marshal(vars)
		mk = graph + "\x00" + query + "\x00" + string(kb)
		body = e.memo[mk]
	}
	if body == nil {
		b, err := e.r.fetch.Fetch(e.ctx, graph, query, vars)
		if err != nil {
			return nil, err
		}
		body = b
		if e.memo != nil {
			e.memo[mk] = body
		}
	}
	res, err := ParseResponse(body)
	if err != nil {
		return nil, &fetchError{code: "SUBREQUEST_MALFORMED_RESPONSE", msg: "malformed response from " + graph}
	}
	if len(res.Errors) > 0 {
		// One field (and one entity) per request: any error is the field's,
		// unless a value came back anyway.
		v := fetchedValue(res.Data, key)
		if v == nil {
			return nil, &subgraphError{msg: res.Errors[0].Message, code: res.Errors[0].Code}
		}
	}
	return res.Data, nil
}

// fetchedValue digs out the single fetched value of a subgraph answer
// (data.key or data._entities[0].key). The field is asked for under its
// own name (one field per request needs no alias).
func fetchedValue(data any, key string) any {
	if v, ok := get(data, key); ok && key != "_entities" {
		return v
	}
	ents, _ := get(data, "_entities")
	if l, ok := ents.([]any); ok && len(l) == 1 {
		v, _ := get(l[0], key)
		return v
	}
	return nil
}

// representation builds the representation of obj for an _entities call to
// graph as repType: the fields of a resolvable key of repType there, and
// the required fields, fetching the missing ones first. ok is false when no
// key of graph can be obtained.
func (e *exec) representation(t *ast.Definition, obj *object, graph, repType string, requires ast.SelectionSet) (map[string]any, bool) {
	meta := e.r.sg.Types[repType]
	if meta == nil {
		return nil, false
	}
	for _, k := range meta.ResolvableKeys(graph) {
		if !e.ensure(t, obj, k.Selection) || !e.validKey(t, k.Selection, obj.known) {
			// A key that is null or of the wrong type is never sent.
			continue
		}
		if len(requires) > 0 && !e.ensure(t, obj, requires) {
			return nil, false
		}
		rep := map[string]any{}
		e.projectInto(rep, t, obj.known, k.Selection)
		e.projectInto(rep, t, obj.known, requires)
		rep["__typename"] = repType
		return rep, true
	}
	return nil, false
}

// validKey reports whether the values of the key fields sel in m are
// non-null and of their fields' types.
func (e *exec) validKey(t *ast.Definition, sel ast.SelectionSet, m map[string]any) bool {
	for _, s := range sel {
		f, ok := s.(*ast.Field)
		if !ok {
			return false
		}
		fd := t.Fields.ForName(f.Name)
		if fd == nil || !e.validKeyValue(fd.Type, f.SelectionSet, m[f.Name]) {
			return false
		}
	}
	return true
}

func (e *exec) validKeyValue(typ *ast.Type, sel ast.SelectionSet, v any) bool {
	if v == nil {
		return false
	}
	if typ.Elem != nil {
		l, ok := v.([]any)
		if !ok {
			return false
		}
		for _, item := range l {
			if !e.validKeyValue(typ.Elem, sel, item) {
				return false
			}
		}
		return true
	}
	def := e.schema.Types[typ.Name()]
	if def == nil {
		return false
	}
	if def.Kind == ast.Scalar || def.Kind == ast.Enum {
		_, err := coerceResult(def, v)
		return err == nil
	}
	m, ok := asMap(v)
	return ok && e.validKey(def, sel, m)
}

// ensure makes the fields of sel (a key or a @requires field set) known on
// obj, an object of type t, fetching the missing ones: with the field
// set's arguments, kept apart per arguments (fieldKey), fragments applied
// per type condition.
func (e *exec) ensure(t *ast.Definition, obj *object, sel ast.SelectionSet) bool {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.InlineFragment:
			if s.TypeCondition == "" || e.applies(t, s.TypeCondition) {
				if !e.ensure(t, obj, s.SelectionSet) {
					return false
				}
			}
			continue
		case *ast.Field:
		default:
			return false
		}
		f := s.(*ast.Field)
		if f.Name == "__typename" {
			continue
		}
		key := fieldKey(f)
		if _, ok := obj.known[key]; !ok {
			fd := e.fieldDef(t, f.Name)
			if fd == nil || obj.busy[key] {
				return false
			}
			var args map[string]any
			if len(f.Arguments) > 0 {
				var err error
				if args, err = coerceArguments(e.schema, fd.Arguments, f.Arguments, nil); err != nil {
					return false
				}
			}
			if obj.busy == nil {
				obj.busy = map[string]bool{}
			}
			obj.busy[key] = true
			v, err := e.fetchField(t, obj, fd, args)
			delete(obj.busy, key)
			if err != nil {
				return false
			}
			obj.known[key] = plain(v)
		}
		if len(f.SelectionSet) > 0 && !e.hasFields(obj.known[key], f.SelectionSet) {
			return false
		}
	}
	return true
}

// fieldDef is the definition of t's field name: from the API schema, or
// for a field it hides (@inaccessible, which a key or a @requires may
// name) from the supergraph's metadata.
func (e *exec) fieldDef(t *ast.Definition, name string) *ast.FieldDefinition {
	if fd := t.Fields.ForName(name); fd != nil {
		return fd
	}
	if meta := e.r.sg.Types[t.Name]; meta != nil {
		if mf := meta.Fields[name]; mf != nil && mf.Type != nil {
			return &ast.FieldDefinition{Name: name, Type: mf.Type}
		}
	}
	return nil
}

// fieldKey is the key under which an object's known data holds the value
// of field f of a field set: its name, with its arguments when it has any
// (the same field may be required with other arguments).
func fieldKey(f *ast.Field) string {
	if len(f.Arguments) == 0 {
		return f.Name
	}
	parts := make([]string, len(f.Arguments))
	for i, a := range f.Arguments {
		parts[i] = a.Name + ":" + a.Value.String()
	}
	slices.Sort(parts)
	return f.Name + "(" + strings.Join(parts, ",") + ")"
}

// hasFields reports whether the value v holds every field of sel (in the
// fragments whose type condition its __typename meets).
func (e *exec) hasFields(v any, sel ast.SelectionSet) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		for _, item := range x {
			if !e.hasFields(item, sel) {
				return false
			}
		}
		return true
	}
	m, ok := asMap(v)
	if !ok {
		return false
	}
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if s.Name == "__typename" {
				if _, ok := m["__typename"]; !ok {
					return false
				}
				continue
			}
			c, ok := m[s.Name]
			if !ok || (len(s.SelectionSet) > 0 && !e.hasFields(c, s.SelectionSet)) {
				return false
			}
		case *ast.InlineFragment:
			applies, known := e.valueApplies(m, s.TypeCondition)
			if !known {
				return false
			}
			if applies && !e.hasFields(m, s.SelectionSet) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// valueApplies reports whether a fragment on cond applies to the object
// value m (by its __typename); known is false when m has no __typename to
// decide by.
func (e *exec) valueApplies(m map[string]any, cond string) (applies, known bool) {
	if cond == "" {
		return true, true
	}
	tn, _ := m["__typename"].(string)
	rt := e.schema.Types[tn]
	if rt == nil {
		return false, false
	}
	return e.applies(rt, cond), true
}

// projectInto copies the fields of sel from the known data of an object
// of type t into out, each under its field name, as a representation
// carries them (known is keyed by fieldKey).
func (e *exec) projectInto(out map[string]any, t *ast.Definition, known map[string]any, sel ast.SelectionSet) {
	e.projectFields(out, t, known, sel, fieldKey)
}

// projectFields copies the fields of sel from m (keyed by key) into out,
// the fragments that apply to type t included.
func (e *exec) projectFields(out map[string]any, t *ast.Definition, m map[string]any, sel ast.SelectionSet, key func(*ast.Field) string) {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if s.Name == "__typename" && t != nil {
				out["__typename"] = t.Name
				continue
			}
			out[s.Name] = e.projectValue(m[key(s)], s.SelectionSet)
		case *ast.InlineFragment:
			if s.TypeCondition == "" || (t != nil && e.applies(t, s.TypeCondition)) {
				e.projectFields(out, t, m, s.SelectionSet, key)
			}
		}
	}
}

func (e *exec) projectValue(v any, sel ast.SelectionSet) any {
	if len(sel) == 0 || v == nil {
		return plain(v)
	}
	if l, ok := v.([]any); ok {
		out := make([]any, len(l))
		for i, item := range l {
			out[i] = e.projectValue(item, sel)
		}
		return out
	}
	m, _ := asMap(v)
	tn, _ := m["__typename"].(string)
	out := map[string]any{}
	e.projectFields(out, e.schema.Types[tn], m, sel, func(f *ast.Field) string { return f.Name })
	return out
}

// needed is the sub-selection fetched with a field of type t from graph:
// for an entity, __typename and its keys there (and what the field's
// @provides names); for a value type, every field the subgraph resolves
// (recursively); for an abstract type, the same per possible type there.
func (e *exec) needed(graph string, t *ast.Type, join *supergraph.FieldJoin) string {
	provides := ""
	if join != nil {
		provides = join.Provides
	}
	return e.neededNamed(graph, t.Name(), provides, 0)
}

func (e *exec) neededNamed(graph, typeName, provides string, depth int) string {
	def := e.schema.Types[typeName]
	if def == nil || def.Kind == ast.Scalar || def.Kind == ast.Enum {
		return ""
	}
	meta := e.r.sg.Types[typeName]
	var parts []string
	parts = append(parts, "__typename")
	switch {
	case def.Kind == ast.Object || meta.InterfaceObject[graph]:
		parts = append(parts, e.objectNeeds(graph, def, meta, depth)...)
	default:
		for _, p := range e.schema.GetPossibleTypes(def) {
			pm := e.r.sg.Types[p.Name]
			if pm == nil || !pm.HasGraph(graph) {
				continue
			}
			in := false
			if def.Kind == ast.Union {
				in = slices.Contains(meta.UnionMembers[graph], p.Name)
			} else {
				in = slices.Contains(pm.Implements[graph], def.Name)
			}
			if !in {
				continue
			}
			if sub := e.objectNeeds(graph, p, pm, depth); len(sub) > 0 {
				parts = append(parts, "... on "+p.Name+" { "+strings.Join(sub, " ")+" }")
			}
		}
	}
	if provides != "" {
		parts = append(parts, provides)
	}
	return " { " + strings.Join(parts, " ") + " }"
}

func (e *exec) objectNeeds(graph string, def *ast.Definition, meta *supergraph.Type, depth int) []string {
	if len(meta.Keys[graph]) > 0 {
		var out []string
		for _, k := range meta.Keys[graph] {
			out = append(out, k.Fields)
		}
		return out
	}
	if depth > 3 {
		return nil
	}
	// A value type: every field this subgraph resolves, without arguments.
	var out []string
	for _, fd := range def.Fields {
		if strings.HasPrefix(fd.Name, "__") || slices.ContainsFunc(fd.Arguments, func(a *ast.ArgumentDefinition) bool { return a.Type.NonNull && a.DefaultValue == nil }) {
			continue
		}
		if !slices.ContainsFunc(e.owners(def, fd.Name), func(o owner) bool { return o.graph == graph && o.repType == def.Name }) {
			continue
		}
		out = append(out, fd.Name+e.neededNamed(graph, fd.Type.Name(), "", depth+1))
	}
	return out
}

// checkLiterals completes gqlparser's "Values of Correct Type" (§5.6.1): an
// Int literal must fit in 32 bits, a Float literal must be finite.
func checkLiterals(doc *ast.QueryDocument) error {
	var err error
	var walkValue func(v *ast.Value)
	walkValue = func(v *ast.Value) {
		if v == nil || err != nil {
			return
		}
		if v.ExpectedType != nil && v.ExpectedType.Elem == nil {
			switch {
			case v.Kind == ast.IntValue && v.ExpectedType.NamedType == "Int":
				if _, e := strconv.ParseInt(v.Raw, 10, 32); e != nil {
					err = fmt.Errorf("Int cannot represent non 32-bit signed integer value: %s", v.Raw)
				}
			case (v.Kind == ast.IntValue || v.Kind == ast.FloatValue) && v.ExpectedType.NamedType == "Float":
				if f, e := strconv.ParseFloat(v.Raw, 64); e != nil || math.IsInf(f, 0) {
					err = fmt.Errorf("Float cannot represent %s", v.Raw)
				}
			}
		}
		for _, c := range v.Children {
			walkValue(c.Value)
		}
	}
	var walkDirs func(dl ast.DirectiveList)
	walkDirs = func(dl ast.DirectiveList) {
		for _, d := range dl {
			for _, a := range d.Arguments {
				walkValue(a.Value)
			}
		}
	}
	var walkSel func(sel ast.SelectionSet)
	walkSel = func(sel ast.SelectionSet) {
		for _, s := range sel {
			switch s := s.(type) {
			case *ast.Field:
				for _, a := range s.Arguments {
					walkValue(a.Value)
				}
				walkDirs(s.Directives)
				walkSel(s.SelectionSet)
			case *ast.InlineFragment:
				walkDirs(s.Directives)
				walkSel(s.SelectionSet)
			case *ast.FragmentSpread:
				walkDirs(s.Directives)
			}
		}
	}
	for _, op := range doc.Operations {
		for _, vd := range op.VariableDefinitions {
			walkValue(vd.DefaultValue)
		}
		walkDirs(op.Directives)
		walkSel(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		walkSel(f.SelectionSet)
	}
	return err
}
