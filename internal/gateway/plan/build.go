package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/citizengraph/citizengraph/internal/gateway/normalize"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
)

// Options tune planning.
type Options struct {
	// EnabledLabels are the progressive-override labels in effect: a field
	// overridden with label L is routed to its new subgraph only when L is
	// enabled here.
	EnabledLabels map[string]bool
	// Variables are the request's coerced variables: the values of those
	// used in @skip/@include decide the canonical operation, and the plan
	// lists them in Labels as "$name".
	Variables map[string]any
	// Authorize refuses the fields the caller may not see (authz.go).
	Authorize bool
	// SearchBudget bounds the query-graph search of one operation's
	// planning (steps: jumps planned, edges and condition fields
	// examined); zero means DefaultSearchBudget. Planning that needs more
	// fails with an Error.
	SearchBudget int
}

// Error is a planning failure (the operation cannot be resolved by the
// supergraph's subgraphs).
type Error struct {
	Msg string
	// Labels are the override labels and condition variables ("$name")
	// planning consulted before it failed: the failure holds for requests
	// that agree on them.
	Labels []string
}

func (e *Error) Error() string { return "plan: " + e.Msg }

// Build plans op (an operation of doc, validated against sg.API).
func Build(sg *supergraph.Supergraph, doc *ast.QueryDocument, op *ast.OperationDefinition) (*Plan, error) {
	return BuildWithOptions(sg, doc, op, Options{})
}

// BuildWithOptions is Build with options.
func BuildWithOptions(sg *supergraph.Supergraph, doc *ast.QueryDocument, op *ast.OperationDefinition, opts Options) (*Plan, error) {
	if op == nil {
		return nil, errors.New("plan: no operation")
	}
	nr := normalize.Operation(sg.API, doc, op, normalize.MapVariables(opts.Variables))
	b := &builder{sg: sg, api: sg.API, doc: doc, op: nr.Operation, opts: opts, fieldErrs: nr.FieldErrors, renamed: nr.Renamed}
	b.budgetTotal = opts.SearchBudget
	if b.budgetTotal <= 0 {
		b.budgetTotal = DefaultSearchBudget
	}
	b.budgetLeft = b.budgetTotal
	for _, c := range nr.Conditions {
		if b.labels == nil {
			b.labels = map[string]bool{}
		}
		b.labels["$"+c] = true
	}
	b.authorize(nr)
	b.fieldErrs = nr.FieldErrors
	p, err := b.build()
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) {
			pe.Labels = b.labelList()
		}
		return nil, err
	}
	if nr.RequestError != "" {
		p.Root, p.Fetches = nil, nil
		p.RequestError = nr.RequestError
	}
	if msg := normalize.CheckLiterals(sg.API, doc); msg != "" {
		p.Root, p.Fetches = nil, nil
		p.RequestError, p.RequestErrorCode = msg, "GRAPHQL_VALIDATION_FAILED"
	}
	p.Labels = b.labelList()
	return p, nil
}

func (b *builder) labelList() []string {
	out := make([]string, 0, len(b.labels))
	for l := range b.labels {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

func (b *builder) build() (*Plan, error) {
	op := b.op
	sg := b.sg
	var root *ast.Definition
	switch op.Operation {
	case ast.Query, "":
		root = sg.API.Query
	case ast.Mutation:
		root = sg.API.Mutation
	case ast.Subscription:
		root = sg.API.Subscription
	}
	if root == nil {
		return nil, &Error{Msg: fmt.Sprintf("the schema has no %s type", op.Operation)}
	}
	p := &Plan{Operation: op.Operation, RootType: root.Name}
	if p.Operation == "" {
		p.Operation = ast.Query
	}
	p.Shape = b.shape(root.Name, []ast.SelectionSet{op.SelectionSet})
	if err := b.planRoot(root.Name, op.SelectionSet); err != nil {
		return nil, err
	}
	if b.err != nil {
		return nil, b.err
	}
	b.finish(p)
	if b.err != nil {
		return nil, b.err
	}
	return p, nil
}

type builder struct {
	sg      *supergraph.Supergraph
	api     *ast.Schema
	doc     *ast.QueryDocument
	op      *ast.OperationDefinition
	opts    Options
	fetches []*fb
	err     error
	// budgetLeft and budgetTotal are the query-graph search budget
	// (search.go); routes memoizes searches, inflight lists the jumps
	// being planned.
	budgetLeft, budgetTotal int
	closures                map[closureKey]*closure
	names                   map[string]fieldIndex
	valueTypes              map[string]bool
	possible                map[string][]string
	inflight                []inflight
	labels                  map[string]bool // override labels and condition variables consulted
	// fieldErrs are the canonical fields whose selection failed to
	// collect (normalize.Result.FieldErrors).
	fieldErrs map[*ast.Field]normalize.FieldError
	enums     map[string]map[string]bool
	// implements caches listsImplements: 0 unknown, 1 yes, -1 no.
	implements int
	// renamed maps canonical fields to the client's response key where
	// normalization gave them a private one.
	renamed map[*ast.Field]string
	// hidden caches definitions of fields the API schema hides.
	hidden map[string]*ast.FieldDefinition
	// visit numbers dependsOn's walks.
	visit int
	// keysAt holds, per response path, the response keys of the gateway's
	// own selections there (keys, requirements) and the field (name and
	// arguments) each holds: fetches of one position merge into the same
	// objects, so one key never holds two of them.
	keysAt map[string]map[string]string
	// reqArgs caches requiresWithArguments: 0 unknown, 1 yes, -1 no.
	reqArgs int
}

// fb is a fetch under construction.
type fb struct {
	seq      int
	subgraph string
	kind     FetchKind
	group    int // mutation root field group
	parent   *fb
	path     []string
	root     *selNode
	inputs   []*inputB
	frags    []*fragB
	deps     []*fb
	children []*fb
	level    int
	leveled  bool
	into     *fb // merged into
	visited  int // mark of dependsOn's walk
}

type inputB struct {
	path     []string
	types    []string
	typename string
	typeCond string
	rep      *selNode
	// req holds the fields of rep a requirement brought (nil: none).
	req *selNode
	// keyOut and keyFields record the selection and the key a jump
	// without requirement provided the representation from.
	keyOut    *selNode
	keyFields string
}

type fragB struct {
	typeCond string
	sel      *selNode
}

type fctx struct {
	f        *fb
	provided ast.SelectionSet
	// entityRoot is set for a field planned at the root of its entity
	// fetch, where the representation carries its @requires fields.
	entityRoot bool
	// keys are the client's response keys in the selection set being
	// planned (fragments included): the gateway's own selections there
	// (keys, @requires fields) take private aliases when they collide.
	keys map[string]*ast.Field
	// concrete is set when the position needs its objects' concrete type
	// whatever its selection (a field error limited to some types).
	concrete bool
	// anc, inside a value type's selection, is the nearest entity
	// position above it and the fields leading from there (jumpViaAncestor).
	anc *ancestor
}

// ancestor is the entity position a value-typed position hangs from.
type ancestor struct {
	typ   string   // the entity type (the query type at the root)
	path  []string // its response path
	out   *selNode // the selection at it in the fetch of ctx
	ctx   fctx     // the planning context there
	chain []*ast.Field
	// root is set when the value hangs from a root field of a query
	// (jumpViaRoot).
	root bool
}

// childAnc is the ancestor of the selection of field f planned on parent
// in ctx at path with out: parent itself when it is an entity object, the
// same ancestor one field further when parent is a value object.
func (b *builder) childAnc(ctx fctx, parent string, f *ast.Field, out *selNode, path []string) *ancestor {
	t := b.sg.Types[parent]
	if t == nil || t.Kind != ast.Object {
		return nil
	}
	if def := b.fieldDef(parent, f.Name); def == nil || !b.isValueObject(def.Type.Name()) {
		return nil
	}
	for _, g := range t.Graphs {
		if len(t.ResolvableKeys(g)) > 0 {
			c := ctx
			c.anc = nil
			return &ancestor{typ: parent, path: path, out: out, ctx: c, chain: []*ast.Field{f}}
		}
	}
	if len(path) == 0 && b.op.Operation != ast.Mutation && b.op.Operation != ast.Subscription && b.api.Query != nil && parent == b.api.Query.Name {
		// A root field of a query: another subgraph resolving it can be
		// asked for the same field (jumpViaRoot).
		return &ancestor{typ: parent, out: out, ctx: ctx, chain: []*ast.Field{f}, root: true}
	}
	if ctx.anc == nil {
		return nil
	}
	a := *ctx.anc
	a.chain = append(slices.Clone(a.chain), f)
	return &a
}

// isValueObject reports whether typ is an object type with no resolvable
// @key in any subgraph (a value type), cached.
func (b *builder) isValueObject(typ string) bool {
	if v, ok := b.valueTypes[typ]; ok {
		return v
	}
	t := b.sg.Types[typ]
	v := t != nil && t.Kind == ast.Object
	if v {
		for _, g := range t.Graphs {
			if len(t.ResolvableKeys(g)) > 0 {
				v = false
				break
			}
		}
	}
	if b.valueTypes == nil {
		b.valueTypes = map[string]bool{}
	}
	b.valueTypes[typ] = v
	return v
}

// clientKeys maps the response keys of a canonical selection set,
// fragments included, to their fields.
func clientKeys(set ast.SelectionSet, into map[string]*ast.Field) map[string]*ast.Field {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			if into == nil {
				into = map[string]*ast.Field{}
			}
			key := s.Alias
			if key == "" {
				key = s.Name
			}
			if _, ok := into[key]; !ok {
				into[key] = s
			}
		case *ast.InlineFragment:
			into = clientKeys(s.SelectionSet, into)
		}
	}
	return into
}

