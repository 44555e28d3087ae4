package difftest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Canonical is the part of a response the comparison looks at.
type Canonical struct {
	// RequestError: no "data" key (a parse, validation or coercion error).
	RequestError bool
	// Data is the data rendered compactly, keys in response order, numbers
	// normalized (1.0 and 1 are equal).
	Data string
	// ErrorPaths are the distinct paths of the errors, sorted, each cut to
	// its visible position: the longest prefix present in the data (an
	// error below a position nulled by propagation is compared at that
	// position, since which siblings of a failed non-null field ran is not
	// observable). Paths start with "."; an error without a path is "-",
	// and a failed subgraph request (a SUBREQUEST_* code) is "SUBREQUEST"
	// whatever its path, since the reference asks one field at a time
	// where the gateway batches.
	ErrorPaths []string
	// RequestLevelErrors: every error is one a request error would carry
	// (no path, or a variable's path, or a validation or parse code).
	RequestLevelErrors bool
}

// Canonicalize reduces a response to what is compared.
func Canonicalize(r Response) Canonical {
	if !r.HasData {
		return Canonical{RequestError: true}
	}
	c := Canonical{Data: canonicalValue(r.Data), RequestLevelErrors: len(r.Errors) > 0}
	seen := map[string]bool{}
	for _, e := range r.Errors {
		if len(e.Path) > 0 && e.Path[0] != "variable" && e.Code != "GRAPHQL_VALIDATION_FAILED" && e.Code != "GRAPHQL_PARSE_FAILED" {
			c.RequestLevelErrors = false
		}
		p := "-"
		switch {
		case strings.HasPrefix(e.Code, "SUBREQUEST_"):
			if len(e.Path) > 0 && hiddenFetch(r, e.Path) {
				continue
			}
			p = "SUBREQUEST"
		case len(e.Path) > 0 && e.Path[0] == "variable":
			p = pathString(e.Path)
		case len(e.Path) > 0:
			p = "." + pathString(visible(r.Data, e.Path))
		}
		if !seen[p] {
			seen[p] = true
			c.ErrorPaths = append(c.ErrorPaths, p)
		}
	}
	slices.Sort(c.ErrorPaths)
	return c
}

func canonicalValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case Object:
		parts := make([]string, len(x))
		for i, e := range x {
			k, _ := json.Marshal(e.Key)
			parts[i] = string(k) + ":" + canonicalValue(e.Value)
		}
		return "{" + strings.Join(parts, ",") + "}"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			kb, _ := json.Marshal(k)
			parts[i] = string(kb) + ":" + canonicalValue(x[k])
		}
		return "{" + strings.Join(parts, ",") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = canonicalValue(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprintf("<%v>", x)
		}
		return string(b)
	}
}

// CompareOptions relax the comparison where the gateway is known to differ
// in a way the CI test tolerates until it is fixed.
type CompareOptions struct {
	// NullDataForRequestErrors accepts "data": null (with errors and no
	// error path) where the reference has a request error without a data
	// key.
	NullDataForRequestErrors bool
}

// Diff describes how got (the gateway's answer) differs from want (the
// reference's), or "" when they agree.
func Diff(want, got Canonical, opts CompareOptions) string {
	if opts.NullDataForRequestErrors && want.RequestError && !got.RequestError && got.Data == "null" && got.RequestLevelErrors {
		return ""
	}
	switch {
	case want.RequestError && got.RequestError:
		return ""
	case want.RequestError:
		return "reference: request error (no data); gateway: data " + got.Data
	case got.RequestError:
		return "reference: data " + want.Data + "; gateway: request error (no data)"
	}
	var out []string
	if want.Data != got.Data {
		out = append(out, fmt.Sprintf("data differs:\n  reference %s\n  gateway   %s", want.Data, got.Data))
	}
	if !slices.Equal(want.ErrorPaths, got.ErrorPaths) {
		out = append(out, fmt.Sprintf("error paths differ:\n  reference %v\n  gateway   %v", want.ErrorPaths, got.ErrorPaths))
	}
	return strings.Join(out, "\n")
}

// visible cuts path at the first position nulled by propagation: the
// longest prefix whose last position holds null in data while the path goes
// on below it. A path through a missing key (an error at a position the
// answer does not have) is kept whole.
func visible(data any, path []any) []any {
	cur := data
	for i, seg := range path {
		if cur == nil {
			return path[:i]
		}
		var next any
		ok := false
		switch s := seg.(type) {
		case string:
			next, ok = get(cur, s)
		case int:
			if l, isList := cur.([]any); isList && s >= 0 && s < len(l) {
				next, ok = l[s], true
			}
		}
		if !ok {
			return path
		}
		if next == nil {
			return path[:i+1]
		}
		cur = next
	}
	return path
}

// hiddenFetch reports whether a failed subgraph request at path is not
// observable: it lies below a position nulled by propagation, or at a
// position that another error already explains (the reference reports it
// at the field, the gateway at the entity fetched).
func hiddenFetch(r Response, path []any) bool {
	vis := visible(r.Data, path)
	if len(vis) < len(path) {
		return true
	}
	for _, e := range r.Errors {
		if strings.HasPrefix(e.Code, "SUBREQUEST_") || len(e.Path) == 0 {
			continue
		}
		ov := visible(r.Data, e.Path)
		if len(ov) <= len(vis) && slices.Equal(ov, vis[:len(ov)]) {
			return true
		}
	}
	return false
}
