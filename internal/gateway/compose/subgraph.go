package compose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// subgraph is one validated subgraph, with its federation directives resolved
// to canonical names.
type subgraph struct {
	name  string
	url   string
	graph string // join__Graph enum value
	fed2  bool
	names directiveNames

	types     map[string]*sgType
	typeOrder []string
	// directives are the subgraph's own (non-federation) directive definitions.
	directives []*ast.DirectiveDefinition
}

type sgKey struct {
	fields     string
	resolvable bool
	sel        ast.SelectionSet
}

type sgType struct {
	name            string
	kind            ast.DefinitionKind
	desc            string
	extension       bool
	interfaceObject bool
	inaccessible    bool
	tags            []string
	keys            []sgKey
	interfaces      []string
	members         []string
	values          []*sgEnumValue
	fields          []*sgField
	fieldMap        map[string]*sgField
	specifiedBy     string
	access          access
	def             *ast.Definition
}

type sgEnumValue struct {
	name         string
	desc         string
	inaccessible bool
	tags         []string
	deprecated   *string
}

type sgField struct {
	name         string
	desc         string
	typ          *ast.Type
	args         []*sgArg
	defaultValue *ast.Value
	external     bool
	shareable    bool
	requires     string
	provides     string
	hasOverride  bool
	overrideFrom string
	overrideLbl  string
	inaccessible bool
	tags         []string
	deprecated   *string
	access       access
	// used is set when a @key, @requires or @provides of the subgraph selects
	// the field.
	used bool
	def  *ast.FieldDefinition
}

type sgArg struct {
	name         string
	desc         string
	typ          *ast.Type
	defaultValue *ast.Value
	inaccessible bool
	tags         []string
	deprecated   *string
}

func (t *sgType) field(name string) *sgField {
	if t == nil {
		return nil
	}
	return t.fieldMap[name]
}

func (t *sgType) isComposite() bool {
	return t.kind == ast.Object || t.kind == ast.Interface || t.kind == ast.Union
}

// resolvableKeys returns the keys of t that another subgraph may use to fetch
// t from this subgraph.
func (t *sgType) resolvableKeys() []sgKey {
	var out []sgKey
	for _, k := range t.keys {
		if k.resolvable {
			out = append(out, k)
		}
	}
	return out
}

var rootTypeNames = map[ast.Operation]string{
	ast.Query:        "Query",
	ast.Mutation:     "Mutation",
	ast.Subscription: "Subscription",
}

func isRootType(name string) bool {
	return name == "Query" || name == "Mutation" || name == "Subscription"
}

