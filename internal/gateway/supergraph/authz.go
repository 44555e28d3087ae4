package supergraph

import (
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Access is what a caller needs to see a field, from federation's
// authorization directives (https://specs.apollo.dev/authenticated/v0.1,
// https://specs.apollo.dev/requiresScopes/v0.1) on the field, on the type
// declaring it and on the type it returns.
type Access struct {
	// Authenticated: @authenticated, the caller must be signed in.
	Authenticated bool
	// Scopes are @requiresScopes requirements, all of which must hold; one
	// holds when every scope of any one of its lists is allowed.
	Scopes [][][]string
}

// Allows reports whether a caller may see the field: authenticated tells
// whether it is signed in, allows whether it may use a scope.
func (a *Access) Allows(authenticated bool, allows func(scope string) bool) bool {
	if a == nil {
		return true
	}
	if a.Authenticated && !authenticated {
		return false
	}
	for _, req := range a.Scopes {
		if !slices.ContainsFunc(req, func(all []string) bool {
			for _, s := range all {
				if !allows(s) {
					return false
				}
			}
			return true
		}) {
			return false
		}
	}
	return true
}

// FieldAccess returns the access rule of parent.field, nil when the field
// is public.
func (s *Supergraph) FieldAccess(parent, field string) *Access {
	if len(s.Access) == 0 {
		return nil
	}
	return s.Access[parent+"."+field]
}

func (a *Access) add(b *Access) *Access {
	if b == nil {
		return a
	}
	if a == nil {
		a = &Access{}
	}
	a.Authenticated = a.Authenticated || b.Authenticated
	for _, r := range b.Scopes {
		if !slices.ContainsFunc(a.Scopes, func(q [][]string) bool {
			return slices.EqualFunc(q, r, func(x, y []string) bool { return slices.Equal(x, y) })
		}) {
			a.Scopes = append(a.Scopes, r)
		}
	}
	return a
}

// authzNames are the local names of the authorization directives.
type authzNames struct{ authenticated, requiresScopes string }

func authzDirectiveNames(doc *ast.SchemaDocument) authzNames {
	n := authzNames{authenticated: "authenticated", requiresScopes: "requiresScopes"}
	for _, s := range append(slices.Clone(doc.Schema), doc.SchemaExtension...) {
		for _, d := range s.Directives {
			if d.Name != "link" && d.Name != "core" {
				continue
			}
			url := argString(d, "url")
			if url == "" {
				url = argString(d, "feature")
			}
			as := argString(d, "as")
			switch specName(url) {
			case "authenticated":
				if as != "" {
					n.authenticated = as
				}
			case "requiresScopes":
				if as != "" {
					n.requiresScopes = as
				}
			}
		}
	}
	return n
}

func (n authzNames) of(dl ast.DirectiveList) *Access {
	var a *Access
	if dl.ForName(n.authenticated) != nil {
		a = &Access{Authenticated: true}
	}
	for _, d := range dl.ForNames(n.requiresScopes) {
		arg := d.Arguments.ForName("scopes")
		if arg == nil || arg.Value == nil {
			continue
		}
		var req [][]string
		for _, inner := range arg.Value.Children {
			var all []string
			for _, s := range inner.Value.Children {
				all = append(all, s.Value.Raw)
			}
			if inner.Value.Kind != ast.ListValue {
				all = []string{inner.Value.Raw}
			}
			req = append(req, all)
		}
		a = a.add(&Access{Scopes: [][][]string{req}})
	}
	return a
}

// accessRules collects the access rules of the API schema's fields: a
// field needs its own rule, its declaring type's and its return type's; a
// field of an interface also needs the rules of the same field of every
// implementation (a rule of the interface's field is the least the
// implementations need).
func accessRules(doc *ast.SchemaDocument, defs map[string]*ast.Definition, api *ast.Schema) (map[string]*Access, []string) {
	n := authzDirectiveNames(doc)
	typeRule := func(name string) *Access {
		if d := defs[name]; d != nil {
			return n.of(d.Directives)
		}
		return nil
	}
	rules := map[string]*Access{}
	own := func(t *ast.Definition, f *ast.FieldDefinition) *Access {
		var a *Access
		if d := defs[t.Name]; d != nil {
			if fd := d.Fields.ForName(f.Name); fd != nil {
				a = a.add(n.of(fd.Directives))
			}
		}
		return a.add(typeRule(t.Name)).add(typeRule(f.Type.Name()))
	}
	for _, t := range api.Types {
		if t.BuiltIn || (t.Kind != ast.Object && t.Kind != ast.Interface) {
			continue
		}
		for _, f := range t.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			a := own(t, f)
			if t.Kind == ast.Interface {
				for _, impl := range api.PossibleTypes[t.Name] {
					if fd := impl.Fields.ForName(f.Name); fd != nil {
						a = a.add(own(impl, fd))
					}
				}
			}
			if a != nil {
				rules[t.Name+"."+f.Name] = a
			}
		}
	}
	var scopes []string
	for _, a := range rules {
		for _, r := range a.Scopes {
			for _, all := range r {
				for _, s := range all {
					if !slices.Contains(scopes, s) {
						scopes = append(scopes, s)
					}
				}
			}
		}
	}
	slices.Sort(scopes)
	if len(rules) == 0 {
		rules = nil
	}
	return rules, scopes
}
