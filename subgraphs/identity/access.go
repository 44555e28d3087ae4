package identity

import (
	"context"
	"strings"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/auth"
)

// PracticeLinks tells in which of comuni a person has a practice: the
// practices subgraph's answer, which bounds what an operator may read of a
// person.
type PracticeLinks interface {
	ComuniWithPractices(ctx context.Context, personID string, comuni []string) ([]string, error)
}

// WithPracticeLinks sets the practices' answer to "is this person a
// client of these comuni". Without it operators read no personal data.
func WithPracticeLinks(l PracticeLinks) Option { return func(s *Service) { s.links = l } }

// Personal-data groups of a Person, each with the scope a third-party app
// needs for it.
const (
	GroupProfile     = "profile"
	GroupDelegations = "delegations"
	GroupMessages    = "messages"
)

func readScope(group string) string {
	switch group {
	case GroupDelegations:
		return auth.ScopeDelegationsRead
	case GroupMessages:
		return auth.ScopeMessagesRead
	default:
		return auth.ScopeProfileRead
	}
}

// CheckPersonalData reports whether the caller may read the personal data
// of group (profile, delegations, messages) of person: the person themself
// (a third-party app needs the group's read scope); a delegate of the
// person whose delegation covers messages, for messages; administrators;
// operators of a comune the person has a practice with (not every
// resident). Anonymous callers get Unauthenticated, others Permission.
//
// A read granted by the operator's or the admin's powers is an access to
// the person's data: it is recorded in the access log (once per person and
// request, [Service.recordAccess]) before the data is returned, and a
// failure to record it refuses the read.
func (s *Service) CheckPersonalData(ctx context.Context, group string, p *Person) error {
	const op = "identity.CheckPersonalData"
	pr := auth.FromContext(ctx)
	if pr == nil {
		return apperr.E(op, apperr.Unauthenticated, "authentication required to read personal data")
	}
	scope := readScope(group)
	if !pr.Allows(scope) {
		return apperr.Errorf(op, apperr.Permission, "the token does not grant the scope %s", scope)
	}
	denied := apperr.E(op, apperr.Permission, "not allowed to read this person's personal data")
	switch {
	case pr.FiscalCode != "" && strings.EqualFold(pr.FiscalCode, p.FiscalCode):
		return nil
	case pr.Has(auth.RoleAdmin):
		return s.recordAccess(ctx, pr, p.ID, accessData(group), nil, "")
	}
	if group == GroupMessages && pr.FiscalCode != "" {
		reg, err := s.loaders(ctx).mandatesOf(ctx, s.Mandates(), pr.FiscalCode, s.now())
		if err != nil {
			return apperr.Wrap(op, err)
		}
		if _, ok := reg.Allows(AreaMessages, "", p.ID, "", ""); ok {
			return nil
		}
	}
	if pr.Has(auth.RoleOperator) && len(pr.Comuni) > 0 && s.links != nil {
		comuni, err := s.loaders(ctx).clientOf(ctx, s.links, p.ID, pr.Comuni)
		if err != nil {
			return apperr.Wrap(op, err)
		}
		if len(comuni) > 0 {
			return s.recordAccess(ctx, pr, p.ID, accessData(group), comuni, "")
		}
	}
	return denied
}

// Mandates is the authority over delegations on the service's store.
func (s *Service) Mandates() *Mandates { return &Mandates{db: s.store.db} }
