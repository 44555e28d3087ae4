package compose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// supergraph is the merged schema, before printing.
type supergraph struct {
	graphs           []*subgraph
	types            map[string]*sType
	directives       []*ast.DirectiveDefinition
	usesInaccessible bool
	usesTag          bool
	usesAccess       access // which access-control directives appear
}

type typeSource struct {
	g int
	t *sgType
}

type joinImpl struct {
	graph, iface string
}

type joinMember struct {
	graph, member string
}

type sType struct {
	name         string
	kind         ast.DefinitionKind
	desc         string
	sources      []typeSource
	fields       []*sField
	fieldMap     map[string]*sField
	interfaces   []string
	implements   []joinImpl
	members      []string
	memberJoins  []joinMember
	values       []*sEnumValue
	inaccessible bool
	tags         []string
	specifiedBy  string
	access       access
}

type sEnumValue struct {
	name         string
	desc         string
	graphs       []string
	inaccessible bool
	tags         []string
	deprecated   *string
}

type fieldSource struct {
	g int
	t *sgType
	f *sgField
}

type joinField struct {
	graph          string
	requires       string
	provides       string
	typ            string
	override       string
	overrideLabel  string
	external       bool
	usedOverridden bool
}

type joinMode int

const (
	joinNone joinMode = iota
	joinPerGraph
	joinBare // resolved by no subgraph directly (added from an @interfaceObject)
)

type sField struct {
	name         string
	desc         string
	typ          *ast.Type
	args         []*sArg
	defaultValue *ast.Value
	mode         joinMode
	joins        []joinField
	inaccessible bool
	tags         []string
	deprecated   *string
	sources      []fieldSource
	access       access
	// resolvedIn lists the graphs (indexes) that can resolve the field,
	// after @external and @override.
	resolvedIn []int
	// overriddenIn lists the graphs whose definition another subgraph
	// overrides (progressively or not).
	overriddenIn []int
}

type sArg struct {
	name         string
	desc         string
	typ          *ast.Type
	defaultValue *ast.Value
	inaccessible bool
	tags         []string
	deprecated   *string
}

func (t *sType) field(name string) *sField {
	if t == nil {
		return nil
	}
	return t.fieldMap[name]
}

func (t *sType) hasSource(g int) bool {
	return slices.ContainsFunc(t.sources, func(s typeSource) bool { return s.g == g })
}

var kindNames = map[ast.DefinitionKind]string{
	ast.Object:      "Object Type",
	ast.Interface:   "Interface Type",
	ast.Union:       "Union Type",
	ast.Enum:        "Enum Type",
	ast.Scalar:      "Scalar Type",
	ast.InputObject: "InputObject Type",
}

// merge builds the supergraph from validated subgraphs (sorted by name).
func merge(sgs []*subgraph, ps *problems) *supergraph {
	sup := &supergraph{graphs: sgs, types: map[string]*sType{}}
	var names []string
	for gi, sg := range sgs {
		for _, tn := range sg.typeOrder {
			st := sup.types[tn]
			if st == nil {
				st = &sType{name: tn, fieldMap: map[string]*sField{}}
				sup.types[tn] = st
				names = append(names, tn)
			}
			st.sources = append(st.sources, typeSource{g: gi, t: sg.types[tn]})
		}
	}
	slices.Sort(names)

	// Kinds.
	for _, tn := range names {
		st := sup.types[tn]
		if !sup.mergeKind(st, ps) {
			delete(sup.types, tn)
		}
	}
	if q := sup.types["Query"]; q == nil || !slices.ContainsFunc(q.sources, func(s typeSource) bool { return len(s.t.fields) > 0 }) {
		ps.add("NO_QUERIES", "", "No queries found in any subgraph: a supergraph must have a query root type.")
		return sup
	}
	// Type-level facts.
	for _, tn := range names {
		if st := sup.types[tn]; st != nil {
			sup.mergeTypeLevel(st)
		}
	}
	sup.checkInterfaceObjects(ps)
	usage := sup.enumUsage()
	for _, tn := range names {
		st := sup.types[tn]
		if st == nil {
			continue
		}
		switch st.kind {
		case ast.Object, ast.Interface:
			sup.mergeOutputFields(st, ps)
		case ast.InputObject:
			sup.mergeInputFields(st, ps)
		case ast.Enum:
			sup.mergeEnum(st, usage[tn], ps)
		}
	}
	sup.addInterfaceObjectFields()
	sup.checkImplementations(ps)
	sup.checkSharing(ps)
	sup.mergeDirectiveDefinitions()
	for _, st := range sup.types {
		if st.inaccessible {
			sup.usesInaccessible = true
		}
		if len(st.tags) > 0 {
			sup.usesTag = true
		}
		sup.noteAccess(st.access)
		for _, f := range st.fields {
			if f.inaccessible {
				sup.usesInaccessible = true
			}
			if len(f.tags) > 0 {
				sup.usesTag = true
			}
			sup.noteAccess(f.access)
			for _, a := range f.args {
				sup.usesInaccessible = sup.usesInaccessible || a.inaccessible
				sup.usesTag = sup.usesTag || len(a.tags) > 0
			}
		}
		for _, v := range st.values {
			sup.usesInaccessible = sup.usesInaccessible || v.inaccessible
			sup.usesTag = sup.usesTag || len(v.tags) > 0
		}
	}
	return sup
}

