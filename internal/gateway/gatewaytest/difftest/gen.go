package difftest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/vektah/gqlparser/v2/ast"
)

// Features switch parts of the generator on and off. The CI test runs with
// every feature the gateway answers right; see ciFeatures.
type Features struct {
	// InlineFragments: inline fragments, with and without type conditions.
	InlineFragments bool
	// NamedFragments: fragment definitions and spreads (nested too).
	NamedFragments bool
	// Abstract: fields of interface and union types, fragments on their
	// possible types.
	Abstract bool
	// Aliases: fresh aliases.
	Aliases bool
	// KeyAliases: aliases named like key fields (id, upc, sku, org),
	// __typename, or another field of the type.
	KeyAliases bool
	// FieldAliases: aliases named like another field of the same type
	// (with KeyAliases).
	FieldAliases bool
	// TypenameAliases: the alias __typename on other fields (with
	// KeyAliases).
	TypenameAliases bool
	// Variables: arguments passed as variables.
	Variables bool
	// Defaults: variables with default values, sometimes omitted.
	Defaults bool
	// ExplicitNull: null literals and variables given as null, also where a
	// default exists.
	ExplicitNull bool
	// NullOverDefault: a variable with a default, used where the argument
	// is non-null, given explicitly as null (a field error, as in
	// graphql-js).
	NullOverDefault bool
	// SkipInclude: @skip/@include with literal conditions.
	SkipInclude bool
	// VariableDirectives: @skip/@include with variable conditions.
	VariableDirectives bool
	// DirectiveNull: directive variables with a default given explicitly
	// as null (a field error, or data null at the root, as in graphql-js).
	DirectiveNull bool
	// DuplicateKeys: the same response key selected again under other
	// conditions with another sub-selection.
	DuplicateKeys bool
	// RepeatedSpreads: the same fragment spread twice in a selection set,
	// each with its own conditions.
	RepeatedSpreads bool
	// InputObjects: input object and list arguments.
	InputObjects bool
	// Mutations: mutation operations.
	Mutations bool
	// Faults: fields of the faults subgraph (HTTP 500, a body that is not
	// JSON). The slow field is never generated.
	Faults bool
	// MistypedKeys: the faults subgraph's products whose keys are null or
	// of the wrong type.
	MistypedKeys bool
	// MutationFaults: faults fields in mutations too (where a product may
	// not exist).
	MutationFaults bool
	// Requires: the @requires field Product.shippingCost.
	Requires bool
	// ErrorFields: Product.discontinuedReason, which fails for one product
	// with a field error.
	ErrorFields bool
	// ImpossibleFragments: fragments whose type condition cannot match the
	// object they apply to (they collect to nothing).
	ImpossibleFragments bool
	// NarrowingFragments: fragments whose type condition narrows the
	// possible types (... on Movie inside a Media).
	NarrowingFragments bool
	// SiblingComposites: more than one object-valued response key in a
	// selection set, so that the same entity type is reached at several
	// positions (off: every object has at most one object-valued key).
	SiblingComposites bool
	// MultipleOperations: documents with a second operation, one chosen by
	// operationName (with Invalid: sometimes none, or an unknown one).
	MultipleOperations bool
	// InvalidUnselected: in a document of two operations, the invalid
	// part may be in the operation not chosen by operationName (the whole
	// document must be valid).
	InvalidUnselected bool
	// Invalid: a share of operations that are invalid (validation or
	// variable coercion errors).
	Invalid bool
	// OutOfRange: Int values outside 32 bits (as literals and variables).
	OutOfRange bool
	// LiteralForms: strings with quotes, backslashes, control characters,
	// non-ASCII and non-BMP characters (which mutations echo back), string
	// literals written as block strings or with \u escapes, and Int
	// literals and JSON numbers for ID arguments (input coercion to "4").
	LiteralForms bool
}

// AllFeatures switches everything on.
func AllFeatures() Features {
	return Features{InlineFragments: true, NamedFragments: true, Abstract: true, Aliases: true, KeyAliases: true, TypenameAliases: true, FieldAliases: true,
		Variables: true, Defaults: true, ExplicitNull: true, NullOverDefault: true, SkipInclude: true, VariableDirectives: true,
		DirectiveNull: true, DuplicateKeys: true, RepeatedSpreads: true, InputObjects: true, Mutations: true, Faults: true, MistypedKeys: true, MutationFaults: true,
		Requires: true, ErrorFields: true, SiblingComposites: true, ImpossibleFragments: true, NarrowingFragments: true, MultipleOperations: true, InvalidUnselected: true, Invalid: true, OutOfRange: true, LiteralForms: true}
}

