package difftest

import (
	"bytes"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"
)

// Failing reports whether an operation still shows the disagreement being
// shrunk.
type Failing func(query string, vars map[string]any) bool

// Shrink reduces a failing operation: it drops selections, arguments,
// directives and aliases, inlines fragment spreads, replaces inline
// fragments by their selections and sub-selections by __typename, as long
// as the operation keeps failing, until no single edit keeps it failing (or
// maxTries operations were tried). Unused fragments and variables are
// dropped after every edit.
func Shrink(query string, vars map[string]any, failing Failing, maxTries int) (string, map[string]any) {
	cur, curVars := query, vars
	if q, v, ok := tidy(cur, curVars); ok && q != cur && failing(q, v) {
		cur, curVars = q, v
	}
	tries := 0
	for {
		improved := false
		for k := 0; k < countEdits(cur) && tries < maxTries; {
			q, ok := applyEdit(cur, k)
			if !ok {
				k++
				continue
			}
			q, v, ok := tidy(q, curVars)
			if !ok || q == cur {
				k++
				continue
			}
			tries++
			if failing(q, v) {
				// The edit list shifted: try the same position again.
				cur, curVars, improved = q, v, true
				continue
			}
			k++
		}
		if !improved || tries >= maxTries {
			return cur, curVars
		}
	}
}

func parse(q string) *ast.QueryDocument {
	doc, err := parser.ParseQuery(&ast.Source{Input: q})
	if err != nil {
		return nil
	}
	return doc
}

func format(doc *ast.QueryDocument) string {
	var b bytes.Buffer
	formatter.NewFormatter(&b, formatter.WithIndent("  ")).FormatQueryDocument(doc)
	return strings.TrimSpace(b.String())
}

// edits lists the possible single edits of doc, as closures mutating it.
func edits(doc *ast.QueryDocument) []func() {
	var out []func()
	var walk func(sel *ast.SelectionSet)
	walk = func(sel *ast.SelectionSet) {
		for i := range *sel {
			i := i
			s := (*sel)[i]
			out = append(out, func() { *sel = slices.Delete(slices.Clone(*sel), i, i+1) })
			switch s := s.(type) {
			case *ast.Field:
				if len(s.SelectionSet) > 1 || (len(s.SelectionSet) == 1 && !isTypename(s.SelectionSet[0])) {
					out = append(out, func() { s.SelectionSet = ast.SelectionSet{&ast.Field{Name: "__typename"}} })
				}
				for j := range s.Arguments {
					j := j
					out = append(out, func() { s.Arguments = slices.Delete(slices.Clone(s.Arguments), j, j+1) })
				}
				for j := range s.Directives {
					j := j
					out = append(out, func() { s.Directives = slices.Delete(slices.Clone(s.Directives), j, j+1) })
				}
				if s.Alias != "" && s.Alias != s.Name {
					out = append(out, func() { s.Alias = "" })
				}
				walk(&s.SelectionSet)
			case *ast.InlineFragment:
				out = append(out, func() {
					repl := slices.Clone((*sel)[:i])
					repl = append(repl, s.SelectionSet...)
					*sel = append(repl, (*sel)[i+1:]...)
				})
				if s.TypeCondition != "" {
					out = append(out, func() { s.TypeCondition = "" })
				}
				for j := range s.Directives {
					j := j
					out = append(out, func() { s.Directives = slices.Delete(slices.Clone(s.Directives), j, j+1) })
				}
				walk(&s.SelectionSet)
			case *ast.FragmentSpread:
				out = append(out, func() {
					f := doc.Fragments.ForName(s.Name)
					if f == nil {
						return
					}
					(*sel)[i] = &ast.InlineFragment{TypeCondition: f.TypeCondition, Directives: s.Directives, SelectionSet: f.SelectionSet}
				})
				for j := range s.Directives {
					j := j
					out = append(out, func() { s.Directives = slices.Delete(slices.Clone(s.Directives), j, j+1) })
				}
			}
		}
	}
	for _, op := range doc.Operations {
		walk(&op.SelectionSet)
		for j, vd := range op.VariableDefinitions {
			if vd.DefaultValue != nil {
				vd := vd
				out = append(out, func() { vd.DefaultValue = nil })
			}
			_ = j
		}
	}
	for _, f := range doc.Fragments {
		walk(&f.SelectionSet)
	}
	return out
}

func isTypename(s ast.Selection) bool {
	f, ok := s.(*ast.Field)
	return ok && f.Name == "__typename" && f.Alias == "" && len(f.Directives) == 0
}

func countEdits(q string) int {
	doc := parse(q)
	if doc == nil {
		return 0
	}
	return len(edits(doc))
}

func applyEdit(q string, k int) (string, bool) {
	doc := parse(q)
	if doc == nil {
		return "", false
	}
	es := edits(doc)
	if k >= len(es) {
		return "", false
	}
	es[k]()
	return format(doc), true
}

// tidy drops unused fragments and variables (and their values) and
// reformats; ok is false when the query does not parse.
func tidy(q string, vars map[string]any) (string, map[string]any, bool) {
	doc := parse(q)
	if doc == nil {
		return "", nil, false
	}
	for {
		usedFrags, usedVars := map[string]bool{}, map[string]bool{}
		var walkValue func(v *ast.Value)
		walkValue = func(v *ast.Value) {
			if v == nil {
				return
			}
			if v.Kind == ast.Variable {
				usedVars[v.Raw] = true
			}
			for _, c := range v.Children {
				walkValue(c.Value)
			}
		}
		dirs := func(dl ast.DirectiveList) {
			for _, d := range dl {
				for _, a := range d.Arguments {
					walkValue(a.Value)
				}
			}
		}
		var walk func(sel ast.SelectionSet)
		walk = func(sel ast.SelectionSet) {
			for _, s := range sel {
				switch s := s.(type) {
				case *ast.Field:
					for _, a := range s.Arguments {
						walkValue(a.Value)
					}
					dirs(s.Directives)
					walk(s.SelectionSet)
				case *ast.InlineFragment:
					dirs(s.Directives)
					walk(s.SelectionSet)
				case *ast.FragmentSpread:
					dirs(s.Directives)
					usedFrags[s.Name] = true
				}
			}
		}
		for _, op := range doc.Operations {
			walk(op.SelectionSet)
		}
		// Fragments used only by unused fragments are unused too.
		for walked := map[string]bool{}; ; {
			more := false
			for _, f := range doc.Fragments {
				if usedFrags[f.Name] && !walked[f.Name] {
					walked[f.Name], more = true, true
					walk(f.SelectionSet)
				}
			}
			if !more {
				break
			}
		}
		changed := false
		var keep ast.FragmentDefinitionList
		for _, f := range doc.Fragments {
			if usedFrags[f.Name] {
				keep = append(keep, f)
			} else {
				changed = true
			}
		}
		doc.Fragments = keep
		for _, op := range doc.Operations {
			var vk ast.VariableDefinitionList
			for _, vd := range op.VariableDefinitions {
				if usedVars[vd.Variable] {
					vk = append(vk, vd)
				} else {
					changed = true
				}
			}
			op.VariableDefinitions = vk
		}
		if !changed {
			break
		}
	}
	out := map[string]any{}
	for _, op := range doc.Operations {
		for _, vd := range op.VariableDefinitions {
			if v, ok := vars[vd.Variable]; ok {
				out[vd.Variable] = v
			}
		}
	}
	return format(doc), out, true
}