func (b *builder) fail(format string, args ...any) {
	if b.err == nil {
		b.err = &Error{Msg: fmt.Sprintf(format, args...)}
	}
}

func (b *builder) newFetch(sub string, kind FetchKind, parent *fb, path []string) *fb {
	f := &fb{seq: len(b.fetches), subgraph: sub, kind: kind, parent: parent, path: path}
	if kind == Root {
		f.root = &selNode{}
	}
	if parent != nil {
		f.group = parent.group
		parent.children = append(parent.children, f)
	}
	b.fetches = append(b.fetches, f)
	return f
}

func pathEq(a, b []string) bool { return slices.Equal(a, b) }

// entityFetch returns the child fetch of parent to sub at path with the
// given selection type condition, creating it when needed, and adds the
// representation fields rep (req: those of a requirement) to its input
// and deps to its dependencies. An existing fetch is shared only when that
// creates no cycle (none of deps depends on it) and its representations
// can carry rep (no field of the representation would need two values: a
// required field with other arguments), and carry the same requirements
// as the fetch's other inputs of the type condition (they share its
// selection); otherwise another fetch is made.
func (b *builder) entityFetch(parent *fb, sub string, path []string, typeCond string, types []string, typename string, rep, req *selNode, deps []*fb) (*fb, *fragB, *inputB) {
	var e *fb
	for _, c := range parent.children {
		if c.kind == Entity && c.subgraph == sub && pathEq(c.path, path) && b.canJoin(c, typeCond, types, typename, rep, req, deps) {
			e = c
			break
		}
	}
	if e == nil {
		e = b.newFetch(sub, Entity, parent, slices.Clone(path))
	}
	var fr *fragB
	for _, f := range e.frags {
		if f.typeCond == typeCond {
			fr = f
		}
	}
	if fr == nil {
		fr = &fragB{typeCond: typeCond, sel: &selNode{}}
		e.frags = append(e.frags, fr)
	}
	var in *inputB
	for _, i := range e.inputs {
		if i.typeCond == typeCond && i.typename == typename && slices.Equal(i.types, types) {
			in = i
		}
	}
	if in == nil {
		in = &inputB{path: slices.Clone(path), types: types, typename: typename, typeCond: typeCond, rep: rep, req: req}
		e.inputs = append(e.inputs, in)
	} else {
		in.rep.merge(rep)
		if req != nil {
			if in.req == nil {
				in.req = &selNode{}
			}
			in.req.merge(req)
		}
	}
	for _, d := range deps {
		if d != e && !slices.Contains(e.deps, d) {
			e.deps = append(e.deps, d)
		}
	}
	return e, fr, in
}

// canJoin reports whether the entity fetch c can also take a jump whose
// representations carry rep and that depends on deps.
func (b *builder) canJoin(c *fb, typeCond string, types []string, typename string, rep, req *selNode, deps []*fb) bool {
	for _, d := range deps {
		b.visit++
		if d == c || b.dependsOn(d, c) {
			return false
		}
	}
	var target *inputB
	for _, i := range c.inputs {
		if i.typeCond == typeCond && i.typename == typename && slices.Equal(i.types, types) {
			if repConflicts(i.rep, rep) {
				return false
			}
			target = i
		}
	}
	var treq *selNode
	if target != nil {
		treq = target.req
	}
	for _, i := range c.inputs {
		// Inputs of one type condition share the fetch's selection: a
		// field planned for one is asked of the other's representations
		// too, so they must carry the same requirements.
		if i == target || i.typeCond != typeCond {
			continue
		}
		if !selSubset(i.req, treq, req) || !selSubset(treq, i.req) || !selSubset(req, i.req) {
			return false
		}
	}
	return true
}

// selSubset reports whether every field of s (at any depth) is in one of
// in (by response key and name; fragments by type condition).
func selSubset(s *selNode, in ...*selNode) bool {
	if s == nil {
		return true
	}
	for _, it := range s.items {
		var subs []*selNode
		found := false
		for _, o := range in {
			if o == nil {
				continue
			}
			for _, oi := range o.items {
				if oi.fragment == it.fragment && oi.typeCond == it.typeCond && oi.key == it.key && oi.name == it.name {
					found = true
					subs = append(subs, oi.sub)
				}
			}
		}
		if !found || it.sub != nil && !selSubset(it.sub, subs...) {
			return false
		}
	}
	return true
}

// dependsOn reports whether fetch f waits for fetch on (through its
// parents and dependencies); fetches visited are marked with b.visit.
func (b *builder) dependsOn(f, on *fb) bool {
	if f == nil || f.visited == b.visit {
		return false
	}
	f.visited = b.visit
	if f.parent == on || b.dependsOn(f.parent, on) {
		return true
	}
	for _, d := range f.deps {
		if d == on || b.dependsOn(d, on) {
			return true
		}
	}
	return false
}

// repConflicts reports whether two representation selections give one
// representation field different sources (response keys), at any depth.
func repConflicts(a, o *selNode) bool {
	if a == nil || o == nil {
		return false
	}
	for _, oi := range o.items {
		for _, ai := range a.items {
			if oi.fragment || ai.fragment {
				if oi.fragment && ai.fragment && oi.typeCond == ai.typeCond && repConflicts(ai.sub, oi.sub) {
					return true
				}
				continue
			}
			if oi.name != ai.name {
				continue
			}
			if oi.key != ai.key || repConflicts(ai.sub, oi.sub) {
				return true
			}
		}
	}
	return false
}

// condDirs evaluates literal @skip/@include and returns the variable ones
// to forward. keep is false when the selection is statically excluded.
func condDirs(dirs ast.DirectiveList) (out ast.DirectiveList, keep bool) {
	for _, d := range dirs {
		if d.Name != "skip" && d.Name != "include" {
			continue
		}
		a := d.Arguments.ForName("if")
		if a == nil || a.Value == nil {
			continue
		}
		if a.Value.Kind == ast.Variable {
			out = append(out, d)
			continue
		}
		v := a.Value.Raw == "true"
		if (d.Name == "skip") == v {
			return nil, false
		}
	}
	return out, true
}

func (b *builder) planRoot(rootType string, set ast.SelectionSet) error {
	type rootField struct {
		f    *ast.Field
		dirs ast.DirectiveList
	}
	var fields []rootField
	var collect func(set ast.SelectionSet, inherited ast.DirectiveList)
	collect = func(set ast.SelectionSet, inherited ast.DirectiveList) {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				d, keep := condDirs(s.Directives)
				if keep {
					fields = append(fields, rootField{s, append(slices.Clone(inherited), d...)})
				}
			case *ast.InlineFragment:
				d, keep := condDirs(s.Directives)
				if keep {
					collect(s.SelectionSet, append(slices.Clone(inherited), d...))
				}
			case *ast.FragmentSpread:
				d, keep := condDirs(s.Directives)
				fr := b.doc.Fragments.ForName(s.Name)
				if keep && fr != nil {
					collect(fr.SelectionSet, append(slices.Clone(inherited), d...))
				}
			}
		}
	}
	collect(set, nil)
	var roots []*fb
	group := 0
	for _, rf := range fields {
		name := rf.f.Name
		if name == "__typename" || name == "__schema" || name == "__type" || b.fieldErrs[rf.f].Field {
			continue
		}
		cands := b.resolvers(rootType, name)
		if len(cands) == 0 {
			return &Error{Msg: fmt.Sprintf("no subgraph resolves %s.%s", rootType, name)}
		}
		var f *fb
		if b.op.Operation == ast.Mutation {
			if n := len(roots); n > 0 && slices.Contains(cands, roots[n-1].subgraph) {
				f = roots[n-1]
			} else {
				f = b.newFetch(b.cheapestRoot(rootType, rf.f, cands, nil), Root, nil, nil)
				f.group = group
				group++
				roots = append(roots, f)
			}
		} else {
			// Root fetches of a query, those that value types split
			// across subgraphs made (jumpViaRoot) included.
			var open []string
			for _, r := range b.fetches {
				if r.kind == Root {
					open = append(open, r.subgraph)
				}
			}
			g := b.cheapestRoot(rootType, rf.f, cands, open)
			if f = b.rootFetchTo(g); f == nil {
				f = b.newFetch(g, Root, nil, nil)
			}
		}
		fc := *rf.f
		fc.Directives = rf.dirs
		if fe, ok := b.fieldErrs[rf.f]; ok {
			b.fieldErrs[&fc] = fe
		}
		b.planField(fctx{f: f}, rootType, &fc, f.root, nil)
	}
	return nil
}

