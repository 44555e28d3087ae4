package execute

import (
	"fmt"
	"math"
	"strconv"

	"github.com/citizengraph/citizengraph/internal/gateway/plan"
)

// appendLeaf coerces a subgraph's leaf value to its field's type (GraphQL
// spec §3.5, result coercion) and appends it; a value of the wrong type
// is an error message instead (a field error, the value becoming null).
// Strictness follows the declared type: Int a 32-bit integer, Float a
// number, String a string, Boolean a boolean, ID a string or an integer
// (written as a string), an enum one of the API schema's values (so a
// value @inaccessible in the API is refused); custom scalars pass through.
func appendLeaf(buf []byte, v *Value, leaf plan.Leaf, enum map[string]bool) ([]byte, string) {
	switch leaf {
	case plan.LeafCustom:
		return append(buf, v.Raw...), ""
	case plan.LeafInt:
		if v.Kind == Number {
			if smallInt(v.Raw) {
				return append(buf, v.Raw...), ""
			}
			if n, ok := int32Of(v.Raw); ok {
				return strconv.AppendInt(buf, n, 10), ""
			}
			return buf, fmt.Sprintf("Int cannot represent non 32-bit signed integer value: %s", v.Raw)
		}
		return buf, fmt.Sprintf("Int cannot represent non-integer value: %s", v.Raw)
	case plan.LeafFloat:
		if v.Kind == Number {
			return append(buf, v.Raw...), ""
		}
		return buf, fmt.Sprintf("Float cannot represent non numeric value: %s", v.Raw)
	case plan.LeafString:
		if v.Kind == String {
			return append(buf, v.Raw...), ""
		}
		return buf, fmt.Sprintf("String cannot represent value: %s", v.Raw)
	case plan.LeafBoolean:
		if v.Kind == Bool {
			return append(buf, v.Raw...), ""
		}
		return buf, fmt.Sprintf("Boolean cannot represent a non boolean value: %s", v.Raw)
	case plan.LeafID:
		switch v.Kind {
		case String:
			return append(buf, v.Raw...), ""
		case Number:
			if isInteger(v.Raw) {
				buf = append(buf, '"')
				buf = append(buf, v.Raw...)
				return append(buf, '"'), ""
			}
		}
		return buf, fmt.Sprintf("ID cannot represent value: %s", v.Raw)
	case plan.LeafEnum:
		if v.Kind == String && enum[string(v.Raw[1:len(v.Raw)-1])] {
			return append(buf, v.Raw...), ""
		}
		return buf, fmt.Sprintf("Enum cannot represent value: %s", v.Raw)
	}
	return append(buf, v.Raw...), ""
}

// leafOK reports whether a representation's leaf value has its field's
// type (values that fail result coercion are not sent to a subgraph).
func leafOK(v *Value, leaf plan.Leaf) bool {
	switch leaf {
	case plan.LeafInt:
		if v.Kind != Number {
			return false
		}
		if smallInt(v.Raw) {
			return true
		}
		_, ok := int32Of(v.Raw)
		return ok
	case plan.LeafFloat:
		return v.Kind == Number
	case plan.LeafString, plan.LeafEnum:
		return v.Kind == String
	case plan.LeafBoolean:
		return v.Kind == Bool
	case plan.LeafID:
		return v.Kind == String || v.Kind == Number && isInteger(v.Raw)
	}
	return true
}

// isInteger reports whether a JSON number is written as an integer.
func isInteger(raw []byte) bool {
	for i, c := range raw {
		if c == '-' && i == 0 {
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(raw) > 0
}

// smallInt reports whether a JSON number is an integer of at most nine
// digits, within 32 bits whatever its digits: written as received.
func smallInt(raw []byte) bool {
	if len(raw) > 0 && raw[0] == '-' {
		raw = raw[1:]
	}
	if len(raw) == 0 || len(raw) > 9 {
		return false
	}
	for _, c := range raw {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// int32Of parses a JSON number holding a 32-bit integer (1.0 and 1e2
// included, as graphql-js serializes them).
func int32Of(raw []byte) (int64, bool) {
	if isInteger(raw) && len(raw) <= 11 {
		n, err := strconv.ParseInt(string(raw), 10, 64)
		return n, err == nil && n >= math.MinInt32 && n <= math.MaxInt32
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
		return 0, false
	}
	return int64(f), true
}
