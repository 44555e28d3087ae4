package culture

import (
	"encoding/base64"
	"encoding/json"
)

// encodeCursor makes an opaque keyset cursor from the sort key of a row.
func encodeCursor(parts ...string) string {
	b, _ := json.Marshal(parts) // strings always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor made by encodeCursor with n parts.
func decodeCursor(s string, n int) ([]string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	var parts []string
	if err := json.Unmarshal(b, &parts); err != nil || len(parts) != n {
		return nil, false
	}
	return parts, true
}
