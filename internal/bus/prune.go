package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// PruneBatch is the most outbox rows one prune statement deletes, so that
// pruning a long backlog never holds locks for long.
const PruneBatch = 5000

// Pruned counts what Prune deleted.
type Pruned struct {
	Events  int64 // outbox rows
	Applied int64 // applied marks
}

// Prune deletes the events every one of consumers has gone past from
// their sources' outboxes — the rows at or below the least of their
// positions — once older than keep, and their applied marks older than
// keep (the position, committed with each mark, already keeps an event
// from being read again). consumers must be every consumer of those
// sources in the deployment, wherever it runs: an event is deleted only
// when each of them is past it, and a consumer that has never run (no
// position) holds its source back entirely. Each statement touches one
// schema: the positions are read from each consumer's, the deletes run on
// each source's.
func (p *Postgres) Prune(ctx context.Context, keep time.Duration, consumers ...Consumer) (Pruned, error) {
	var out Pruned
	least := map[string]int64{} // source → least position
	var sources []string
	for _, c := range consumers {
		if err := c.check(); err != nil {
			return out, err
		}
		var pos int64
		err := p.pool.QueryRow(ctx, `select id from `+c.Schema+`.bus_position where consumer = $1`, c.Name).Scan(&pos)
		if errors.Is(err, pgx.ErrNoRows) {
			pos = 0
		} else if err != nil {
			return out, fmt.Errorf("bus: prune: position of %s: %w", c.Name, err)
		}
		if cur, seen := least[c.Source]; !seen || pos < cur {
			if !seen {
				sources = append(sources, c.Source)
			}
			least[c.Source] = pos
		}
	}
	before := time.Now().Add(-keep)
	for _, src := range sources {
		for {
			tag, err := p.pool.Exec(ctx, `delete from `+src+`.outbox where id in
				(select id from `+src+`.outbox where id <= $1 and at < $2 order by id limit $3)`, least[src], before, PruneBatch)
			if err != nil {
				return out, fmt.Errorf("bus: prune %s.outbox: %w", src, err)
			}
			out.Events += tag.RowsAffected()
			if tag.RowsAffected() < PruneBatch {
				break
			}
		}
	}
	for _, c := range consumers {
		tag, err := p.pool.Exec(ctx, `delete from `+c.Schema+`.bus_applied where consumer = $1 and applied_at < $2`, c.Name, before)
		if err != nil {
			return out, fmt.Errorf("bus: prune the applied marks of %s: %w", c.Name, err)
		}
		out.Applied += tag.RowsAffected()
	}
	return out, nil
}