// loadSubgraph parses and validates one subgraph SDL and builds its model. It
// reports INVALID_GRAPHQL and link problems and returns nil when the subgraph
// cannot be used.
func loadSubgraph(s Subgraph, graph string, ps *problems) *subgraph {
	sd, err := parser.ParseSchema(&ast.Source{Name: s.Name, Input: s.SDL})
	if err != nil {
		ps.addf("INVALID_GRAPHQL", "", []string{s.Name}, "[%s] %s", s.Name, gqlMessage(err))
		return nil
	}
	sg := &subgraph{name: s.Name, url: s.URL, graph: graph, names: directiveNames{}, types: map[string]*sgType{}}
	if !sg.resolveLinks(sd, ps) {
		return nil
	}
	renameRoots(sd)
	stripPlumbing(sd, sg.names)

	// Per-block facts that validation (which merges extensions into their
	// definitions) would lose.
	defined := map[string]bool{}
	extended := map[string]bool{}
	shareableFields := map[string]map[string]bool{}
	externalFields := map[string]map[string]bool{}
	userTypes := map[string]bool{}
	var order []string
	note := func(d *ast.Definition, ext bool) {
		if !userTypes[d.Name] {
			userTypes[d.Name] = true
			order = append(order, d.Name)
		}
		if ext {
			extended[d.Name] = true
		} else {
			defined[d.Name] = true
		}
		mark := func(m map[string]map[string]bool) {
			if m[d.Name] == nil {
				m[d.Name] = map[string]bool{}
			}
			for _, f := range d.Fields {
				m[d.Name][f.Name] = true
			}
		}
		if sg.names.has(d.Directives, "shareable") {
			mark(shareableFields)
		}
		if sg.names.has(d.Directives, "external") {
			mark(externalFields)
		}
	}
	for _, d := range sd.Definitions {
		note(d, false)
	}
	for _, d := range sd.Extensions {
		note(d, true)
	}
	userDirectives := slices.Clone(sd.Directives)

	pre, err := parser.ParseSchemas(validator.Prelude, &ast.Source{Name: "federation", Input: sg.preludeSDL(), BuiltIn: true})
	if err != nil {
		panic(fmt.Sprintf("compose: federation prelude: %v", err))
	}
	full := &ast.SchemaDocument{
		Schema:              sd.Schema,
		SchemaExtension:     sd.SchemaExtension,
		Directives:          append(pre.Directives, sd.Directives...),
		DirectiveExtensions: sd.DirectiveExtensions,
		Definitions:         append(pre.Definitions, sd.Definitions...),
		Extensions:          sd.Extensions,
	}
	schema, gerr := validator.ValidateSchemaDocument(full)
	if gerr != nil {
		ps.addf("INVALID_GRAPHQL", "", []string{s.Name}, "[%s] %s", s.Name, gqlMessage(gerr))
		return nil
	}

	for _, dd := range userDirectives {
		if _, isFed := sg.names[dd.Name]; !isFed {
			sg.directives = append(sg.directives, dd)
		}
	}
	if !userTypes["Query"] {
		// Every subgraph has a query root: the one serving _entities and
		// _service, even when it declares no query of its own.
		schema.Types["Query"] = &ast.Definition{Kind: ast.Object, Name: "Query"}
		order = append(order, "Query")
	}
	for _, name := range order {
		def := schema.Types[name]
		t := sg.buildType(def, defined[name], extended[name], shareableFields[name], externalFields[name])
		sg.types[name] = t
		sg.typeOrder = append(sg.typeOrder, name)
	}
	return sg
}

func gqlMessage(err error) string {
	msg := err.Error()
	// gqlparser prefixes "input:<line>: "; keep the location, it helps.
	return strings.TrimSpace(msg)
}

// resolveLinks reads the @link directives of the schema and fills the local →
// canonical directive name map.
func (sg *subgraph) resolveLinks(sd *ast.SchemaDocument, ps *problems) bool {
	var links []*ast.Directive
	for _, list := range []ast.SchemaDefinitionList{sd.Schema, sd.SchemaExtension} {
		for _, s := range list {
			for _, d := range s.Directives {
				if d.Name == "link" {
					links = append(links, d)
				}
			}
		}
	}
	for _, l := range links {
		url, _ := argString(l, "url")
		m := fedURL.FindStringSubmatch(url)
		if m == nil {
			if strings.Contains(url, "specs.apollo.dev/federation/") {
				ps.addf("UNKNOWN_FEDERATION_LINK_VERSION", "", []string{sg.name}, "[%s] Invalid version for the federation feature in @link(url: %q)", sg.name, url)
				return false
			}
			continue
		}
		if m[1] != "2" {
			ps.addf("UNKNOWN_FEDERATION_LINK_VERSION", "", []string{sg.name}, "[%s] Invalid version for the federation feature in @link(url: %q): only v2.x is supported", sg.name, url)
			return false
		}
		sg.fed2 = true
		ns := "federation"
		if as, ok := argString(l, "as"); ok {
			ns = strings.TrimPrefix(as, "@")
		}
		for canon := range fedDirectiveDefs {
			sg.names[ns+"__"+canon] = canon
		}
		if imp := l.Arguments.ForName("import"); imp != nil && imp.Value != nil {
			for _, item := range imp.Value.Children {
				v := item.Value
				var name, as string
				switch v.Kind {
				case ast.StringValue, ast.BlockValue:
					name, as = v.Raw, v.Raw
				case ast.ObjectValue:
					for _, c := range v.Children {
						switch c.Name {
						case "name":
							name = c.Value.Raw
						case "as":
							as = c.Value.Raw
						}
					}
					if as == "" {
						as = name
					}
				}
				if !strings.HasPrefix(name, "@") {
					continue // an imported type name such as FieldSet
				}
				canon := strings.TrimPrefix(name, "@")
				if _, ok := fedDirectiveDefs[canon]; !ok {
					ps.addf("INVALID_LINK_DIRECTIVE_USAGE", "", []string{sg.name}, "[%s] Cannot import unknown element %q from the federation specification", sg.name, name)
					return false
				}
				delete(sg.names, ns+"__"+canon) // imported: no namespaced alias
				sg.names[strings.TrimPrefix(as, "@")] = canon
			}
		}
	}
	if !sg.fed2 {
		for _, n := range fed1Directives {
			sg.names[n] = n
		}
	}
	return true
}

