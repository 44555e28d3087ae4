package scalars

import (
	"encoding/json"
	"io"

	"github.com/99designs/gqlgen/graphql"

	"github.com/citizengraph/citizengraph/internal/apperr"
)

// MarshalGeoJSON writes a GeoJSON geometry as the JSON object it is (null
// when empty).
func MarshalGeoJSON(g json.RawMessage) graphql.Marshaler {
	if len(g) == 0 {
		return graphql.Null
	}
	return graphql.WriterFunc(func(w io.Writer) { w.Write(g) }) //nolint:errcheck
}

// UnmarshalGeoJSON reads a GeoJSON object: a JSON object with a string
// "type" member.
func UnmarshalGeoJSON(v any) (json.RawMessage, error) {
	if m, ok := v.(map[string]any); ok {
		if _, ok := m["type"].(string); ok {
			if b, err := json.Marshal(m); err == nil {
				return b, nil
			}
		}
	}
	return nil, apperr.E(op, apperr.Invalid, "GeoJSON must be a GeoJSON object with a \"type\" member")
}