// cheapestRoot chooses among the subgraphs resolving a root field (a
// @shareable one) the one that answers its selection with the fewest
// fetches: its own unless a root fetch to it is already open (open), plus
// one per response position where it cannot resolve a selected field
// itself (fields it declares @external count only where @provides gives
// them on that path). Ties go to an open fetch, then to the first name.
func (b *builder) cheapestRoot(rootType string, f *ast.Field, cands, open []string) string {
	if len(cands) == 1 {
		return cands[0]
	}
	best, bestCost := "", 0
	rt := b.sg.Types[rootType]
	def := b.fieldDef(rootType, f.Name)
	for _, g := range cands {
		cost := 1
		if slices.Contains(open, g) {
			cost = 0
		}
		prov, _ := b.resolvableIn(g, rt, f.Name, nil)
		if def != nil && len(f.SelectionSet) > 0 {
			cost += b.jumpsFrom(g, def.Type.Name(), f.SelectionSet, prov)
		}
		if best == "" || cost < bestCost || cost == bestCost && slices.Contains(open, g) && !slices.Contains(open, best) {
			best, bestCost = g, cost
		}
	}
	return best
}

// jumpsFrom estimates the entity fetches a selection on typ needs when
// planned from subgraph g with provided available: one per position
// holding a field g does not resolve there (that field's own selection
// then continues elsewhere and is not counted).
func (b *builder) jumpsFrom(g, typ string, set ast.SelectionSet, provided ast.SelectionSet) int {
	t := b.sg.Types[typ]
	jump := false
	n := 0
	var walk func(typ string, t *supergraph.Type, set ast.SelectionSet)
	walk = func(typ string, t *supergraph.Type, set ast.SelectionSet) {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				if s.Name == "__typename" || b.fieldErrs[s].Field {
					continue
				}
				prov, ok := b.resolvableIn(g, t, s.Name, provided)
				if !ok || t != nil && b.hasRequires(t, s.Name, g) {
					jump = true
					continue
				}
				if len(s.SelectionSet) > 0 {
					if def := b.fieldDef(typ, s.Name); def != nil {
						n += b.jumpsFrom(g, def.Type.Name(), s.SelectionSet, prov)
					}
				}
			case *ast.InlineFragment:
				ct, c := typ, t
				if s.TypeCondition != "" && s.TypeCondition != typ {
					ct, c = s.TypeCondition, b.sg.Types[s.TypeCondition]
				}
				walk(ct, c, s.SelectionSet)
			}
		}
	}
	walk(typ, t, set)
	if jump {
		n++
	}
	return n
}

// resolvers lists, sorted, the subgraphs that resolve typ.field.
func (b *builder) resolvers(typ, field string) []string {
	t := b.sg.Types[typ]
	if t == nil {
		return nil
	}
	var out []string
	for _, g := range t.Graphs {
		if _, ok := b.resolvableIn(g, t, field, nil); ok {
			out = append(out, g)
		}
	}
	return out
}

func isKeyField(t *supergraph.Type, g, name string) bool {
	for _, k := range t.Keys[g] {
		for _, s := range k.Selection {
			if f, ok := s.(*ast.Field); ok && f.Name == name {
				return true
			}
		}
	}
	return false
}

// resolvableIn reports whether subgraph g resolves t.field, given the
// fields @provides makes available; it returns the provided selection of
// the field's own value.
func (b *builder) resolvableIn(g string, t *supergraph.Type, field string, provided ast.SelectionSet) (ast.SelectionSet, bool) {
	for _, s := range provided {
		if f, ok := s.(*ast.Field); ok && f.Name == field {
			return f.SelectionSet, true
		}
	}
	if t == nil || !t.HasGraph(g) {
		return nil, false
	}
	f := t.Fields[field]
	if f == nil {
		return nil, false
	}
	if len(f.Joins) == 0 {
		return nil, true
	}
	j := f.Join(g)
	if j == nil {
		// Without an entry for g (or with only a bare @join__field, which
		// marks a field contributed by an @interfaceObject) g resolves only
		// its key fields.
		return nil, isKeyField(t, g, field)
	}
	if j.External || j.UsedOverridden && j.OverrideLabel == "" {
		// An overridden field kept only because its subgraph uses it (a
		// key, a requirement, an interface's field) is not resolved there,
		// unless a progressive override's label is off (below).
		return nil, isKeyField(t, g, field)
	}
	if j.OverrideLabel != "" {
		if b.labels == nil {
			b.labels = map[string]bool{}
		}
		b.labels[j.OverrideLabel] = true
		on := b.opts.EnabledLabels[j.OverrideLabel]
		if j.Override != "" && !on {
			return nil, false
		}
		if j.Override == "" && on {
			return nil, false
		}
	}
	return j.ProvidesSel, true
}

func (b *builder) isAbstract(typ string) bool {
	d := b.api.Types[typ]
	return d != nil && d.IsAbstractType()
}

// possibleTypes lists, sorted, the API schema's possible types of typ
// (cached; callers must not modify the slice).
func (b *builder) possibleTypes(typ string) []string {
	if out, ok := b.possible[typ]; ok {
		return out
	}
	var out []string
	for _, d := range b.api.GetPossibleTypes(b.api.Types[typ]) {
		out = append(out, d.Name)
	}
	sort.Strings(out)
	if b.possible == nil {
		b.possible = map[string][]string{}
	}
	b.possible[typ] = out
	return out
}

// planSelectionSet plans set on parent for the fetch in ctx, writing the
// subgraph selection into out. It returns the entity fetches it created or
// extended.
func (b *builder) planSelectionSet(ctx fctx, parent string, set ast.SelectionSet, out *selNode, path []string) []*fb {
	var touched []*fb
	if ctx.keys == nil {
		ctx.keys = clientKeys(set, nil)
	}
	abstract := b.isAbstract(parent)
	if abstract {
		out.field("__typename", "__typename", nil, nil, false)
		if t := b.sg.Types[parent]; t != nil && t.InterfaceObject[ctx.f.subgraph] {
			return b.planInterfaceObject(ctx, t, set, out, path)
		}
	}
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			touched = append(touched, b.planField(ctx, parent, s, out, path)...)
		case *ast.InlineFragment:
			touched = append(touched, b.planFragment(ctx, parent, s.TypeCondition, s.Directives, s.SelectionSet, out, path)...)
		case *ast.FragmentSpread:
			fr := b.doc.Fragments.ForName(s.Name)
			if fr == nil {
				b.fail("unknown fragment %q", s.Name)
				continue
			}
			touched = append(touched, b.planFragment(ctx, parent, fr.TypeCondition, s.Directives, fr.SelectionSet, out, path)...)
		}
	}
	return touched
}