// preludeSDL declares the federation directives under their local names.
func (sg *subgraph) preludeSDL() string {
	var b strings.Builder
	b.WriteString(fedPreludeTypes)
	locals := make([]string, 0, len(sg.names))
	for l := range sg.names {
		locals = append(locals, l)
	}
	slices.Sort(locals)
	for _, l := range locals {
		fmt.Fprintf(&b, "directive @%s %s\n", l, fedDirectiveDefs[sg.names[l]])
	}
	return b.String()
}

// renameRoots renames root operation types declared under other names in the
// schema definition to Query, Mutation and Subscription.
func renameRoots(sd *ast.SchemaDocument) {
	rename := map[string]string{}
	for _, list := range []ast.SchemaDefinitionList{sd.Schema, sd.SchemaExtension} {
		for _, s := range list {
			for _, ot := range s.OperationTypes {
				if want := rootTypeNames[ot.Operation]; want != "" && ot.Type != want {
					rename[ot.Type] = want
				}
				ot.Type = rootTypeNames[ot.Operation]
			}
		}
	}
	if len(rename) == 0 {
		return
	}
	var fixType func(t *ast.Type)
	fixType = func(t *ast.Type) {
		if t == nil {
			return
		}
		if t.Elem != nil {
			fixType(t.Elem)
			return
		}
		if n, ok := rename[t.NamedType]; ok {
			t.NamedType = n
		}
	}
	for _, list := range []ast.DefinitionList{sd.Definitions, sd.Extensions} {
		for _, d := range list {
			if n, ok := rename[d.Name]; ok {
				d.Name = n
			}
			for _, f := range d.Fields {
				fixType(f.Type)
				for _, a := range f.Arguments {
					fixType(a.Type)
				}
			}
			for i, m := range d.Types {
				if n, ok := rename[m]; ok {
					d.Types[i] = n
				}
			}
		}
	}
}

// stripPlumbing removes the federation protocol types, fields and directive
// definitions from the document.
func stripPlumbing(sd *ast.SchemaDocument, names directiveNames) {
	keepDef := func(list ast.DefinitionList) ast.DefinitionList {
		out := list[:0]
		for _, d := range list {
			if isFederationPlumbing(d.Name) {
				continue
			}
			if d.Name == "Query" {
				d.Fields = slices.DeleteFunc(d.Fields, func(f *ast.FieldDefinition) bool {
					return f.Name == "_service" || f.Name == "_entities"
				})
			}
			out = append(out, d)
		}
		return out
	}
	sd.Definitions = keepDef(sd.Definitions)
	sd.Extensions = keepDef(sd.Extensions)
	// A Query that only carried _service/_entities disappears.
	queryFields := 0
	for _, list := range []ast.DefinitionList{sd.Definitions, sd.Extensions} {
		for _, d := range list {
			if d.Name == "Query" {
				queryFields += len(d.Fields)
			}
		}
	}
	if queryFields == 0 {
		drop := func(d *ast.Definition) bool { return d.Name == "Query" }
		sd.Definitions = slices.DeleteFunc(sd.Definitions, drop)
		sd.Extensions = slices.DeleteFunc(sd.Extensions, drop)
		for _, list := range []ast.SchemaDefinitionList{sd.Schema, sd.SchemaExtension} {
			for _, s := range list {
				s.OperationTypes = slices.DeleteFunc(s.OperationTypes, func(o *ast.OperationTypeDefinition) bool {
					return o.Operation == ast.Query
				})
			}
		}
	}
	sd.Directives = slices.DeleteFunc(sd.Directives, func(d *ast.DirectiveDefinition) bool {
		_, fed := names[d.Name]
		return fed || d.Name == "link"
	})
}

