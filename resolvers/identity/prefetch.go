package identity

import (
	"context"
	"slices"

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

// selectedMessages returns the arguments of every Person.messages the
// field being resolved selects on a Person, those that could be read.
func selectedMessages(ctx context.Context) []identity.MessagesArgs {
	var out []identity.MessagesArgs
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
		out = append(out, identity.MessagesArgs{UnreadOnly: unread != nil && *unread, First: messagesFirst(first),
			After: after, Total: gqlserver.SelectsIn(ctx, f, "", "totalCount")})
	}
	return out
}

// me loads the caller with the first page of messages the operation
// selects without a count in the same statement
// (identity.Service.MeWithMessages), then prefetches the other pages.
func (r *Resolver) me(ctx context.Context) (*identity.Person, error) {
	sel := selectedMessages(ctx)
	var p *identity.Person
	var err error
	if i := slices.IndexFunc(sel, func(m identity.MessagesArgs) bool { return !m.Total }); i >= 0 {
		p, err = r.svc.MeWithMessages(ctx, sel[i])
	} else {
		p, err = r.svc.Me(ctx)
	}
	if err != nil || p == nil {
		return p, err
	}
	r.prefetchPerson(ctx, p, sel)
	return p, nil
}

// prefetchPerson loads now what the operation selects of p that would
// otherwise wait for a loader window — the pages of Person.messages sel
// lists — through the same authorized service calls as the field
// resolvers (identity.Service.PrefetchMessages), so that they find it at
// once; a page already loaded is not read again.
func (r *Resolver) prefetchPerson(ctx context.Context, p *identity.Person, sel []identity.MessagesArgs) {
	for _, m := range sel {
		r.svc.PrefetchMessages(ctx, p, m.UnreadOnly, m.First, m.After, m.Total)
	}
}