// planInterfaceObject plans a selection on an interface that the current
// subgraph only knows as an @interfaceObject: its objects carry the
// interface's name as __typename, so the concrete type is fetched from a
// subgraph that owns the interface, and everything conditioned on concrete
// types is planned from there.
func (b *builder) planInterfaceObject(ctx fctx, t *supergraph.Type, set ast.SelectionSet, out *selNode, path []string) []*fb {
	var local, concrete ast.SelectionSet
	for _, s := range set {
		cond := ""
		switch s := s.(type) {
		case *ast.InlineFragment:
			cond = s.TypeCondition
		case *ast.FragmentSpread:
			if fr := b.doc.Fragments.ForName(s.Name); fr != nil {
				cond = fr.TypeCondition
			}
		}
		if cond != "" && cond != t.Name {
			concrete = append(concrete, s)
		} else {
			local = append(local, s)
		}
	}
	if len(concrete) == 0 && !ctx.concrete && !b.needsConcrete(ctx, t, local) {
		// Nothing at this position needs the concrete type: the
		// interface object's own fields are enough.
		var touched []*fb
		for _, s := range local {
			switch s := s.(type) {
			case *ast.Field:
				touched = append(touched, b.planField(ctx, t.Name, s, out, path)...)
			case *ast.InlineFragment:
				touched = append(touched, b.planFragment(ctx, t.Name, s.TypeCondition, s.Directives, s.SelectionSet, out, path)...)
			case *ast.FragmentSpread:
				if fr := b.doc.Fragments.ForName(s.Name); fr != nil {
					touched = append(touched, b.planFragment(ctx, t.Name, fr.TypeCondition, s.Directives, fr.SelectionSet, out, path)...)
				}
			}
		}
		return touched
	}
	var owner string
	var key supergraph.Key
	for _, g := range t.Graphs {
		if t.InterfaceObject[g] || g == ctx.f.subgraph {
			continue
		}
		for _, k := range t.ResolvableKeys(g) {
			if owner == "" && b.canProvide(ctx, t, k.Selection) {
				owner, key = g, k
			}
		}
	}
	if owner == "" {
		b.fail("cannot resolve the concrete type of %s from subgraph %q", t.Name, ctx.f.subgraph)
		return nil
	}
	rep := &selNode{}
	for _, s := range key.Selection {
		b.provideKey(ctx, t.Name, s, out, rep, path)
	}
	e, fr, _ := b.entityFetch(ctx.f, owner, path, t.Name, []string{t.Name}, t.Name, rep, nil, nil)
	fr.sel.field("__typename", "__typename", nil, nil, false)
	keys := ctx.keys
	touched := []*fb{e}
	for _, s := range local {
		switch s := s.(type) {
		case *ast.Field:
			touched = append(touched, b.planField(ctx, t.Name, s, out, path)...)
		case *ast.InlineFragment:
			touched = append(touched, b.planFragment(ctx, t.Name, s.TypeCondition, s.Directives, s.SelectionSet, out, path)...)
		case *ast.FragmentSpread:
			if fr := b.doc.Fragments.ForName(s.Name); fr != nil {
				touched = append(touched, b.planFragment(ctx, t.Name, fr.TypeCondition, s.Directives, fr.SelectionSet, out, path)...)
			}
		}
	}
	if len(concrete) > 0 {
		// The owner's answer replaces __typename with the concrete type;
		// fragments on concrete types continue from the owner's fetch.
		touched = append(touched, b.planSelectionSet(fctx{f: e, keys: keys}, t.Name, concrete, fr.sel, path)...)
	}
	return touched
}

// needsConcrete reports whether a selection on the interface t, planned
// in a subgraph that knows t as an @interfaceObject, needs the object's
// concrete type (besides a field error limited to some types, fctx.concrete):
// __typename is selected, or a field is not resolved there
// (a jump to another subgraph sends the concrete type in its
// representations), or has a requirement.
func (b *builder) needsConcrete(ctx fctx, t *supergraph.Type, set ast.SelectionSet) bool {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			if s.Name == "__typename" {
				return true
			}
			if b.fieldErrs[s].Field {
				continue
			}
			if _, ok := b.resolvableIn(ctx.f.subgraph, t, s.Name, ctx.provided); !ok {
				return true
			}
			if !ctx.entityRoot && b.hasRequires(t, s.Name, ctx.f.subgraph) {
				return true
			}
		case *ast.InlineFragment:
			if s.TypeCondition != "" && s.TypeCondition != t.Name || b.needsConcrete(ctx, t, s.SelectionSet) {
				return true
			}
		case *ast.FragmentSpread:
			return true
		}
	}
	return false
}

func (b *builder) typeApplies(cond, typ string) bool {
	if cond == "" || cond == typ {
		return true
	}
	cd := b.api.Types[cond]
	if cd == nil || !cd.IsAbstractType() {
		return false
	}
	return slices.Contains(b.possibleTypes(cond), typ)
}

func (b *builder) planFragment(ctx fctx, parent, cond string, dirs ast.DirectiveList, set ast.SelectionSet, out *selNode, path []string) []*fb {
	d, keep := condDirs(dirs)
	if !keep {
		return nil
	}
	if cond == "" {
		cond = parent
	}
	if !b.isAbstract(parent) {
		if !b.typeApplies(cond, parent) {
			return nil
		}
		if len(d) > 0 {
			fr := out.fragment("", d)
			return b.planSelectionSet(ctx, parent, set, fr.sub, path)
		}
		return b.planSelectionSet(ctx, parent, set, out, path)
	}
	if cond == parent && len(d) == 0 {
		return b.planSelectionSet(ctx, parent, set, out, path)
	}
	if cond != parent && !b.condValidIn(ctx.f.subgraph, parent, cond) {
		// The subgraph does not know the condition there (the type, or
		// its membership of the parent, differs between subgraphs): ask
		// for the concrete types it knows that belong to both.
		var touched []*fb
		pt := b.possibleTypes(parent)
		for _, t := range b.possibleTypes(cond) {
			if t == cond || !slices.Contains(pt, t) || !b.condValidIn(ctx.f.subgraph, parent, t) {
				continue
			}
			fr := out.fragment(t, d)
			touched = append(touched, b.planSelectionSet(ctx, t, set, fr.sub, path)...)
		}
		return touched
	}
	if cond != parent {
		// Does the condition overlap the parent at all?
		overlap := false
		pt := b.possibleTypes(parent)
		for _, t := range b.possibleTypes(cond) {
			if slices.Contains(pt, t) {
				overlap = true
				break
			}
		}
		if !overlap && !b.isAbstract(cond) && !slices.Contains(pt, cond) {
			return nil
		}
	}
	typeCond := cond
	if cond == parent {
		typeCond = ""
	}
	fr := out.fragment(typeCond, d)
	touched := b.planSelectionSet(ctx, cond, set, fr.sub, path)
	out.dropEmpty(fr)
	return touched
}

func (b *builder) fieldDef(parent, name string) *ast.FieldDefinition {
	d := b.api.Types[parent]
	if d == nil {
		return nil
	}
	if fd := d.Fields.ForName(name); fd != nil {
		return fd
	}
	return b.hiddenField(parent, name)
}

// hiddenField is the definition of a field the API schema hides
// (@inaccessible) but the supergraph declares: the gateway selects it for
// itself when a key or a @requires names it, while clients never can
// (validation against the API schema refuses it). Cached.
func (b *builder) hiddenField(parent, name string) *ast.FieldDefinition {
	t := b.sg.Types[parent]
	if t == nil {
		return nil
	}
	f := t.Fields[name]
	if f == nil || f.Type == nil {
		return nil
	}
	k := parent + "." + name
	if fd, ok := b.hidden[k]; ok {
		return fd
	}
	fd := &ast.FieldDefinition{Name: name, Type: f.Type}
	if b.hidden == nil {
		b.hidden = map[string]*ast.FieldDefinition{}
	}
	b.hidden[k] = fd
	return fd
}

func (b *builder) planField(ctx fctx, parent string, f *ast.Field, out *selNode, path []string) []*fb {
	dirs, keep := condDirs(f.Directives)
	if !keep {
		return nil
	}
	key := f.Alias
	if key == "" {
		key = f.Name
	}
	if f.Name == "__typename" {
		out.field(key, "__typename", nil, dirs, false)
		return nil
	}
	if b.fieldErrs[f].Field {
		// Never resolved: null with its error (an argument of non-null
		// type given null).
		return nil
	}
	def := b.fieldDef(parent, f.Name)
	if def == nil {
		b.fail("unknown field %s.%s", parent, f.Name)
		return nil
	}
	t := b.sg.Types[parent]
	childProvided, ok := b.resolvableIn(ctx.f.subgraph, t, f.Name, ctx.provided)
	if ok && !ctx.entityRoot && t != nil && t.Fields[f.Name] != nil {
		// A field with @requires gets its required fields only through
		// an entity representation, even from its own subgraph.
		if j := t.Fields[f.Name].Join(ctx.f.subgraph); j != nil && len(j.RequiresSel) > 0 {
			return b.jump(ctx, parent, f, out, path)
		}
	}
	if ok && b.isAbstract(parent) && b.splitsByType(ctx, parent, f.Name) {
		// Some runtime types take the field from elsewhere (an override,
		// a field external there): plan it per concrete type.
		var touched []*fb
		for _, pt := range b.possibleTypes(parent) {
			st := b.sg.Types[pt]
			if st == nil || !st.HasGraph(ctx.f.subgraph) || !b.condValidIn(ctx.f.subgraph, parent, pt) {
				continue
			}
			fr := out.fragment(pt, nil)
			touched = append(touched, b.planField(ctx, pt, f, fr.sub, path)...)
		}
		return touched
	}
	if ok {
		composite := len(f.SelectionSet) > 0
		if td := b.api.Types[def.Type.Name()]; td != nil && td.IsCompositeType() {
			composite = true
		}
		item := out.field(key, f.Name, f.Arguments, dirs, composite)
		if composite {
			cc := fctx{f: ctx.f, provided: childProvided, anc: b.childAnc(ctx, parent, f, out, path)}
			cc.concrete = len(b.fieldErrs[f].Types) > 0
			touched := b.planSelectionSet(cc, def.Type.Name(), f.SelectionSet, item.sub, append(slices.Clone(path), key))
			if len(item.sub.items) == 0 {
				// A selection that collects to nothing: the value is {}
				// or null, which __typename alone tells.
				item.sub.field("__typename", "__typename", nil, nil, false)
			}
			return touched
		}
		return nil
	}
	return b.jump(ctx, parent, f, out, path)
}