// featureNames lists the features by name, for flags and reports.
func (f *Features) byName() map[string]*bool {
	return map[string]*bool{
		"inline-fragments": &f.InlineFragments, "named-fragments": &f.NamedFragments, "abstract": &f.Abstract,
		"aliases": &f.Aliases, "key-aliases": &f.KeyAliases, "typename-aliases": &f.TypenameAliases, "field-aliases": &f.FieldAliases, "variables": &f.Variables, "defaults": &f.Defaults,
		"explicit-null": &f.ExplicitNull, "null-over-default": &f.NullOverDefault, "skip-include": &f.SkipInclude, "variable-directives": &f.VariableDirectives,
		"directive-null": &f.DirectiveNull, "duplicate-keys": &f.DuplicateKeys, "repeated-spreads": &f.RepeatedSpreads, "input-objects": &f.InputObjects,
		"mutations": &f.Mutations, "faults": &f.Faults, "mutation-faults": &f.MutationFaults, "mistyped-keys": &f.MistypedKeys, "requires": &f.Requires, "error-fields": &f.ErrorFields, "sibling-composites": &f.SiblingComposites, "impossible-fragments": &f.ImpossibleFragments, "narrowing-fragments": &f.NarrowingFragments, "multiple-operations": &f.MultipleOperations, "invalid-unselected": &f.InvalidUnselected, "invalid": &f.Invalid, "out-of-range": &f.OutOfRange, "literal-forms": &f.LiteralForms,
	}
}

// String lists the features that are on.
func (f Features) String() string {
	var on []string
	for n, p := range f.byName() {
		if *p {
			on = append(on, n)
		}
	}
	sort.Strings(on)
	return strings.Join(on, ",")
}

// ParseFeatures reads a comma-separated list of feature names ("all" for
// every one; "-name" switches one off).
func ParseFeatures(s string, base Features) (Features, error) {
	f := base
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if n == "all" {
			f = AllFeatures()
			continue
		}
		on := true
		if strings.HasPrefix(n, "-") {
			on, n = false, n[1:]
		}
		p, ok := f.byName()[n]
		if !ok {
			return f, fmt.Errorf("unknown feature %q", n)
		}
		*p = on
	}
	return f, nil
}

// Op is one generated operation.
type Op struct {
	Query     string
	Variables map[string]any
	// Conditions are the variables of @skip/@include conditions, with
	// whether they have a default: Variants re-rolls their values.
	Conditions map[string]bool
	// OperationName is sent with the request ("" for none).
	OperationName string
	// Invalid names the invalidity injected on purpose ("" for none; the
	// operation may still be invalid by accident, which both executors
	// must then agree on).
	Invalid string
}

// Generator produces operations over the API schema from a seed.
type Generator struct {
	schema *ast.Schema
	f      Features
	rnd    *rand.Rand
	// Size scales operations: fields per operation (28 × Size) and depth
	// (5 + Size - 1). 1 by default.
	Size int
}

