package plan

import (
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/citizengraph/citizengraph/internal/gateway/normalize"
)

// CodeUnauthorized is the error code of a field the caller may not see
// (@authenticated, @requiresScopes), as the federation routers answer it.
const CodeUnauthorized = "UNAUTHORIZED_FIELD_OR_TYPE"

// LabelAuthenticated, as an enabled label, says the caller is signed in;
// ScopeLabel(s) that it may use scope s. Planning with Options.Authorize
// consults them like override labels: a plan lists those it consulted in
// Labels, so it is cached per caller's answer to them only.
const LabelAuthenticated = "authz:authenticated"

// ScopeLabel is the label saying the caller may use scope.
func ScopeLabel(scope string) string { return "authz:scope:" + scope }

// authorize marks the fields of the canonical operation the caller may
// not see (Options.EnabledLabels tell who it is) as field errors that are
// never fetched: each answers null with CodeUnauthorized at its path, and
// a non-null one nulls its parent as any field error does.
func (b *builder) authorize(nr *normalize.Result) {
	if !b.opts.Authorize || len(b.sg.Access) == 0 {
		return
	}
	var root string
	switch nr.Operation.Operation {
	case ast.Mutation:
		root = "Mutation"
		if b.api.Mutation != nil {
			root = b.api.Mutation.Name
		}
	case ast.Subscription:
		root = "Subscription"
		if b.api.Subscription != nil {
			root = b.api.Subscription.Name
		}
	default:
		root = "Query"
		if b.api.Query != nil {
			root = b.api.Query.Name
		}
	}
	b.authorizeSet(root, nr.Operation.SelectionSet, nr)
}

func (b *builder) consult(label string) bool {
	if b.labels == nil {
		b.labels = map[string]bool{}
	}
	b.labels[label] = true
	return b.opts.EnabledLabels[label]
}

func (b *builder) authorizeSet(parent string, set ast.SelectionSet, nr *normalize.Result) {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			if len(s.Name) > 1 && s.Name[:2] == "__" {
				continue
			}
			if a := b.sg.FieldAccess(parent, s.Name); a != nil {
				authenticated := a.Authenticated && b.consult(LabelAuthenticated)
				if !a.Allows(authenticated, func(scope string) bool { return b.consult(ScopeLabel(scope)) }) {
					if nr.FieldErrors == nil {
						nr.FieldErrors = map[*ast.Field]normalize.FieldError{}
					}
					nr.FieldErrors[s] = normalize.FieldError{Message: "Unauthorized field or type", Field: true, Code: CodeUnauthorized}
					continue
				}
			}
			if len(s.SelectionSet) > 0 {
				if def := b.fieldDef(parent, s.Name); def != nil {
					b.authorizeSet(def.Type.Name(), s.SelectionSet, nr)
				}
			}
		case *ast.InlineFragment:
			cond := s.TypeCondition
			if cond == "" {
				cond = parent
			}
			b.authorizeSet(cond, s.SelectionSet, nr)
		case *ast.FragmentSpread:
			// The canonical operation has none; a fragment's fields are
			// checked where normalization inlined them.
			if s.Definition != nil {
				b.authorizeSet(s.Definition.TypeCondition, s.Definition.SelectionSet, nr)
			}
		}
	}
}

// dropEmpty removes the inline fragment fr from s when nothing in it is
// fetched (its fields refused, or failed before planning): a subgraph
// query may not hold an empty selection set.
func (s *selNode) dropEmpty(fr *selItem) {
	if len(fr.sub.items) > 0 {
		return
	}
	for i, it := range s.items {
		if it == fr {
			s.items = append(s.items[:i], s.items[i+1:]...)
			return
		}
	}
}