// jump plans f, which the current subgraph cannot resolve on parent, with
// an entity fetch to a subgraph that can.
func (b *builder) jump(ctx fctx, parent string, f *ast.Field, out *selNode, path []string) []*fb {
	if !b.spend(1) {
		return nil
	}
	if b.isAbstract(parent) {
		return b.jumpAbstract(ctx, parent, f, out, path)
	}
	cur := ctx.f.subgraph
	t := b.sg.Types[parent]
	rk := routeKey{parent, cur, f.Name}
	if b.inFlight(path, rk) {
		b.fail("cannot plan %s.%s from subgraph %q: its fetches would depend on each other in a cycle", parent, f.Name, cur)
		return nil
	}
	var o struct {
		graph string
		key   supergraph.Key
	}
	if t != nil && t.Kind == ast.Object && t.Fields[f.Name] != nil {
		c := b.closure(t, cur, ctx.provided, ctx.entityRoot)
		if c == nil {
			return nil
		}
		best := -1
		for _, g := range t.Graphs {
			cost, ok := c.jumpCost(b, t, g, f.Name)
			if !ok {
				continue
			}
			if best < 0 || cost < best || cost == best && b.hasChild(ctx.f, path, g) && !b.hasChild(ctx.f, path, o.graph) {
				best, o.graph, o.key = cost, g, c.via[c.graphIndex(g)]
			}
		}
	}
	if o.graph == "" {
		if touched, ok := b.jumpViaInterface(ctx, parent, f, out, path); ok {
			return touched
		}
		if touched, ok := b.jumpViaAncestor(ctx, parent, f); ok {
			return touched
		}
		b.fail("cannot plan %s.%s from subgraph %q: no subgraph resolves it with a resolvable key reachable from there", parent, f.Name, cur)
		return nil
	}
	b.inflight = append(b.inflight, inflight{path: path, key: rk})
	defer func() { b.inflight = b.inflight[:len(b.inflight)-1] }()
	return b.jumpInto(ctx, parent, f, out, path, entityJump{
		graph: o.graph, typeCond: parent, types: []string{parent}, key: o.key,
		requires: requiresOf(t, f.Name, o.graph), inner: parent,
	})
}

// entityJump describes an entity fetch a field is planned in: to graph,
// selecting `... on typeCond` for the objects whose __typename is one of
// types (sent as typename when set), keyed by key and carrying the
// requirement requires; the field is planned there on the type inner.
type entityJump struct {
	graph, typeCond, typename, inner string
	types                            []string
	key                              supergraph.Key
	requires                         ast.SelectionSet
}

// requiresOf is the @requires field set of t.field in subgraph g.
func requiresOf(t *supergraph.Type, field, g string) ast.SelectionSet {
	if t == nil || t.Fields[field] == nil {
		return nil
	}
	if j := t.Fields[field].Join(g); j != nil {
		return j.RequiresSel
	}
	return nil
}

// jumpInto plans f, at the position path of the fetch in ctx whose
// selection there is out, in the entity fetch j. The key fields and the
// requirement are planned first (through further fetches where the
// current one lacks them, under private aliases where the client's keys
// collide); the entity fetch is then chosen among those already made for
// the position only when sharing it makes no cycle and its
// representations can carry these, so the fetches a requirement needs
// always run before it.
func (b *builder) jumpInto(ctx fctx, parent string, f *ast.Field, out *selNode, path []string, j entityJump) []*fb {
	if len(j.requires) == 0 {
		if e, fr := b.keyedBefore(ctx.f, out, path, j); e != nil {
			// Another field of this selection took the same jump: its
			// fetch already has the key (and waits for what it needs).
			inner := b.planField(fctx{f: e, entityRoot: true, keys: ctx.keys}, j.inner, f, fr.sel, path)
			return append([]*fb{e}, inner...)
		}
	}
	out.field("__typename", "__typename", nil, nil, false)
	rep := &selNode{}
	deps := b.provide(ctx, parent, j.key.Selection, out, path, rep)
	var req *selNode
	if len(j.requires) > 0 {
		n := len(rep.items)
		deps = append(deps, b.provide(ctx, parent, j.requires, out, path, rep)...)
		// The requirement's fields (those that are not key fields too).
		req = &selNode{items: rep.items[n:len(rep.items):len(rep.items)]}
	}
	e, fr, in := b.entityFetch(ctx.f, j.graph, path, j.typeCond, j.types, j.typename, rep, req, deps)
	if len(j.requires) == 0 {
		in.keyOut, in.keyFields = out, j.key.Fields
	}
	inner := b.planField(fctx{f: e, entityRoot: true, keys: ctx.keys}, j.inner, f, fr.sel, path)
	return append([]*fb{e}, append(deps, inner...)...)
}

// keyedBefore returns the entity fetch (and its selection for j.typeCond)
// that a jump like j, without requirement, already keyed from the
// selection out at path.
func (b *builder) keyedBefore(parent *fb, out *selNode, path []string, j entityJump) (*fb, *fragB) {
	for _, c := range parent.children {
		if c.kind != Entity || c.subgraph != j.graph || !pathEq(c.path, path) {
			continue
		}
		for _, in := range c.inputs {
			if in.keyOut != out || in.keyFields != j.key.Fields || in.typeCond != j.typeCond || in.typename != j.typename || !slices.Equal(in.types, j.types) {
				continue
			}
			for _, fr := range c.frags {
				if fr.typeCond == j.typeCond {
					return c, fr
				}
			}
		}
	}
	return nil, nil
}

// routeKey names a jump: field of typ planned from subgraph from.
type routeKey struct{ typ, from, field string }

// inflight is a jump being planned at a response position.
type inflight struct {
	path []string
	key  routeKey
}

// inFlight reports whether the jump k is being planned at path (planning
// it again there would never end).
func (b *builder) inFlight(path []string, k routeKey) bool {
	for _, in := range b.inflight {
		if in.key == k && slices.Equal(in.path, path) {
			return true
		}
	}
	return false
}

// hasChild reports whether parent has an entity fetch to g at path: among
// jumps of equal cost, one continuing such a fetch is preferred.
func (b *builder) hasChild(parent *fb, path []string, g string) bool {
	for _, c := range parent.children {
		if c.kind == Entity && c.subgraph == g && pathEq(c.path, path) {
			return true
		}
	}
	return false
}

// splitsByType reports whether, at a position of the abstract type parent
// in the current subgraph, a runtime type there does not resolve field
// itself, though the abstract type's field does (progressive @override of
// an implementation's field, an implementation declaring it @external).
func (b *builder) splitsByType(ctx fctx, parent, field string) bool {
	for _, s := range ctx.provided {
		if f, ok := s.(*ast.Field); ok && f.Name == field {
			return false
		}
	}
	cur := ctx.f.subgraph
	pt := b.sg.Types[parent]
	if pt == nil || pt.InterfaceObject[cur] {
		return false
	}
	for _, name := range b.possibleTypes(parent) {
		st := b.sg.Types[name]
		if st == nil || st.Fields[field] == nil || !st.HasGraph(cur) || !b.memberIn(cur, name, pt) {
			continue
		}
		if _, ok := b.resolvableIn(cur, st, field, nil); !ok {
			return true
		}
	}
	return false
}

// jumpViaAncestor plans f, a field of the value type parent that the
// current subgraph does not resolve, from the nearest entity position
// above it: an entity fetch, keyed there, to a subgraph resolving every
// field leading from the entity down to f, whose answer merges into the
// same objects.
func (b *builder) jumpViaAncestor(ctx fctx, parent string, f *ast.Field) ([]*fb, bool) {
	a := ctx.anc
	if a == nil {
		return nil, false
	}
	if a.root {
		return b.jumpViaRoot(a, f)
	}
	at := b.sg.Types[a.typ]
	if at == nil || at.Fields[a.chain[0].Name] == nil {
		return nil, false
	}
	c := b.closure(at, a.ctx.f.subgraph, a.ctx.provided, a.ctx.entityRoot)
	if c == nil {
		return nil, true
	}
	best, graph := -1, ""
	for _, g := range at.Graphs {
		cost, ok := c.jumpCost(b, at, g, a.chain[0].Name)
		if !ok || !b.chainResolvable(g, a.typ, a.chain, f) {
			continue
		}
		if best < 0 || cost < best {
			best, graph = cost, g
		}
	}
	if graph == "" {
		return nil, false
	}
	// The chain of the client's fields, each selecting only the next.
	syn := f
	for i := len(a.chain) - 1; i >= 0; i-- {
		fc := *a.chain[i]
		fc.SelectionSet = ast.SelectionSet{syn}
		syn = &fc
	}
	return b.jumpInto(a.ctx, a.typ, syn, a.out, a.path, entityJump{
		graph: graph, typeCond: a.typ, types: []string{a.typ}, key: c.via[c.graphIndex(graph)],
		requires: requiresOf(at, a.chain[0].Name, graph), inner: a.typ,
	}), true
}

