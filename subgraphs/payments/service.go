package payments

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/codicefiscale"
	"github.com/citizengraph/citizengraph/internal/opendata"
)

// Limits of the accepted input.
const (
	MaxInstallments   = 100
	MaxAmountCents    = 9_999_999_999 // the largest amount an IO payment notice carries
	MaxTextLen        = 140           // GPD limit of descriptions and names
	MaxIdempotencyKey = 128
)

// Service holds the rules of the payments subgraph.
type Service struct {
	store     *Store
	psp       PSP
	now       func() time.Time
	taxonomy  []opendata.Taxonomy
	byCode    map[string]opendata.Taxonomy
	comuni    map[string]opendata.Comune
	registry  Registry
	practices Practices
	debtors   Debtors
}

// Option tunes a service.
type Option func(*Service)

// WithClock sets the service's clock.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// NewService returns the service on store, paying through psp.
func NewService(store *Store, psp PSP, opts ...Option) (*Service, error) {
	tax, err := opendata.PagoPATaxonomy()
	if err != nil {
		return nil, apperr.Wrap("payments.NewService", err)
	}
	comuni, err := opendata.Comuni()
	if err != nil {
		return nil, apperr.Wrap("payments.NewService", err)
	}
	s := &Service{store: store, psp: psp, now: time.Now, taxonomy: tax,
		byCode: make(map[string]opendata.Taxonomy, len(tax)), comuni: make(map[string]opendata.Comune, len(comuni))}
	for _, t := range tax {
		s.byCode[t.Code] = t
	}
	for _, c := range comuni {
		s.comuni[c.IstatCode] = c
	}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Store returns the service's store.
func (s *Service) Store() *Store { return s.store }

func (s *Service) loaders(ctx context.Context) *Loaders {
	if l := LoadersFrom(ctx); l != nil {
		return l
	}
	return NewLoaders(s.store, 0)
}

// Taxonomy returns the taxonomy entry of code.
func (s *Service) Taxonomy(code string) (opendata.Taxonomy, bool) {
	t, ok := s.byCode[code]
	return t, ok
}

// TaxonomyEntries lists the taxonomy entries for comuni, optionally of one
// macro-area.
func (s *Service) TaxonomyEntries(macroArea string) []opendata.Taxonomy {
	var out []opendata.Taxonomy
	for _, t := range s.taxonomy {
		if t.EntityType == "01" && (macroArea == "" || strings.EqualFold(t.MacroArea, macroArea)) {
			out = append(out, t)
		}
	}
	return out
}

// Position returns a position the caller may see.
func (s *Service) Position(ctx context.Context, iupd string) (*Position, error) {
	const op = "payments.Position"
	sc, _, err := s.scopeOf(ctx, op, auth.ScopePaymentsRead)
	if err != nil {
		return nil, err
	}
	p, err := s.loaders(ctx).positions.Load(ctx, iupd)()
	if err != nil {
		return nil, err
	}
	if !sc.Allows(&p) {
		return nil, apperr.E(op, apperr.NotFound, "no payment position with this IUPD")
	}
	return &p, nil
}

// Positions resolves many IUPDs with one query, in order: a missing or
// hidden position is nil with its error at the same index.
func (s *Service) Positions(ctx context.Context, iupds []string) ([]*Position, []error, error) {
	const op = "payments.Positions"
	sc, _, err := s.scopeOf(ctx, op, auth.ScopePaymentsRead)
	if err != nil {
		return nil, nil, err
	}
	m, err := s.store.PositionsByIUPD(ctx, iupds)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*Position, len(iupds))
	errs := make([]error, len(iupds))
	for i, k := range iupds {
		p, ok := m[k]
		switch {
		case !ok:
			errs[i] = apperr.E(op, apperr.NotFound, "no payment position with this IUPD")
		case !sc.Allows(&p):
			errs[i] = apperr.E(op, apperr.NotFound, "no payment position with this IUPD")
		default:
			out[i] = &p
		}
	}
	return out, errs, nil
}

// Installments returns the installments of a position the caller has
// already been allowed to see.
func (s *Service) Installments(ctx context.Context, iupd string) ([]Installment, error) {
	return s.loaders(ctx).installments.Load(ctx, iupd)()
}

