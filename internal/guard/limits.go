package guard

import (
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Error codes of requests refused by the limits.
const (
	CodeBodyTooLarge      = "REQUEST_TOO_LARGE"
	CodeMaxTokens         = "MAX_TOKENS_EXCEEDED"
	CodeMaxDepth          = "MAX_DEPTH_EXCEEDED"
	CodeMaxAliases        = "MAX_ALIASES_EXCEEDED"
	CodeMaxCost           = "MAX_COST_EXCEEDED"
	CodeMaxFields         = "MAX_FIELDS_EXCEEDED"
	CodeMaxFragments      = "MAX_FRAGMENTS_EXCEEDED"
	CodeMaxFragmentDepth  = "MAX_FRAGMENT_DEPTH_EXCEEDED"
	CodeTooComplex        = "OPERATION_TOO_COMPLEX"
	CodeRequestCancelled  = "REQUEST_CANCELLED"
	CodeBadRequest        = "BAD_REQUEST"
	CodeMethodNotAllowed  = "METHOD_NOT_ALLOWED"
	CodeUnsupportedMedia  = "UNSUPPORTED_MEDIA_TYPE"
	CodeCSRF              = "CSRF_PREVENTION"
	CodeRateLimited       = "RATE_LIMITED"
	CodeIntrospectionOff  = "INTROSPECTION_DISABLED"
	CodeTransportRejected = "TRANSPORT_NOT_SUPPORTED"
)

// Default limits, the same for the gateway and every subgraph.
const (
	DefaultMaxBodyBytes     = 1 << 20
	DefaultMaxTokens        = 15000
	DefaultMaxDepth         = 16
	DefaultMaxAliases       = 64
	DefaultMaxCost          = 250000
	DefaultMaxFields        = 2000
	DefaultMaxFragments     = 256
	DefaultMaxFragmentDepth = 32
	// DefaultMaxUploadBytes bounds the files of one multipart request
	// together (the GraphQL multipart request spec).
	DefaultMaxUploadBytes = 50 << 20
	// DefaultMaxUploadFiles bounds the files of one multipart request.
	DefaultMaxUploadFiles = 10
)

// ListCostFactor multiplies the cost of the selections under a list field.
const ListCostFactor = 10

// Limits bound what one request may cost. In every field, 0 means the
// default and a negative number means no limit.
type Limits struct {
	// MaxBodyBytes bounds the request body (413 REQUEST_TOO_LARGE).
	MaxBodyBytes int64
	// MaxTokens bounds the lexical tokens of the query document, counted
	// by the parser as it goes (MAX_TOKENS_EXCEEDED).
	MaxTokens int
	// MaxDepth bounds the nesting of fields, fragments expanded.
	MaxDepth int
	// MaxAliases bounds the aliased fields, counted once per expansion.
	MaxAliases int
	// MaxFields bounds the fields selected with fragments expanded: the
	// work of validating and planning a document is linear in it. Every
	// operation of the document is charged: all are validated.
	MaxFields int
	// MaxCost bounds the cost, an estimate of the work of running an
	// operation: every field counts 1, the selections under a list field
	// ListCostFactor times.
	MaxCost int
	// MaxFragments bounds the fragment definitions of a document.
	MaxFragments int
	// MaxFragmentDepth bounds chains of fragments spreading fragments.
	MaxFragmentDepth int
	// MaxUploadBytes bounds the files of one multipart request together
	// (413 REQUEST_TOO_LARGE); its operations and map are bounded by
	// MaxBodyBytes each.
	MaxUploadBytes int64
	// MaxUploadFiles bounds the files of one multipart request (413
	// REQUEST_TOO_LARGE).
	MaxUploadFiles int
}

// Defaults returns l with every zero field set to its default.
func (l Limits) Defaults() Limits {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	if l.MaxBodyBytes == 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	def(&l.MaxTokens, DefaultMaxTokens)
	def(&l.MaxDepth, DefaultMaxDepth)
	def(&l.MaxAliases, DefaultMaxAliases)
	def(&l.MaxCost, DefaultMaxCost)
	def(&l.MaxFields, DefaultMaxFields)
	def(&l.MaxFragments, DefaultMaxFragments)
	def(&l.MaxFragmentDepth, DefaultMaxFragmentDepth)
	if l.MaxUploadBytes == 0 {
		l.MaxUploadBytes = DefaultMaxUploadBytes
	}
	def(&l.MaxUploadFiles, DefaultMaxUploadFiles)
	return l
}

// Measures of an operation, fragments expanded.
type Measures struct {
	Depth, Aliases, Fields, Cost, FragmentDepth int
	// Introspection is set when the operation selects __schema or __type.
	Introspection bool
}

// saturation keeps sums and products of measures from overflowing.
const saturation = 1 << 40

func sat(n int) int { return min(n, saturation) }

// Measure computes the measures of op in doc, resolving field types in
// schema (nil: no list factor). Each fragment is measured once, however
// often it is spread, so this is linear in the size of the document; a
// fragment spread inside itself counts nothing the second time (the
// document is invalid anyway).
func Measure(schema *ast.Schema, doc *ast.QueryDocument, op *ast.OperationDefinition) Measures {
	m := measurer{schema: schema, doc: doc, frags: map[string]*fragMemo{}}
	var root *ast.Definition
	if schema != nil {
		switch op.Operation {
		case ast.Mutation:
			root = schema.Mutation
		case ast.Subscription:
			root = schema.Subscription
		default:
			root = schema.Query
		}
	}
	return m.set(root, op.SelectionSet)
}

type fragMemo struct {
	done, busy bool
	m          Measures
}

type measurer struct {
	schema *ast.Schema
	doc    *ast.QueryDocument
	frags  map[string]*fragMemo
}

// add folds a sibling's measures into p: sums, and maxima for depths.
func (p *Measures) add(q Measures) {
	p.Depth = max(p.Depth, q.Depth)
	p.FragmentDepth = max(p.FragmentDepth, q.FragmentDepth)
	p.Aliases = sat(p.Aliases + q.Aliases)
	p.Cost = sat(p.Cost + q.Cost)
	p.Fields = sat(p.Fields + q.Fields)
	p.Introspection = p.Introspection || q.Introspection
}

func (w *measurer) typ(name string) *ast.Definition {
	if w.schema == nil || name == "" {
		return nil
	}
	return w.schema.Types[name]
}

func (w *measurer) set(parent *ast.Definition, set ast.SelectionSet) Measures {
	var p Measures
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			var def *ast.FieldDefinition
			if parent != nil {
				def = parent.Fields.ForName(s.Name)
			}
			f := Measures{Cost: 1, Fields: 1, Depth: 1, Introspection: s.Name == "__schema" || s.Name == "__type"}
			if s.Alias != "" && s.Alias != s.Name {
				f.Aliases = 1
			}
			if len(s.SelectionSet) > 0 {
				var next *ast.Definition
				if def != nil {
					next = w.typ(def.Type.Name())
				}
				sub := w.set(next, s.SelectionSet)
				if def != nil && def.Type.Elem != nil {
					sub.Cost = sat(sub.Cost * ListCostFactor)
				}
				f.Depth = sub.Depth + 1
				f.FragmentDepth = sub.FragmentDepth
				f.Aliases = sat(f.Aliases + sub.Aliases)
				f.Cost = sat(f.Cost + sub.Cost)
				f.Fields = sat(f.Fields + sub.Fields)
				f.Introspection = f.Introspection || sub.Introspection
			}
			p.add(f)
		case *ast.InlineFragment:
			next := parent
			if s.TypeCondition != "" {
				next = w.typ(s.TypeCondition)
			}
			p.add(w.set(next, s.SelectionSet))
		case *ast.FragmentSpread:
			sub := w.fragment(s.Name)
			sub.FragmentDepth++
			p.add(sub)
		}
	}
	return p
}

