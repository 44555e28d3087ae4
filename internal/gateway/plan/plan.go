package plan

import (
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Plan is the query plan of one operation.
type Plan struct {
	// Operation is query or mutation.
	Operation ast.Operation
	// Root is the fetch tree (nil when the operation needs no fetch, e.g.
	// introspection or __typename only).
	Root Node
	// Fetches lists every fetch by ID.
	Fetches []*Fetch
	// Shape is the response shape of the root selection set.
	Shape *Shape
	// RootType is the root operation type name.
	RootType string
	// Labels are the progressive-override labels planning consulted and,
	// as "$name", the variables whose values decided an @skip/@include,
	// sorted: the plan holds for every request that agrees with the one it
	// was built for on these labels and variables.
	Labels []string
	// RequestError, when set, fails the request with data null (an @skip
	// or @include at the root given a null condition, an Int literal
	// outside 32 bits).
	RequestError string
	// RequestErrorCode is the error's extensions.code, if any.
	RequestErrorCode string
}

// Node is a node of the fetch tree: *Sequence, *Parallel or *Fetch.
type Node interface{ node() }

// Sequence runs its nodes one after the other.
type Sequence struct{ Nodes []Node }

// Parallel runs its nodes concurrently.
type Parallel struct{ Nodes []Node }

func (*Sequence) node() {}
func (*Parallel) node() {}
func (*Fetch) node()    {}

// FetchKind tells root fetches from entity fetches.
type FetchKind uint8

// Fetch kinds.
const (
	Root FetchKind = iota
	Entity
)

func (k FetchKind) String() string {
	if k == Entity {
		return "Entity"
	}
	return "Root"
}

// Fetch is one subgraph request.
type Fetch struct {
	ID       int
	Subgraph string
	Kind     FetchKind
	// Query is the subgraph operation text.
	Query string
	// QueryJSON is Query as a JSON string literal, ready for request bodies.
	QueryJSON string
	// RootKeys are the top-level response keys of a root fetch.
	RootKeys []string
	// Variables are the client variables the query uses, sorted.
	Variables []string
	// Inputs say where an entity fetch takes its representations from.
	Inputs []*Input
	// EntityKeys are the top-level response keys an entity fetch fills
	// in its objects.
	EntityKeys []string
	// DependsOn lists the fetches that must complete first.
	DependsOn []int
	// Path is the response path of a root fetch's data ("" at the root) or
	// of an entity fetch's first input, for display and errors.
	Path []string
}

// Input is one source of representations of an entity fetch: the objects
// found at Path (lists flattened) whose __typename is one of Types.
type Input struct {
	Path  []string
	Types []string
	// Typename, when set, is sent as the representation's __typename
	// instead of the object's own (an @interfaceObject subgraph knows the
	// interface, not the concrete type).
	Typename string
	// Fields are the representation's fields beyond __typename (keys and
	// @requires), read from the object.
	Fields []*RepField
}

// RepField is one field of a representation.
type RepField struct {
	Name   string // the field name in the representation
	Key    string // the response key in the merged response
	Fields []*RepField
	// TypeCond restricts a nested selection to objects of a type;
	// CondTypes, when TypeCond is abstract, are its possible types.
	TypeCond  string
	CondTypes []string
	// NonNull is set for a field of non-null type: an object where it is
	// null (or of the wrong kind) is not sent as a representation.
	NonNull bool
	// Leaf is the field's leaf kind when it has no selection.
	Leaf Leaf
}

// Shape is the response shape of one selection set.
type Shape struct {
	// Abstract is set when the parent type is an interface or union; the
	// runtime __typename then selects the fields in ByType.
	Abstract bool
	// Fields of an object-typed parent.
	Fields []*ShapeField
	// ByType holds the fields per possible concrete type of an abstract
	// parent.
	ByType map[string][]*ShapeField
	// TypeName is the parent type's name.
	TypeName string
}

// ShapeField is one response key of a selection set.
type ShapeField struct {
	Key string
	// Src is the key the value has in the merged subgraph data: Key,
	// unless the client's key is reserved for the gateway (an alias
	// named __typename on another field).
	Src string
	// KeyJSON is `"key":`, ready for the response writer.
	KeyJSON    string
	Name       string
	ParentType string
	Type       *ast.Type
	// Typename marks __typename: written from the runtime type.
	Typename bool
	// Intro marks __schema and __type, answered by the gateway.
	Intro bool
	// Sub is the shape of a composite field's selection.
	Sub *Shape
	// Conds, when non-empty, include the field only if one of the groups
	// holds entirely (variable @skip/@include).
	Conds [][]Cond
	// Leaf kind of a leaf field's named type.
	Enum bool
	// Leaf is how a leaf value is coerced (result coercion, GraphQL spec
	// §3.5); EnumValues are the API schema's values of an enum field's
	// type (@inaccessible ones excluded).
	Leaf       Leaf
	EnumValues map[string]bool
	// Field is the first client field node (arguments, selection).
	Field *ast.Field
	// Err, when set, is the field error of a non-null value of this field
	// (its selection could not be collected); ErrTypes, when set, limits
	// it to values of these runtime types.
	Err      string
	ErrTypes []string
	// ErrField is set when the field itself failed (never fetched): it
	// is null with Err wherever it is reached.
	ErrField bool
	// ErrCode, when set, is Err's extensions.code.
	ErrCode string
}

// Leaf tells how a leaf value is checked before it reaches the client.
type Leaf uint8

// Leaf kinds.
const (
	// LeafCustom is a custom scalar: any JSON value passes through.
	LeafCustom Leaf = iota
	LeafInt
	LeafFloat
	LeafString
	LeafBoolean
	LeafID
	LeafEnum
)

// LeafOf returns the leaf kind of a named type of schema.
func LeafOf(schema *ast.Schema, name string) Leaf {
	switch name {
	case "Int":
		return LeafInt
	case "Float":
		return LeafFloat
	case "String":
		return LeafString
	case "Boolean":
		return LeafBoolean
	case "ID":
		return LeafID
	}
	if d := schema.Types[name]; d != nil && d.Kind == ast.Enum {
		return LeafEnum
	}
	return LeafCustom
}

// Cond is one variable @skip/@include condition.
type Cond struct {
	Variable string
	Skip     bool // true: @skip(if: $v); false: @include(if: $v)
}

// Include reports whether the field is selected under vars.
func (f *ShapeField) Include(vars map[string]any) bool {
	if len(f.Conds) == 0 {
		return true
	}
	for _, g := range f.Conds {
		ok := true
		for _, c := range g {
			v, _ := vars[c.Variable].(bool)
			if v == c.Skip {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// String prints the plan in a stable, human-readable form.
func (p *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "QueryPlan (%s) {\n", p.Operation)
	if p.Root != nil {
		printNode(&b, p.Root, 1)
	}
	b.WriteString("}\n")
	return b.String()
}

func printNode(b *strings.Builder, n Node, depth int) {
	ind := strings.Repeat("  ", depth)
	switch n := n.(type) {
	case *Sequence:
		b.WriteString(ind + "Sequence {\n")
		for _, c := range n.Nodes {
			printNode(b, c, depth+1)
		}
		b.WriteString(ind + "}\n")
	case *Parallel:
		b.WriteString(ind + "Parallel {\n")
		for _, c := range n.Nodes {
			printNode(b, c, depth+1)
		}
		b.WriteString(ind + "}\n")
	case *Fetch:
		fmt.Fprintf(b, "%sFetch(id: %d, service: %q, kind: %s", ind, n.ID, n.Subgraph, n.Kind)
		if len(n.DependsOn) > 0 {
			fmt.Fprintf(b, ", dependsOn: %v", n.DependsOn)
		}
		b.WriteString(") {\n")
		for _, in := range n.Inputs {
			fmt.Fprintf(b, "%s  input %s %s", ind, pathString(in.Path), strings.Join(in.Types, "|"))
			if in.Typename != "" {
				fmt.Fprintf(b, " as %s", in.Typename)
			}
			b.WriteString(" {" + repString(in.Fields) + "}\n")
		}
		fmt.Fprintf(b, "%s  %s\n", ind, n.Query)
		b.WriteString(ind + "}\n")
	}
}

func pathString(p []string) string {
	if len(p) == 0 {
		return "."
	}
	return strings.Join(p, ".")
}

func repString(fs []*RepField) string {
	var parts []string
	for _, f := range fs {
		s := f.Name
		if f.Key != f.Name {
			s = f.Key + ":" + f.Name
		}
		if f.TypeCond != "" {
			s = "... on " + f.TypeCond + " " + s
		}
		if len(f.Fields) > 0 {
			s += " {" + repString(f.Fields) + "}"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}
