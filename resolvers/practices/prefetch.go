package practices

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	practicesgql "github.com/citizengraph/citizengraph/graph/practices"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

// personPracticesArgs are the loader arguments of Person.practices, shared
// by the field resolver and the prefetch so that both use the same key.
func personPracticesArgs(status *practicesgql.PracticeStatus, first *int, after *string, total bool) (practices.PersonPracticesArgs, error) {
	var st *practices.Status
	if status != nil {
		s := practices.Status(*status)
		st = &s
	}
	args, err := practices.CheckPersonPracticesArgs(st, first, after)
	args.NoTotal = !total
	return args, err
}

// prefetchPeople loads, for every person of an _entities batch at once,
// the Person.practices pages the operation selects (with their practices'
// histories in the same statement when selected), and then the
// service cards, histories and documents those pages' practices select,
// priming the operation's loaders: the field resolvers then find their
// values without a loader window. Pages load through the same authorized
// service call as the field (PersonPractices); the practices' children
// only for practices it returned. Arguments that do not validate are left
// to the field resolver, which reports the error.
func (r *Resolver) prefetchPeople(ctx context.Context, ids []string) {
	l := r.loaders(ctx)
	for _, f := range gqlserver.Named(gqlserver.SelectedFields(ctx, "Person"), "practices") {
		raw, ok := gqlserver.Args(ctx, f)
		if !ok {
			continue
		}
		status, ok1 := gqlserver.StringArg(raw, "status")
		first, ok2 := gqlserver.IntArg(raw, "first")
		after, ok3 := gqlserver.StringArg(raw, "after")
		if !ok1 || !ok2 || !ok3 {
			continue
		}
		var st *practicesgql.PracticeStatus
		if status != nil {
			s := practicesgql.PracticeStatus(*status)
			st = &s
		}
		args, err := personPracticesArgs(st, first, after, gqlserver.SelectsIn(ctx, f, "", "totalCount"))
		if err != nil {
			continue
		}
		keys := make([]practices.PersonPracticesKey, len(ids))
		for i, id := range ids {
			keys[i] = practices.PersonPracticesKey{PersonID: id, Args: args}
		}
		fields := connectionNodeFields(ctx, f, "PracticeConnection", "PracticeEdge", "Practice")
		// The pages, their practices' histories and the catalogue's
		// version with one statement.
		pages, catalogue := l.PrefetchPersonPractices(ctx, r.svc, keys, len(gqlserver.Named(fields, "history")) > 0)
		var list []*practices.Practice
		for _, pg := range pages {
			for i := range pg.Practices {
				list = append(list, &pg.Practices[i])
			}
		}
		r.prefetchPractices(ctx, fields, list, catalogue)
	}
}

// connectionNodeFields returns the fields a connection field f selects on
// its nodes, through nodes and through edges { node }.
func connectionNodeFields(ctx context.Context, f graphql.CollectedField, conn, edge, node string) []graphql.CollectedField {
	var out []graphql.CollectedField
	sub := gqlserver.Subfields(ctx, f, conn)
	for _, n := range gqlserver.Named(sub, "nodes") {
		out = append(out, gqlserver.Subfields(ctx, n, node)...)
	}
	for _, e := range gqlserver.Named(sub, "edges") {
		for _, n := range gqlserver.Named(gqlserver.Subfields(ctx, e, edge), "node") {
			out = append(out, gqlserver.Subfields(ctx, n, node)...)
		}
	}
	return out
}

// prefetchPractices loads the children that fields select of practices
// (already authorized: returned to this caller by the service) in one
// batch per kind, concurrently, priming the operation's loaders. With
// the catalogue's version read with the practices (not 0), their service
// cards come from the catalogue in memory at that version.
func (r *Resolver) prefetchPractices(ctx context.Context, fields []graphql.CollectedField, list []*practices.Practice, catalogue int64) {
	if len(list) == 0 || len(fields) == 0 {
		return
	}
	l := r.loaders(ctx)
	ids := make([]string, len(list))
	services := make([]string, len(list))
	for i, p := range list {
		ids[i], services[i] = p.ID, p.ServiceID
	}
	var wg sync.WaitGroup
	if len(gqlserver.Named(fields, "service")) > 0 {
		if catalogue != 0 {
			// From memory, no statement: run here.
			l.PrefetchServicesAt(ctx, r.svc, catalogue, services)
		} else {
			wg.Go(func() { l.Services.Prefetch(ctx, services) })
		}
	}
	if len(gqlserver.Named(fields, "history")) > 0 {
		wg.Go(func() { l.History.Prefetch(ctx, ids) })
	}
	if len(gqlserver.Named(fields, "documents")) > 0 {
		wg.Go(func() { l.Documents.Prefetch(ctx, ids) })
	}
	wg.Wait()
}
