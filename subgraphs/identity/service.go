package identity

import (
	"context"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/auth"
)

// Service applies the identity rules and authorization on top of the store.
type Service struct {
	store *Store
	now   func() time.Time
	links PracticeLinks
}

// Option configures a Service.
type Option func(*Service)

// WithClock makes the service read the time from now.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// NewService returns a service on store.
func NewService(store *Store, opts ...Option) *Service {
	s := &Service{store: store, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Now is the service's current time.
func (s *Service) Now() time.Time { return s.now() }

// caller returns the registered person of the authenticated caller, whose
// token must grant scope.
func (s *Service) caller(ctx context.Context, op, scope string) (*Person, error) {
	pr := auth.FromContext(ctx)
	if pr == nil {
		return nil, apperr.E(op, apperr.Unauthenticated, "authentication required")
	}
	if !pr.Allows(scope) {
		return nil, apperr.Errorf(op, apperr.Permission, "the token does not grant the scope %s", scope)
	}
	if pr.FiscalCode == "" {
		return nil, apperr.E(op, apperr.NotFound, "the caller has no fiscal code")
	}
	p, err := s.store.PersonByFiscalCode(ctx, pr.FiscalCode)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if p == nil {
		return nil, apperr.E(op, apperr.NotFound, "the caller is not in the registry")
	}
	return p, nil
}

// Me returns the caller's person: Unauthenticated without a principal, nil
// when the caller's fiscal code is not registered.
func (s *Service) Me(ctx context.Context) (*Person, error) {
	const op = "identity.Me"
	pr := auth.FromContext(ctx)
	if pr == nil {
		return nil, apperr.E(op, apperr.Unauthenticated, "authentication required")
	}
	if pr.FiscalCode == "" {
		return nil, nil
	}
	p, err := s.store.PersonByFiscalCode(ctx, pr.FiscalCode)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if p != nil {
		s.loaders(ctx).people.Prime(ctx, p.ID, p)
	}
	return p, nil
}

// MessagesArgs are the arguments of a Person.messages selection.
type MessagesArgs struct {
	UnreadOnly bool
	First      int
	After      *string
	Total      bool // totalCount selected
}

// MeWithMessages is [Service.Me] reading, with the same statement, the
// page of the caller's messages that m selects, for [Service.Messages]
// to answer without a statement of its own. The page is kept only where
// Messages would answer it (the same authorization and arguments);
// arguments Messages refuses, or a selected count, make it plain Me.
func (s *Service) MeWithMessages(ctx context.Context, m MessagesArgs) (*Person, error) {
	const op = "identity.Me"
	pr := auth.FromContext(ctx)
	if pr == nil || pr.FiscalCode == "" || m.Total || m.First < 1 || m.First > maxMessagePageSize {
		return s.Me(ctx)
	}
	q := MessageQuery{UnreadOnly: m.UnreadOnly, First: m.First}
	if m.After != nil {
		c, err := decodeMessageCursor(op, *m.After)
		if err != nil {
			return s.Me(ctx)
		}
		q.After = c
	}
	p, msgs, err := s.store.PersonWithMessages(ctx, pr.FiscalCode, q)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if p == nil {
		return nil, nil
	}
	l := s.loaders(ctx)
	l.people.Prime(ctx, p.ID, p)
	if key, err := s.messagesKey(ctx, "identity.Messages", p, m.UnreadOnly, m.First, m.After, false); err == nil {
		l.messagePages.Prime(ctx, key, newMessagePage(msgs, m.First, 0))
	}
	return p, nil
}

// Person returns person id, or nil. Anyone may look a person up; the
// personal fields are guarded by [CheckPersonalData].
func (s *Service) Person(ctx context.Context, id string) (*Person, error) {
	p, err := s.loaders(ctx).people.Load(ctx, id)()
	return p, wrapLoad("identity.Person", err)
}

// Organization returns organization id, or nil. Organizations are public
// business-registry data.
func (s *Service) Organization(ctx context.Context, id string) (*Organization, error) {
	o, err := s.loaders(ctx).organizations.Load(ctx, id)()
	return o, wrapLoad("identity.Organization", err)
}

// PeopleByIDs resolves a batch of person references with one query:
// results in ids order, nil where unknown.
func (s *Service) PeopleByIDs(ctx context.Context, ids []string) ([]*Person, error) {
	rows, err := s.store.PeopleByIDs(ctx, ids)
	if err != nil {
		return nil, apperr.Wrap("identity.PeopleByIDs", err)
	}
	l := s.loaders(ctx)
	m := make(map[string]*Person, len(rows))
	for _, p := range rows {
		m[p.ID] = p
		l.people.Prime(ctx, p.ID, p)
	}
	out := make([]*Person, len(ids))
	for i, id := range ids {
		out[i] = m[id]
	}
	return out, nil
}

// OrganizationsByIDs resolves a batch of organization references with one
// query: results in ids order, nil where unknown.
func (s *Service) OrganizationsByIDs(ctx context.Context, ids []string) ([]*Organization, error) {
	rows, err := s.store.OrganizationsByIDs(ctx, ids)
	if err != nil {
		return nil, apperr.Wrap("identity.OrganizationsByIDs", err)
	}
	l := s.loaders(ctx)
	m := make(map[string]*Organization, len(rows))
	for _, o := range rows {
		m[o.ID] = o
		l.organizations.Prime(ctx, o.ID, o)
	}
	out := make([]*Organization, len(ids))
	for i, id := range ids {
		out[i] = m[id]
	}
	return out, nil
}

// OrganizationsOf returns the organizations person represents (public).
func (s *Service) OrganizationsOf(ctx context.Context, personID string) ([]*Organization, error) {
	v, err := s.loaders(ctx).orgsByRep.Load(ctx, personID)()
	return v, wrapLoad("identity.OrganizationsOf", err)
}

// DelegationsGiven returns the delegations person gave, newest first.
// Personal data.
func (s *Service) DelegationsGiven(ctx context.Context, p *Person) ([]*Delegation, error) {
	if err := s.CheckPersonalData(ctx, GroupDelegations, p); err != nil {
		return nil, err
	}
	v, err := s.loaders(ctx).delegationsBy[ByDelegatorPerson].Load(ctx, p.ID)()
	return v, wrapLoad("identity.DelegationsGiven", err)
}

// DelegationsReceived returns the delegations person received, newest
// first. Personal data.
func (s *Service) DelegationsReceived(ctx context.Context, p *Person) ([]*Delegation, error) {
	if err := s.CheckPersonalData(ctx, GroupDelegations, p); err != nil {
		return nil, err
	}
	v, err := s.loaders(ctx).delegationsBy[ByDelegate].Load(ctx, p.ID)()
	return v, wrapLoad("identity.DelegationsReceived", err)
}

// OrganizationDelegations returns the delegations organization o gave,
// newest first: visible to its legal representative, administrators and
// operators of its seat.
func (s *Service) OrganizationDelegations(ctx context.Context, o *Organization) ([]*Delegation, error) {
	const op = "identity.OrganizationDelegations"
	pr := auth.FromContext(ctx)
	if pr == nil {
		return nil, apperr.E(op, apperr.Unauthenticated, "authentication required")
	}
	if !pr.Allows(auth.ScopeDelegationsRead) {
		return nil, apperr.Errorf(op, apperr.Permission, "the token does not grant the scope %s", auth.ScopeDelegationsRead)
	}
	if !pr.OperatesIn(o.SeatIstat) {
		rep, err := s.Person(ctx, o.RepresentativeID)
		if err != nil {
			return nil, err
		}
		if rep == nil || rep.FiscalCode != pr.FiscalCode || pr.FiscalCode == "" {
			return nil, apperr.E(op, apperr.Permission, "only the legal representative may see the organization's delegations")
		}
	}
	v, err := s.loaders(ctx).delegationsBy[ByDelegatorOrganization].Load(ctx, o.ID)()
	return v, wrapLoad(op, err)
}

// Messages returns a page of person p's messages, newest first. Personal
// data; first must be 1..100 and after a cursor from a previous page.
// Without total the page's TotalCount is 0 and not counted.
func (s *Service) Messages(ctx context.Context, p *Person, unreadOnly bool, first int, after *string, total bool) (*MessagePage, error) {
	const op = "identity.Messages"
	key, err := s.messagesKey(ctx, op, p, unreadOnly, first, after, total)
	if err != nil {
		return nil, err
	}
	page, err := s.loaders(ctx).messagePages.Load(ctx, key)()
	return page, wrapLoad(op, err)
}

// PrefetchMessages loads now the page [Service.Messages] would answer for
// the same arguments, after the same authorization, and primes the
// operation's loader with it, so that the Person.messages resolver finds
// it without a loader window. A call Messages would refuse loads nothing
// (Messages reports the error); so does a failed load (Messages asks
// again).
func (s *Service) PrefetchMessages(ctx context.Context, p *Person, unreadOnly bool, first int, after *string, total bool) {
	key, err := s.messagesKey(ctx, "identity.Messages", p, unreadOnly, first, after, total)
	if err != nil {
		return
	}
	s.loaders(ctx).messagePages.Prefetch(ctx, []messageKey{key})
}

// messagesKey authorizes a Messages call and returns its loader key.
func (s *Service) messagesKey(ctx context.Context, op string, p *Person, unreadOnly bool, first int, after *string, total bool) (messageKey, error) {
	if err := s.CheckPersonalData(ctx, GroupMessages, p); err != nil {
		return messageKey{}, err
	}
	if first < 1 || first > maxMessagePageSize {
		return messageKey{}, apperr.Errorf(op, apperr.Invalid, "first must be between 1 and %d", maxMessagePageSize)
	}
	key := messageKey{Person: p.ID, Unread: unreadOnly, First: first, NoTotal: !total}
	if after != nil {
		c, err := decodeMessageCursor(op, *after)
		if err != nil {
			return messageKey{}, err
		}
		key.AfterUs, key.AfterID, key.HasAfter = c.CreatedAt.UnixMicro(), c.ID, true
	}
	return key, nil
}

// MarkMessageRead marks message id read by its recipient, the caller. It is
// idempotent: readAt keeps the time of the first call.
func (s *Service) MarkMessageRead(ctx context.Context, id string) (*Message, error) {
	const op = "identity.MarkMessageRead"
	me, err := s.caller(ctx, op, auth.ScopeMessagesWrite)
	if err != nil {
		return nil, err
	}
	m, err := s.store.MessageByID(ctx, id)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	// Another person's message is not found, as a missing one: ids cannot
	// be probed. A delegate whose delegation covers messages acts for the
	// recipient.
	notFound := apperr.E(op, apperr.NotFound, "message not found")
	if m == nil {
		return nil, notFound
	}
	if m.RecipientID != me.ID {
		reg, err := s.Mandates().Of(ctx, me.FiscalCode, s.now())
		if err != nil {
			return nil, apperr.Wrap(op, err)
		}
		if _, ok := reg.Allows(AreaMessages, "", m.RecipientID, "", ""); !ok {
			return nil, notFound
		}
	}
	if m.ReadAt != nil {
		return m, nil
	}
	m, err = s.store.MarkMessageRead(ctx, id, s.now())
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	return m, nil
}

var phoneRE = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// NormalizeEmail validates an e-mail address and returns it trimmed, or
// "" for an empty input.
func NormalizeEmail(op, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	bad := apperr.E(op, apperr.Invalid, "email is not a valid e-mail address")
	if len(s) > 254 || !utf8.ValidString(s) {
		return "", bad
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", bad
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") || strings.ContainsAny(domain, "[]") {
		return "", bad
	}
	return s, nil
}

// NormalizePhone validates a phone number in E.164 form (spaces, dots and
// dashes between digits are dropped) and returns it compact, or "" for an
// empty input.
func NormalizePhone(op, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	compact := strings.NewReplacer(" ", "", "-", "", ".", "").Replace(s)
	if !phoneRE.MatchString(compact) {
		return "", apperr.E(op, apperr.Invalid, "phone must be in E.164 form, e.g. +39 02 0202")
	}
	return compact, nil
}

// UpdateContacts changes the caller's e-mail and phone. A nil argument
// leaves the value unchanged; an empty string clears it.
func (s *Service) UpdateContacts(ctx context.Context, email, phone *string) (*Person, error) {
	const op = "identity.UpdateContacts"
	me, err := s.caller(ctx, op, auth.ScopeProfileWrite)
	if err != nil {
		return nil, err
	}
	newEmail, newPhone := me.Email, me.Phone
	if email != nil {
		if newEmail, err = NormalizeEmail(op, *email); err != nil {
			return nil, err
		}
	}
	if phone != nil {
		if newPhone, err = NormalizePhone(op, *phone); err != nil {
			return nil, err
		}
	}
	if newEmail == "" && me.Preferences.Email {
		return nil, apperr.E(op, apperr.Invalid, "e-mail notifications are on: turn them off before removing the e-mail address")
	}
	if newPhone == "" && me.Preferences.SMS {
		return nil, apperr.E(op, apperr.Invalid, "SMS notifications are on: turn them off before removing the phone number")
	}
	p, err := s.store.UpdateContacts(ctx, me.ID, newEmail, newPhone)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if p == nil {
		return nil, apperr.E(op, apperr.NotFound, "the caller is not in the registry")
	}
	return p, nil
}

// UpdatePreferences changes the caller's notification preferences. E-mail
// and SMS notices need the matching contact; the language must be one of
// [Languages].
func (s *Service) UpdatePreferences(ctx context.Context, pr Preferences) (*Person, error) {
	const op = "identity.UpdatePreferences"
	me, err := s.caller(ctx, op, auth.ScopeProfileWrite)
	if err != nil {
		return nil, err
	}
	pr.Language = strings.ToLower(strings.TrimSpace(pr.Language))
	if !slices.Contains(Languages, pr.Language) {
		return nil, apperr.Errorf(op, apperr.Invalid, "language must be one of %s", strings.Join(Languages, ", "))
	}
	if pr.Email && me.Email == "" {
		return nil, apperr.E(op, apperr.Invalid, "e-mail notifications need an e-mail address")
	}
	if pr.SMS && me.Phone == "" {
		return nil, apperr.E(op, apperr.Invalid, "SMS notifications need a phone number")
	}
	p, err := s.store.UpdatePreferences(ctx, me.ID, pr)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if p == nil {
		return nil, apperr.E(op, apperr.NotFound, "the caller is not in the registry")
	}
	return p, nil
}

// GrantInput is a request to grant a delegation.
type GrantInput struct {
	DelegateFiscalCode string
	OrganizationID     string // "" when the caller delegates for themself
	Services           []string
	Areas              []string   // AreaPractices, AreaPayments, AreaMessages; empty: every area
	ValidFrom          *time.Time // nil: now
	ValidTo            *time.Time // nil: open-ended
}

var fiscalCodeRE = regexp.MustCompile(`^[A-Z0-9]{16}$`)

// backdateTolerance is how far in the past validFrom may be, to absorb
// clock differences between client and server.
const backdateTolerance = 5 * time.Minute

// GrantDelegation grants a delegation from the caller, or from an
// organization the caller legally represents, to the person with the given
// fiscal code. A delegation between the same parties that is not revoked
// and overlaps in time is a Conflict.
func (s *Service) GrantDelegation(ctx context.Context, in GrantInput) (*Delegation, error) {
	const op = "identity.GrantDelegation"
	defer forgetSharedMandates(ctx) // the rest of the request sees the change
	me, err := s.caller(ctx, op, auth.ScopeDelegationsWrite)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	d := &Delegation{ID: uuid.NewString(), CreatedAt: now, ValidFrom: now, Services: []string{}, Areas: []string{}}
	if in.OrganizationID != "" {
		o, err := s.Organization(ctx, in.OrganizationID)
		if err != nil {
			return nil, err
		}
		if o == nil {
			return nil, apperr.E(op, apperr.NotFound, "organization not found")
		}
		if o.RepresentativeID != me.ID {
			return nil, apperr.E(op, apperr.Permission, "only the legal representative may delegate for the organization")
		}
		d.DelegatorOrganizationID = o.ID
	} else {
		d.DelegatorPersonID = me.ID
	}
	fc := strings.ToUpper(strings.TrimSpace(in.DelegateFiscalCode))
	if !fiscalCodeRE.MatchString(fc) {
		return nil, apperr.E(op, apperr.Invalid, "delegateFiscalCode must be a 16-character fiscal code")
	}
	delegate, err := s.store.PersonByFiscalCode(ctx, fc)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if delegate == nil {
		return nil, apperr.E(op, apperr.NotFound, "no person with that fiscal code")
	}
	if delegate.ID == me.ID {
		return nil, apperr.E(op, apperr.Invalid, "a delegation cannot be given to oneself")
	}
	d.DelegateID = delegate.ID
	seen := map[string]bool{}
	for _, sv := range in.Services {
		sv = strings.TrimSpace(sv)
		if sv == "" || len(sv) > 64 {
			return nil, apperr.E(op, apperr.Invalid, "service ids must be 1 to 64 characters")
		}
		if !seen[sv] {
			seen[sv] = true
			d.Services = append(d.Services, sv)
		}
	}
	for _, a := range in.Areas {
		a = strings.ToUpper(strings.TrimSpace(a))
		if !slices.Contains(Areas(), a) {
			return nil, apperr.Errorf(op, apperr.Invalid, "areas must be among %s", strings.Join(Areas(), ", "))
		}
		if !slices.Contains(d.Areas, a) {
			d.Areas = append(d.Areas, a)
		}
	}
	if len(d.Areas) == len(Areas()) {
		d.Areas = []string{} // every area
	}
	if len(d.Services) > 50 {
		return nil, apperr.E(op, apperr.Invalid, "at most 50 services per delegation")
	}
	if in.ValidFrom != nil {
		if in.ValidFrom.Before(now.Add(-backdateTolerance)) {
			return nil, apperr.E(op, apperr.Invalid, "validFrom cannot be in the past")
		}
		d.ValidFrom = in.ValidFrom.UTC().Truncate(time.Microsecond)
	}
	if in.ValidTo != nil {
		to := in.ValidTo.UTC().Truncate(time.Microsecond)
		if !to.After(d.ValidFrom) {
			return nil, apperr.E(op, apperr.Invalid, "validTo must follow validFrom")
		}
		d.ValidTo = &to
	}
	overlap, err := s.store.OverlappingDelegation(ctx, d)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if overlap {
		return nil, apperr.E(op, apperr.Conflict, "a delegation between the same parties already covers that period: revoke it first")
	}
	if err := s.store.InsertDelegation(ctx, d); err != nil {
		return nil, apperr.Wrap(op, err)
	}
	return d, nil
}

// RevokeDelegation revokes delegation id. Only the delegator person, or
// the legal representative of the delegating organization, may. Revoking a
// revoked delegation returns it unchanged; an expired one cannot be
// revoked (IllegalTransition).
func (s *Service) RevokeDelegation(ctx context.Context, id string) (*Delegation, error) {
	const op = "identity.RevokeDelegation"
	defer forgetSharedMandates(ctx) // the rest of the request sees the change
	me, err := s.caller(ctx, op, auth.ScopeDelegationsWrite)
	if err != nil {
		return nil, err
	}
	d, err := s.store.DelegationByID(ctx, id)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if d == nil {
		return nil, apperr.E(op, apperr.NotFound, "delegation not found")
	}
	allowed := d.DelegatorPersonID == me.ID
	if d.DelegatorOrganizationID != "" {
		o, err := s.Organization(ctx, d.DelegatorOrganizationID)
		if err != nil {
			return nil, err
		}
		allowed = o != nil && o.RepresentativeID == me.ID
	}
	switch {
	case allowed:
	case d.DelegateID == me.ID:
		return nil, apperr.E(op, apperr.Permission, "only the delegator may revoke the delegation")
	default:
		// Not a party: the same answer as for a missing delegation.
		return nil, apperr.E(op, apperr.NotFound, "delegation not found")
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	switch d.Status(now) {
	case DelegationRevoked:
		return d, nil
	case DelegationExpired:
		return nil, apperr.E(op, apperr.IllegalTransition, "the delegation has already expired")
	}
	d, err = s.store.RevokeDelegation(ctx, id, now)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if d == nil {
		return nil, apperr.E(op, apperr.NotFound, "delegation not found")
	}
	return d, nil
}