// jumpViaRoot plans f, a field of a value type under the root field of a
// query that the current subgraph does not resolve, with the same root
// field (same arguments and response key) asked of another subgraph that
// resolves every field from the root down to f (a @shareable root field
// whose value type's fields live in different subgraphs): the answers of
// the root fetches merge into the same objects. A subgraph already asked
// at the root is preferred.
func (b *builder) jumpViaRoot(a *ancestor, f *ast.Field) ([]*fb, bool) {
	graph := ""
	for _, g := range b.resolvers(a.typ, a.chain[0].Name) {
		if g == a.ctx.f.subgraph || !b.chainResolvable(g, a.typ, a.chain, f) {
			continue
		}
		if graph == "" || b.rootFetchTo(g) != nil && b.rootFetchTo(graph) == nil {
			graph = g
		}
	}
	if graph == "" {
		return nil, false
	}
	syn := f
	for i := len(a.chain) - 1; i >= 0; i-- {
		fc := *a.chain[i]
		fc.SelectionSet = ast.SelectionSet{syn}
		syn = &fc
	}
	rf := b.rootFetchTo(graph)
	if rf == nil {
		rf = b.newFetch(graph, Root, nil, nil)
	}
	return append([]*fb{rf}, b.planField(fctx{f: rf}, a.typ, syn, rf.root, nil)...), true
}

// rootFetchTo returns the root fetch of a query to subgraph g, if any.
func (b *builder) rootFetchTo(g string) *fb {
	for _, f := range b.fetches {
		if f.kind == Root && f.subgraph == g {
			return f
		}
	}
	return nil
}

// chainResolvable reports whether subgraph g resolves every field of chain
// from the entity type typ down, and f on the last value type.
func (b *builder) chainResolvable(g, typ string, chain []*ast.Field, f *ast.Field) bool {
	for i, cf := range append(slices.Clone(chain), f) {
		t := b.sg.Types[typ]
		if _, ok := b.resolvableIn(g, t, cf.Name, nil); !ok || i > 0 && b.hasRequires(t, cf.Name, g) {
			return false
		}
		def := b.fieldDef(typ, cf.Name)
		if def == nil {
			return false
		}
		typ = def.Type.Name()
	}
	return true
}

// jumpAbstract plans a field of an interface that the current subgraph
// cannot resolve: through an entity interface (a subgraph with a key on the
// interface, possibly an @interfaceObject), else per concrete type.
func (b *builder) jumpAbstract(ctx fctx, parent string, f *ast.Field, out *selNode, path []string) []*fb {
	cur := ctx.f.subgraph
	t := b.sg.Types[parent]
	if t != nil && t.Kind == ast.Interface {
		for _, g := range b.resolvers(parent, f.Name) {
			if g == cur && (ctx.entityRoot || !b.hasRequires(t, f.Name, g)) {
				// Resolved here, unless it has a requirement, which only
				// an entity fetch's representation carries (a field of
				// an @interfaceObject with @requires).
				continue
			}
			for _, k := range t.ResolvableKeys(g) {
				if !b.canProvide(ctx, t, k.Selection) {
					continue
				}
				typename := ""
				types := slices.Clone(b.possibleTypes(parent))
				if t.InterfaceObject[g] {
					typename = parent
					if g == cur {
						// Objects this subgraph answered carry the
						// interface's name until their concrete type is
						// fetched (the requirement needs it): both go.
						types = append(types, parent)
					}
				}
				return b.jumpInto(ctx, parent, f, out, path, entityJump{
					graph: g, typeCond: parent, typename: typename, types: types, key: k,
					requires: requiresOf(t, f.Name, g), inner: parent,
				})
			}
		}
	}
	var touched []*fb
	for _, pt := range b.possibleTypes(parent) {
		st := b.sg.Types[pt]
		if st == nil || !st.HasGraph(cur) {
			continue
		}
		fr := out.fragment(pt, nil)
		touched = append(touched, b.planField(ctx, pt, f, fr.sub, path)...)
	}
	return touched
}

// jumpViaInterface plans a field of a concrete type that only an entity
// interface resolves (typically an @interfaceObject subgraph).
func (b *builder) jumpViaInterface(ctx fctx, parent string, f *ast.Field, out *selNode, path []string) ([]*fb, bool) {
	def := b.api.Types[parent]
	if def == nil {
		return nil, false
	}
	ifaces := slices.Clone(def.Interfaces)
	sort.Strings(ifaces)
	t := b.sg.Types[parent]
	for _, iname := range ifaces {
		it := b.sg.Types[iname]
		if it == nil {
			continue
		}
		for _, g := range b.resolvers(iname, f.Name) {
			if g == ctx.f.subgraph {
				continue
			}
			for _, k := range it.ResolvableKeys(g) {
				if !b.canProvide(ctx, t, k.Selection) {
					continue
				}
				typename := ""
				if it.InterfaceObject[g] {
					typename = iname
				}
				return b.jumpInto(ctx, parent, f, out, path, entityJump{
					graph: g, typeCond: iname, typename: typename, types: []string{parent}, key: k,
					requires: requiresOf(it, f.Name, g), inner: iname,
				}), true
			}
		}
	}
	return nil, false
}

// canProvide reports whether the current fetch resolves every field of sel
// on t without another fetch.
func (b *builder) canProvide(ctx fctx, t *supergraph.Type, sel ast.SelectionSet) bool {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if s.Name == "__typename" {
				continue
			}
			prov, ok := b.resolvableIn(ctx.f.subgraph, t, s.Name, ctx.provided)
			if !ok {
				return false
			}
			if len(s.SelectionSet) > 0 {
				def := b.fieldDef(t.Name, s.Name)
				if def == nil {
					return false
				}
				if !b.canProvide(fctx{f: ctx.f, provided: prov}, b.sg.Types[def.Type.Name()], s.SelectionSet) {
					return false
				}
			}
		case *ast.InlineFragment:
			nt := t
			if s.TypeCondition != "" {
				nt = b.sg.Types[s.TypeCondition]
			}
			if nt == nil || !b.canProvide(ctx, nt, s.SelectionSet) {
				return false
			}
		}
	}
	return true
}

// provide adds the fields of a key or @requires field set to the current
// fetch's selection (through further fetches when needed) and to the
// representation rep. A field whose response key the client, or another
// field of the selection, already uses for something else (another field,
// other arguments, a conflicting subselection) is fetched under a private
// alias, and the representation reads it from there under the field's own
// name.
func (b *builder) provide(ctx fctx, parent string, sel ast.SelectionSet, out *selNode, path []string, rep *selNode) []*fb {
	var deps []*fb
	for _, s := range sel {
		f, ok := s.(*ast.Field)
		if !ok {
			// A fragment of the field set (on an abstract parent).
			deps = append(deps, b.planSelectionSet(ctx, parent, ast.SelectionSet{s}, out, path)...)
			b.addRep(rep, parent, ast.SelectionSet{s})
			continue
		}
		key, fc := f.Name, f
		if b.collides(ctx, out, f, path) {
			c := *f
			c.Alias = b.privateKey(ctx, out, f, path)
			key, fc = c.Alias, &c
		}
		b.claim(path, key, f)
		deps = append(deps, b.planSelectionSet(ctx, parent, ast.SelectionSet{fc}, out, path)...)
		ri := rep.field(key, f.Name, nil, nil, len(f.SelectionSet) > 0)
		if len(f.SelectionSet) > 0 {
			if def := b.fieldDef(parent, f.Name); def != nil {
				b.addRep(ri.sub, def.Type.Name(), f.SelectionSet)
			}
		}
	}
	return deps
}

// collides reports whether the response key of a field the gateway
// selects for itself is used for another field (or the same field with
// other arguments), by the client at this position, already in the
// subgraph selection, or by another of the gateway's selections at the
// position path in any fetch (their answers merge into the same objects).
func (b *builder) collides(ctx fctx, out *selNode, f *ast.Field, path []string) bool {
	as := argString(f.Arguments)
	for _, it := range out.items {
		if !it.fragment && it.key == f.Name && (it.name != f.Name || it.argStr != as) {
			return true
		}
	}
	if s, ok := b.claimed(path, f.Name); ok && s != f.Name+as {
		return true
	}
	cf := ctx.keys[f.Name]
	if cf == nil {
		return false
	}
	return cf.Name != f.Name || argString(cf.Arguments) != as || nestedCollides(cf.SelectionSet, f.SelectionSet)
}

