package compose

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

const joinDefinitions = `directive @join__directive(graphs: [join__Graph!], name: String!, args: join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION

directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String, contextArguments: [join__ContextArgument!]) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
`

const inaccessibleDefinition = `directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
`

const tagDefinition = `directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA
`

var fixedTypes = map[string]string{
	"join__ContextArgument": `input join__ContextArgument {
  name: String!
  type: String!
  context: String!
  selection: join__FieldValue!
}
`,
	"join__DirectiveArguments": "scalar join__DirectiveArguments\n",
	"join__FieldSet":           "scalar join__FieldSet\n",
	"join__FieldValue":         "scalar join__FieldValue\n",
	"link__Import":             "scalar link__Import\n",
	"link__Purpose": `enum link__Purpose {
  """
  ` + "`SECURITY`" + ` features provide metadata necessary to securely resolve fields.
  """
  SECURITY

  """
  ` + "`EXECUTION`" + ` features provide metadata necessary for operation execution.
  """
  EXECUTION
}
`,
}

// print renders the supergraph SDL.
func (sup *supergraph) print() string {
	var b strings.Builder
	b.WriteString("schema\n")
	b.WriteString("  @link(url: \"https://specs.apollo.dev/link/v1.0\")\n")
	b.WriteString("  @link(url: \"https://specs.apollo.dev/join/v0.5\", for: EXECUTION)\n")
	if sup.usesTag {
		b.WriteString("  @link(url: \"https://specs.apollo.dev/tag/v0.3\")\n")
	}
	if sup.usesInaccessible {
		b.WriteString("  @link(url: \"https://specs.apollo.dev/inaccessible/v0.2\", for: SECURITY)\n")
	}
	if sup.usesAccess.authenticated {
		b.WriteString("  @link(url: \"https://specs.apollo.dev/authenticated/v0.1\", for: SECURITY)\n")
	}
	if len(sup.usesAccess.scopes) > 0 {
		b.WriteString("  @link(url: \"https://specs.apollo.dev/requiresScopes/v0.1\", for: SECURITY)\n")
	}
	if len(sup.usesAccess.policies) > 0 {
		b.WriteString("  @link(url: \"https://specs.apollo.dev/policy/v0.1\", for: SECURITY)\n")
	}
	b.WriteString("{\n")
	for _, op := range []struct{ op, name string }{{"query", "Query"}, {"mutation", "Mutation"}, {"subscription", "Subscription"}} {
		if sup.types[op.name] != nil {
			fmt.Fprintf(&b, "  %s: %s\n", op.op, op.name)
		}
	}
	b.WriteString("}\n")

	// Directive definitions, sorted by name.
	defs := map[string]string{}
	for _, d := range strings.Split(strings.TrimSpace(joinDefinitions), "\n\n") {
		name := strings.TrimPrefix(strings.Fields(d)[1], "@")
		defs[name] = d + "\n"
	}
	if sup.usesInaccessible {
		defs["inaccessible"] = inaccessibleDefinition
	}
	if sup.usesTag {
		defs["tag"] = tagDefinition
	}
	if sup.usesAccess.authenticated {
		defs["authenticated"] = "directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM\n"
	}
	if len(sup.usesAccess.scopes) > 0 {
		defs["requiresScopes"] = "directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM\n"
	}
	if len(sup.usesAccess.policies) > 0 {
		defs["policy"] = "directive @policy(policies: [[policy__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM\n"
	}
	for _, dd := range sup.directives {
		defs[dd.Name] = printDirectiveDefinition(dd)
	}
	for _, name := range sortedKeys(defs) {
		b.WriteString("\n")
		b.WriteString(defs[name])
	}

	// Types, sorted by name.
	types := map[string]string{}
	for n, t := range fixedTypes {
		types[n] = t
	}
	types["join__Graph"] = sup.printGraphEnum()
	if len(sup.usesAccess.scopes) > 0 {
		types["requiresScopes__Scope"] = "scalar requiresScopes__Scope\n"
	}
	if len(sup.usesAccess.policies) > 0 {
		types["policy__Policy"] = "scalar policy__Policy\n"
	}
	for n, st := range sup.types {
		types[n] = sup.printType(st)
	}
	for _, name := range sortedKeys(types) {
		b.WriteString("\n")
		b.WriteString(types[name])
	}
	return b.String()
}

// sortedKeys sorts names case-insensitively, then case-sensitively.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return keys
}