func (sup *supergraph) noteAccess(a access) {
	u := &sup.usesAccess
	u.authenticated = u.authenticated || a.authenticated
	if len(a.scopes) > 0 {
		u.scopes = [][]string{{}}
	}
	if len(a.policies) > 0 {
		u.policies = [][]string{{}}
	}
}

func (sup *supergraph) graphName(g int) string { return sup.graphs[g].name }

func (sup *supergraph) mergeKind(st *sType, ps *problems) bool {
	var kind ast.DefinitionKind
	hasInterface := false
	for _, s := range st.sources {
		if s.t.kind == ast.Interface {
			hasInterface = true
		}
	}
	for _, s := range st.sources {
		k := s.t.kind
		if k == ast.Object && s.t.interfaceObject && hasInterface {
			k = ast.Interface
		}
		if kind == "" {
			kind = k
			continue
		}
		if k != kind {
			var parts []string
			var sgs []string
			for _, s2 := range st.sources {
				parts = append(parts, fmt.Sprintf("%s in subgraph %q", kindNames[s2.t.kind], sup.graphName(s2.g)))
				sgs = append(sgs, sup.graphName(s2.g))
			}
			ps.addf("TYPE_KIND_MISMATCH", st.name, sgs, "Type %q has mismatched kind: it is defined as %s", st.name, strings.Join(parts, " but "))
			return false
		}
	}
	st.kind = kind
	return true
}

func (sup *supergraph) mergeTypeLevel(st *sType) {
	var descs []string
	for _, s := range st.sources {
		descs = append(descs, s.t.desc)
		st.inaccessible = st.inaccessible || s.t.inaccessible
		st.tags = appendNew(st.tags, s.t.tags...)
		st.access = st.access.and(s.t.access)
		if st.specifiedBy == "" {
			st.specifiedBy = s.t.specifiedBy
		}
		g := sup.graphs[s.g].graph
		for _, in := range s.t.interfaces {
			st.interfaces = appendNew(st.interfaces, in)
			st.implements = append(st.implements, joinImpl{graph: g, iface: in})
		}
		for _, m := range s.t.members {
			st.members = appendNew(st.members, m)
			st.memberJoins = append(st.memberJoins, joinMember{graph: g, member: m})
		}
	}
	st.desc = mostFrequent(descs)
}