// nestedCollides reports whether a field set's subselection sel (its
// fragments included) uses a response key that the client's selection of
// the same field uses for another field or other arguments (dimensions {
// height: width } against a requirement dimensions { width height depth }).
func nestedCollides(client ast.SelectionSet, sel ast.SelectionSet) bool {
	if len(sel) == 0 || len(client) == 0 {
		return false
	}
	keys := clientKeys(client, nil)
	var walk func(sel ast.SelectionSet) bool
	walk = func(sel ast.SelectionSet) bool {
		for _, s := range sel {
			switch s := s.(type) {
			case *ast.InlineFragment:
				if walk(s.SelectionSet) {
					return true
				}
			case *ast.Field:
				cf := keys[s.Name]
				if cf == nil {
					continue
				}
				if cf.Name != s.Name || argString(cf.Arguments) != argString(s.Arguments) || nestedCollides(cf.SelectionSet, s.SelectionSet) {
					return true
				}
			}
		}
		return false
	}
	return walk(sel)
}

// privateKey is a response key for the gateway's own selection of f that
// no client field at this position uses and that no other field (or other
// arguments of f) already takes in the subgraph selection out; the key f
// already has there, when it has one, is reused.
func (b *builder) privateKey(ctx fctx, out *selNode, f *ast.Field, path []string) string {
	as := argString(f.Arguments)
	key := "_cg_" + f.Name
	for {
		if s, ok := b.claimed(path, key); ok && s != f.Name+as {
			key = "_" + key
			continue
		}
		if ctx.keys[key] == nil {
			taken := false
			for _, it := range out.items {
				if !it.fragment && it.key == key {
					if it.name == f.Name && it.argStr == as {
						return key
					}
					taken = true
					break
				}
			}
			if !taken {
				return key
			}
		}
		key = "_" + key
	}
}

// claim records that the gateway's own selection of f (a key or required
// field) holds the response key key at the position path.
func (b *builder) claim(path []string, key string, f *ast.Field) {
	if !b.requiresWithArguments() {
		return
	}
	pk := strings.Join(path, "\x00")
	m := b.keysAt[pk]
	if m == nil {
		if b.keysAt == nil {
			b.keysAt = map[string]map[string]string{}
		}
		m = map[string]string{}
		b.keysAt[pk] = m
	}
	if _, ok := m[key]; !ok {
		m[key] = f.Name + argString(f.Arguments)
	}
}

// claimed returns the field (name and arguments) the gateway's own
// selections hold under key at the position path, if any.
func (b *builder) claimed(path []string, key string) (string, bool) {
	if len(b.keysAt) == 0 {
		return "", false
	}
	s, ok := b.keysAt[strings.Join(path, "\x00")][key]
	return s, ok
}

// requiresWithArguments reports whether a @requires of the supergraph
// names a field with arguments (cached): only then can two of the
// gateway's own selections at one position hold one field with different
// arguments, which claim and claimed keep apart.
func (b *builder) requiresWithArguments() bool {
	if b.reqArgs == 0 {
		b.reqArgs = -1
		for _, t := range b.sg.Types {
			for _, f := range t.Fields {
				for _, j := range f.Joins {
					if hasArguments(j.RequiresSel) {
						b.reqArgs = 1
						return true
					}
				}
			}
		}
	}
	return b.reqArgs > 0
}

// hasArguments reports whether a field set has a field with arguments.
func hasArguments(sel ast.SelectionSet) bool {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if len(s.Arguments) > 0 || hasArguments(s.SelectionSet) {
				return true
			}
		case *ast.InlineFragment:
			if hasArguments(s.SelectionSet) {
				return true
			}
		}
	}
	return false
}

// provideKey adds a key field the current subgraph resolves to its
// selection out and to the representation rep, under a private alias when
// its response key collides.
func (b *builder) provideKey(ctx fctx, parent string, s ast.Selection, out, rep *selNode, path []string) {
	f, ok := s.(*ast.Field)
	if !ok {
		return
	}
	key := f.Name
	if b.collides(ctx, out, f, path) {
		key = b.privateKey(ctx, out, f, path)
	}
	b.claim(path, key, f)
	it := out.field(key, f.Name, f.Arguments, nil, len(f.SelectionSet) > 0)
	ri := rep.field(key, f.Name, nil, nil, len(f.SelectionSet) > 0)
	if len(f.SelectionSet) > 0 {
		b.addSel(it.sub, f.SelectionSet)
		if def := b.fieldDef(parent, f.Name); def != nil {
			b.addRep(ri.sub, def.Type.Name(), f.SelectionSet)
		}
	}
}

// addSel adds a field set to a subgraph selection as it is.
func (b *builder) addSel(dst *selNode, sel ast.SelectionSet) {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			it := dst.field(s.Name, s.Name, s.Arguments, nil, len(s.SelectionSet) > 0)
			if len(s.SelectionSet) > 0 {
				b.addSel(it.sub, s.SelectionSet)
			}
		case *ast.InlineFragment:
			it := dst.fragment(s.TypeCondition, nil)
			b.addSel(it.sub, s.SelectionSet)
		}
	}
}

// addRep adds a field set on typ to a representation selection, each
// field read from its own response key. The representation is the field
// set's result exactly, as Apollo's gateway and router send it: the
// fragments of a value of abstract type apply by its __typename (which
// the subgraph selection always has), but the __typename goes into the
// representation only when the field set names it.
func (b *builder) addRep(dst *selNode, typ string, sel ast.SelectionSet) {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			it := dst.field(s.Name, s.Name, nil, nil, len(s.SelectionSet) > 0)
			if len(s.SelectionSet) > 0 {
				if def := b.fieldDef(typ, s.Name); def != nil {
					b.addRep(it.sub, def.Type.Name(), s.SelectionSet)
				}
			}
		case *ast.InlineFragment:
			cond := s.TypeCondition
			if cond == "" {
				cond = typ
			}
			it := dst.fragment(s.TypeCondition, nil)
			b.addRep(it.sub, cond, s.SelectionSet)
		}
	}
}

func (b *builder) resolve(f *fb) *fb {
	for f.into != nil {
		f = f.into
	}
	return f
}

func (b *builder) levelOf(f *fb, visiting map[*fb]bool) int {
	if f.leveled {
		return f.level
	}
	if visiting[f] {
		b.fail("cyclic fetch dependencies")
		return 0
	}
	visiting[f] = true
	lvl := 0
	if f.parent != nil {
		lvl = b.levelOf(f.parent, visiting) + 1
	}
	for _, d := range f.deps {
		if l := b.levelOf(d, visiting) + 1; l > lvl {
			lvl = l
		}
	}
	delete(visiting, f)
	f.level, f.leveled = lvl, true
	return lvl
}

// finish computes stages, merges entity fetches of one subgraph and stage,
// prints the subgraph queries and builds the fetch tree.
func (b *builder) finish(p *Plan) {
	visiting := map[*fb]bool{}
	for _, f := range b.fetches {
		b.levelOf(f, visiting)
	}
	// Merge entity fetches of the same subgraph, group and level.
	for i, f := range b.fetches {
		if f.kind != Entity || f.into != nil {
			continue
		}
		for _, g := range b.fetches[i+1:] {
			if g.kind != Entity || g.into != nil || g.subgraph != f.subgraph || g.level != f.level || g.group != f.group {
				continue
			}
			if !b.mergeable(f, g) {
				continue
			}
			for _, gf := range g.frags {
				merged := false
				for _, ff := range f.frags {
					if ff.typeCond == gf.typeCond {
						ff.sel.merge(gf.sel)
						merged = true
					}
				}
				if !merged {
					f.frags = append(f.frags, gf)
				}
			}
			for _, gi := range g.inputs {
				merged := false
				for _, fi := range f.inputs {
					if pathEq(fi.path, gi.path) && slices.Equal(fi.types, gi.types) && fi.typename == gi.typename {
						fi.rep.merge(gi.rep)
						merged = true
					}
				}
				if !merged {
					f.inputs = append(f.inputs, gi)
				}
			}
			f.deps = append(f.deps, g.deps...)
			g.into = f
		}
	}
	var live []*fb
	for _, f := range b.fetches {
		if f.into == nil {
			live = append(live, f)
		}
	}
	sort.SliceStable(live, func(i, j int) bool {
		if live[i].group != live[j].group {
			return live[i].group < live[j].group
		}
		if live[i].level != live[j].level {
			return live[i].level < live[j].level
		}
		return live[i].seq < live[j].seq
	})
	ids := map[*fb]int{}
	for i, f := range live {
		ids[f] = i
	}
	byGroup := map[int]map[int][]Node{}
	maxGroup := 0
	for _, f := range live {
		pf := &Fetch{ID: ids[f], Subgraph: f.subgraph, Kind: f.kind, Path: f.path}
		depSet := map[int]bool{}
		if f.parent != nil {
			depSet[ids[b.resolve(f.parent)]] = true
		}
		for _, d := range f.deps {
			depSet[ids[b.resolve(d)]] = true
		}
		delete(depSet, pf.ID)
		for d := range depSet {
			pf.DependsOn = append(pf.DependsOn, d)
		}
		sort.Ints(pf.DependsOn)
		b.printFetch(f, pf)
		p.Fetches = append(p.Fetches, pf)
		if byGroup[f.group] == nil {
			byGroup[f.group] = map[int][]Node{}
		}
		byGroup[f.group][f.level] = append(byGroup[f.group][f.level], pf)
		if f.group > maxGroup {
			maxGroup = f.group
		}
	}
	if len(live) == 0 {
		return
	}
	var groups []Node
	for g := 0; g <= maxGroup; g++ {
		levels := byGroup[g]
		var stages []Node
		for l := 0; ; l++ {
			ns, ok := levels[l]
			if !ok {
				break
			}
			if len(ns) == 1 {
				stages = append(stages, ns[0])
			} else {
				stages = append(stages, &Parallel{Nodes: ns})
			}
		}
		if len(stages) == 1 {
			groups = append(groups, stages[0])
		} else if len(stages) > 1 {
			groups = append(groups, &Sequence{Nodes: stages})
		}
	}
	if len(groups) == 1 {
		p.Root = groups[0]
	} else {
		p.Root = &Sequence{Nodes: groups}
	}
}