func (sup *supergraph) printGraphEnum() string {
	var b strings.Builder
	b.WriteString("enum join__Graph {\n")
	for _, sg := range sup.graphs {
		fmt.Fprintf(&b, "  %s @join__graph(name: %s, url: %s)\n", sg.graph, quote(sg.name), quote(sg.url))
	}
	b.WriteString("}\n")
	return b.String()
}

func (sup *supergraph) printType(st *sType) string {
	var b strings.Builder
	printDescription(&b, st.desc, "")
	keyword := map[ast.DefinitionKind]string{
		ast.Object: "type", ast.Interface: "interface", ast.Union: "union",
		ast.Enum: "enum", ast.Scalar: "scalar", ast.InputObject: "input",
	}[st.kind]
	b.WriteString(keyword)
	b.WriteString(" ")
	b.WriteString(st.name)
	if len(st.interfaces) > 0 {
		b.WriteString(" implements ")
		b.WriteString(strings.Join(st.interfaces, " & "))
	}
	b.WriteString("\n")
	for _, s := range st.sources {
		sg := sup.graphs[s.g]
		isIO := st.kind == ast.Interface && s.t.kind == ast.Object
		base := "graph: " + sg.graph
		if len(s.t.keys) == 0 || st.kind != ast.Object && st.kind != ast.Interface {
			args := base
			if s.t.extension {
				args += ", extension: true"
			}
			if isIO {
				args += ", isInterfaceObject: true"
			}
			fmt.Fprintf(&b, "  @join__type(%s)\n", args)
			continue
		}
		for _, k := range s.t.keys {
			args := base + ", key: " + quote(k.fields)
			if s.t.extension {
				args += ", extension: true"
			}
			if !k.resolvable {
				args += ", resolvable: false"
			}
			if isIO {
				args += ", isInterfaceObject: true"
			}
			fmt.Fprintf(&b, "  @join__type(%s)\n", args)
		}
	}
	for _, j := range st.implements {
		fmt.Fprintf(&b, "  @join__implements(graph: %s, interface: %s)\n", j.graph, quote(j.iface))
	}
	for _, j := range st.memberJoins {
		fmt.Fprintf(&b, "  @join__unionMember(graph: %s, member: %s)\n", j.graph, quote(j.member))
	}
	if st.inaccessible {
		b.WriteString("  @inaccessible\n")
	}
	for _, t := range st.tags {
		fmt.Fprintf(&b, "  @tag(name: %s)\n", quote(t))
	}
	if st.specifiedBy != "" {
		fmt.Fprintf(&b, "  @specifiedBy(url: %s)\n", quote(st.specifiedBy))
	}
	if st.access.any() {
		b.WriteString(strings.TrimPrefix(st.access.directives("\n  "), "\n"))
		b.WriteString("\n")
	}
	switch st.kind {
	case ast.Union:
		b.WriteString(" = ")
		b.WriteString(strings.Join(st.members, " | "))
		b.WriteString("\n")
	case ast.Scalar:
	case ast.Enum:
		b.WriteString("{\n")
		for i, v := range st.values {
			if i > 0 && v.desc != "" {
				b.WriteString("\n")
			}
			printDescription(&b, v.desc, "  ")
			b.WriteString("  ")
			b.WriteString(v.name)
			for _, g := range v.graphs {
				fmt.Fprintf(&b, " @join__enumValue(graph: %s)", g)
			}
			printCommon(&b, v.inaccessible, v.tags, v.deprecated)
			b.WriteString("\n")
		}
		b.WriteString("}\n")
	default:
		b.WriteString("{\n")
		for i, f := range st.fields {
			if i > 0 && f.desc != "" {
				b.WriteString("\n")
			}
			printDescription(&b, f.desc, "  ")
			b.WriteString("  ")
			b.WriteString(f.name)
			printArgs(&b, f.args)
			b.WriteString(": ")
			b.WriteString(f.typ.String())
			if f.defaultValue != nil {
				b.WriteString(" = ")
				b.WriteString(valueString(f.defaultValue))
			}
			switch f.mode {
			case joinBare:
				b.WriteString(" @join__field")
			case joinPerGraph:
				for _, j := range f.joins {
					b.WriteString(" ")
					b.WriteString(j.String())
				}
			}
			printCommon(&b, f.inaccessible, f.tags, f.deprecated)
			b.WriteString(f.access.directives(" "))
			b.WriteString("\n")
		}
		b.WriteString("}\n")
	}
	return b.String()
}