// checkInterfaceObjects validates the @interfaceObject types and the keys of
// entity interfaces.
func (sup *supergraph) checkInterfaceObjects(ps *problems) {
	for _, st := range sup.types {
		if st.kind != ast.Interface {
			continue
		}
		var objSources []typeSource
		for _, s := range st.sources {
			if s.t.kind == ast.Object {
				objSources = append(objSources, s)
			}
		}
		for _, s := range objSources {
			for _, impl := range sup.implementationsOf(st.name) {
				if impl.hasSource(s.g) {
					ps.addf("INTERFACE_OBJECT_USAGE_ERROR", st.name, []string{sup.graphName(s.g)},
						"[%s] Interface type %q is defined as an @interfaceObject in subgraph %q so that subgraph should not define any of the implementation types of %q, but it defines type %q",
						sup.graphName(s.g), st.name, sup.graphName(s.g), st.name, impl.name)
				}
			}
		}
		// Every implementation of an entity interface must be an entity
		// with the same keys, in the subgraph declaring the interface key.
		for _, s := range st.sources {
			if s.t.kind != ast.Interface || len(s.t.keys) == 0 {
				continue
			}
			sg := sup.graphs[s.g]
			for _, tn := range sg.typeOrder {
				impl := sg.types[tn]
				if impl.kind != ast.Object || !slices.Contains(impl.interfaces, st.name) {
					continue
				}
				for _, k := range s.t.keys {
					if !slices.ContainsFunc(impl.keys, func(ik sgKey) bool { return normalizeFieldSet(ik.fields) == normalizeFieldSet(k.fields) }) {
						ps.addf("INTERFACE_KEY_NOT_ON_IMPLEMENTATION", tn, []string{sg.name},
							"[%s] Key @key(fields: %q) on interface type %q is missing on implementation type %q.", sg.name, k.fields, st.name, tn)
					}
				}
			}
		}
	}
}

func normalizeFieldSet(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("{", " { ", "}", " } ").Replace(s)), " ")
}

// implementationsOf returns the supergraph object types implementing iface,
// sorted by name.
func (sup *supergraph) implementationsOf(iface string) []*sType {
	var out []*sType
	for _, st := range sup.types {
		if st.kind == ast.Object && slices.Contains(st.interfaces, iface) {
			out = append(out, st)
		}
	}
	slices.SortFunc(out, func(a, b *sType) int { return strings.Compare(a.name, b.name) })
	return out
}

// isSubtype reports whether named type sub may be returned where super is
// expected in the supergraph.
func (sup *supergraph) isSubtype(sub, super string) bool {
	if sub == super {
		return true
	}
	st := sup.types[super]
	if st == nil {
		return false
	}
	switch st.kind {
	case ast.Interface:
		if t := sup.types[sub]; t != nil {
			return slices.Contains(t.interfaces, super)
		}
	case ast.Union:
		return slices.Contains(st.members, sub)
	}
	return false
}

// outputSupertype returns the least restrictive type of a and b, or nil when
// they are incompatible.
func (sup *supergraph) outputSupertype(a, b *ast.Type) *ast.Type {
	if (a.Elem == nil) != (b.Elem == nil) {
		return nil
	}
	out := &ast.Type{NonNull: a.NonNull && b.NonNull}
	if a.Elem != nil {
		out.Elem = sup.outputSupertype(a.Elem, b.Elem)
		if out.Elem == nil {
			return nil
		}
		return out
	}
	switch {
	case sup.isSubtype(a.NamedType, b.NamedType):
		out.NamedType = b.NamedType
	case sup.isSubtype(b.NamedType, a.NamedType):
		out.NamedType = a.NamedType
	default:
		return nil
	}
	return out
}

// inputSubtype returns the most restrictive type of a and b, or nil when they
// are incompatible.
func inputSubtype(a, b *ast.Type) *ast.Type {
	if (a.Elem == nil) != (b.Elem == nil) {
		return nil
	}
	out := &ast.Type{NonNull: a.NonNull || b.NonNull}
	if a.Elem != nil {
		out.Elem = inputSubtype(a.Elem, b.Elem)
		if out.Elem == nil {
			return nil
		}
		return out
	}
	if a.NamedType != b.NamedType {
		return nil
	}
	out.NamedType = a.NamedType
	return out
}

type enumUse struct{ input, output bool }

func (sup *supergraph) enumUsage() map[string]enumUse {
	use := map[string]enumUse{}
	mark := func(t *ast.Type, input bool) {
		u := use[t.Name()]
		if input {
			u.input = true
		} else {
			u.output = true
		}
		use[t.Name()] = u
	}
	for _, sg := range sup.graphs {
		for _, tn := range sg.typeOrder {
			t := sg.types[tn]
			for _, f := range t.fields {
				mark(f.typ, t.kind == ast.InputObject)
				for _, a := range f.args {
					mark(a.typ, true)
				}
			}
		}
	}
	return use
}