// Installment returns the installment with a notice number. The debtor,
// their delegates (payments), operators of the creditor comune and admins
// read it in full (full is true). Anyone else must hold the debtor's
// fiscal code too, as on pagoPA's checkout, and then gets what paying
// needs: no receipt, and the position (the debtor's identity) stays
// hidden. Without it the answer is NOT_FOUND, as for an unknown notice.
func (s *Service) Installment(ctx context.Context, notice, debtorFC string) (in *Installment, full bool, err error) {
	const op = "payments.Installment"
	sc, _, err := s.scopeOf(ctx, op, auth.ScopePaymentsRead)
	if err != nil {
		return nil, false, err
	}
	if !ValidNoticeNumber(notice) {
		return nil, false, apperr.E(op, apperr.Invalid, "the notice number is not a valid 18-digit pagoPA notice number")
	}
	got, err := s.store.InstallmentByNotice(ctx, notice)
	if err != nil {
		if apperr.Is(apperr.NotFound, err) {
			return nil, false, noInstallment(op)
		}
		return nil, false, err
	}
	full, ok := reaches(sc, &got, debtorFC)
	if !ok {
		return nil, false, noInstallment(op)
	}
	if !full {
		got.Receipt = nil
	}
	return &got, full, nil
}

// PersonPayments returns a page of the positions of person the caller may
// see, newest first.
func (s *Service) PersonPayments(ctx context.Context, personID string, status *PositionStatus, first int, after string) (*Page, error) {
	return s.PersonPaymentsPage(ctx, personID, status, first, after, true)
}

// PersonPaymentsPage is [Service.PersonPayments] counting the positions
// (Page.TotalCount) only when total is true.
func (s *Service) PersonPaymentsPage(ctx context.Context, personID string, status *PositionStatus, first int, after string, total bool) (*Page, error) {
	const op = "payments.PersonPayments"
	sc, _, err := s.scopeOf(ctx, op, auth.ScopePaymentsRead)
	if err != nil {
		return nil, err
	}
	if first < 1 || first > 100 {
		return nil, apperr.E(op, apperr.Invalid, "first must be between 1 and 100")
	}
	if after != "" {
		if _, err := decodeCursor(after); err != nil {
			return nil, err
		}
	}
	g := pageGroup{First: first, After: after, All: sc.All, NoCount: !total, FiscalCodes: strings.Join(sc.FiscalCodes, ","), Comuni: strings.Join(sc.Comuni, ",")}
	if status != nil {
		if !status.Valid() {
			return nil, apperr.E(op, apperr.Invalid, "unknown status")
		}
		g.Status = string(*status)
	}
	return s.loaders(ctx).pages.Load(ctx, pageKey{PersonID: personID, group: g})()
}

// PracticePayments returns the positions of a practice the caller may see.
func (s *Service) PracticePayments(ctx context.Context, practiceID string) ([]Position, error) {
	const op = "payments.PracticePayments"
	sc, _, err := s.scopeOf(ctx, op, auth.ScopePaymentsRead)
	if err != nil {
		return nil, err
	}
	ps, err := s.loaders(ctx).byPractice.Load(ctx, practiceID)()
	if err != nil {
		return nil, err
	}
	out := make([]Position, 0, len(ps))
	for i := range ps {
		if sc.Allows(&ps[i]) {
			out = append(out, ps[i])
		}
	}
	return out, nil
}

// InstallmentInput is one installment of a position to create.
type InstallmentInput struct {
	AmountCents  int64
	Description  string
	DueDate      string // YYYY-MM-DD
	TaxonomyCode string
}

// CreateInput is a position to create.
type CreateInput struct {
	Comune           string
	DebtorID         string
	DebtorFiscalCode string
	DebtorName       string
	PracticeID       string
	Description      string
	ValidityDate     *time.Time
	Installments     []InstallmentInput
}

func textOK(s string) bool {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	return n >= 1 && n <= MaxTextLen
}

// ValidDebtorFiscalCode reports whether s is a syntactically valid fiscal
// code of a natural person (16 characters) or legal entity (11 digits).
func ValidDebtorFiscalCode(s string) bool {
	if len(s) == 11 {
		return ValidEntityFiscalCode(s)
	}
	_, err := codicefiscale.Parse(s)
	return err == nil
}

