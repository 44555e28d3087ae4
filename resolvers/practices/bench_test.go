package practices_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// BenchmarkEntities100 posts one _entities request with 100 Practice
// representations (with their service and history) through the subgraph's
// HTTP handler.
func BenchmarkEntities100(b *testing.B) {
	s := newServer(b, 200, 0)
	rows, err := s.pool.Query(context.Background(), `select id::text from practices.practice order by id limit 100`)
	if err != nil {
		b.Fatal(err)
	}
	var reps []map[string]any
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		reps = append(reps, map[string]any{"__typename": "Practice", "id": id})
	}
	if len(reps) != 100 {
		b.Fatalf("%d practices", len(reps))
	}
	body, _ := json.Marshal(map[string]any{
		"query": `query($r: [_Any!]!) { _entities(representations: $r) { ... on Practice {
			id status protocolNumber dueBy overdue service { id title } history { status at } } } }`,
		"variables": map[string]any{"r": reps},
	})
	client := &http.Client{}
	post := func() []byte {
		req, _ := http.NewRequest(http.MethodPost, s.url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer admin")
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		out, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("status %d: %v", res.StatusCode, err)
		}
		return out
	}
	if out := post(); bytes.Contains(out, []byte(`"errors"`)) {
		b.Fatalf("response with errors: %s", out)
	}
	b.ReportAllocs()
	for b.Loop() {
		post()
	}
}