func (sup *supergraph) mergeOutputFields(st *sType, ps *problems) {
	// Collect the sources of each field, in order of first declaration.
	for _, s := range st.sources {
		for _, f := range s.t.fields {
			sf := st.fieldMap[f.name]
			if sf == nil {
				sf = &sField{name: f.name}
				st.fieldMap[f.name] = sf
				st.fields = append(st.fields, sf)
			}
			sf.sources = append(sf.sources, fieldSource{g: s.g, t: s.t, f: f})
		}
	}
	for _, sf := range st.fields {
		sup.mergeOutputField(st, sf, ps)
	}
}

func (sup *supergraph) mergeOutputField(st *sType, sf *sField, ps *problems) {
	coord := st.name + "." + sf.name
	var descs []string
	for _, s := range sf.sources {
		descs = append(descs, s.f.desc)
		sf.inaccessible = sf.inaccessible || s.f.inaccessible
		sf.tags = appendNew(sf.tags, s.f.tags...)
		sf.access = sf.access.and(s.f.access)
		if sf.deprecated == nil {
			sf.deprecated = s.f.deprecated
		}
	}
	sf.desc = mostFrequent(descs)

	// Type: the least restrictive of the non-external definitions.
	allEqual := true
	for _, s := range sf.sources {
		if s.f.typ.String() != sf.sources[0].f.typ.String() {
			allEqual = false
		}
	}
	var typ *ast.Type
	var typeSources []fieldSource
	for _, s := range sf.sources {
		if !s.f.external {
			typeSources = append(typeSources, s)
		}
	}
	if len(typeSources) == 0 {
		typeSources = sf.sources
	}
	for _, s := range typeSources {
		if typ == nil {
			typ = s.f.typ
			continue
		}
		typ = sup.outputSupertype(typ, s.f.typ)
		if typ == nil {
			ps.addf("FIELD_TYPE_MISMATCH", coord, sup.sourceGraphs(sf.sources), "Type of field %q is incompatible across subgraphs: %s", coord, sup.describeTypes(sf.sources))
			return
		}
	}
	sf.typ = typ
	for _, s := range sf.sources {
		if s.f.external && len(typeSources) < len(sf.sources) {
			if sup.outputSupertype(typ, s.f.typ) == nil || sup.outputSupertype(typ, s.f.typ).String() != s.f.typ.String() {
				ps.addf("EXTERNAL_TYPE_MISMATCH", coord, sup.sourceGraphs(sf.sources),
					"Type of field %q is incompatible across subgraphs (where marked @external): %s", coord, sup.describeTypes(sf.sources))
			}
		}
	}

	// Arguments: the intersection over the non-external definitions.
	sf.args = sup.mergeArgs(coord, typeSources, ps)

	// @override.
	overridden := map[int]bool{} // graph → overridden by another subgraph
	usedOverridden := map[int]bool{}
	labels := map[int]string{}
	overrideFrom := map[int]string{}
	var overriders []fieldSource
	for _, s := range sf.sources {
		if s.f.hasOverride {
			overriders = append(overriders, s)
		}
	}
	if len(overriders) > 1 {
		ps.addf("OVERRIDE_SOURCE_HAS_OVERRIDE", coord, sup.sourceGraphs(overriders),
			"Field %q on subgraph %q is also marked with directive @override in subgraph %q. Only one @override directive is allowed per field.",
			coord, sup.graphName(overriders[0].g), sup.graphName(overriders[1].g))
	}
	for _, o := range overriders {
		overrideFrom[o.g] = o.f.overrideFrom
		if o.f.overrideLbl != "" {
			labels[o.g] = o.f.overrideLbl
		}
		for _, s := range sf.sources {
			if sup.graphName(s.g) != o.f.overrideFrom || s.g == o.g || s.f.external {
				continue
			}
			if s.f.hasOverride {
				continue // reported above
			}
			overridden[s.g] = true
			sf.overriddenIn = append(sf.overriddenIn, s.g)
			if o.f.overrideLbl != "" {
				labels[s.g] = o.f.overrideLbl
			}
			if s.f.used {
				usedOverridden[s.g] = true
			}
		}
	}

	// Who resolves the field.
	for _, s := range sf.sources {
		if s.f.external || (overridden[s.g] && labels[s.g] == "") {
			continue
		}
		sf.resolvedIn = append(sf.resolvedIn, s.g)
	}

	// @join__field.
	need := !allEqual || len(usedOverridden) > 0 || len(labels) > 0
	for _, ts := range st.sources {
		var src *fieldSource
		for i := range sf.sources {
			if sf.sources[i].g == ts.g {
				src = &sf.sources[i]
			}
		}
		if src == nil {
			need = true
			continue
		}
		if src.f.external || src.f.requires != "" || src.f.provides != "" || src.f.hasOverride {
			need = true
		}
	}
	if !need {
		return
	}
	sf.mode = joinPerGraph
	for _, s := range sf.sources {
		if overridden[s.g] && !usedOverridden[s.g] && labels[s.g] == "" {
			continue
		}
		j := joinField{
			graph:          sup.graphs[s.g].graph,
			requires:       s.f.requires,
			provides:       s.f.provides,
			override:       overrideFrom[s.g],
			overrideLabel:  labels[s.g],
			external:       s.f.external,
			usedOverridden: usedOverridden[s.g],
		}
		if !allEqual {
			j.typ = s.f.typ.String()
		}
		sf.joins = append(sf.joins, j)
	}
}