func (sg *subgraph) buildType(def *ast.Definition, defined, extended bool, shareable, external map[string]bool) *sgType {
	n := sg.names
	t := &sgType{
		name:     def.Name,
		kind:     def.Kind,
		desc:     def.Description,
		fieldMap: map[string]*sgField{},
		def:      def,
	}
	if sg.fed2 && !isRootType(def.Name) {
		t.extension = (extended && !defined) || n.has(def.Directives, "extends")
	}
	t.interfaceObject = n.has(def.Directives, "interfaceObject")
	t.inaccessible = n.has(def.Directives, "inaccessible")
	t.tags = tagsOf(n, def.Directives)
	t.access = readAccess(n, def.Directives)
	if d := def.Directives.ForName("specifiedBy"); d != nil {
		t.specifiedBy, _ = argString(d, "url")
	}
	for _, k := range n.all(def.Directives, "key") {
		fields, _ := argString(k, "fields")
		t.keys = append(t.keys, sgKey{fields: fields, resolvable: argBool(k, "resolvable", true)})
	}
	t.interfaces = slices.Clone(def.Interfaces)
	t.members = slices.Clone(def.Types)
	for _, v := range def.EnumValues {
		t.values = append(t.values, &sgEnumValue{
			name:         v.Name,
			desc:         v.Description,
			inaccessible: n.has(v.Directives, "inaccessible"),
			tags:         tagsOf(n, v.Directives),
			deprecated:   deprecation(v.Directives),
		})
	}
	for _, fd := range def.Fields {
		if strings.HasPrefix(fd.Name, "__") {
			continue // introspection fields gqlparser adds to the query root
		}
		f := &sgField{
			name:         fd.Name,
			desc:         fd.Description,
			typ:          fd.Type,
			defaultValue: fd.DefaultValue,
			external:     n.has(fd.Directives, "external") || external[fd.Name],
			shareable:    n.has(fd.Directives, "shareable") || shareable[fd.Name] || (!sg.fed2 && def.Kind == ast.Object),
			inaccessible: n.has(fd.Directives, "inaccessible"),
			tags:         tagsOf(n, fd.Directives),
			deprecated:   deprecation(fd.Directives),
			access:       readAccess(n, fd.Directives),
			def:          fd,
		}
		f.requires, _ = argString(n.find(fd.Directives, "requires"), "fields")
		f.provides, _ = argString(n.find(fd.Directives, "provides"), "fields")
		if o := n.find(fd.Directives, "override"); o != nil {
			f.hasOverride = true
			f.overrideFrom, _ = argString(o, "from")
			f.overrideLbl, _ = argString(o, "label")
		}
		for _, ad := range fd.Arguments {
			f.args = append(f.args, &sgArg{
				name:         ad.Name,
				desc:         ad.Description,
				typ:          ad.Type,
				defaultValue: ad.DefaultValue,
				inaccessible: n.has(ad.Directives, "inaccessible"),
				tags:         tagsOf(n, ad.Directives),
				deprecated:   deprecation(ad.Directives),
			})
		}
		t.fields = append(t.fields, f)
		t.fieldMap[f.name] = f
	}
	return t
}

func tagsOf(n directiveNames, list ast.DirectiveList) []string {
	var out []string
	for _, d := range n.all(list, "tag") {
		if s, ok := argString(d, "name"); ok && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func deprecation(list ast.DirectiveList) *string {
	d := list.ForName("deprecated")
	if d == nil {
		return nil
	}
	reason, ok := argString(d, "reason")
	if !ok {
		reason = "No longer supported"
	}
	return &reason
}
