package guard

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// Extension is the gqlgen handler extension that checks a query document
// against the limits before gqlgen validates it: it parses the document
// with the token limit and measures it in linear time. Documents already
// in the handler's query cache passed both before and are not checked
// again. It also stops an operation whose client has gone away between
// the stages of the handler.
type Extension struct {
	limits Limits
	schema *ast.Schema
	cache  graphql.Cache[*ast.QueryDocument]
}

// NewExtension returns the extension for schema under limits (defaulted
// here); cache, if not nil, is the handler's query cache.
func NewExtension(schema *ast.Schema, limits Limits, cache graphql.Cache[*ast.QueryDocument]) *Extension {
	return &Extension{limits: limits.Defaults(), schema: schema, cache: cache}
}

var (
	_ graphql.OperationParameterMutator = (*Extension)(nil)
	_ graphql.OperationContextMutator   = (*Extension)(nil)
)

// ExtensionName implements graphql.HandlerExtension.
func (*Extension) ExtensionName() string { return "RequestLimits" }

// Validate implements graphql.HandlerExtension.
func (*Extension) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters implements graphql.OperationParameterMutator:
// the check before parsing and validation.
func (e *Extension) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if ctx.Err() != nil {
		return Errorf(CodeRequestCancelled, "the request was cancelled")
	}
	if p.Query == "" {
		return nil
	}
	if e.cache != nil {
		if _, ok := e.cache.Get(ctx, p.Query); ok {
			return nil
		}
	}
	return e.Check(p.Query)
}

// Check parses query under the token limit and checks its measures.
func (e *Extension) Check(query string) *gqlerror.Error {
	tokens := max(e.limits.MaxTokens, 0)
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, tokens)
	if err != nil {
		gqlErr, ok := err.(*gqlerror.Error)
		if !ok {
			gqlErr = gqlerror.Wrap(err)
		}
		if strings.HasPrefix(gqlErr.Message, "exceeded token limit") {
			return Errorf(CodeMaxTokens, "the document has more than %d tokens", e.limits.MaxTokens)
		}
		errcode.Set(gqlErr, errcode.ParseFailed)
		return gqlErr
	}
	return e.limits.Check(e.schema, doc)
}

// MutateOperationContext implements graphql.OperationContextMutator: after
// validation, an operation whose client is gone goes no further.
func (e *Extension) MutateOperationContext(ctx context.Context, _ *graphql.OperationContext) *gqlerror.Error {
	if ctx.Err() != nil {
		return Errorf(CodeRequestCancelled, "the request was cancelled")
	}
	return nil
}

// Rules returns gqlparser's default validation rules with
// OverlappingFieldsCanBeMerged replaced by OverlappingFieldsRule, which
// takes time linear in the operation expanded, where gqlparser's compares
// every pair of fields with the same response name.
func Rules() *rules.Rules {
	r := rules.NewDefaultRules()
	r.ReplaceRule(rules.OverlappingFieldsCanBeMergedRule.Name, OverlappingFieldsRule.RuleFunc)
	return r
}
