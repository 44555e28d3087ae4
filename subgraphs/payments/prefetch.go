package payments

import (
	"context"

	"github.com/citizengraph/citizengraph/internal/auth"
)

// PrefetchPracticePayments loads now, for every practice id of a batch,
// the positions [Service.PracticePayments] would answer and, with
// installments, those positions' installments, priming the operation's
// loaders so that each Practice.payments (and PaymentPosition.installments)
// resolver finds its value without a loader window. It authorizes as
// PracticePayments does: a caller who may not read payments prefetches
// nothing (the field resolvers report the error), and installments are
// loaded only for the positions the caller may see. Errors are left to
// the field resolvers, which ask again.
func (s *Service) PrefetchPracticePayments(ctx context.Context, practiceIDs []string, installments bool) {
	sc, _, err := s.scopeOf(ctx, "payments.PracticePayments", auth.ScopePaymentsRead)
	if err != nil {
		return
	}
	l := s.loaders(ctx)
	if !installments {
		l.byPractice.Prefetch(ctx, practiceIDs)
		return
	}
	// Both levels with one statement; the installments only of positions
	// within the caller's scope (filtered in the statement).
	positions, ins, err := s.store.PracticePayments(ctx, practiceIDs, sc)
	if err != nil {
		return
	}
	for _, id := range practiceIDs {
		ps := positions[id]
		l.byPractice.Prime(ctx, id, ps)
		for i := range ps {
			if sc.Allows(&ps[i]) {
				l.installments.Prime(ctx, ps[i].IUPD, ins[ps[i].IUPD])
			}
		}
	}
}