// Create stores a DRAFT position. Operators of the comune and admins only.
func (s *Service) Create(ctx context.Context, in CreateInput) (*Position, error) {
	const op = "payments.Create"
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, apperr.E(op, apperr.Unauthenticated, "authentication required")
	}
	if _, ok := s.comuni[in.Comune]; !ok {
		return nil, apperr.E(op, apperr.Invalid, "comune is not a comune of the metropolitan city")
	}
	if !p.OperatesIn(in.Comune) {
		return nil, apperr.E(op, apperr.Permission, "only operators of the comune may create its payment positions")
	}
	np, err := s.validate(op, in)
	if err != nil {
		return nil, err
	}
	if s.registry != nil {
		// The operator names the debtor: the id and the fiscal code must
		// be the same registered person.
		reg, err := s.registry.Of(ctx, np.DebtorFiscalCode, s.now().UTC())
		if err != nil {
			return nil, apperr.Wrap(op, err)
		}
		if reg.PersonID == "" || !strings.EqualFold(reg.PersonID, np.DebtorID) {
			return nil, apperr.E(op, apperr.Invalid, "debtorId and debtorFiscalCode do not name the same registered person")
		}
	}
	if np.PracticeID != "" && s.practices != nil {
		// The position belongs to the debtor's practice in the comune.
		fc, comune, found, err := s.practices.PracticeParties(ctx, np.PracticeID)
		if err != nil {
			return nil, apperr.Wrap(op, err)
		}
		if !found || comune != np.Comune || !strings.EqualFold(fc, np.DebtorFiscalCode) {
			return nil, apperr.E(op, apperr.Invalid, "practiceId is not a practice of the debtor addressed to the comune")
		}
	}
	iupd, err := s.store.CreateDraft(ctx, np, s.now().UTC().Truncate(time.Microsecond))
	if err != nil {
		return nil, err
	}
	return s.reload(ctx, iupd)
}

func (s *Service) validate(op string, in CreateInput) (NewPosition, error) {
	bad := func(msg string) (NewPosition, error) { return NewPosition{}, apperr.E(op, apperr.Invalid, msg) }
	fc := strings.ToUpper(strings.TrimSpace(in.DebtorFiscalCode))
	switch {
	case strings.TrimSpace(in.DebtorID) == "" || len(in.DebtorID) > 64:
		return bad("debtorId is required")
	case !ValidDebtorFiscalCode(fc):
		return bad("debtorFiscalCode is not a valid fiscal code")
	case !textOK(in.DebtorName):
		return bad("debtorName must be 1 to 140 characters")
	case !textOK(in.Description):
		return bad("description must be 1 to 140 characters")
	case len(in.Installments) == 0 || len(in.Installments) > MaxInstallments:
		return bad("a position has 1 to 100 installments")
	case len(in.PracticeID) > 64:
		return bad("practiceId is too long")
	}
	today := s.now().UTC().Truncate(24 * time.Hour)
	np := NewPosition{Comune: in.Comune, DebtorID: strings.TrimSpace(in.DebtorID), DebtorFiscalCode: fc,
		DebtorName: strings.TrimSpace(in.DebtorName), PracticeID: strings.TrimSpace(in.PracticeID),
		Description: strings.TrimSpace(in.Description), ValidityDate: in.ValidityDate}
	var total int64
	for _, it := range in.Installments {
		if it.AmountCents <= 0 || it.AmountCents > MaxAmountCents {
			return bad("installment amounts must be positive cents, at most 9999999999")
		}
		total += it.AmountCents
		if total > MaxAmountCents {
			return bad("the position's total exceeds 9999999999 cents")
		}
		if !textOK(it.Description) {
			return bad("installment descriptions must be 1 to 140 characters")
		}
		due, err := time.Parse(time.DateOnly, it.DueDate)
		if err != nil {
			return bad("dueDate must be a date, YYYY-MM-DD")
		}
		if due.Before(today) {
			return bad("dueDate must not be in the past")
		}
		if in.ValidityDate != nil && in.ValidityDate.After(due.Add(24*time.Hour)) {
			return bad("validityDate must not be after an installment's due date")
		}
		t, ok := s.byCode[it.TaxonomyCode]
		if !ok || t.EntityType != "01" {
			return bad("taxonomyCode is not a pagoPA taxonomy code for comuni")
		}
		np.Installments = append(np.Installments, NewInstallment{AmountCents: it.AmountCents,
			Description: strings.TrimSpace(it.Description), DueDate: due, TaxonomyCode: it.TaxonomyCode})
	}
	return np, nil
}

func (s *Service) reload(ctx context.Context, iupd string) (*Position, error) {
	m, err := s.store.PositionsByIUPD(ctx, []string{iupd})
	if err != nil {
		return nil, err
	}
	p, ok := m[iupd]
	if !ok {
		return nil, apperr.E("payments.reload", apperr.NotFound, "no payment position with this IUPD")
	}
	return &p, nil
}

