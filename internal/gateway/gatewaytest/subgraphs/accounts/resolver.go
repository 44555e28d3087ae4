package accounts

import (
	_ "embed"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs/accounts/generated"
	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs/serve"
)

// SDL is the subgraph schema served by _service.
//
//go:embed schema.graphqls
var SDL string

// Resolver holds the subgraph's in-memory data.
type Resolver struct {
	next  func() int
	mu    sync.Mutex
	users []*user
	orgs  []*generated.Org
}

type user struct {
	id, name, username, birth, secret, org string
	role                                   generated.Role
}

// NewHandler returns the accounts subgraph over fresh data; next numbers the
// users it creates (shared with the other subgraphs so that the order of a
// mutation's fields is observable).
func NewHandler(next func() int) http.Handler {
	r := &Resolver{
		next: next,
		users: []*user{
			{id: "u1", name: "Ada Lovelace", username: "ada", birth: "1815-12-10", role: generated.RoleAdmin, org: "o1", secret: "s-ada"},
			{id: "u2", name: "Alan Turing", username: "alan", birth: "1912-06-23", role: generated.RoleCustomer, org: "o1", secret: "s-alan"},
			{id: "u3", name: "Grace Hopper", username: "grace", birth: "1906-12-09", role: generated.RoleCustomer, org: "o2", secret: "s-grace"},
			{id: "u4", name: "Edsger Dijkstra", username: "edsger", birth: "1930-05-11", role: generated.RoleGuest},
		},
		orgs: []*generated.Org{{ID: "o1", Name: "Analytical Engines"}, {ID: "o2", Name: "Compilers Inc"}},
	}
	return serve.Handler(generated.NewExecutableSchema(generated.Config{Resolvers: r}))
}

func (r *Resolver) findUser(id string) *generated.User {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, u := range r.users {
		if u.id == id {
			return r.toUser(u)
		}
	}
	return nil
}

func (r *Resolver) findOrg(id string) *generated.Org {
	for _, o := range r.orgs {
		if o.ID == id {
			return &generated.Org{ID: o.ID, Name: o.Name}
		}
	}
	return nil
}

func (r *Resolver) toUser(u *user) *generated.User {
	out := &generated.User{ID: u.id, Name: u.name, Username: u.username, Role: u.role}
	if u.birth != "" {
		b := u.birth
		out.BirthDate = &b
	}
	if u.secret != "" {
		s := u.secret
		out.Secret = &s
	}
	if u.org != "" {
		out.Org = r.findOrg(u.org)
	}
	return out
}

func (r *Resolver) listUsers(f *generated.UserFilter) []*generated.User {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*generated.User
	for _, u := range r.users {
		if f != nil {
			if f.Role != nil && *f.Role != u.role {
				continue
			}
			if f.BornAfter != nil && u.birth <= *f.BornAfter {
				continue
			}
			if f.NameContains != nil && !strings.Contains(u.name, *f.NameContains) {
				continue
			}
		}
		out = append(out, r.toUser(u))
	}
	return out
}

func (r *Resolver) create(in generated.NewUser) *generated.User {
	u := &user{id: "u" + strconv.Itoa(r.next()), name: in.Name, username: in.Username, role: generated.RoleCustomer}
	if in.Role != nil {
		u.role = *in.Role
	}
	if in.BirthDate != nil {
		u.birth = *in.BirthDate
	}
	r.mu.Lock()
	r.users = append(r.users, u)
	r.mu.Unlock()
	return r.toUser(u)
}
