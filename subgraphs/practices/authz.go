package practices

import (
	"context"
	"strings"
	"time"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
)

// Registry tells who a signed-in person is in the registry and whom they
// may act for at an instant: the identity subgraph's authority over
// delegations and legal representation ([identity.Mandates]). It is asked
// at every decision that needs it, never cached across operations, so a
// revoked or expired delegation stops at once.
type Registry interface {
	Of(ctx context.Context, fiscalCode string, at time.Time) (identity.Principal, error)
}

// WithRegistry sets the registry of people and mandates. Without one, the
// service knows no one: practices cannot be filed and nobody acts for
// anybody else.
func WithRegistry(r Registry) Option { return func(s *Service) { s.registry = r } }

// notFound is the answer for a practice that does not exist and for one
// the caller may not see alike, so that ids cannot be probed.
func notFound(op string) error { return apperr.E(op, apperr.NotFound, "practice not found") }

// requireScope refuses a token that lacks scope.
func requireScope(op string, p *auth.Principal, scope string) error {
	if !p.Allows(scope) {
		return apperr.Errorf(op, apperr.Permission, "the token does not grant the scope %s", scope)
	}
	return nil
}

// caller is the principal of one operation with its registry standing,
// loaded at most once and only when a decision needs it.
type caller struct {
	s      *Service
	p      *auth.Principal
	loaded bool
	reg    identity.Principal
	err    error
}

func (s *Service) caller(p *auth.Principal) *caller { return &caller{s: s, p: p} }

func (c *caller) registry(ctx context.Context) (identity.Principal, error) {
	if !c.loaded {
		c.loaded = true
		switch {
		case c.p == nil || c.p.FiscalCode == "":
		case c.s.registry == nil:
			c.reg = identity.Principal{FiscalCode: strings.ToUpper(c.p.FiscalCode)}
		default:
			c.reg, c.err = c.s.registry.Of(ctx, c.p.FiscalCode, c.s.Now())
		}
	}
	return c.reg, c.err
}

// mandate returns the mandate under which the caller acts for the party
// of pr (its organization, else its applicant) on pr's service.
func (c *caller) mandate(ctx context.Context, pr *Practice) (identity.Mandate, bool, error) {
	reg, err := c.registry(ctx)
	if err != nil {
		return identity.Mandate{}, false, err
	}
	personID := pr.ApplicantID
	if pr.OrganizationID != "" {
		personID = ""
	}
	m, ok := reg.Allows(identity.AreaPractices, pr.ServiceID, personID, "", pr.OrganizationID)
	return m, ok, nil
}

// canRead reports whether the caller may see pr: its applicant, a person
// acting for its applicant or organization under a mandate covering its
// service, an operator of its comune, or an admin.
func (c *caller) canRead(ctx context.Context, pr *Practice) (bool, error) {
	if isApplicant(c.p, pr) || c.p.OperatesIn(pr.Comune) {
		return true, nil
	}
	_, ok, err := c.mandate(ctx, pr)
	return ok, err
}

// actsAsApplicant returns the actor of an applicant's action on pr: the
// applicant, or a person acting for the applicant or the organization.
func (c *caller) actsAsApplicant(ctx context.Context, pr *Practice) (Actor, bool, error) {
	if isApplicant(c.p, pr) {
		return Actor{Kind: ActorCitizen, ID: pr.ApplicantFiscalCode}, true, nil
	}
	m, ok, err := c.mandate(ctx, pr)
	if err != nil || !ok {
		return Actor{}, false, err
	}
	return Actor{Kind: ActorCitizen, ID: strings.ToUpper(c.p.FiscalCode), OnBehalfOf: onBehalfOf(m)}, true, nil
}

// onBehalfOf is the fiscal code of the party a mandate acts for.
func onBehalfOf(m identity.Mandate) string {
	if m.OrganizationID != "" {
		return m.OrganizationFiscalCode
	}
	return m.PersonFiscalCode
}

// delegatedVisibility lists, for Person.practices, the applicants and
// organizations the caller acts for, with the services each mandate
// covers (comma-joined; "" for every service).
func (c *caller) delegatedVisibility(ctx context.Context, vis *Visibility) error {
	reg, err := c.registry(ctx)
	if err != nil {
		return err
	}
	vis.People, vis.PeopleServices = []string{}, []string{}
	vis.Organizations, vis.OrganizationServices = []string{}, []string{}
	for _, m := range reg.Mandates {
		if len(m.Areas) > 0 && !containsFold(m.Areas, identity.AreaPractices) {
			continue
		}
		svcs := strings.Join(m.Services, ",")
		if m.OrganizationID != "" {
			vis.Organizations = append(vis.Organizations, m.OrganizationID)
			vis.OrganizationServices = append(vis.OrganizationServices, svcs)
		} else if m.PersonID != "" {
			vis.People = append(vis.People, m.PersonID)
			vis.PeopleServices = append(vis.PeopleServices, svcs)
		}
	}
	return nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// ViewActor returns actor a of a change of a practice of comune as the
// caller may see it: the fiscal code of an operator is shown only to
// operators of the comune and admins; citizens see the role and the comune.
func (s *Service) ViewActor(ctx context.Context, comune string, a Actor) Actor {
	if a.Kind == ActorOperator && !auth.FromContext(ctx).OperatesIn(comune) {
		a.ID = ""
	}
	return a
}

// ViewHistory is [Service.ViewActor] over the changes of a practice.
func (s *Service) ViewHistory(ctx context.Context, comune string, changes []StatusChange) []StatusChange {
	out := make([]StatusChange, len(changes))
	for i, c := range changes {
		c.Actor = s.ViewActor(ctx, comune, c.Actor)
		out[i] = c
	}
	return out
}
