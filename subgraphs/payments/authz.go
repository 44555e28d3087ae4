package payments

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
// delegations ([identity.Mandates]). Asked at every decision, never cached
// across operations, so a revoked or expired delegation stops at once.
type Registry interface {
	Of(ctx context.Context, fiscalCode string, at time.Time) (identity.Principal, error)
}

// WithRegistry sets the registry. Without one nobody acts for anybody
// else, and debtors named by operators are not checked against it.
func WithRegistry(r Registry) Option { return func(s *Service) { s.registry = r } }

// Practices tells who applied for a practice and in which comune: the
// practices subgraph's answer, to check the practice an operator attaches
// a position to.
type Practices interface {
	PracticeParties(ctx context.Context, id string) (applicantFiscalCode, comune string, found bool, err error)
}

// WithPractices sets the practices' answer. Without it the practice a
// position is attached to is not checked.
func WithPractices(p Practices) Option { return func(s *Service) { s.practices = p } }

// noInstallment is the answer for a notice that does not exist and for one
// the caller may not reach alike, so that notice numbers cannot be probed.
func noInstallment(op string) error {
	return apperr.E(op, apperr.NotFound, "no installment with this notice number")
}

// scopeOf is the visibility scope of the caller, whose token must grant
// scope: admins see every position, operators those of their comuni, a
// person their own and those of the people whose delegation covering
// payments (for every service) they hold.
func (s *Service) scopeOf(ctx context.Context, op, scope string) (Scope, *auth.Principal, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return Scope{}, nil, apperr.E(op, apperr.Unauthenticated, "authentication required")
	}
	if !p.Allows(scope) {
		return Scope{}, nil, apperr.Errorf(op, apperr.Permission, "the token does not grant the scope %s", scope)
	}
	sc := Scope{All: p.Has(auth.RoleAdmin), FiscalCodes: []string{}}
	if p.Has(auth.RoleOperator) {
		sc.Comuni = p.Comuni
	}
	if fc := strings.ToUpper(p.FiscalCode); fc != "" {
		sc.FiscalCodes = append(sc.FiscalCodes, fc)
		if s.registry != nil && !sc.All {
			reg, err := s.loaders(ctx).mandatesOf(ctx, s.registry, fc, s.now().UTC())
			if err != nil {
				return Scope{}, nil, apperr.Wrap(op, err)
			}
			sc.FiscalCodes = append(sc.FiscalCodes, reg.FiscalCodesFor(identity.AreaPayments)...)
		}
	}
	return sc, p, nil
}

// reaches reports whether a caller with scope sc may read or pay in:
// within the scope, or holding the debtor's fiscal code as pagoPA's
// checkout asks of anyone paying a notice.
func reaches(sc Scope, in *Installment, debtorFC string) (full, ok bool) {
	if sc.allows(in.DebtorFiscalCode, in.Comune) {
		return true, true
	}
	debtorFC = strings.ToUpper(strings.TrimSpace(debtorFC))
	return false, debtorFC != "" && debtorFC == in.DebtorFiscalCode
}