func (sup *supergraph) sourceGraphs(srcs []fieldSource) []string {
	var out []string
	for _, s := range srcs {
		out = append(out, sup.graphName(s.g))
	}
	return out
}

func (sup *supergraph) describeTypes(srcs []fieldSource) string {
	var parts []string
	for _, s := range srcs {
		parts = append(parts, fmt.Sprintf("type %q in subgraph %q", s.f.typ.String(), sup.graphName(s.g)))
	}
	return "it has " + strings.Join(parts, " but ")
}

// mergeArgs merges the arguments of one field across its definitions.
func (sup *supergraph) mergeArgs(coord string, srcs []fieldSource, ps *problems) []*sArg {
	var order []string
	for _, s := range srcs {
		for _, a := range s.f.args {
			order = appendNew(order, a.name)
		}
	}
	var out []*sArg
	for _, name := range order {
		argCoord := fmt.Sprintf("%s(%s:)", coord, name)
		var have []*sgArg
		var haveGraphs, missing []string
		required := false
		for _, s := range srcs {
			var a *sgArg
			for _, x := range s.f.args {
				if x.name == name {
					a = x
				}
			}
			if a == nil {
				missing = append(missing, sup.graphName(s.g))
				continue
			}
			have = append(have, a)
			haveGraphs = append(haveGraphs, sup.graphName(s.g))
			if a.typ.NonNull && a.defaultValue == nil {
				required = true
			}
		}
		if len(missing) > 0 {
			if required {
				ps.addf("REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH", argCoord, append(haveGraphs, missing...),
					"Argument %q is required in some subgraphs but does not appear in all subgraphs: it is required in subgraph %s but does not appear in subgraph %s",
					argCoord, quoteList(haveGraphs), quoteList(missing))
			}
			continue
		}
		sa := &sArg{name: name}
		var descs []string
		for i, a := range have {
			descs = append(descs, a.desc)
			sa.inaccessible = sa.inaccessible || a.inaccessible
			sa.tags = appendNew(sa.tags, a.tags...)
			if sa.deprecated == nil {
				sa.deprecated = a.deprecated
			}
			if i == 0 {
				sa.typ = a.typ
				sa.defaultValue = a.defaultValue
				continue
			}
			sa.typ = inputSubtype(sa.typ, a.typ)
			if sa.typ == nil {
				ps.addf("FIELD_ARGUMENT_TYPE_MISMATCH", argCoord, haveGraphs, "Type of argument %q is incompatible across subgraphs: %s", argCoord, describeArgTypes(have, haveGraphs))
				break
			}
			if valueString(sa.defaultValue) != valueString(a.defaultValue) {
				ps.addf("FIELD_ARGUMENT_DEFAULT_MISMATCH", argCoord, haveGraphs, "Argument %q has incompatible default values across subgraphs: %s", argCoord, describeDefaults(have, haveGraphs))
			}
		}
		if sa.typ == nil {
			continue
		}
		sa.desc = mostFrequent(descs)
		out = append(out, sa)
	}
	return out
}

func describeArgTypes(args []*sgArg, graphs []string) string {
	var parts []string
	for i, a := range args {
		parts = append(parts, fmt.Sprintf("type %q in subgraph %q", a.typ.String(), graphs[i]))
	}
	return "it has " + strings.Join(parts, " but ")
}

