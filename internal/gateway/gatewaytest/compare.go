package gatewaytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// CompareOptions tune Compare.
type CompareOptions struct {
	// UnorderedLists compares every list as a multiset.
	UnorderedLists bool
}

// Compare reports how the response got differs from the golden want, or ""
// when it matches. See the package documentation for what is compared.
func Compare(want, got []byte, opts CompareOptions) string {
	w, err := parseResponse(want)
	if err != nil {
		return fmt.Sprintf("golden: %v", err)
	}
	g, err := parseResponse(got)
	if err != nil {
		return fmt.Sprintf("response is not a GraphQL response: %v\n%s", err, got)
	}
	var problems []string
	wd, gd := canonical(w.Data, opts), canonical(g.Data, opts)
	if wd != gd {
		problems = append(problems, fmt.Sprintf("data differs:\n  want %s\n  got  %s", wd, gd))
	}
	unmatched := slices.Clone(g.Errors)
	var missing []string
	for _, we := range w.Errors {
		i := slices.IndexFunc(unmatched, func(ge responseError) bool { return we.matches(ge) })
		if i < 0 {
			missing = append(missing, we.String())
			continue
		}
		unmatched = slices.Delete(unmatched, i, i+1)
	}
	if len(missing) > 0 {
		problems = append(problems, "missing errors:\n  "+strings.Join(missing, "\n  "))
	}
	if len(unmatched) > 0 {
		var extra []string
		for _, e := range unmatched {
			extra = append(extra, e.String())
		}
		problems = append(problems, "unexpected errors:\n  "+strings.Join(extra, "\n  "))
	}
	return strings.Join(problems, "\n")
}

type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []responseError `json:"errors"`
}

type responseError struct {
	Message    string          `json:"message"`
	Path       json.RawMessage `json:"path,omitempty"`
	Extensions struct {
		Code        string `json:"code,omitempty"`
		ServiceName string `json:"serviceName,omitempty"`
	} `json:"extensions,omitzero"`
}

// matches reports whether the actual error ge satisfies the golden error e:
// every part e states (path, code, serviceName) must be equal.
func (e responseError) matches(ge responseError) bool {
	if len(e.Path) > 0 && canonical(e.Path, CompareOptions{}) != canonical(ge.Path, CompareOptions{}) {
		return false
	}
	if e.Extensions.Code != "" && e.Extensions.Code != ge.Extensions.Code {
		return false
	}
	if e.Extensions.ServiceName != "" && e.Extensions.ServiceName != ge.Extensions.ServiceName {
		return false
	}
	return true
}

func (e responseError) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "{path: %s, code: %q", orNone(e.Path), e.Extensions.Code)
	if e.Extensions.ServiceName != "" {
		fmt.Fprintf(&b, ", serviceName: %q", e.Extensions.ServiceName)
	}
	fmt.Fprintf(&b, ", message: %q}", e.Message)
	return b.String()
}

func orNone(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "-"
	}
	return canonical(raw, CompareOptions{})
}

func parseResponse(b []byte) (response, error) {
	var r response
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("decode: %w", err)
	}
	if r.Data == nil && r.Errors == nil {
		return r, fmt.Errorf("neither data nor errors in %s", b)
	}
	if r.Data == nil {
		// "data" absent (an error before execution) and "data": null are
		// compared as equal.
		r.Data = json.RawMessage("null")
	}
	return r, nil
}

// canonical renders raw JSON compactly, keeping the order of object keys
// (response key order is part of the GraphQL result); with UnorderedLists it
// sorts the elements of every list.
func canonical(raw json.RawMessage, opts CompareOptions) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	s, err := canonicalValue(dec, opts)
	if err != nil {
		return fmt.Sprintf("<invalid JSON %q: %v>", raw, err)
	}
	return s
}

func canonicalValue(dec *json.Decoder, opts CompareOptions) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			var parts []string
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return "", err
				}
				v, err := canonicalValue(dec, opts)
				if err != nil {
					return "", err
				}
				kb, _ := json.Marshal(k)
				parts = append(parts, string(kb)+":"+v)
			}
			if _, err := dec.Token(); err != nil {
				return "", err
			}
			return "{" + strings.Join(parts, ",") + "}", nil
		case '[':
			var parts []string
			for dec.More() {
				v, err := canonicalValue(dec, opts)
				if err != nil {
					return "", err
				}
				parts = append(parts, v)
			}
			if _, err := dec.Token(); err != nil {
				return "", err
			}
			if opts.UnorderedLists {
				slices.Sort(parts)
			}
			return "[" + strings.Join(parts, ",") + "]", nil
		}
		return "", fmt.Errorf("unexpected delimiter %v", t)
	case json.Number:
		// 1.0 and 1 are the same JSON number for a Float field.
		if f, err := t.Float64(); err == nil {
			return fmt.Sprint(f), nil
		}
		return t.String(), nil
	default:
		b, err := json.Marshal(t)
		return string(b), err
	}
}
