package identity

import (
	"context"

	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
)

// messagesFirst is Person.messages' page size: first, or 20.
func messagesFirst(first *int) int {
	if first == nil {
		return 20
	}
	return *first
}

// prefetchPerson loads now what the operation selects of p that would
// otherwise wait for a loader window — the pages of Person.messages —
// through the same authorized service calls as the field resolvers
// (identity.Service.PrefetchMessages), so that they find it at once.
func (r *Resolver) prefetchPerson(ctx context.Context, p *identity.Person) {
	for _, f := range gqlserver.Named(gqlserver.SelectedFields(ctx, "Person"), "messages") {
		raw, ok := gqlserver.Args(ctx, f)
		if !ok {
			continue
		}
		unread, ok1 := gqlserver.BoolArg(raw, "unreadOnly")
		first, ok2 := gqlserver.IntArg(raw, "first")
		after, ok3 := gqlserver.StringArg(raw, "after")
		if !ok1 || !ok2 || !ok3 {
			continue
		}
		r.svc.PrefetchMessages(ctx, p, unread != nil && *unread, messagesFirst(first), after, gqlserver.SelectsIn(ctx, f, "", "totalCount"))
	}
}