func describeDefaults(args []*sgArg, graphs []string) string {
	var parts []string
	for i, a := range args {
		if a.defaultValue == nil {
			parts = append(parts, fmt.Sprintf("no default value in subgraph %q", graphs[i]))
		} else {
			parts = append(parts, fmt.Sprintf("default value %s in subgraph %q", valueString(a.defaultValue), graphs[i]))
		}
	}
	return "it has " + strings.Join(parts, " but ")
}

func (sup *supergraph) mergeInputFields(st *sType, ps *problems) {
	var order []string
	for _, s := range st.sources {
		for _, f := range s.t.fields {
			order = appendNew(order, f.name)
		}
	}
	for _, name := range order {
		coord := st.name + "." + name
		var srcs []fieldSource
		var missing []string
		for _, s := range st.sources {
			if f := s.t.field(name); f != nil {
				srcs = append(srcs, fieldSource{g: s.g, t: s.t, f: f})
			} else {
				missing = append(missing, sup.graphName(s.g))
			}
		}
		if len(missing) > 0 {
			for _, s := range srcs {
				if s.f.typ.NonNull && s.f.defaultValue == nil {
					ps.addf("REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH", coord, append(sup.sourceGraphs(srcs), missing...),
						"Input object field %q is required in some subgraphs but does not appear in all subgraphs: it is required in subgraph %s but does not appear in subgraph %s",
						coord, quoteList(sup.sourceGraphs(srcs)), quoteList(missing))
					break
				}
			}
			continue
		}
		sf := &sField{name: name, sources: srcs}
		var descs []string
		allEqual := true
		for i, s := range srcs {
			descs = append(descs, s.f.desc)
			sf.inaccessible = sf.inaccessible || s.f.inaccessible
			sf.tags = appendNew(sf.tags, s.f.tags...)
			if sf.deprecated == nil {
				sf.deprecated = s.f.deprecated
			}
			if s.f.typ.String() != srcs[0].f.typ.String() {
				allEqual = false
			}
			if i == 0 {
				sf.typ = s.f.typ
				sf.defaultValue = s.f.defaultValue
				continue
			}
			if sf.typ != nil {
				sf.typ = inputSubtype(sf.typ, s.f.typ)
			}
			if valueString(sf.defaultValue) != valueString(s.f.defaultValue) {
				ps.addf("INPUT_FIELD_DEFAULT_MISMATCH", coord, sup.sourceGraphs(srcs), "Input field %q has incompatible default values across subgraphs: it has default value %s in subgraph %q but default value %s in subgraph %q",
					coord, orNone(srcs[0].f.defaultValue), sup.graphName(srcs[0].g), orNone(s.f.defaultValue), sup.graphName(s.g))
			}
		}
		if sf.typ == nil {
			ps.addf("FIELD_TYPE_MISMATCH", coord, sup.sourceGraphs(srcs), "Type of field %q is incompatible across subgraphs: %s", coord, sup.describeTypes(srcs))
			continue
		}
		sf.desc = mostFrequent(descs)
		if !allEqual {
			sf.mode = joinPerGraph
			for _, s := range srcs {
				sf.joins = append(sf.joins, joinField{graph: sup.graphs[s.g].graph, typ: s.f.typ.String()})
			}
		}
		st.fields = append(st.fields, sf)
		st.fieldMap[name] = sf
	}
	if len(st.fields) == 0 {
		ps.addf("EMPTY_MERGED_INPUT_TYPE", st.name, sup.typeGraphs(st), "None of the fields of input object type %q are consistently defined in all the subgraphs defining that type. As only fields common to all subgraphs are merged, this would result in an empty type.", st.name)
	}
}

func orNone(v *ast.Value) string {
	if v == nil {
		return "none"
	}
	return valueString(v)
}

func (sup *supergraph) typeGraphs(st *sType) []string {
	var out []string
	for _, s := range st.sources {
		out = append(out, sup.graphName(s.g))
	}
	return out
}

