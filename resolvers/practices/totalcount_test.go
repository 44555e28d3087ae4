package practices_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestPracticesCountedOnlyWhenSelected: Person.practices costs no count
// query unless totalCount is selected (directly or in a fragment), and the
// nodes are the same either way.
func TestPracticesCountedOnlyWhenSelected(t *testing.T) {
	s := newServer(t, 60, countingWait)
	var reps []map[string]any
	rows, err := s.pool.Query(context.Background(), `select applicant_id::text from practices.practice group by 1 order by 1 limit 8`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		reps = append(reps, map[string]any{"__typename": "Person", "id": id})
	}
	if len(reps) < 8 {
		t.Fatalf("%d people with practices", len(reps))
	}
	nodes := func(raw json.RawMessage) string {
		var data struct {
			Entities []struct {
				Practices struct {
					TotalCount *int
					Nodes      json.RawMessage
				}
			} `json:"_entities"`
		}
		if err := json.Unmarshal(raw, &data); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, e := range data.Entities {
			b.Write(e.Practices.Nodes)
		}
		return b.String()
	}
	var first string
	for _, c := range []struct {
		sel     string
		queries int
		counted bool
	}{
		{`practices(first: 3) { nodes { id status } }`, 1, false},
		{`practices(first: 3) { pageInfo { hasNextPage } nodes { id status } }`, 1, false},
		{`practices(first: 3) { totalCount nodes { id status } }`, 2, true},
		{`practices(first: 3) { ...C nodes { id status } }`, 2, true},
		{`practices(first: 3) { ... on PracticeConnection { totalCount } nodes { id status } }`, 2, true},
	} {
		s.qc.Reset()
		q := `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { ` + c.sel + ` } } }`
		if strings.Contains(c.sel, "...C") {
			q += ` fragment C on PracticeConnection { totalCount }`
		}
		r := s.do(t, "admin", q, map[string]any{"r": reps})
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %+v", c.sel, r.Errors)
		}
		if n := s.qc.Count(); n != c.queries {
			t.Errorf("%s: %d queries, want %d: %q", c.sel, n, c.queries, s.qc.Queries())
		}
		if got := nodes(r.Data); first == "" {
			first = got
		} else if got != first {
			t.Errorf("%s: nodes differ:\n%s\n%s", c.sel, got, first)
		}
		if c.counted && !strings.Contains(string(r.Data), `"totalCount":`) {
			t.Errorf("%s: no totalCount in %s", c.sel, r.Data)
		}
		if c.counted && strings.Contains(string(r.Data), `"totalCount":0`) {
			t.Errorf("%s: a zero totalCount for people with practices: %s", c.sel, r.Data)
		}
	}
	if !strings.Contains(first, `"status"`) {
		t.Fatalf("no practices: %s", first)
	}
}