func (w *measurer) fragment(name string) Measures {
	memo := w.frags[name]
	if memo == nil {
		memo = &fragMemo{}
		w.frags[name] = memo
	}
	if memo.done || memo.busy {
		return memo.m // busy: a cycle, measured as nothing
	}
	def := w.doc.Fragments.ForName(name)
	if def == nil {
		memo.done = true
		return memo.m
	}
	memo.busy = true
	memo.m = w.set(w.typ(def.TypeCondition), def.SelectionSet)
	memo.busy, memo.done = false, true
	return memo.m
}

// Check measures every operation of doc against the limits (already
// defaulted) and returns the first limit exceeded, nil if none: the
// fragments, then each operation's depth, aliases and fragment nesting,
// then the fields of all operations together, since all are validated.
func (l Limits) Check(schema *ast.Schema, doc *ast.QueryDocument) *gqlerror.Error {
	if l.MaxFragments > 0 && len(doc.Fragments) > l.MaxFragments {
		return Errorf(CodeMaxFragments, "the document defines %d fragments, more than the maximum of %d", len(doc.Fragments), l.MaxFragments)
	}
	total := 0
	for _, op := range doc.Operations {
		m := Measure(schema, doc, op)
		if err := l.CheckMeasures(m); err != nil {
			return err
		}
		total = sat(total + m.Fields)
	}
	if l.MaxFields > 0 && total > l.MaxFields {
		return Errorf(CodeMaxFields, "the operations of the document select %d fields together (fragments expanded), more than the maximum of %d", total, l.MaxFields)
	}
	return nil
}

// CheckMeasures checks the measures of one operation.
func (l Limits) CheckMeasures(m Measures) *gqlerror.Error {
	switch {
	case l.MaxDepth > 0 && m.Depth > l.MaxDepth:
		return Errorf(CodeMaxDepth, "operation depth %d exceeds the maximum of %d", m.Depth, l.MaxDepth)
	case l.MaxAliases > 0 && m.Aliases > l.MaxAliases:
		return Errorf(CodeMaxAliases, "operation uses %d aliases, more than the maximum of %d", m.Aliases, l.MaxAliases)
	case l.MaxFields > 0 && m.Fields > l.MaxFields:
		return Errorf(CodeMaxFields, "operation selects %d fields (fragments expanded), more than the maximum of %d", m.Fields, l.MaxFields)
	case l.MaxFragmentDepth > 0 && m.FragmentDepth > l.MaxFragmentDepth:
		return Errorf(CodeMaxFragmentDepth, "fragments nest %d deep, more than the maximum of %d", m.FragmentDepth, l.MaxFragmentDepth)
	case l.MaxCost > 0 && m.Cost > l.MaxCost:
		return Errorf(CodeMaxCost, "operation cost %d exceeds the maximum of %d", m.Cost, l.MaxCost)
	}
	return nil
}

// Errorf returns a client error with extensions.code.
func Errorf(code, format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": code}}
}