// mergeable reports whether two entity fetches can share one request
// without changing what either position gets: representations taken from
// the same objects must not need one field with two values (a requirement
// with other arguments), a type condition both
// select must carry the same selection (a position must not get, nor fail
// on, fields it did not ask for — a field whose @requires its
// representations lack, a non-null field whose error would null the
// entity), and fields of different type conditions sharing a response key
// must have the same shape (the subgraph validates them together).
func (b *builder) mergeable(f, g *fb) bool {
	for _, gi := range g.inputs {
		for _, fi := range f.inputs {
			if pathEq(fi.path, gi.path) && slices.Equal(fi.types, gi.types) && fi.typename == gi.typename && repConflicts(fi.rep, gi.rep) {
				return false
			}
		}
	}
	for _, gf := range g.frags {
		for _, ff := range f.frags {
			if ff.typeCond == gf.typeCond {
				if selString(ff.sel) != selString(gf.sel) {
					return false
				}
				continue
			}
			if b.shapesConflict(ff.typeCond, ff.sel, gf.typeCond, gf.sel) {
				return false
			}
		}
	}
	return true
}

func selString(s *selNode) string {
	var sb strings.Builder
	s.print(&sb, map[string]bool{})
	return sb.String()
}

// shapesConflict reports whether two selections on different parent types
// use one response key for fields of different names, arguments, types or
// subselections.
func (b *builder) shapesConflict(ta string, a *selNode, tb string, bs *selNode) bool {
	for _, ai := range a.items {
		if ai.fragment {
			if b.shapesConflict(orType(ai.typeCond, ta), ai.sub, tb, bs) {
				return true
			}
			continue
		}
		for _, bi := range bs.items {
			if bi.fragment {
				if b.shapesConflict(ta, &selNode{items: []*selItem{ai}}, orType(bi.typeCond, tb), bi.sub) {
					return true
				}
				continue
			}
			if ai.key != bi.key {
				continue
			}
			if ai.name != bi.name || ai.argStr != bi.argStr || (ai.sub == nil) != (bi.sub == nil) {
				return true
			}
			if ai.name == "__typename" {
				continue
			}
			da, db := b.fieldDef(ta, ai.name), b.fieldDef(tb, bi.name)
			if da == nil || db == nil || da.Type.String() != db.Type.String() {
				return true
			}
			if ai.sub != nil && b.shapesConflict(da.Type.Name(), ai.sub, db.Type.Name(), bi.sub) {
				return true
			}
		}
	}
	return false
}

func orType(cond, parent string) string {
	if cond == "" {
		return parent
	}
	return cond
}

func (b *builder) printFetch(f *fb, pf *Fetch) {
	vars := map[string]bool{}
	var body strings.Builder
	if f.kind == Root {
		f.root.print(&body, vars)
	} else {
		body.WriteString("{_entities(representations:$representations){")
		for _, fr := range f.frags {
			pf.EntityKeys = topKeys(fr.sel, pf.EntityKeys)
		}
		for i, fr := range f.frags {
			if i > 0 {
				body.WriteByte(' ')
			}
			body.WriteString("... on " + fr.typeCond)
			fr.sel.print(&body, vars)
		}
		body.WriteString("}}")
		for _, in := range f.inputs {
			fields := in.rep.repFields()
			parent := in.typeCond
			if len(in.types) == 1 {
				parent = in.types[0]
			}
			b.annotateRep(fields, parent)
			pf.Inputs = append(pf.Inputs, &Input{Path: in.path, Types: in.types, Typename: in.typename, Fields: fields})
		}
	}
	pf.Variables = sortedKeys(vars)
	var q strings.Builder
	op := string(b.op.Operation)
	if op == "" || f.kind == Entity {
		op = "query"
	}
	q.WriteString(op)
	if b.op.Name != "" {
		fmt.Fprintf(&q, " %s__%s__%d", b.op.Name, sanitize(f.subgraph), pf.ID)
	}
	var defs []string
	if f.kind == Entity {
		defs = append(defs, "$representations:[_Any!]!")
	}
	for _, v := range pf.Variables {
		vd := b.op.VariableDefinitions.ForName(v)
		if vd == nil {
			b.fail("undefined variable $%s", v)
			continue
		}
		s := "$" + v + ":" + vd.Type.String()
		if vd.DefaultValue != nil {
			s += "=" + vd.DefaultValue.String()
		}
		defs = append(defs, s)
	}
	if len(defs) > 0 {
		q.WriteString("(" + strings.Join(defs, ",") + ")")
	}
	q.WriteString(body.String())
	pf.Query = q.String()
	qj, _ := json.Marshal(pf.Query)
	pf.QueryJSON = string(qj)
	if f.kind == Root {
		for _, it := range f.root.items {
			if !it.fragment && !slices.Contains(pf.RootKeys, it.key) {
				pf.RootKeys = append(pf.RootKeys, it.key)
			}
		}
	}
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s)
}

// annotateRep sets the nullability and leaf kinds of representation fields
// from the API schema (fields it does not expose stay unchecked).
func (b *builder) annotateRep(fields []*RepField, parent string) {
	for _, f := range fields {
		typ := parent
		if f.TypeCond != "" {
			typ = f.TypeCond
			if b.isAbstract(typ) {
				f.CondTypes = b.possibleTypes(typ)
			}
		}
		def := b.fieldDef(typ, f.Name)
		if def == nil {
			continue
		}
		f.NonNull = def.Type.NonNull
		if len(f.Fields) > 0 {
			b.annotateRep(f.Fields, def.Type.Name())
			continue
		}
		if def.Type.Elem == nil {
			f.Leaf = LeafOf(b.api, def.Type.Name())
		}
	}
}

// topKeys adds the response keys of a selection's fields, those of its
// inline fragments included.
func topKeys(s *selNode, out []string) []string {
	for _, it := range s.items {
		switch {
		case it.fragment:
			out = topKeys(it.sub, out)
		case it.name != "__typename" && !slices.Contains(out, it.key):
			out = append(out, it.key)
		}
	}
	return out
}

// condValidIn reports whether `... on cond` inside a selection on parent
// is valid in subgraph sub's own schema: cond exists there and, per the
// join metadata, can be one of parent's possible types there.
func (b *builder) condValidIn(sub, parent, cond string) bool {
	t := b.sg.Types[cond]
	if t == nil || !t.HasGraph(sub) {
		return false
	}
	p := b.sg.Types[parent]
	if p == nil || !p.HasGraph(sub) || p.InterfaceObject[sub] || t.InterfaceObject[sub] {
		return true
	}
	if !b.isAbstract(cond) {
		return b.memberIn(sub, cond, p)
	}
	for _, o := range b.possibleTypes(parent) {
		ot := b.sg.Types[o]
		if ot != nil && ot.HasGraph(sub) && b.memberIn(sub, o, p) && b.memberIn(sub, o, t) {
			return true
		}
	}
	return false
}

// memberIn reports whether the object type obj belongs to the abstract
// type a in subgraph sub (unknown membership counts as belonging: a
// supergraph without join__implements or join__unionMember).
func (b *builder) memberIn(sub, obj string, a *supergraph.Type) bool {
	if obj == a.Name {
		return true
	}
	switch a.Kind {
	case ast.Union:
		members, ok := a.UnionMembers[sub]
		return !ok || slices.Contains(members, obj)
	case ast.Interface:
		ot := b.sg.Types[obj]
		if ot == nil {
			return false
		}
		impl, ok := ot.Implements[sub]
		if !ok {
			return !b.listsImplements()
		}
		return slices.Contains(impl, a.Name)
	}
	return false
}

// listsImplements reports whether the supergraph records join__implements
// (then a type without an entry implements nothing in that subgraph).
func (b *builder) listsImplements() bool {
	if b.implements == 0 {
		b.implements = -1
		for _, t := range b.sg.Types {
			if len(t.Implements) > 0 {
				b.implements = 1
				break
			}
		}
	}
	return b.implements > 0
}
