// Package keyset makes the opaque cursors of keyset pagination shared by
// the subgraphs: a cursor is the sort key of the last row of a page, encoded
// as base64url of a JSON array of strings, so clients cannot depend on its
// contents and every subgraph reads them the same way.
package keyset

import (
	"encoding/base64"
	"encoding/json"
)

// Encode makes a cursor from the sort key parts of a row.
func Encode(parts ...string) string {
	b, _ := json.Marshal(parts) // a []string always marshals
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode reads a cursor made by Encode with exactly n parts; ok is false for
// anything else, which callers report as BAD_USER_INPUT.
func Decode(s string, n int) (parts []string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	if err := json.Unmarshal(b, &parts); err != nil || len(parts) != n {
		return nil, false
	}
	return parts, true
}
