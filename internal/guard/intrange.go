package guard

import (
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
)

// IntRangeRule refuses Int literals outside 32 bits wherever an Int is
// expected — field and directive arguments, list items, input-object fields
// and variable defaults — as Values of Correct Type requires (GraphQL spec
// §5.6.1, §3.5.1) and gqlparser's own rule does not check. It runs in
// validation, so the error is a request error and the validated document
// is cached with it.
var IntRangeRule = core.Rule{
	Name: "IntRange",
	RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
		observers.OnValue(func(_ *core.Walker, value *ast.Value) {
			if value.Kind != ast.IntValue || value.Definition == nil || value.Definition.Name != "Int" {
				return
			}
			if _, err := strconv.ParseInt(value.Raw, 10, 32); err != nil {
				addError(
					core.Message("Int cannot represent non 32-bit signed integer value: %s", value.Raw),
					core.At(value.Position),
				)
			}
		})
	},
}
