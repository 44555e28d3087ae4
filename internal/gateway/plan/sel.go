package plan

import (
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// selNode is a subgraph selection set under construction.
type selNode struct{ items []*selItem }

type selItem struct {
	fragment bool
	typeCond string
	key      string
	name     string
	args     ast.ArgumentList
	argStr   string
	dirs     ast.DirectiveList
	dirStr   string
	sub      *selNode
}

func argString(args ast.ArgumentList) string {
	if len(args) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('(')
	for i, a := range args {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(a.Name)
		b.WriteByte(':')
		b.WriteString(a.Value.String())
	}
	b.WriteByte(')')
	return b.String()
}

func dirString(dirs ast.DirectiveList) string {
	var b strings.Builder
	for _, d := range dirs {
		b.WriteString("@" + d.Name + argString(d.Arguments))
	}
	return b.String()
}

// field returns the item for a field, adding it when absent.
func (s *selNode) field(key, name string, args ast.ArgumentList, dirs ast.DirectiveList, composite bool) *selItem {
	as, ds := argString(args), dirString(dirs)
	for _, it := range s.items {
		if !it.fragment && it.key == key && it.name == name && it.argStr == as && it.dirStr == ds {
			return it
		}
	}
	it := &selItem{key: key, name: name, args: args, argStr: as, dirs: dirs, dirStr: ds}
	if composite {
		it.sub = &selNode{}
	}
	s.items = append(s.items, it)
	return it
}

// fragment returns the inline fragment item for typeCond and dirs.
func (s *selNode) fragment(typeCond string, dirs ast.DirectiveList) *selItem {
	ds := dirString(dirs)
	for _, it := range s.items {
		if it.fragment && it.typeCond == typeCond && it.dirStr == ds {
			return it
		}
	}
	it := &selItem{fragment: true, typeCond: typeCond, dirs: dirs, dirStr: ds, sub: &selNode{}}
	s.items = append(s.items, it)
	return it
}

// conflicts reports whether merging o into s would put two different
// fields under one response key.
func (s *selNode) conflicts(o *selNode) bool {
	if s == nil || o == nil {
		return false
	}
	for _, oi := range o.items {
		for _, si := range s.items {
			if oi.fragment || si.fragment {
				if oi.fragment && si.fragment && oi.typeCond == si.typeCond && si.sub.conflicts(oi.sub) {
					return true
				}
				continue
			}
			if oi.key != si.key {
				continue
			}
			if oi.name != si.name || oi.argStr != si.argStr {
				return true
			}
			if si.sub.conflicts(oi.sub) {
				return true
			}
		}
	}
	return false
}

// merge adds o's selections to s.
func (s *selNode) merge(o *selNode) {
	if o == nil {
		return
	}
	for _, oi := range o.items {
		var dst *selItem
		if oi.fragment {
			dst = s.fragment(oi.typeCond, oi.dirs)
		} else {
			dst = s.field(oi.key, oi.name, oi.args, oi.dirs, oi.sub != nil)
		}
		if oi.sub != nil {
			dst.sub.merge(oi.sub)
		}
	}
}

// print writes the selection set, collecting the variables it uses.
func (s *selNode) print(b *strings.Builder, vars map[string]bool) {
	b.WriteByte('{')
	for i, it := range s.items {
		if i > 0 {
			b.WriteByte(' ')
		}
		if it.fragment {
			b.WriteString("...")
			if it.typeCond != "" {
				b.WriteString(" on " + it.typeCond)
			}
		} else {
			if it.key != it.name {
				b.WriteString(it.key + ":")
			}
			b.WriteString(it.name)
			b.WriteString(it.argStr)
			for _, a := range it.args {
				collectVars(a.Value, vars)
			}
		}
		b.WriteString(it.dirStr)
		for _, d := range it.dirs {
			for _, a := range d.Arguments {
				collectVars(a.Value, vars)
			}
		}
		if it.sub != nil {
			it.sub.print(b, vars)
		}
	}
	b.WriteByte('}')
}

func collectVars(v *ast.Value, vars map[string]bool) {
	if v == nil {
		return
	}
	if v.Kind == ast.Variable {
		vars[v.Raw] = true
	}
	for _, c := range v.Children {
		collectVars(c.Value, vars)
	}
}

// repFields converts a representation selection into RepFields.
func (s *selNode) repFields() []*RepField {
	var out []*RepField
	for _, it := range s.items {
		if it.fragment {
			for _, f := range it.sub.repFields() {
				f.TypeCond = it.typeCond
				out = append(out, f)
			}
			continue
		}
		f := &RepField{Name: it.name, Key: it.key}
		if it.sub != nil {
			f.Fields = it.sub.repFields()
		}
		out = append(out, f)
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
