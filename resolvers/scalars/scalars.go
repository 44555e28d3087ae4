// Package scalars implements the custom scalars of the citizengraph
// subgraphs (DateTime, Date, Int64) for gqlgen. A value a client sends that
// is not of the scalar's form is the client's mistake: the error is an
// apperr Invalid, answered as BAD_USER_INPUT with a message naming the
// expected form, and never logged as an internal error.
package scalars

import (
	"encoding/json"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/citizengraph/citizengraph/internal/apperr"
)

const op = "graphql.scalar"

// MarshalDateTime writes t in RFC 3339 (null for the zero time).
func MarshalDateTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t) }

// UnmarshalDateTime reads an RFC 3339 timestamp with its offset.
func UnmarshalDateTime(v any) (time.Time, error) {
	if s, ok := v.(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, apperr.E(op, apperr.Invalid, "DateTime must be an RFC 3339 timestamp with its offset, e.g. 2026-03-10T09:30:00+01:00")
}

// MarshalDate writes a YYYY-MM-DD date.
func MarshalDate(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalDate reads a calendar date, YYYY-MM-DD.
func UnmarshalDate(v any) (string, error) {
	if s, ok := v.(string); ok {
		if _, err := time.Parse(time.DateOnly, s); err == nil {
			return s, nil
		}
	}
	return "", apperr.E(op, apperr.Invalid, "Date must be a calendar date, YYYY-MM-DD")
}

// MarshalInt64 writes n as a JSON number.
func MarshalInt64(n int64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) { io.WriteString(w, strconv.FormatInt(n, 10)) }) //nolint:errcheck
}

// UnmarshalInt64 reads a 64-bit integer: a JSON integer, or a string of
// decimal digits (for clients whose numbers are doubles).
func UnmarshalInt64(v any) (int64, error) {
	bad := apperr.E(op, apperr.Invalid, "Int64 must be an integer between -9223372036854775808 and 9223372036854775807")
	switch n := v.(type) {
	case int:
		return int64(n), nil
	case int32:
		return int64(n), nil
	case int64:
		return n, nil
	case json.Number:
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return 0, bad
		}
		return i, nil
	case string:
		i, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			return 0, bad
		}
		return i, nil
	case float64:
		if n != math.Trunc(n) || n < -(1<<63) || n >= 1<<63 {
			return 0, bad
		}
		return int64(n), nil
	}
	return 0, bad
}
