package identity_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// BenchmarkEntities100 posts one _entities query of 100 representations
// (67 people, 33 organizations) through the HTTP handler.
func BenchmarkEntities100(b *testing.B) {
	e := newTestEnv(b)
	var reps []any
	for k := 0; k < 100; k++ {
		if k%3 == 0 {
			reps = append(reps, map[string]any{"__typename": "Organization", "id": e.plan.OrganizationID(k % e.plan.Organizations())})
		} else {
			reps = append(reps, map[string]any{"__typename": "Person", "id": e.plan.PersonID(k % e.plan.People)})
		}
	}
	body, err := json.Marshal(map[string]any{
		"query": `query($reps: [_Any!]!) { _entities(representations: $reps) {
			__typename
			... on Person { id displayName givenName familyName }
			... on Organization { id name vatNumber legalForm seat { istatCode } }
		} }`,
		"variables": map[string]any{"reps": reps},
	})
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{}
	b.ReportAllocs()
	for b.Loop() {
		res, err := client.Post(e.srv.URL, "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || n < 5000 {
			b.Fatalf("status %d, %d bytes", res.StatusCode, n)
		}
	}
}
