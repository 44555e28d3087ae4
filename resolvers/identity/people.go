package identity

import (
	"context"

	identitygql "github.com/citizengraph/citizengraph/graph/identity"
	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
)

// loadPerson resolves a person reference held by another object; a
// dangling reference is an internal error, since the tables keep them
// consistent.
func (r *Resolver) loadPerson(ctx context.Context, id string) (*identitygql.Person, error) {
	p, err := r.svc.Person(ctx, id)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, apperr.Errorf("identity.Person", apperr.Internal, "dangling person reference %s", id)
	}
	return personOut(p), nil
}

// domainPerson returns the domain person behind obj, from the operation's
// loader cache when it was loaded there.
func (r *Resolver) domainPerson(ctx context.Context, obj *identitygql.Person) (*identity.Person, error) {
	p, err := r.svc.Person(ctx, obj.ID)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, apperr.E("identity.Person", apperr.NotFound, "person not found")
	}
	return p, nil
}