func operatorCheck(ctx context.Context, op string, p Position) error {
	pr := auth.FromContext(ctx)
	if pr == nil {
		return apperr.E(op, apperr.Unauthenticated, "authentication required")
	}
	if !pr.OperatesIn(p.Comune) {
		if pr.FiscalCode != "" && strings.EqualFold(pr.FiscalCode, p.DebtorFiscalCode) {
			return apperr.E(op, apperr.Permission, "only operators of the comune may change its payment positions")
		}
		// Not even visible to the caller: as for an unknown IUPD.
		return apperr.E(op, apperr.NotFound, "no payment position with this IUPD")
	}
	return nil
}

// Publish turns a DRAFT into a payable position with notice numbers.
func (s *Service) Publish(ctx context.Context, iupd string) (*Position, error) {
	const op = "payments.Publish"
	if auth.FromContext(ctx) == nil {
		return nil, apperr.E(op, apperr.Unauthenticated, "authentication required")
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	today := now.Truncate(24 * time.Hour)
	err := s.store.Publish(ctx, iupd, now, func(p Position, ins []Installment) error {
		if err := operatorCheck(ctx, op, p); err != nil {
			return err
		}
		if p.Status != StatusDraft {
			return apperr.Errorf(op, apperr.IllegalTransition, "a %s position cannot be published", p.Status)
		}
		for _, in := range ins {
			if in.DueDate.Before(today) {
				return apperr.E(op, apperr.Invalid, "an installment's due date has passed; create a new position")
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.reload(ctx, iupd)
}

// Invalidate cancels a position with no paid installment.
func (s *Service) Invalidate(ctx context.Context, iupd string) (*Position, error) {
	const op = "payments.Invalidate"
	if auth.FromContext(ctx) == nil {
		return nil, apperr.E(op, apperr.Unauthenticated, "authentication required")
	}
	err := s.store.Invalidate(ctx, iupd, s.now().UTC(), func(p Position, _ []Installment) error {
		if err := operatorCheck(ctx, op, p); err != nil {
			return err
		}
		switch p.Status {
		case StatusDraft, StatusPublished, StatusValid, StatusExpired:
			return nil
		}
		return apperr.Errorf(op, apperr.IllegalTransition, "a %s position cannot be invalidated", p.Status)
	})
	if err != nil {
		return nil, err
	}
	return s.reload(ctx, iupd)
}

// Pay pays the installment with a notice number through the provider, once
// per idempotency key and once per installment. The debtor, their
// delegates, operators of the creditor and admins may pay it; anyone else
// holding the notice may too when they also give the debtor's fiscal code,
// as on pagoPA's checkout (else NOT_FOUND, as for an unknown notice).
func (s *Service) Pay(ctx context.Context, notice, debtorFC, key string, method Method) (*PaymentResult, error) {
	const op = "payments.Pay"
	sc, p, err := s.scopeOf(ctx, op, auth.ScopePaymentsWrite)
	if err != nil {
		return nil, err
	}
	switch {
	case !ValidNoticeNumber(notice):
		return nil, apperr.E(op, apperr.Invalid, "the notice number is not a valid 18-digit pagoPA notice number")
	case strings.TrimSpace(key) == "" || len(key) > MaxIdempotencyKey:
		return nil, apperr.E(op, apperr.Invalid, "idempotencyKey must be 1 to 128 characters")
	case !method.Valid():
		return nil, apperr.E(op, apperr.Invalid, "unknown payment method")
	}
	subject := p.Subject
	if subject == "" {
		subject = p.FiscalCode
	}
	now := s.now().UTC()
	res, err := s.store.Pay(ctx, PayRequest{NoticeNumber: notice, IdempotencyKey: key, Method: method,
		PayerSubject: subject, PayerFiscalCode: strings.ToUpper(p.FiscalCode), Now: now},
		s.psp, func(pos Position, in Installment) error {
			if _, ok := reaches(sc, &in, debtorFC); !ok {
				return noInstallment(op)
			}
			switch {
			case in.Status == InstallmentPaid:
				return apperr.E(op, apperr.Conflict, "the installment is already paid")
			case in.Status != InstallmentUnpaid:
				return apperr.Errorf(op, apperr.IllegalTransition, "a %s installment cannot be paid", in.Status)
			case pos.Status == StatusPublished:
				return apperr.E(op, apperr.IllegalTransition, "the payment position is not payable before its validity date")
			case pos.Status != StatusValid && pos.Status != StatusPartiallyPaid:
				return apperr.Errorf(op, apperr.IllegalTransition, "a %s payment position cannot be paid", pos.Status)
			}
			return nil
		})
	if err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			return nil, apperr.Wrap(op, err)
		}
		return nil, err
	}
	return &res, nil
}