// NewGenerator returns a generator of operations over schema.
func NewGenerator(schema *ast.Schema, f Features, seed uint64) *Generator {
	return &Generator{schema: schema, f: f, rnd: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
}

// opState is the state of one operation being generated.
type opState struct {
	g        *Generator
	vars     []varDef
	values   map[string]any
	frags    []string
	nFrag    int
	nAlias   int
	nVar     int
	budget   int // fields left
	boolVars []string
	noFaults bool
	maxDepth int
	// outOfRange is set once an Int outside 32 bits was generated.
	outOfRange bool
	// fragPrefix tells the fragments of a second operation apart.
	fragPrefix string
	// faultsRoot is set once a faults root field is selected: the faults
	// subgraph fails or answers canned data for a whole request, so a
	// second one batched with it would be observable.
	faultsRoot string
	// canned is set below a field the faults subgraph answers with canned
	// data, which ignores aliases.
	canned bool
}

type varDef struct{ name, typ, def string }

// scope tracks the response keys of one merged selection set, so that
// generated operations pass OverlappingFieldsCanBeMerged.
type scope struct {
	keys map[string]*keyEntry
	// composite is the object-valued response key, when SiblingComposites
	// is off.
	composite string
}

type keyEntry struct {
	sig   string // field name, arguments text and type
	child *scope
	// copies are the earlier selections of this key (text), reused by
	// DuplicateKeys.
	field *ast.FieldDefinition
	args  string
}

func newScope() *scope { return &scope{keys: map[string]*keyEntry{}} }

func (g *Generator) chance(p float64) bool { return g.rnd.Float64() < p }

func pick[T any](g *Generator, xs []T) T { return xs[g.rnd.IntN(len(xs))] }

// Next generates an operation.
func (g *Generator) Next() Op {
	size := max(1, g.Size)
	st := &opState{g: g, values: map[string]any{}, budget: 28 * size, maxDepth: 4 + size}
	root := g.schema.Query
	kw := "query"
	if g.f.Mutations && g.schema.Mutation != nil && g.chance(0.07) {
		root, kw = g.schema.Mutation, "mutation"
		st.noFaults = !g.f.MutationFaults
	}
	sc := newScope()
	var sel string
	if root == g.schema.Mutation {
		sel = st.mutationRoot(sc)
	} else {
		sel = st.selectionSet(root, sc, 0, []string{root.Name})
	}
	op := Op{}
	if g.f.Invalid && g.chance(0.1) {
		var extra string
		extra, op.Invalid = st.invalid()
		if extra != "" {
			sel = strings.TrimSuffix(sel, "}") + extra + " }"
		}
	}
	multi := g.f.MultipleOperations && g.chance(0.08)
	var b strings.Builder
	b.WriteString(kw)
	switch {
	case multi:
		b.WriteString(" A")
	case g.chance(0.3):
		b.WriteString(" Op" + strconv.Itoa(g.rnd.IntN(100)))
	}
	if len(st.vars) > 0 {
		b.WriteString("(")
		for i, v := range st.vars {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("$" + v.name + ": " + v.typ)
			if v.def != "" {
				b.WriteString(" = " + v.def)
			}
		}
		b.WriteString(")")
	}
	b.WriteString(" ")
	b.WriteString(sel)
	for _, f := range st.frags {
		b.WriteString("\n")
		b.WriteString(f)
	}
	if multi {
		// A second operation, without variables (the request's variables
		// are the first one's), its fragments named apart.
		f2 := g.f
		f2.Variables, f2.VariableDirectives, f2.Mutations, f2.Faults = false, false, false, false
		st2 := &opState{g: &Generator{schema: g.schema, f: f2, rnd: g.rnd}, values: map[string]any{}, budget: 8, maxDepth: 3, fragPrefix: "G"}
		sel2 := st2.selectionSet(g.schema.Query, newScope(), 0, []string{g.schema.Query.Name})
		b.WriteString("\nquery B " + sel2)
		for _, f := range st2.frags {
			b.WriteString("\n")
			b.WriteString(f)
		}
		switch r := g.rnd.Float64(); {
		case g.f.Invalid && r < 0.1:
			op.Invalid = "several operations and no operationName"
		case g.f.Invalid && r < 0.2:
			op.OperationName, op.Invalid = "Nope", "unknown operationName"
		case st2.outOfRange && !g.f.InvalidUnselected:
			op.OperationName = "B"
		case r < 0.6 || ((op.Invalid != "" || st.outOfRange) && !g.f.InvalidUnselected):
			op.OperationName = "A"
		default:
			op.OperationName = "B"
		}
	}
	op.Query = b.String()
	op.Variables = st.values
	if len(st.boolVars) > 0 {
		op.Conditions = map[string]bool{}
		for _, v := range st.vars {
			if slices.Contains(st.boolVars, v.name) {
				op.Conditions[v.name] = v.def != ""
			}
		}
	}
	return op
}

// Variant returns op with the values of its condition variables re-rolled
// (the same document, so the gateway's cached plan for it is reused with
// other conditions), or false when it has none.
func (g *Generator) Variant(op Op) (Op, bool) {
	if len(op.Conditions) == 0 {
		return op, false
	}
	vars := make(map[string]any, len(op.Variables))
	for k, v := range op.Variables {
		vars[k] = v
	}
	names := make([]string, 0, len(op.Conditions))
	for n := range op.Conditions {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		switch r := g.rnd.Float64(); {
		case op.Conditions[n] && r < 0.3:
			delete(vars, n) // the default applies
		case op.Conditions[n] && r < 0.35 && g.f.DirectiveNull:
			vars[n] = nil
		default:
			vars[n] = g.chance(0.5)
		}
	}
	v := op
	v.Variables = vars
	return v, true
}

// fields a generated operation may select on t.
func (st *opState) fieldsOf(t *ast.Definition) []*ast.FieldDefinition {
	var out []*ast.FieldDefinition
	for _, f := range t.Fields {
		if strings.HasPrefix(f.Name, "__") || f.Name == "slow" {
			continue
		}
		if (!st.g.f.Faults || st.noFaults || st.canned) && (faultsRoots[f.Name] || f.Name == "warranty") {
			continue
		}
		if !st.g.f.MistypedKeys && f.Name == "mistypedProducts" {
			continue
		}
		if (!st.g.f.Requires && f.Name == "shippingCost") || (!st.g.f.ErrorFields && f.Name == "discontinuedReason") {
			continue
		}
		if !st.g.f.Abstract && st.isAbstract(f.Type.Name()) {
			continue
		}
		if !st.g.f.InputObjects && slices.ContainsFunc(f.Arguments, func(a *ast.ArgumentDefinition) bool {
			return a.Type.NonNull && (a.Type.Elem != nil || st.g.schema.Types[a.Type.Name()].Kind == ast.InputObject)
		}) {
			continue
		}
		out = append(out, f)
	}
	return out
}

func (st *opState) isAbstract(name string) bool {
	d := st.g.schema.Types[name]
	return d != nil && (d.Kind == ast.Interface || d.Kind == ast.Union)
}

func (st *opState) composite(name string) bool {
	d := st.g.schema.Types[name]
	return d != nil && (d.Kind == ast.Object || d.Kind == ast.Interface || d.Kind == ast.Union)
}

// selectionSet generates "{ ... }" for type t.
func (st *opState) selectionSet(t *ast.Definition, sc *scope, depth int, poss []string) string {
	g := st.g
	n := 1 + g.rnd.IntN(3)
	if depth == 0 {
		n = 1 + g.rnd.IntN(3)
	}
	var items []string
	for i := 0; i < n; i++ {
		r := g.rnd.Float64()
		switch {
		case r < 0.15 && g.f.InlineFragments && depth < st.maxDepth:
			items = append(items, st.inlineFragment(t, sc, depth, poss))
		case r < 0.25 && g.f.NamedFragments && depth < st.maxDepth:
			items = append(items, st.fragmentSpread(t, sc, depth, poss))
		default:
			items = append(items, st.field(t, sc, depth)...)
		}
	}
	if st.isAbstract(t.Name) && g.f.InlineFragments && g.chance(0.7) {
		items = append(items, st.inlineFragment(t, sc, depth, poss))
	}
	return "{ " + strings.Join(items, " ") + " }"
}

// conditions a fragment inside t may have: t, the abstract types t
// belongs to, or t's possible types.
func (st *opState) fragmentTypes(t *ast.Definition) []*ast.Definition {
	s := st.g.schema
	out := []*ast.Definition{t}
	switch t.Kind {
	case ast.Object:
		if st.g.f.Abstract {
			out = append(out, s.GetImplements(t)...)
		}
	default:
		out = append(out, s.GetPossibleTypes(t)...)
	}
	return out
}

// possible lists the object types a value of type t may have.
func (st *opState) possible(t *ast.Definition) []string {
	if t.Kind == ast.Object {
		return []string{t.Name}
	}
	var out []string
	for _, p := range st.g.schema.GetPossibleTypes(t) {
		out = append(out, p.Name)
	}
	return out
}

// fragmentType picks a fragment's type condition inside t where the object
// is one of poss, and returns the types still possible inside it.
func (st *opState) fragmentType(t *ast.Definition, poss []string) (*ast.Definition, []string) {
	var cands []*ast.Definition
	for _, c := range st.fragmentTypes(t) {
		in := intersect(poss, st.possible(c))
		if !st.g.f.NarrowingFragments && len(in) < len(poss) {
			continue
		}
		if len(in) > 0 || st.g.f.ImpossibleFragments {
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		cands = []*ast.Definition{t}
	}
	c := pick(st.g, cands)
	return c, intersect(poss, st.possible(c))
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func (st *opState) inlineFragment(t *ast.Definition, sc *scope, depth int, poss []string) string {
	g := st.g
	cond, inner := st.fragmentType(t, poss)
	head := "..."
	if cond != t || g.chance(0.7) || t.Kind != ast.Object {
		head += " on " + cond.Name
	} else {
		cond = t
	}
	return head + st.directives() + " " + st.selectionSet(cond, sc, depth+1, inner)
}

func (st *opState) fragmentSpread(t *ast.Definition, sc *scope, depth int, poss []string) string {
	g := st.g
	cond, inner := st.fragmentType(t, poss)
	name := "F" + st.fragPrefix + strconv.Itoa(st.nFrag)
	st.nFrag++
	body := st.selectionSet(cond, sc, depth+1, inner)
	st.frags = append(st.frags, "fragment "+name+" on "+cond.Name+" "+body)
	spread := "..." + name + st.directives()
	if g.f.RepeatedSpreads && g.chance(0.2) {
		spread += " ..." + name + st.directives()
	}
	return spread
}

// typename selects __typename in scope sc (under an alias when the key
// __typename is taken by another field), registering its response key.
func (st *opState) typename(t *ast.Definition, sc *scope) string {
	const sig = "__typename:String!"
	prefix := ""
	if !st.canned {
		prefix = st.alias(t, sc, "__typename", sig)
	}
	key := strings.TrimSuffix(prefix, ": ")
	if key == "" {
		key = "__typename"
	}
	if sc.keys[key] == nil {
		sc.keys[key] = &keyEntry{sig: sig, child: newScope()}
	}
	return prefix + "__typename"
}

// faultsOK reports whether fd may be selected on t: only one root field of
// the faults subgraph per operation.
func (st *opState) faultsOK(t *ast.Definition, fd *ast.FieldDefinition) bool {
	if t != st.g.schema.Query || !faultsRoots[fd.Name] {
		return true
	}
	if st.faultsRoot != "" && st.faultsRoot != fd.Name {
		return false
	}
	st.faultsRoot = fd.Name
	return true
}

// faultsRoots are the root fields of the faults subgraph.
var faultsRoots = map[string]bool{"http500": true, "garbage": true, "mistyped": true, "mistypedProducts": true}

// keyNames are aliases that collide with what a gateway needs.
var keyNames = []string{"id", "upc", "sku", "org", "__typename", "name", "reviews", "author", "product"}

// field generates one field selection (and maybe copies of its key).
func (st *opState) field(t *ast.Definition, sc *scope, depth int) []string {
	g := st.g
	if st.budget <= 0 || g.chance(0.08) {
		return []string{st.typename(t, sc) + st.directives()}
	}
	st.budget--
	fields := st.fieldsOf(t)
	if len(fields) == 0 {
		return []string{st.typename(t, sc)}
	}
	fd := pick(g, fields)
	if depth >= st.maxDepth-1 && st.composite(fd.Type.Name()) {
		// Prefer leaves deep down.
		for i := 0; i < 3 && st.composite(fd.Type.Name()); i++ {
			fd = pick(g, fields)
		}
	}
	if !st.faultsOK(t, fd) {
		return []string{st.typename(t, sc)}
	}
	var args, prefix, key string
	if !g.f.SiblingComposites && st.composite(fd.Type.Name()) && sc.composite != "" {
		// Only one object-valued key here: select that one again, or a leaf.
		e := sc.keys[sc.composite]
		if same := t.Fields.ForName(e.field.Name); same != nil && same.Type.String() == e.field.Type.String() && st.faultsOK(t, same) {
			fd, args, key = same, e.args, sc.composite
			if key != fd.Name {
				prefix = key + ": "
			}
		} else {
			return []string{st.typename(t, sc)}
		}
	} else {
		noAlias := st.canned || (t == g.schema.Query && faultsRoots[fd.Name])
		if e := sc.keys[fd.Name]; noAlias && e != nil {
			// No alias possible here: the same field again with the same
			// arguments, or another one.
			if e.field != fd {
				return []string{st.typename(t, sc)}
			}
			args = e.args
		} else {
			args = st.arguments(t, fd)
		}
		if !st.canned && !(t == g.schema.Query && faultsRoots[fd.Name]) {
			prefix = st.alias(t, sc, fd.Name, fd.Name+args+":"+fd.Type.String())
		}
		key = strings.TrimSuffix(prefix, ": ")
		if key == "" {
			key = fd.Name
		}
		if !g.f.SiblingComposites && st.composite(fd.Type.Name()) {
			sc.composite = key
		}
	}
	sig := fd.Name + args + ":" + fd.Type.String()
	e := sc.keys[key]
	if e == nil {
		e = &keyEntry{sig: sig, child: newScope(), field: fd, args: args}
		sc.keys[key] = e
	}
	one := func() string {
		s := prefix + fd.Name + args + st.directives()
		if st.composite(fd.Type.Name()) {
			if depth >= st.maxDepth {
				s += " { " + st.typename(st.g.schema.Types[fd.Type.Name()], e.child) + " }"
			} else {
				ft := st.g.schema.Types[fd.Type.Name()]
				was := st.canned
				st.canned = st.canned || fd.Name == "mistyped" || fd.Name == "mistypedProducts"
				s += " " + st.selectionSet(ft, e.child, depth+1, st.possible(ft))
				st.canned = was
			}
		}
		return s
	}
	out := []string{one()}
	if g.f.DuplicateKeys && g.chance(0.15) {
		out = append(out, one())
	}
	return out
}

// alias returns "alias: " or "" for a field named name with signature sig,
// never colliding with a different field under the same response key.
func (st *opState) alias(t *ast.Definition, sc *scope, name, sig string) string {
	g := st.g
	if st.nAlias >= 40 {
		// The gateway's default limit is 64 aliases per operation.
		if e := sc.keys[name]; e == nil || e.sig == sig {
			return ""
		}
	}
	free := func(k string) bool {
		e := sc.keys[k]
		return e == nil || e.sig == sig
	}
	if g.f.KeyAliases && g.chance(0.15) {
		k := pick(g, keyNames)
		if g.f.FieldAliases && g.chance(0.4) && len(t.Fields) > 0 {
			// Another field of the same type.
			k = pick(g, t.Fields).Name
		}
		if k == "__typename" && !g.f.TypenameAliases {
			k = name
		}
		if k != name && free(k) {
			return k + ": "
		}
	}
	if g.f.Aliases && g.chance(0.2) {
		// Reuse an existing alias of the same field, or a fresh one.
		keys := make([]string, 0, len(sc.keys))
		for k := range sc.keys {
			keys = append(keys, k)
		}
		sort.Strings(keys) // map order would make a seed's operations vary
		for _, k := range keys {
			if sc.keys[k].sig == sig && k != name && g.chance(0.5) {
				return k + ": "
			}
		}
		st.nAlias++
		return "a" + strconv.Itoa(st.nAlias) + ": "
	}
	if free(name) {
		return ""
	}
	st.nAlias++
	return "a" + strconv.Itoa(st.nAlias) + ": "
}

// directives generates @skip/@include (or nothing).
func (st *opState) directives() string {
	g := st.g
	if !g.f.SkipInclude && !g.f.VariableDirectives {
		return ""
	}
	if !g.chance(0.3) {
		return ""
	}
	var out string
	for _, d := range []string{"skip", "include"} {
		if g.chance(0.55) {
			out += " @" + d + "(if: " + st.condition() + ")"
		}
	}
	if out != "" && g.chance(0.2) {
		// Both directives, in the other order.
		parts := strings.SplitAfter(out, ")")
		slices.Reverse(parts)
		out = strings.Join(parts, "")
	}
	return out
}

func (st *opState) condition() string {
	g := st.g
	if !g.f.VariableDirectives || (g.f.SkipInclude && g.chance(0.5)) {
		return strconv.FormatBool(g.chance(0.5))
	}
	if len(st.boolVars) > 0 && g.chance(0.4) {
		return "$" + pick(g, st.boolVars)
	}
	name := "b" + strconv.Itoa(st.nVar)
	st.nVar++
	st.boolVars = append(st.boolVars, name)
	v := varDef{name: name, typ: "Boolean!"}
	if g.f.Defaults && g.chance(0.5) {
		v.typ, v.def = "Boolean", strconv.FormatBool(g.chance(0.5))
		switch r := g.rnd.Float64(); {
		case r < 0.4:
			// omitted: the default applies
		case r < 0.5 && g.f.DirectiveNull:
			st.values[name] = nil
		default:
			st.values[name] = g.chance(0.5)
		}
	} else {
		st.values[name] = g.chance(0.5)
	}
	st.vars = append(st.vars, v)
	return "$" + name
}

// arguments generates the argument list of a field.
func (st *opState) arguments(t *ast.Definition, fd *ast.FieldDefinition) string {
	g := st.g
	var parts []string
	for _, ad := range fd.Arguments {
		optional := !ad.Type.NonNull || ad.DefaultValue != nil
		if optional && g.chance(0.35) {
			continue
		}
		val := st.value(t.Name+"."+fd.Name+"."+ad.Name, ad.Type)
		if g.f.Variables && g.chance(0.4) {
			parts = append(parts, ad.Name+": "+st.variable(ad, val))
			continue
		}
		if g.f.ExplicitNull && !ad.Type.NonNull && g.chance(0.1) {
			parts = append(parts, ad.Name+": null")
			continue
		}
		parts = append(parts, ad.Name+": "+st.literalVars(val, ad.Type))
	}
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// variable declares a variable for an argument and gives (or omits) its
// value.
func (st *opState) variable(ad *ast.ArgumentDefinition, val any) string {
	g := st.g
	name := "v" + strconv.Itoa(st.nVar)
	st.nVar++
	typ := ad.Type.String()
	v := varDef{name: name, typ: typ}
	if g.f.Defaults && g.chance(0.4) {
		if ad.Type.NonNull {
			nt := *ad.Type
			nt.NonNull = false
			v.typ = nt.String()
		}
		v.def = st.literal(st.value("", ad.Type), ad.Type)
		switch r := g.rnd.Float64(); {
		case r < 0.4:
		case r < 0.6 && g.f.ExplicitNull && (g.f.NullOverDefault || !ad.Type.NonNull):
			st.values[name] = nil
		default:
			st.values[name] = val
		}
	} else if !ad.Type.NonNull {
		switch r := g.rnd.Float64(); {
		case r < 0.2:
		case r < 0.35 && g.f.ExplicitNull:
			st.values[name] = nil
		default:
			st.values[name] = val
		}
	} else {
		st.values[name] = val
	}
	st.vars = append(st.vars, v)
	return "$" + name
}

// value generates a value for an input position named by coordinate
// (Type.field.arg) of type t, as plain JSON-ready Go data.
func (st *opState) value(coord string, t *ast.Type) any {
	g := st.g
	if !t.NonNull && g.f.ExplicitNull && g.chance(0.05) {
		return nil
	}
	if t.Elem != nil {
		n := g.rnd.IntN(3)
		l := make([]any, 0, n)
		for i := 0; i < n; i++ {
			l = append(l, st.value(coord, t.Elem))
		}
		if n == 1 && g.chance(0.3) {
			return l[0] // a single value where a list is expected
		}
		return l
	}
	if g.f.LiteralForms {
		switch {
		case t.NamedType == "String" && g.chance(0.15):
			return pick(g, specialStrings)
		case t.NamedType == "ID" && g.chance(0.15):
			return int64(pick(g, []int{1, 4, 0}))
		}
	}
	switch coord {
	case "Query.product.upc", "ReviewInput.upc":
		return pick(g, []any{"1", "2", "3", "4", "9"})
	case "Query.user.id", "ReviewInput.authorId":
		return pick(g, []any{"u1", "u2", "u3", "u4", "u9"})
	case "Query.org.id":
		return pick(g, []any{"o1", "o2", "o3"})
	case "Query.review.id":
		return pick(g, []any{"r1", "r2", "r3", "r4", "r9"})
	case "Query.search.text":
		return pick(g, []any{"a", "e", "ch", "", "Table", "zz"})
	case "UserFilter.bornAfter", "NewUser.birthDate":
		return pick(g, []any{"1900-01-01", "1910-01-01", "1815-12-10"})
	case "UserFilter.nameContains":
		return pick(g, []any{"a", "Al", "Grace", "x"})
	case "Product.priceIn.currency":
		// The currencies of the test world, and one it does not know.
		return pick(g, []any{"EUR", "USD", "CHF", "XYZ"})
	}
	def := st.g.schema.Types[t.NamedType]
	switch def.Kind {
	case ast.Enum:
		return pick(g, def.EnumValues).Name
	case ast.InputObject:
		m := map[string]any{}
		for _, f := range def.Fields {
			if !f.Type.NonNull && g.chance(0.5) {
				continue
			}
			if f.DefaultValue != nil && g.chance(0.5) {
				continue
			}
			m[f.Name] = st.value(def.Name+"."+f.Name, f.Type)
		}
		return m
	}
	switch t.NamedType {
	case "Int":
		if g.f.OutOfRange && g.chance(0.03) {
			st.outOfRange = true
			return pick(g, []any{int64(2147483648), int64(-2147483649), int64(1) << 40})
		}
		return int64(pick(g, []int{0, 1, 2, 3, 4, 5, 6, -1, 2147483647}))
	case "Float":
		return pick(g, []any{0.5, 1.0, 12.5})
	case "Boolean":
		return g.chance(0.5)
	case "ID":
		return pick(g, []any{"u1", "b1", "m1", "r1", "o1"})
	case "String":
		return pick(g, []any{"x", "Ada", "Great", "ok"})
	}
	return "1906-12-09" // custom scalars: the Date of the test world
}

// literalVars renders a value as a literal of type t in which, with
// Variables and InputObjects on, some input-object fields and list items
// are variables (given, omitted or null).
func (st *opState) literalVars(v any, t *ast.Type) string {
	g := st.g
	if v == nil || !g.f.Variables || !g.f.InputObjects {
		return st.literal(v, t)
	}
	if t.Elem != nil {
		l, ok := v.([]any)
		if !ok {
			return st.literal(v, t)
		}
		parts := make([]string, len(l))
		for i, x := range l {
			parts[i] = st.nestedValue(x, t.Elem)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	def := g.schema.Types[t.NamedType]
	if def.Kind != ast.InputObject {
		return st.literal(v, t)
	}
	m := v.(map[string]any)
	var parts []string
	for _, f := range def.Fields {
		if x, ok := m[f.Name]; ok {
			parts = append(parts, f.Name+": "+st.nestedValue(x, f.Type))
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// nestedValue renders a value inside a list or input object literal: a
// variable of exactly type t now and then (omitted or null when t is
// nullable: the field is then absent, or null), else a literal.
func (st *opState) nestedValue(v any, t *ast.Type) string {
	g := st.g
	if !g.chance(0.25) {
		return st.literalVars(v, t)
	}
	name := "n" + strconv.Itoa(st.nVar)
	st.nVar++
	st.vars = append(st.vars, varDef{name: name, typ: t.String()})
	switch r := g.rnd.Float64(); {
	case !t.NonNull && r < 0.2:
		// omitted
	case !t.NonNull && r < 0.3 && g.f.ExplicitNull:
		st.values[name] = nil
	default:
		st.values[name] = v
	}
	return "$" + name
}

// literal renders a value as a GraphQL literal of type t.
func (st *opState) literal(v any, t *ast.Type) string {
	if v == nil {
		return "null"
	}
	if t.Elem != nil {
		l, ok := v.([]any)
		if !ok {
			return st.literal(v, t.Elem)
		}
		parts := make([]string, len(l))
		for i, x := range l {
			parts[i] = st.literal(x, t.Elem)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	def := st.g.schema.Types[t.NamedType]
	switch def.Kind {
	case ast.Enum:
		return fmt.Sprint(v)
	case ast.InputObject:
		m := v.(map[string]any)
		var parts []string
		for _, f := range def.Fields {
			if x, ok := m[f.Name]; ok {
				parts = append(parts, f.Name+": "+st.literal(x, f.Type))
			}
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	switch x := v.(type) {
	case string:
		return st.stringLiteral(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// mutationRoot generates the selection set of a mutation.
func (st *opState) mutationRoot(sc *scope) string {
	g := st.g
	n := 1 + g.rnd.IntN(3)
	var items []string
	for i := 0; i < n; i++ {
		items = append(items, st.field(g.schema.Mutation, sc, 0)...)
	}
	return "{ " + strings.Join(items, " ") + " }"
}

// invalid returns a root selection that makes the operation invalid (it
// may also declare variables), and what kind of invalidity it is.
func (st *opState) invalid() (string, string) {
	g := st.g
	addVar := func(typ string, val any, given bool) string {
		name := "x" + strconv.Itoa(st.nVar)
		st.nVar++
		st.vars = append(st.vars, varDef{name: name, typ: typ})
		if given {
			st.values[name] = val
		}
		return "$" + name
	}
	switch g.rnd.IntN(14) {
	case 13:
		return pick(g, []string{" me { id ", " me { id } }", " me(id: ) { id }", ` search(text: "a) { __typename }`}), "syntax error"
	case 0:
		return " nonexistentField", "unknown field"
	case 1:
		return " product { upc }", "missing required argument"
	case 2:
		return ` topProducts(first: "x") { upc }`, "wrong literal type"
	case 3:
		if !g.f.OutOfRange {
			return " me", "missing sub-selection"
		}
		return " topProducts(first: 2147483648) { upc }", "Int literal out of range"
	case 4:
		if !g.f.OutOfRange {
			return " topProducts(first: " + addVar("Int", "abc", true) + ") { upc }", "variable of the wrong type"
		}
		return " topProducts(first: " + addVar("Int", int64(2147483648), true) + ") { upc }", "Int variable out of range"
	case 5:
		return " topProducts(first: " + addVar("Int", pick(g, []any{"abc", 1.5, true, []any{"x"}}), true) + ") { upc }", "variable of the wrong type"
	case 6:
		return " topProducts(first: $undefinedVariable) { upc }", "undefined variable"
	case 7:
		return " me { x: name x: username }", "conflicting response key"
	case 8:
		return " me", "missing sub-selection"
	case 9:
		return " me @skip(if: " + addVar("Boolean", true, g.chance(0.5)) + ") { id }", "nullable variable in a non-null position"
	case 10:
		return " user(id: " + addVar("ID!", nil, g.chance(0.5)) + ") { id }", "non-null variable missing or null"
	case 11:
		return " productsByCategory(categories: [TOYS]) { upc }", "unknown enum value"
	default:
		if g.f.InputObjects {
			return " users(filter: " + addVar("UserFilter", map[string]any{"nosuchfield": 1}, true) + ") { id }", "unknown input field in a variable"
		}
		return " me { ... on Product { upc } }", "impossible fragment"
	}
}

// specialStrings are String values whose encoding a gateway may get wrong
// when it re-prints a literal or forwards a variable: quotes, backslashes,
// control characters, non-ASCII and non-BMP characters, an empty string.
var specialStrings = []any{
	`say "hi"`, `back\slash`, "two\nlines", "tab\there", "bell\a", "del\x7f", "caffè", "Ünïcödé ✓",
	"emoji 😀", "\u2028sep", "", " padded ", "Table", "é",
}

// stringLiteral renders a string as a GraphQL string literal: quoted with
// the shortest escapes, or with LiteralForms now and then as a block string
// (when it can hold the value) or with every character \u-escaped.
func (st *opState) stringLiteral(x string) string {
	g := st.g
	if !g.f.LiteralForms || !g.chance(0.3) {
		return graphqlQuote(x)
	}
	blockable := strings.TrimSpace(x) != "" && !strings.Contains(x, `"""`) && !strings.HasSuffix(x, `"`) &&
		!strings.ContainsFunc(x, func(r rune) bool { return r < 0x20 || r == 0x7f || r == 0x2028 }) && x == strings.TrimSpace(x)
	if blockable && g.chance(0.5) {
		return `"""` + x + `"""`
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range x {
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, "\\u%04X\\u%04x", r1, r2)
			continue
		}
		fmt.Fprintf(&b, "\\u%04x", r)
	}
	b.WriteByte('"')
	return b.String()
}

// graphqlQuote renders s as a GraphQL string literal (StringValue): the
// escapes GraphQL knows, \u00XX for other control characters.
func graphqlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