func (sup *supergraph) mergeEnum(st *sType, use enumUse, ps *problems) {
	var order []string
	for _, s := range st.sources {
		for _, v := range s.t.values {
			order = appendNew(order, v.name)
		}
	}
	for _, name := range order {
		var graphs, missing []string
		sv := &sEnumValue{name: name}
		var descs []string
		for _, s := range st.sources {
			var v *sgEnumValue
			for _, x := range s.t.values {
				if x.name == name {
					v = x
				}
			}
			if v == nil {
				missing = append(missing, sup.graphName(s.g))
				continue
			}
			graphs = append(graphs, sup.graphs[s.g].graph)
			descs = append(descs, v.desc)
			sv.inaccessible = sv.inaccessible || v.inaccessible
			sv.tags = appendNew(sv.tags, v.tags...)
			if sv.deprecated == nil {
				sv.deprecated = v.deprecated
			}
		}
		if len(missing) > 0 {
			if use.input && use.output {
				var defined []string
				for _, s := range st.sources {
					if !slices.Contains(missing, sup.graphName(s.g)) {
						defined = append(defined, sup.graphName(s.g))
					}
				}
				ps.addf("ENUM_VALUE_MISMATCH", st.name, sup.typeGraphs(st),
					"Enum type %q is used as both input type and output type, but value %q is not defined in all the subgraphs defining %q: %q is defined in subgraph %s but not in subgraph %s",
					st.name, name, st.name, name, quoteList(defined), quoteList(missing))
				continue
			}
			if use.input {
				continue // input enums keep the values every subgraph knows
			}
		}
		sv.desc = mostFrequent(descs)
		sv.graphs = graphs
		st.values = append(st.values, sv)
	}
	if len(st.values) == 0 {
		ps.addf("EMPTY_MERGED_ENUM_TYPE", st.name, sup.typeGraphs(st), "None of the values of enum type %q are defined consistently in all the subgraphs defining that type. As only values common to all subgraphs are merged, this would result in an empty type.", st.name)
	}
}

// addInterfaceObjectFields copies the fields an @interfaceObject contributes
// to an interface onto every implementation of that interface.
func (sup *supergraph) addInterfaceObjectFields() {
	for _, st := range sup.types {
		if st.kind != ast.Interface {
			continue
		}
		hasObj := slices.ContainsFunc(st.sources, func(s typeSource) bool { return s.t.kind == ast.Object })
		if !hasObj {
			continue
		}
		for _, impl := range sup.implementationsOf(st.name) {
			for _, f := range st.fields {
				if impl.field(f.name) != nil {
					continue
				}
				nf := &sField{name: f.name, desc: f.desc, typ: f.typ, args: f.args, mode: joinBare,
					inaccessible: f.inaccessible, tags: f.tags, deprecated: f.deprecated}
				impl.fields = append(impl.fields, nf)
				impl.fieldMap[nf.name] = nf
			}
		}
	}
}

// checkImplementations reports interface fields that an implementation of
// the interface lacks in the supergraph: a subgraph added the field to the
// interface but the implementation is only defined elsewhere.
func (sup *supergraph) checkImplementations(ps *problems) {
	for _, st := range sup.types {
		if st.kind != ast.Interface {
			continue
		}
		for _, impl := range sup.implementationsOf(st.name) {
			for _, f := range st.fields {
				if impl.field(f.name) != nil {
					continue
				}
				var declared, implementedIn []string
				for _, s := range f.sources {
					declared = append(declared, sup.graphName(s.g))
				}
				for _, s := range impl.sources {
					if slices.Contains(s.t.interfaces, st.name) {
						implementedIn = append(implementedIn, sup.graphName(s.g))
					}
				}
				ps.addf("INTERFACE_FIELD_NO_IMPLEM", st.name+"."+f.name, append(declared, implementedIn...),
					"Interface field %q is declared in subgraph %s but type %q, which implements %q only in subgraph %s does not have field %q.",
					st.name+"."+f.name, quoteList(declared), impl.name, st.name, quoteList(implementedIn), f.name)
			}
		}
	}
}

