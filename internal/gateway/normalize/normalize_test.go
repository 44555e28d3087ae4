package normalize_test

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/citizengraph/citizengraph/internal/gateway/normalize"
)

const schema = `
type Query { me: User, node(id: ID!): Node, search: [Result!]! }
interface Node { id: ID! }
type User implements Node { id: ID!, name: String, friends: [User!]!, role: Role }
type Post implements Node { id: ID!, title: String, author: User }
union Result = User | Post
enum Role { ADMIN GUEST }
`

func norm(t *testing.T, query string, vars map[string]any) *normalize.Result {
	t.Helper()
	s := gqlparser.MustLoadSchema(&ast.Source{Input: schema})
	doc, errs := gqlparser.LoadQuery(s, query)
	if errs != nil {
		t.Fatalf("invalid query: %v", errs)
	}
	return normalize.Operation(s, doc, doc.Operations[0], normalize.MapVariables(vars))
}

func text(r *normalize.Result) string {
	var b strings.Builder
	formatter.NewFormatter(&b, formatter.WithIndent("")).FormatQueryDocument(&ast.QueryDocument{Operations: ast.OperationList{r.Operation}})
	return strings.Join(strings.Fields(b.String()), " ")
}

func TestOperation(t *testing.T) {
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
		want        string
		conds       string
	}{
		{
			name:  "fragments inlined and fields merged per response key",
			query: `{ me { name ...F ... on User { id friends { id } } } } fragment F on User { name friends { name } }`,
			want:  `query { me { name friends { name id } id } }`,
		},
		{
			name:  "literal conditions evaluated and removed",
			query: `{ me { name @skip(if: true) id @include(if: true) role @include(if: false) } }`,
			want:  `query { me { id } }`,
		},
		{
			name:  "variable conditions: copies of a key merge, excluded copies leave nothing",
			query: `query ($a: Boolean!, $b: Boolean!) { me { friends @include(if: $a) { id } friends @include(if: $b) { name } ... @skip(if: $a) { role } } }`,
			vars:  map[string]any{"a": true, "b": false},
			want:  `query ($a: Boolean!, $b: Boolean!) { me { friends { id } } }`,
			conds: "a b",
		},
		{
			name:  "a selection that collects to nothing stays empty",
			query: `query ($a: Boolean!) { me { name @include(if: $a) } }`,
			vars:  map[string]any{"a": false},
			want:  `query ($a: Boolean!) { me }`,
			conds: "a",
		},
		{
			name:  "abstract parents keep their fragments in place; impossible ones dropped",
			query: `{ node(id: "1") { id ... on User { name } ... on Post { title } ... on User { role } ... on Node { id } } search { ... on Node { id } ... on Post { author { name } } } }`,
			want:  `query { node(id: "1") { id ... on User { name } ... on Post { title } ... on User { role } } search { ... on Node { id } ... on Post { author { name } } } }`,
		},
		{
			name:  "fragments on an object parent flatten when they apply",
			query: `{ me { ... on Node { id } ... on Result { ... on User { name } } } }`,
			want:  `query { me { id name } }`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := norm(t, tc.query, tc.vars)
			if got := text(r); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			if got := strings.Join(r.Conditions, " "); got != tc.conds {
				t.Errorf("conditions %q, want %q", got, tc.conds)
			}
		})
	}
}

func TestNullCondition(t *testing.T) {
	q := `query ($c: Boolean = true) { me { name @include(if: $c) } }`
	r := norm(t, q, map[string]any{"c": nil})
	if r.RequestError != "" || len(r.FieldErrors) != 1 {
		t.Fatalf("want one field error on me, got %q %v", r.RequestError, r.FieldErrors)
	}
	r = norm(t, `query ($c: Boolean = true) { me @include(if: $c) { name } }`, map[string]any{"c": nil})
	if r.RequestError == "" {
		t.Fatal("a null condition at the root is a request error")
	}
	r = norm(t, q, map[string]any{"c": false})
	if r.RequestError != "" || len(r.FieldErrors) != 0 {
		t.Fatalf("false is not null: %q %v", r.RequestError, r.FieldErrors)
	}
}

// TestRepeatedSpread follows graphql-js's collectFields: a fragment spread
// already collected in the selection set is skipped before its conditions
// are read, so a null condition on the repeat is no error; a spread that was
// excluded is not collected, and its repeat is evaluated.
func TestRepeatedSpread(t *testing.T) {
	for _, tc := range []struct {
		name, query string
		fieldErrs   int
		want        string
	}{
		{
			name:  "repeat after a collected spread is skipped",
			query: `query ($c: Boolean = true) { me { ...F ...F @include(if: $c) } } fragment F on User { name }`,
			want:  `query ($c: Boolean = true) { me { name } }`,
		},
		{
			name:  "repeat inside a later type condition is skipped",
			query: `query ($c: Boolean = true) { search { ...R ... on User { ...R @include(if: $c) } } } fragment R on Result { __typename }`,
			want:  `query ($c: Boolean = true) { search { __typename } }`,
		},
		{
			name:      "a spread excluded first leaves its repeat to be evaluated",
			query:     `query ($c: Boolean = true) { me { ...F @skip(if: true) ...F @include(if: $c) } } fragment F on User { name }`,
			fieldErrs: 1,
		},
		{
			name:      "a spread inside a field's subselection starts afresh",
			query:     `query ($c: Boolean = true) { me { ...F friends { ...F @include(if: $c) } } } fragment F on User { name }`,
			fieldErrs: 1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := norm(t, tc.query, map[string]any{"c": nil})
			if r.RequestError != "" || len(r.FieldErrors) != tc.fieldErrs {
				t.Fatalf("want %d field errors, got %q %v", tc.fieldErrs, r.RequestError, r.FieldErrors)
			}
			if tc.want != "" {
				if got := text(r); got != tc.want {
					t.Fatalf("got  %s\nwant %s", got, tc.want)
				}
			}
		})
	}
}
