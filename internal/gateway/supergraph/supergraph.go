package supergraph

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// Supergraph is a loaded supergraph.
type Supergraph struct {
	// API is the client-facing schema: no join__/link__ types or directives,
	// no @inaccessible elements.
	API *ast.Schema
	// Subgraphs are sorted by name.
	Subgraphs []Subgraph
	// Types holds the federation metadata of every composite type of the API
	// schema (objects, interfaces, unions) and of enums.
	Types map[string]*Type
	// Access holds the access rules of protected fields by "Type.field"
	// (authz.go); AccessScopes lists, sorted, the scopes they name.
	Access       map[string]*Access
	AccessScopes []string
}

// Subgraph is one subgraph of the supergraph.
type Subgraph struct {
	Name string // the name given in @join__graph(name:)
	URL  string // the routing URL
	Enum string // the join__Graph enum value naming it
}

// Type is the federation metadata of one named type.
type Type struct {
	Name string
	Kind ast.DefinitionKind
	// Graphs lists, sorted, the subgraphs that declare the type.
	Graphs []string
	// Keys per subgraph, in declaration order.
	Keys map[string][]Key
	// Extension reports the subgraphs declaring the type as an extension.
	Extension map[string]bool
	// InterfaceObject reports the subgraphs in which this interface is an
	// object type marked @interfaceObject.
	InterfaceObject map[string]bool
	// Implements lists, per subgraph, the interfaces the type implements there.
	Implements map[string][]string
	// UnionMembers lists, per subgraph, the members of a union there.
	UnionMembers map[string][]string
	// EnumValues lists, per enum value, the subgraphs that declare it.
	EnumValues map[string][]string
	// Fields by name.
	Fields map[string]*Field
}

// Key is one @key of a type in one subgraph.
type Key struct {
	Fields     string
	Selection  ast.SelectionSet
	Resolvable bool
}

// Field is the federation metadata of one field.
type Field struct {
	Name string
	// Type is the field's type as the supergraph declares it (also for
	// fields the API schema hides: a key or a @requires may name an
	// @inaccessible field).
	Type *ast.Type
	// Joins are the field's @join__field entries, sorted by graph. When the
	// field has none, it is resolved by every subgraph declaring its type.
	Joins []*FieldJoin
}

// FieldJoin is one @join__field of a field.
type FieldJoin struct {
	Graph          string // subgraph name ("" when the directive names none)
	Requires       string
	RequiresSel    ast.SelectionSet
	Provides       string
	ProvidesSel    ast.SelectionSet
	Type           string
	External       bool
	Override       string
	OverrideLabel  string
	UsedOverridden bool
}

// Subgraph returns the subgraph called name.
func (s *Supergraph) Subgraph(name string) (Subgraph, bool) {
	i, ok := slices.BinarySearchFunc(s.Subgraphs, name, func(a Subgraph, n string) int { return strings.Compare(a.Name, n) })
	if !ok {
		return Subgraph{}, false
	}
	return s.Subgraphs[i], true
}

// URLs maps subgraph names to routing URLs.
func (s *Supergraph) URLs() map[string]string {
	m := make(map[string]string, len(s.Subgraphs))
	for _, g := range s.Subgraphs {
		m[g.Name] = g.URL
	}
	return m
}

// Type returns the metadata of the named type, or nil.
func (s *Supergraph) Type(name string) *Type { return s.Types[name] }

// HasGraph reports whether subgraph g declares the type.
func (t *Type) HasGraph(g string) bool {
	_, ok := slices.BinarySearch(t.Graphs, g)
	return ok
}

// ResolvableKeys returns the resolvable keys of the type in subgraph g.
func (t *Type) ResolvableKeys(g string) []Key {
	var out []Key
	for _, k := range t.Keys[g] {
		if k.Resolvable {
			out = append(out, k)
		}
	}
	return out
}

// Join returns the field's @join__field for subgraph g, or nil.
func (f *Field) Join(g string) *FieldJoin {
	for _, j := range f.Joins {
		if j.Graph == g {
			return j
		}
	}
	return nil
}

// ParseFieldSet parses a federation FieldSet ("id", "a b { c }") into a
// selection set.
func ParseFieldSet(fields string) (ast.SelectionSet, error) {
	doc, err := parser.ParseQuery(&ast.Source{Input: "{" + fields + "}"})
	if err != nil {
		return nil, fmt.Errorf("field set %q: %w", fields, err)
	}
	if len(doc.Operations) != 1 {
		return nil, fmt.Errorf("field set %q: not a selection", fields)
	}
	return doc.Operations[0].SelectionSet, nil
}

// names of the link-imported features in this supergraph.
type specNames struct {
	join         string // prefix of join directives, "join__"
	inaccessible string // name of the inaccessible directive
	link         string // name of the link directive
	specDirs     map[string]bool
}

