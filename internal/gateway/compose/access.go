package compose

import (
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// access holds the access-control requirements of a type or field: Apollo's
// @authenticated, @requiresScopes and @policy. Scopes and policies are in
// disjunctive normal form: any one inner list, all of its items.
type access struct {
	authenticated bool
	scopes        [][]string
	policies      [][]string
}

func readAccess(n directiveNames, list ast.DirectiveList) access {
	var a access
	a.authenticated = n.has(list, "authenticated")
	if d := n.find(list, "requiresScopes"); d != nil {
		a.scopes = readDNF(d, "scopes")
	}
	if d := n.find(list, "policy"); d != nil {
		a.policies = readDNF(d, "policies")
	}
	return a
}

func readDNF(d *ast.Directive, arg string) [][]string {
	v := d.Arguments.ForName(arg)
	if v == nil || v.Value == nil {
		return nil
	}
	var out [][]string
	for _, alt := range v.Value.Children {
		var items []string
		for _, it := range alt.Value.Children {
			items = append(items, it.Value.Raw)
		}
		out = append(out, normalizeConj(items))
	}
	return normalizeDNF(out)
}

func normalizeConj(items []string) []string {
	var out []string
	for _, it := range items {
		if !slices.Contains(out, it) {
			out = append(out, it)
		}
	}
	return out
}

func normalizeDNF(d [][]string) [][]string {
	var out [][]string
	for _, alt := range d {
		if !slices.ContainsFunc(out, func(o []string) bool { return slices.Equal(o, alt) }) {
			out = append(out, alt)
		}
	}
	return out
}

// and combines two requirements that must both hold: every subgraph's
// requirement applies to the composed element.
func (a access) and(b access) access {
	return access{
		authenticated: a.authenticated || b.authenticated,
		scopes:        andDNF(a.scopes, b.scopes),
		policies:      andDNF(a.policies, b.policies),
	}
}

func andDNF(a, b [][]string) [][]string {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	var out [][]string
	for _, x := range a {
		for _, y := range b {
			out = append(out, normalizeConj(append(slices.Clone(x), y...)))
		}
	}
	return normalizeDNF(out)
}

func (a access) any() bool {
	return a.authenticated || len(a.scopes) > 0 || len(a.policies) > 0
}

// directives renders the requirements as applied directives, each prefixed
// by sep.
func (a access) directives(sep string) string {
	var b strings.Builder
	if a.authenticated {
		b.WriteString(sep + "@authenticated")
	}
	if len(a.scopes) > 0 {
		b.WriteString(sep + "@requiresScopes(scopes: " + dnfString(a.scopes) + ")")
	}
	if len(a.policies) > 0 {
		b.WriteString(sep + "@policy(policies: " + dnfString(a.policies) + ")")
	}
	return b.String()
}

func dnfString(d [][]string) string {
	alts := make([]string, len(d))
	for i, alt := range d {
		q := make([]string, len(alt))
		for j, s := range alt {
			q[j] = quote(s)
		}
		alts[i] = "[" + strings.Join(q, ", ") + "]"
	}
	return "[" + strings.Join(alts, ", ") + "]"
}
