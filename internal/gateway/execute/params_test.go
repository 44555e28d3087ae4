package execute

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/citizengraph/citizengraph/internal/gateway/plan"
)

// TestParamsAreTheBodyDecoded: under WithParams, the parameters prepare
// hands an in-process subgraph are exactly what the subgraph's JSON
// decoder (UseNumber) makes of the body it would otherwise decode — query
// and variables, representations included — over randomized entities
// (strings with escapes, non-ASCII and invalid UTF-8, numbers of every
// form, booleans, nulls, nested keys, lists, abstract type conditions,
// objects passed through whole, duplicates, missing keys) and client
// variables.
func TestParamsAreTheBodyDecoded(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 7))
	scalars := []string{`"a"`, `"Ab-09_"`, `"\u00e9t\u00e9"`, `"été"`, `"tab\there"`, `"quote\"d\\"`, `"\ud83d\ude00"`, "\"\xff\xfeinvalid\"",
		`"line\u2028sep"`, `"<&>"`, `0`, `-0`, `12`, `-7`, `2147483648`, `1.5`, `1e3`, `-2.50E-3`, `123456789012345678901234567890`, `true`, `false`, `null`, `""`}
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	var anyJSON func(depth int) string
	anyJSON = func(depth int) string {
		switch k := rng.IntN(4); {
		case depth > 2 || k < 2:
			return pick(scalars)
		case k == 2:
			n := rng.IntN(3)
			parts := make([]string, n)
			for i := range parts {
				parts[i] = anyJSON(depth + 1)
			}
			return "[" + strings.Join(parts, ",") + "]"
		default:
			n := rng.IntN(3)
			parts := make([]string, n)
			for i := range parts {
				parts[i] = fmt.Sprintf(`"k%d":%s`, rng.IntN(2), anyJSON(depth+1))
			}
			return "{" + strings.Join(parts, ",") + "}"
		}
	}
	entity := func() string {
		var fields []string
		fields = append(fields, `"__typename":`+pick([]string{`"Book"`, `"Film"`, `"Other"`}))
		if rng.IntN(8) > 0 {
			fields = append(fields, `"id":`+pick([]string{`"b1"`, `"b2"`, `"é"`, `7`, `null`, `1.5`, `"x\ny"`}))
		}
		if rng.IntN(6) > 0 {
			var items []string
			for range rng.IntN(3) {
				items = append(items, fmt.Sprintf(`{"__typename":%s,"code":%s,"extra":%s}`, pick([]string{`"Book"`, `"Film"`}), pick(scalars), pick(scalars)))
			}
			fields = append(fields, `"parts":[`+strings.Join(items, ",")+`]`)
		}
		if rng.IntN(6) > 0 {
			fields = append(fields, fmt.Sprintf(`"owner":{"__typename":"Film","name":%s,"age":%s}`, pick(scalars), pick([]string{`1`, `-3`, `"x"`, `null`})))
		}
		fields = append(fields, `"blob":`+anyJSON(0))
		return "{" + strings.Join(fields, ",") + "}"
	}
	in := &plan.Input{Path: []string{"list"}, Types: []string{"Book", "Film"}, Fields: []*plan.RepField{
		{Name: "id", Key: "id", Leaf: plan.LeafID},
		{Name: "parts", Key: "parts", Fields: []*plan.RepField{
			{Name: "code", Key: "code", TypeCond: "Book"},
			{Name: "extra", Key: "extra", TypeCond: "Film"},
		}},
		{Name: "owner", Key: "owner", Fields: []*plan.RepField{{Name: "name", Key: "name"}, {Name: "age", Key: "age", Leaf: plan.LeafInt}}},
		{Name: "blob", Key: "blob"},
	}}
	vars := map[string]any{
		"n": json.Number("1.50"), "s": "é\u2028<x>", "l": []any{map[string]any{"b": true, "a": nil}, json.Number("3")},
		"f": 2.5, "i": int64(-4), "representations": "a client's",
	}
	checked, sent := 0, 0
	for round := range 1500 {
		var items []string
		for range rng.IntN(6) {
			items = append(items, entity())
		}
		doc := `{"list":[` + strings.Join(items, ",") + `]}`
		data, err := parse(&arena{}, []byte(doc))
		if err != nil {
			t.Fatalf("round %d: %v in %s", round, err, doc)
		}
		f := &plan.Fetch{Kind: plan.Entity, Subgraph: "s", Query: "query($representations:[_Any!]!){_entities(representations:$representations){...on Book{title}}}", Inputs: []*plan.Input{in}}
		if round%3 == 0 {
			f.Kind, f.Inputs = plan.Root, nil
			f.Query = "query($n:Float,$s:String){ a(n:$n,s:$s) \"é\xff\" }"
		}
		if round%2 == 0 {
			f.Variables = []string{"f", "i", "l", "missing", "n", "s"}
			if round%4 == 0 {
				f.Variables = append(f.Variables, "representations")
			}
		}
		q, _ := json.Marshal(f.Query)
		f.QueryJSON = string(q)
		st := &state{plan: &plan.Plan{}, vars: vars, data: data, params: true}
		body, _, params := st.prepare(f)
		plain := &state{plan: &plan.Plan{}, vars: vars, data: data}
		body2, _, none := plain.prepare(f)
		if !bytes.Equal(body, body2) || none != nil {
			t.Fatalf("round %d: the body depends on WithParams:\n%s\n%s", round, body, body2)
		}
		if body == nil {
			if params != nil {
				t.Fatalf("round %d: params without a body", round)
			}
			continue
		}
		sent++
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var want struct {
			Query     string         `json:"query"`
			Variables map[string]any `json:"variables"`
		}
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("round %d: body %s: %v", round, body, err)
		}
		if params == nil || params.Query != want.Query || !reflect.DeepEqual(params.Variables, want.Variables) {
			t.Fatalf("round %d: body %s\ndecodes to %#v\nparams %#v", round, body, want, params)
		}
		if reps, _ := want.Variables["representations"].([]any); len(reps) > 0 {
			checked += len(reps)
		}
	}
	if sent < 800 || checked < 400 {
		t.Fatalf("too little compared: %d requests, %d representations", sent, checked)
	}
	t.Logf("%d requests, %d representations identical", sent, checked)
}