// Parse loads a supergraph SDL.
func Parse(sdl string) (*Supergraph, error) {
	doc, err := parser.ParseSchemas(validator.Prelude, &ast.Source{Name: "supergraph.graphql", Input: sdl})
	if err != nil {
		return nil, fmt.Errorf("supergraph: %w", err)
	}
	names, err := linkNames(doc)
	if err != nil {
		return nil, err
	}
	sg := &Supergraph{Types: map[string]*Type{}}
	enumToName := map[string]string{}
	defs := map[string]*ast.Definition{}
	for _, d := range append(slices.Clone(doc.Definitions), doc.Extensions...) {
		if prev, ok := defs[d.Name]; ok {
			// merge extensions into the definition
			prev.Fields = append(prev.Fields, d.Fields...)
			prev.Directives = append(prev.Directives, d.Directives...)
			prev.Interfaces = append(prev.Interfaces, d.Interfaces...)
			prev.Types = append(prev.Types, d.Types...)
			prev.EnumValues = append(prev.EnumValues, d.EnumValues...)
			continue
		}
		cp := *d
		defs[d.Name] = &cp
	}
	graphEnum := defs[names.join+"Graph"]
	if graphEnum == nil {
		return nil, errors.New("supergraph: no " + names.join + "Graph enum: not a supergraph in join format")
	}
	for _, v := range graphEnum.EnumValues {
		d := v.Directives.ForName(names.join + "graph")
		if d == nil {
			return nil, fmt.Errorf("supergraph: %sGraph.%s has no @%sgraph", names.join, v.Name, names.join)
		}
		g := Subgraph{Enum: v.Name, Name: argString(d, "name"), URL: argString(d, "url")}
		if g.Name == "" {
			g.Name = strings.ToLower(v.Name)
		}
		enumToName[v.Name] = g.Name
		sg.Subgraphs = append(sg.Subgraphs, g)
	}
	sort.Slice(sg.Subgraphs, func(i, j int) bool { return sg.Subgraphs[i].Name < sg.Subgraphs[j].Name })
	graphOf := func(d *ast.Directive) (string, error) {
		a := d.Arguments.ForName("graph")
		if a == nil || a.Value == nil {
			return "", nil
		}
		n, ok := enumToName[a.Value.Raw]
		if !ok {
			return "", fmt.Errorf("supergraph: @%s names unknown graph %q", d.Name, a.Value.Raw)
		}
		return n, nil
	}

	var errs []error
	for _, d := range doc.Definitions {
		if isSpecType(d.Name, names) || d.BuiltIn {
			continue
		}
		def := defs[d.Name]
		if def.Kind == ast.Scalar || def.Kind == ast.InputObject {
			continue
		}
		t := &Type{Name: def.Name, Kind: def.Kind, Keys: map[string][]Key{}, Extension: map[string]bool{},
			InterfaceObject: map[string]bool{}, Implements: map[string][]string{}, UnionMembers: map[string][]string{},
			EnumValues: map[string][]string{}, Fields: map[string]*Field{}}
		for _, dir := range def.Directives {
			switch dir.Name {
			case names.join + "type":
				g, err := graphOf(dir)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				if !slices.Contains(t.Graphs, g) {
					t.Graphs = append(t.Graphs, g)
				}
				if argBool(dir, "extension", false) {
					t.Extension[g] = true
				}
				if argBool(dir, "isInterfaceObject", false) {
					t.InterfaceObject[g] = true
				}
				if k := argString(dir, "key"); k != "" {
					sel, err := ParseFieldSet(k)
					if err != nil {
						errs = append(errs, fmt.Errorf("supergraph: %s key: %w", t.Name, err))
						continue
					}
					t.Keys[g] = append(t.Keys[g], Key{Fields: k, Selection: sel, Resolvable: argBool(dir, "resolvable", true)})
				}
			case names.join + "implements":
				g, err := graphOf(dir)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				t.Implements[g] = append(t.Implements[g], argString(dir, "interface"))
			case names.join + "unionMember":
				g, err := graphOf(dir)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				t.UnionMembers[g] = append(t.UnionMembers[g], argString(dir, "member"))
			}
		}
		sort.Strings(t.Graphs)
		for _, v := range def.EnumValues {
			for _, dir := range v.Directives.ForNames(names.join + "enumValue") {
				g, err := graphOf(dir)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				t.EnumValues[v.Name] = append(t.EnumValues[v.Name], g)
			}
			sort.Strings(t.EnumValues[v.Name])
		}
		for _, fd := range def.Fields {
			f := &Field{Name: fd.Name, Type: fd.Type}
			for _, dir := range fd.Directives.ForNames(names.join + "field") {
				g, err := graphOf(dir)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				j := &FieldJoin{Graph: g, Requires: argString(dir, "requires"), Provides: argString(dir, "provides"),
					Type: argString(dir, "type"), External: argBool(dir, "external", false),
					Override: argString(dir, "override"), OverrideLabel: argString(dir, "overrideLabel"),
					UsedOverridden: argBool(dir, "usedOverridden", false)}
				if j.Requires != "" {
					if j.RequiresSel, err = ParseFieldSet(j.Requires); err != nil {
						errs = append(errs, fmt.Errorf("supergraph: %s.%s requires: %w", t.Name, fd.Name, err))
					}
				}
				if j.Provides != "" {
					if j.ProvidesSel, err = ParseFieldSet(j.Provides); err != nil {
						errs = append(errs, fmt.Errorf("supergraph: %s.%s provides: %w", t.Name, fd.Name, err))
					}
				}
				f.Joins = append(f.Joins, j)
			}
			sort.SliceStable(f.Joins, func(a, b int) bool { return f.Joins[a].Graph < f.Joins[b].Graph })
			t.Fields[fd.Name] = f
		}
		sg.Types[t.Name] = t
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	api, err := apiSchema(doc, defs, names)
	if err != nil {
		return nil, err
	}
	sg.API = api
	sg.Access, sg.AccessScopes = accessRules(doc, defs, api)
	// Drop metadata of types that are not in the API schema.
	for n := range sg.Types {
		if sg.API.Types[n] == nil {
			delete(sg.Types, n)
		}
	}
	return sg, nil
}

func linkNames(doc *ast.SchemaDocument) (specNames, error) {
	n := specNames{join: "join__", inaccessible: "inaccessible", link: "link", specDirs: map[string]bool{}}
	var links []*ast.Directive
	for _, s := range append(slices.Clone(doc.Schema), doc.SchemaExtension...) {
		for _, d := range s.Directives {
			if d.Name == "link" || d.Name == "core" {
				links = append(links, d)
			}
		}
	}
	for _, d := range links {
		url := argString(d, "url")
		if url == "" {
			url = argString(d, "feature")
		}
		as := argString(d, "as")
		name := specName(url)
		if as == "" {
			as = name
		}
		switch name {
		case "join":
			n.join = as + "__"
		case "inaccessible":
			n.inaccessible = as
		case "link", "core":
			n.link = as
		}
		// Every directive of a linked spec is federation metadata.
		n.specDirs[as] = true
		if imp := d.Arguments.ForName("import"); imp != nil && imp.Value != nil {
			for _, c := range imp.Value.Children {
				switch c.Value.Kind {
				case ast.StringValue:
					n.specDirs[strings.TrimPrefix(c.Value.Raw, "@")] = true
				case ast.ObjectValue:
					nm := c.Value.Children.ForName("name")
					as := c.Value.Children.ForName("as")
					if nm == nil {
						continue
					}
					imported := strings.TrimPrefix(nm.Raw, "@")
					local := imported
					if as != nil {
						local = strings.TrimPrefix(as.Raw, "@")
					}
					if imported == "inaccessible" {
						n.inaccessible = local
					}
					n.specDirs[local] = true
				}
			}
		}
		if name == "inaccessible" {
			n.specDirs[n.inaccessible] = true
		}
	}
	return n, nil
}

// specName extracts the spec name from a spec URL:
// https://specs.apollo.dev/join/v0.3 → join.
func specName(url string) string {
	parts := strings.Split(strings.TrimRight(url, "/"), "/")
	if len(parts) >= 2 && strings.HasPrefix(parts[len(parts)-1], "v") {
		return parts[len(parts)-2]
	}
	if len(parts) >= 1 {
		return parts[len(parts)-1]
	}
	return ""
}

func isSpecType(name string, n specNames) bool {
	if strings.HasPrefix(name, n.join) || strings.HasPrefix(name, n.link+"__") || strings.HasPrefix(name, "core__") {
		return true
	}
	if i := strings.Index(name, "__"); i > 0 && n.specDirs[name[:i]] {
		return true
	}
	return false
}

func isSpecDirective(name string, n specNames) bool {
	if name == n.link || name == "core" || name == n.inaccessible || strings.HasPrefix(name, n.join) {
		return true
	}
	if n.specDirs[name] {
		return true
	}
	if i := strings.Index(name, "__"); i > 0 && n.specDirs[name[:i]] {
		return true
	}
	return false
}

func argString(d *ast.Directive, name string) string {
	a := d.Arguments.ForName(name)
	if a == nil || a.Value == nil || a.Value.Kind == ast.NullValue {
		return ""
	}
	return a.Value.Raw
}

func argBool(d *ast.Directive, name string, def bool) bool {
	a := d.Arguments.ForName(name)
	if a == nil || a.Value == nil || a.Value.Kind != ast.BooleanValue {
		return def
	}
	return a.Value.Raw == "true"
}
