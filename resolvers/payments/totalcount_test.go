package payments

import (
	"strings"
	"testing"

	"github.com/citizengraph/citizengraph/internal/devdb"
)

// TestPersonPaymentsCountedOnlyWhenSelected: Person.payments costs no
// count statement unless totalCount is selected (directly or through a
// fragment), and the pages are the same either way.
func TestPersonPaymentsCountedOnlyWhenSelected(t *testing.T) {
	pool, qc := devdb.NewCountingTestDB(t, migration, identityMigration, practicesMigration)
	s := seedSmall(t, pool)
	srv, _ := newServer(t, pool, countingWait)
	var reps []map[string]any
	for _, id := range s.people[:6] {
		reps = append(reps, map[string]any{"__typename": "Person", "id": id})
	}
	var first string
	for _, c := range []struct {
		sel        string
		statements int
		counted    bool
	}{
		{`payments(first: 2) { nodes { iupd } }`, 1, false},
		{`payments(first: 2) { pageInfo { hasNextPage } nodes { iupd } }`, 1, false},
		{`payments(first: 2) { totalCount nodes { iupd } }`, 2, true},
		{`payments(first: 2) { ...C nodes { iupd } }`, 2, true},
		{`payments(first: 2) { ... on PaymentPositionConnection { totalCount } nodes { iupd } }`, 2, true},
	} {
		q := `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { ` + c.sel + ` } } }`
		if strings.Contains(c.sel, "...C") {
			q += ` fragment C on PaymentPositionConnection { totalCount }`
		}
		qc.Reset()
		r := post(t, srv, admin, q, map[string]any{"r": reps})
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %+v", c.sel, r.Errors)
		}
		if n := qc.Count(); n != c.statements {
			t.Errorf("%s: %d statements, want %d: %q", c.sel, n, c.statements, qc.Queries())
		}
		var data struct {
			Entities []struct {
				Payments struct {
					TotalCount *int
					Nodes      []struct{ IUPD string }
				}
			} `json:"_entities"`
		}
		decode(t, r, &data)
		var b strings.Builder
		for _, e := range data.Entities {
			for _, n := range e.Payments.Nodes {
				b.WriteString(n.IUPD + ",")
			}
			b.WriteString(";")
			if c.counted && (e.Payments.TotalCount == nil || *e.Payments.TotalCount < len(e.Payments.Nodes)) {
				t.Errorf("%s: totalCount %v for %d nodes", c.sel, e.Payments.TotalCount, len(e.Payments.Nodes))
			}
		}
		if first == "" {
			first = b.String()
		} else if b.String() != first {
			t.Errorf("%s: pages differ:\n%s\n%s", c.sel, b.String(), first)
		}
		if !strings.Contains(first, "-") {
			t.Fatalf("no positions in the pages: %s", first)
		}
	}
}
