package difftest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Object is a response object: its entries in response-key order.
type Object []Entry

// Entry is one response key of an Object.
type Entry struct {
	Key   string
	Value any
}

// MarshalJSON writes the object with its keys in order.
func (o Object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(e.Key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(e.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Key, err)
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Error is one GraphQL error of a Response, reduced to what the comparison
// looks at.
type Error struct {
	Message string `json:"message"`
	Path    []any  `json:"path,omitempty"`
	Code    string `json:"code,omitempty"`
}

// Response is a GraphQL response. HasData is false for a request error (no
// "data" key at all); Data is then nil.
type Response struct {
	Data    any
	HasData bool
	Errors  []Error
}

// MarshalJSON writes the response in the GraphQL shape, errors first.
func (r Response) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	if len(r.Errors) > 0 {
		errs := make([]map[string]any, len(r.Errors))
		for i, e := range r.Errors {
			m := map[string]any{"message": e.Message}
			if len(e.Path) > 0 {
				m["path"] = e.Path
			}
			if e.Code != "" {
				m["extensions"] = map[string]any{"code": e.Code}
			}
			errs[i] = m
		}
		eb, err := json.Marshal(errs)
		if err != nil {
			return nil, err
		}
		b.WriteString(`"errors":`)
		b.Write(eb)
	}
	if r.HasData {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		db, err := json.Marshal(r.Data)
		if err != nil {
			return nil, err
		}
		b.WriteString(`"data":`)
		b.Write(db)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// ParseResponse reads a GraphQL response body, keeping the order of object
// keys (Object values) and numbers as json.Number.
func ParseResponse(body []byte) (Response, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	v, err := decodeOrdered(dec)
	if err != nil {
		return Response{}, fmt.Errorf("decode response: %w", err)
	}
	top, ok := v.(Object)
	if !ok {
		return Response{}, fmt.Errorf("response is not an object: %.200s", body)
	}
	var r Response
	for _, e := range top {
		switch e.Key {
		case "data":
			r.HasData, r.Data = true, e.Value
		case "errors":
			list, ok := e.Value.([]any)
			if !ok {
				return Response{}, fmt.Errorf("errors is not a list: %.200s", body)
			}
			for _, item := range list {
				eo, _ := item.(Object)
				var ge Error
				for _, f := range eo {
					switch f.Key {
					case "message":
						ge.Message, _ = f.Value.(string)
					case "path":
						p, _ := f.Value.([]any)
						for _, seg := range p {
							if n, ok := seg.(json.Number); ok {
								i, _ := n.Int64()
								ge.Path = append(ge.Path, int(i))
							} else {
								ge.Path = append(ge.Path, seg)
							}
						}
					case "extensions":
						ext, _ := f.Value.(Object)
						for _, x := range ext {
							if x.Key == "code" {
								ge.Code, _ = x.Value.(string)
							}
						}
					}
				}
				r.Errors = append(r.Errors, ge)
			}
		}
	}
	if !r.HasData && len(r.Errors) == 0 {
		return Response{}, fmt.Errorf("neither data nor errors: %.200s", body)
	}
	return r, nil
}

func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := Object{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				ks, _ := k.(string)
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				o = append(o, Entry{Key: ks, Value: v})
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return o, nil
		case '[':
			l := []any{}
			for dec.More() {
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return l, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return t, nil
	}
}

// get returns the value of key in an Object or a map.
func get(v any, key string) (any, bool) {
	switch o := v.(type) {
	case Object:
		for _, e := range o {
			if e.Key == key {
				return e.Value, true
			}
		}
	case map[string]any:
		x, ok := o[key]
		return x, ok
	}
	return nil, false
}

// pathString renders a response path as a.b.0.c.
func pathString(p []any) string {
	parts := make([]string, len(p))
	for i, s := range p {
		parts[i] = fmt.Sprint(s)
	}
	return strings.Join(parts, ".")
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
