package guard

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
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

// Check parses query under the token limit and checks its measures,
// after a scan of its tokens alone that refuses, without building a
// syntax tree, documents with too many tokens or fields.
func (e *Extension) Check(query string) *gqlerror.Error {
	if err := e.scan(query); err != nil {
		return err
	}
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
// every pair of fields with the same response name, and IntRangeRule
// added.
func Rules() *rules.Rules {
	r := rules.NewDefaultRules()
	r.ReplaceRule(rules.OverlappingFieldsCanBeMergedRule.Name, OverlappingFieldsRule.RuleFunc)
	r.AddRule(IntRangeRule.Name, IntRangeRule.RuleFunc)
	return r
}

// scan lexes query once, counting its tokens and its field selections —
// the names in selection sets that are not aliases, fragment names, type
// conditions or directives: a lower bound of the fields the document
// selects with its fragments expanded. Lexical errors are left to the
// parser.
func (e *Extension) scan(query string) *gqlerror.Error {
	lex := lexer.New(&ast.Source{Input: query})
	var tokens, fields, braces, parens int
	var prev, prev2 lexer.Type
	prevName := ""
	pending := false // a name that is a field unless a colon follows
	for {
		tok, err := lex.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return nil
		}
		if tok.Kind == lexer.Comment {
			continue
		}
		tokens++
		if e.limits.MaxTokens > 0 && tokens > e.limits.MaxTokens {
			return Errorf(CodeMaxTokens, "the document has more than %d tokens", e.limits.MaxTokens)
		}
		if pending && tok.Kind != lexer.Colon {
			fields++
			if e.limits.MaxFields > 0 && fields > e.limits.MaxFields {
				return Errorf(CodeMaxFields, "the document selects more than %d fields", e.limits.MaxFields)
			}
		}
		pending = false
		switch tok.Kind {
		case lexer.BraceL:
			if parens == 0 {
				braces++
			}
		case lexer.BraceR:
			if parens == 0 && braces > 0 {
				braces--
			}
		case lexer.ParenL:
			parens++
		case lexer.ParenR:
			if parens > 0 {
				parens--
			}
		case lexer.Name:
			afterSpread := prev == lexer.Spread || prev2 == lexer.Spread && prev == lexer.Name && prevName == "on"
			pending = parens == 0 && braces > 0 && prev != lexer.At && !afterSpread
		}
		prev2, prev = prev, tok.Kind
		if tok.Kind == lexer.Name {
			prevName = tok.Value
		}
	}
}

// The refusals of the limits are request errors, like parse and
// validation failures: HTTP 422 (400 for application/graphql-response+json),
// an error message on WebSockets.
func init() {
	for _, code := range []string{CodeMaxTokens, CodeMaxDepth, CodeMaxAliases, CodeMaxFields, CodeMaxCost, CodeMaxFragments, CodeMaxFragmentDepth, CodeTooComplex} {
		errcode.RegisterErrorType(code, errcode.KindProtocol)
	}
}
