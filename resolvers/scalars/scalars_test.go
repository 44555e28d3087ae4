package scalars_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/resolvers/scalars"
)

func TestClientMistakesAreInvalid(t *testing.T) {
	bad := map[string][]any{
		"DateTime": {"", "yesterday", "2026-03-10", "2026-03-10T09:30:00", "2026-13-10T09:30:00Z", 12, true, map[string]any{}},
		"Date":     {"", "10/03/2026", "2026-02-30", "2026-03-10T00:00:00Z", 20260310, nil},
		"Int64":    {"", "12.5", "9223372036854775808", 1.5, 1e19, json.Number("1e3"), true, []any{1}},
	}
	for scalar, values := range bad {
		for _, v := range values {
			var err error
			switch scalar {
			case "DateTime":
				_, err = scalars.UnmarshalDateTime(v)
			case "Date":
				_, err = scalars.UnmarshalDate(v)
			case "Int64":
				_, err = scalars.UnmarshalInt64(v)
			}
			if apperr.KindOf(err) != apperr.Invalid {
				t.Errorf("%s %#v: %v, want a BAD_USER_INPUT error", scalar, v, err)
			}
		}
	}
	if tm, err := scalars.UnmarshalDateTime("2026-03-10T09:30:00.5+01:00"); err != nil || tm.UTC().Hour() != 8 {
		t.Fatalf("DateTime: %v %v", tm, err)
	}
	if d, err := scalars.UnmarshalDate("2026-02-28"); err != nil || d != "2026-02-28" {
		t.Fatalf("Date: %v %v", d, err)
	}
	for _, v := range []any{int64(-9223372036854775808), "9223372036854775807", json.Number("42"), 42, float64(42)} {
		if _, err := scalars.UnmarshalInt64(v); err != nil {
			t.Errorf("Int64 %#v: %v", v, err)
		}
	}
}

func TestGeoJSON(t *testing.T) {
	g, err := scalars.UnmarshalGeoJSON(map[string]any{"type": "Point", "coordinates": []any{9.19, 45.46}})
	if err != nil || string(g) != `{"coordinates":[9.19,45.46],"type":"Point"}` {
		t.Fatalf("%s %v", g, err)
	}
	for _, bad := range []any{"{}", map[string]any{"coordinates": []any{}}, 3} {
		if _, err := scalars.UnmarshalGeoJSON(bad); !apperr.Is(apperr.Invalid, err) {
			t.Errorf("%v: %v", bad, err)
		}
	}
	var b strings.Builder
	scalars.MarshalGeoJSON([]byte(`{"type":"Point","coordinates":[9.19,45.46]}`)).MarshalGQL(&b)
	if b.String() != `{"type":"Point","coordinates":[9.19,45.46]}` {
		t.Errorf("marshal: %s", b.String())
	}
}
