package compose

import (
	"regexp"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// fedDirectiveDefs are the federation v2 directive definitions under their
// canonical names; loadSubgraph declares them under each subgraph's local
// names so the subgraph can be validated.
var fedDirectiveDefs = map[string]string{
	"key":              `(fields: federation__FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE`,
	"requires":         `(fields: federation__FieldSet!) on FIELD_DEFINITION`,
	"provides":         `(fields: federation__FieldSet!) on FIELD_DEFINITION`,
	"external":         `(reason: String) on OBJECT | FIELD_DEFINITION`,
	"tag":              `(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA`,
	"extends":          `on OBJECT | INTERFACE`,
	"shareable":        `repeatable on OBJECT | FIELD_DEFINITION`,
	"inaccessible":     `on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION`,
	"override":         `(from: String!, label: String) on FIELD_DEFINITION`,
	"composeDirective": `(name: String!) repeatable on SCHEMA`,
	"interfaceObject":  `on OBJECT`,
	"authenticated":    `on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM`,
	"requiresScopes":   `(scopes: [[federation__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM`,
	"policy":           `(policies: [[federation__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM`,
	"context":          `(name: String!) repeatable on INTERFACE | OBJECT | UNION`,
	"fromContext":      `(field: federation__ContextFieldValue) on ARGUMENT_DEFINITION`,
	"cost":             `(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR`,
	"listSize":         `(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION`,
}

// fed1Directives are the directives a Federation v1 subgraph may use without
// declaring them.
var fed1Directives = []string{"key", "requires", "provides", "external", "extends", "tag", "inaccessible"}

const fedPreludeTypes = `
scalar federation__FieldSet
scalar federation__Scope
scalar federation__Policy
scalar federation__ContextFieldValue
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
`

var fedURL = regexp.MustCompile(`^https?://specs\.apollo\.dev/federation/v(\d+)\.(\d+)/?$`)

// isFederationPlumbing reports whether a type of a subgraph schema only
// exists to serve the federation protocol and is dropped before merging.
func isFederationPlumbing(name string) bool {
	switch name {
	case "_Service", "_Entity", "_Any", "_FieldSet", "FieldSet":
		return true
	}
	return strings.HasPrefix(name, "federation__") || strings.HasPrefix(name, "link__")
}

// directiveNames maps the local names of a subgraph's federation directives to
// their canonical names.
type directiveNames map[string]string

// canonical returns the canonical federation name of d, or "" when d is not a
// federation directive.
func (n directiveNames) canonical(d *ast.Directive) string {
	return n[d.Name]
}

func (n directiveNames) find(list ast.DirectiveList, canonical string) *ast.Directive {
	for _, d := range list {
		if n[d.Name] == canonical {
			return d
		}
	}
	return nil
}

func (n directiveNames) all(list ast.DirectiveList, canonical string) []*ast.Directive {
	var out []*ast.Directive
	for _, d := range list {
		if n[d.Name] == canonical {
			out = append(out, d)
		}
	}
	return out
}

func (n directiveNames) has(list ast.DirectiveList, canonical string) bool {
	return n.find(list, canonical) != nil
}

// argString returns the string value of argument name of d, and whether it is
// set to a string.
func argString(d *ast.Directive, name string) (string, bool) {
	if d == nil {
		return "", false
	}
	a := d.Arguments.ForName(name)
	if a == nil || a.Value == nil {
		return "", false
	}
	switch a.Value.Kind {
	case ast.StringValue, ast.BlockValue, ast.EnumValue:
		return a.Value.Raw, true
	}
	return "", false
}

func argBool(d *ast.Directive, name string, def bool) bool {
	if d == nil {
		return def
	}
	a := d.Arguments.ForName(name)
	if a == nil || a.Value == nil || a.Value.Kind != ast.BooleanValue {
		return def
	}
	return a.Value.Raw == "true"
}
