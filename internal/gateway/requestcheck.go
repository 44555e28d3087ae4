package gateway

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/citizengraph/citizengraph/internal/gateway/normalize"
)

// variableCheck coerces the variables of an operation where gqlgen's own
// coercion is lenient (an Int must fit 32 bits), while the operation
// context is made: a bad value is then a request error, answered without a
// data entry, before anything is planned or fetched. Exec checks again for
// hosts of the gateway that do not install this extension.
type variableCheck struct{ api *ast.Schema }

var (
	_ graphql.HandlerExtension        = variableCheck{}
	_ graphql.OperationContextMutator = variableCheck{}
)

func (variableCheck) ExtensionName() string                   { return "VariableCheck" }
func (variableCheck) Validate(graphql.ExecutableSchema) error { return nil }

func (c variableCheck) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	return normalize.CheckVariables(c.api, oc.Operation, oc.Variables)
}