// checkSharing reports fields of object types resolved by several subgraphs
// without being @shareable in all of them.
func (sup *supergraph) checkSharing(ps *problems) {
	for _, st := range sup.types {
		if st.kind != ast.Object && st.kind != ast.Interface {
			continue
		}
		for _, sf := range st.fields {
			coord := st.name + "." + sf.name
			var resolving []fieldSource
			for _, s := range sf.sources {
				if s.t.kind == ast.Interface {
					continue
				}
				if slices.Contains(sf.overriddenIn, s.g) {
					continue
				}
				if slices.Contains(sf.resolvedIn, s.g) || (s.f.external && sup.graphs[s.g].provided(st.name, sf.name)) {
					resolving = append(resolving, s)
				}
			}
			// @external definitions need a definition that resolves them.
			if len(sf.sources) > 0 && !slices.ContainsFunc(sf.sources, func(s fieldSource) bool { return !s.f.external }) && st.kind == ast.Object {
				var ext []string
				for _, s := range sf.sources {
					ext = append(ext, sup.graphName(s.g))
				}
				ps.addf("EXTERNAL_MISSING_ON_BASE", coord, ext, "Field %q is marked @external on all the subgraphs in which it is listed (%s).", coord, quoteList(ext))
			}
			if len(resolving) < 2 {
				continue
			}
			var nonShareable []string
			for _, s := range resolving {
				if !s.f.shareable && !s.f.external {
					nonShareable = append(nonShareable, sup.graphName(s.g))
				}
			}
			if len(nonShareable) == 0 {
				continue
			}
			var all []string
			for _, s := range resolving {
				all = append(all, sup.graphName(s.g))
			}
			where := "in all of them"
			if len(nonShareable) < len(all) {
				where = "in subgraph " + quoteList(nonShareable)
			}
			ps.addf("INVALID_FIELD_SHARING", coord, all, "Non-shareable field %q is resolved from multiple subgraphs: it is resolved from subgraphs %s and defined as non-shareable %s",
				coord, quoteAnd(all), where)
		}
	}
}

// provided reports whether some @provides of the subgraph selects type.field.
func (sg *subgraph) provided(typeName, field string) bool {
	for _, tn := range sg.typeOrder {
		for _, f := range sg.types[tn].fields {
			if f.provides == "" {
				continue
			}
			target := sg.types[f.typ.Name()]
			sel, err := parseFieldSet(f.provides)
			if err != nil || target == nil {
				continue
			}
			found := false
			sg.walkFieldSet(target, sel, fsProvides, 0, func(p *sgType, x *sgField, _ int) {
				if p.name == typeName && x.name == field {
					found = true
				}
			})
			if found {
				return true
			}
		}
	}
	return false
}

func quoteAnd(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// mergeDirectiveDefinitions keeps the executable directives every subgraph
// declares, with the locations they all share.
func (sup *supergraph) mergeDirectiveDefinitions() {
	first := sup.graphs[0]
	for _, dd := range first.directives {
		locs := executableLocations(dd.Locations)
		ok := len(locs) > 0
		for _, sg := range sup.graphs[1:] {
			i := slices.IndexFunc(sg.directives, func(o *ast.DirectiveDefinition) bool { return o.Name == dd.Name })
			if i < 0 {
				ok = false
				break
			}
			other := executableLocations(sg.directives[i].Locations)
			locs = slices.DeleteFunc(locs, func(l ast.DirectiveLocation) bool { return !slices.Contains(other, l) })
		}
		if !ok || len(locs) == 0 {
			continue
		}
		nd := *dd
		nd.Locations = locs
		sup.directives = append(sup.directives, &nd)
	}
	slices.SortFunc(sup.directives, func(a, b *ast.DirectiveDefinition) int { return strings.Compare(a.Name, b.Name) })
}

func executableLocations(locs []ast.DirectiveLocation) []ast.DirectiveLocation {
	var out []ast.DirectiveLocation
	for _, l := range locs {
		switch l {
		case ast.LocationQuery, ast.LocationMutation, ast.LocationSubscription, ast.LocationField,
			ast.LocationFragmentDefinition, ast.LocationFragmentSpread, ast.LocationInlineFragment, ast.LocationVariableDefinition:
			out = append(out, l)
		}
	}
	return out
}

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		if !slices.Contains(list, it) {
			list = append(list, it)
		}
	}
	return list
}

// mostFrequent returns the most frequent string that is not empty or blank,
// the first one on ties: Apollo's rule for the description of an element
// several subgraphs declare (a subgraph that describes nothing, or only
// whitespace, never hides the description another one gives).
func mostFrequent(items []string) string {
	best, bestN := "", 0
	for _, it := range items {
		if strings.TrimSpace(it) == "" {
			continue
		}
		n := 0
		for _, o := range items {
			if o == it {
				n++
			}
		}
		if n > bestN {
			best, bestN = it, n
		}
	}
	return best
}
