package territory

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/db"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// TestComuniInMemoryFollowChanges checks that the comuni answered from
// memory are those read from the database, for known, unknown, repeated
// and malformed codes; that an update, an insert and a delete of
// territory.comune are answered once announced; that a caller changing
// its copy changes nothing for the next; and that the copy is used only
// while the listener follows the changes.
func TestComuniInMemoryFollowChanges(t *testing.T) {
	ctx := context.Background()
	pool := devdb.NewTestDB(t, db.Migration{Schema: "territory", Files: Migrations()})
	if err := Seed(ctx, pool, seedgen.Params{People: 10, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	mem := NewService(NewStore(pool), WithComuniInMemory(pool))
	ref := NewService(NewStore(pool))
	codes := []string{MilanoIstat, "015182", "999999", "not-a-code", MilanoIstat, "015002"}
	inMemory := func() bool {
		mem.comuni.mu.Lock()
		defer mem.comuni.mu.Unlock()
		return mem.comuni.listening && mem.comuni.comuni != nil && mem.comuni.comuniGen == mem.comuni.gen
	}
	// until asks until the answer from memory is the reference's and
	// cond holds of it.
	until := func(what string, cond func([]*Comune) bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			got, err := mem.ComuniByIstat(ctx, codes)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ref.ComuniByIstat(ctx, codes)
			if err != nil {
				t.Fatal(err)
			}
			if reflect.DeepEqual(got, want) && cond(got) && inMemory() {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: from memory %v, from the database %v (in memory: %v)", what, got, want, inMemory())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	until("first", func(cs []*Comune) bool { return cs[0] != nil && cs[2] == nil && cs[3] == nil })
	got, _ := mem.ComuniByIstat(ctx, codes)
	got[0].Name, got[0].PostalCodes[0] = "changed by a caller", "00000"
	until("after a caller changed its copy", func(cs []*Comune) bool { return cs[0].Name != "changed by a caller" })
	if _, err := pool.Exec(ctx, `update territory.comune set name = name || ' (nuovo nome)' where istat_code = $1`, "015182"); err != nil {
		t.Fatal(err)
	}
	until("after an update", func(cs []*Comune) bool {
		return cs[1] != nil && cs[1].Name != "" && cs[1].Name[len(cs[1].Name)-1] == ')'
	})
	if _, err := pool.Exec(ctx, `insert into territory.comune (istat_code, name, name_key, cadastral_code, province, capital, postal_codes,
		population_2021, population_2011, lat, lon, zona_id, boundary)
		select '999999', 'Nuovo', 'nuovo', cadastral_code, province, false, postal_codes, population_2021, population_2011, lat, lon, zona_id, boundary
		from territory.comune where istat_code = $1`, "015002"); err != nil {
		t.Fatal(err)
	}
	until("after an insert", func(cs []*Comune) bool { return cs[2] != nil && cs[2].Name == "Nuovo" })
	if _, err := pool.Exec(ctx, `delete from territory.comune where istat_code = '999999'`); err != nil {
		t.Fatal(err)
	}
	until("after a delete", func(cs []*Comune) bool { return cs[2] == nil })
}