func (j joinField) String() string {
	args := []string{"graph: " + j.graph}
	if j.requires != "" {
		args = append(args, "requires: "+quote(j.requires))
	}
	if j.provides != "" {
		args = append(args, "provides: "+quote(j.provides))
	}
	if j.typ != "" {
		args = append(args, "type: "+quote(j.typ))
	}
	if j.external {
		args = append(args, "external: true")
	}
	if j.override != "" {
		args = append(args, "override: "+quote(j.override))
	}
	if j.usedOverridden {
		args = append(args, "usedOverridden: true")
	}
	if j.overrideLabel != "" {
		args = append(args, "overrideLabel: "+quote(j.overrideLabel))
	}
	return "@join__field(" + strings.Join(args, ", ") + ")"
}

func printCommon(b *strings.Builder, inaccessible bool, tags []string, deprecated *string) {
	if inaccessible {
		b.WriteString(" @inaccessible")
	}
	for _, t := range tags {
		fmt.Fprintf(b, " @tag(name: %s)", quote(t))
	}
	if deprecated != nil {
		if *deprecated == "No longer supported" {
			b.WriteString(" @deprecated")
		} else {
			fmt.Fprintf(b, " @deprecated(reason: %s)", quote(*deprecated))
		}
	}
}

func printArgs(b *strings.Builder, args []*sArg) {
	if len(args) == 0 {
		return
	}
	multiline := slices.ContainsFunc(args, func(a *sArg) bool { return a.desc != "" })
	b.WriteString("(")
	for i, a := range args {
		if multiline {
			b.WriteString("\n")
			printDescription(b, a.desc, "    ")
			b.WriteString("    ")
		} else if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.name)
		b.WriteString(": ")
		b.WriteString(a.typ.String())
		if a.defaultValue != nil {
			b.WriteString(" = ")
			b.WriteString(valueString(a.defaultValue))
		}
		printCommon(b, a.inaccessible, a.tags, a.deprecated)
	}
	if multiline {
		b.WriteString("\n  ")
	}
	b.WriteString(")")
}

func printDescription(b *strings.Builder, desc, indent string) {
	if desc == "" {
		return
	}
	b.WriteString(indent)
	b.WriteString(`"""`)
	b.WriteString("\n")
	for _, line := range strings.Split(desc, "\n") {
		if line != "" {
			b.WriteString(indent)
			b.WriteString(strings.ReplaceAll(line, `"""`, `\"""`))
		}
		b.WriteString("\n")
	}
	b.WriteString(indent)
	b.WriteString(`"""`)
	b.WriteString("\n")
}

func printDirectiveDefinition(dd *ast.DirectiveDefinition) string {
	var b strings.Builder
	printDescription(&b, dd.Description, "")
	b.WriteString("directive @")
	b.WriteString(dd.Name)
	if len(dd.Arguments) > 0 {
		var parts []string
		for _, a := range dd.Arguments {
			p := a.Name + ": " + a.Type.String()
			if a.DefaultValue != nil {
				p += " = " + valueString(a.DefaultValue)
			}
			parts = append(parts, p)
		}
		b.WriteString("(" + strings.Join(parts, ", ") + ")")
	}
	if dd.IsRepeatable {
		b.WriteString(" repeatable")
	}
	b.WriteString(" on ")
	locs := make([]string, len(dd.Locations))
	for i, l := range dd.Locations {
		locs[i] = string(l)
	}
	b.WriteString(strings.Join(locs, " | "))
	b.WriteString("\n")
	return b.String()
}

// quote renders s as a GraphQL string literal.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// valueString renders a literal value in GraphQL syntax ("" for nil).
func valueString(v *ast.Value) string {
	if v == nil {
		return ""
	}
	switch v.Kind {
	case ast.StringValue, ast.BlockValue:
		return quote(v.Raw)
	case ast.ListValue:
		parts := make([]string, len(v.Children))
		for i, c := range v.Children {
			parts[i] = valueString(c.Value)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case ast.ObjectValue:
		parts := make([]string, len(v.Children))
		for i, c := range v.Children {
			parts[i] = c.Name + ": " + valueString(c.Value)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case ast.Variable:
		return "$" + v.Raw
	case ast.NullValue:
		return "null"
	case ast.FloatValue:
		if f, err := strconv.ParseFloat(v.Raw, 64); err == nil && !strings.ContainsAny(v.Raw, "eE") {
			_ = f
		}
		return v.Raw
	}
	return v.Raw
}
