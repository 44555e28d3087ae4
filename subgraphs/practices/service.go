package practices

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // protocol years follow Europe/Rome wherever the server runs

	"github.com/google/uuid"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/opendata"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
)

// Limits of the API.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
	MaxNoteLength   = 4000
	MaxDocumentSize = 50 << 20 // 50 MiB
	MaxNameLength   = 255
)

// AllowedMediaTypes are the document formats accepted by the protocol
// register (AgID guidelines on the formation of electronic documents).
var AllowedMediaTypes = map[string]bool{
	"application/pdf":                         true,
	"application/pkcs7-mime":                  true, // CAdES-signed .p7m
	"application/xml":                         true,
	"application/vnd.oasis.opendocument.text": true,
	"image/jpeg":                              true,
	"image/png":                               true,
	"image/tiff":                              true,
	"text/plain":                              true,
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Service holds the rules of the subgraph: validation, authorization from
// auth.FromContext, and the lifecycle.
type Service struct {
	store      *Store
	now        func() time.Time
	rome       *time.Location
	metro      []string        // ISTAT codes of the metropolitan city, in file order
	isMetro    map[string]bool // the same, as a set
	categories map[int]string
	lifeEvents map[LifeEventRef]opendata.LifeEvent
	hub        *hub
	registry   Registry
	docs       documents
	catalogue  catalogueCache
}

// Option configures a Service.
type Option func(*Service)

// WithClock replaces the wall clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// NewService returns the domain service over store.
func NewService(store *Store, opts ...Option) (*Service, error) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return nil, fmt.Errorf("practices: %w", err)
	}
	comuni, err := opendata.Comuni()
	if err != nil {
		return nil, fmt.Errorf("practices: %w", err)
	}
	cats, err := opendata.Categories()
	if err != nil {
		return nil, fmt.Errorf("practices: %w", err)
	}
	events, err := opendata.LifeEvents()
	if err != nil {
		return nil, fmt.Errorf("practices: %w", err)
	}
	s := &Service{store: store, now: time.Now, rome: rome, isMetro: map[string]bool{},
		categories: map[int]string{}, lifeEvents: map[LifeEventRef]opendata.LifeEvent{}, hub: newHub(store.pool)}
	for _, c := range comuni {
		s.metro = append(s.metro, c.IstatCode)
		s.isMetro[c.IstatCode] = true
	}
	for _, c := range cats {
		s.categories[c.Code] = c.Name
	}
	for _, e := range events {
		var code int
		if _, err := fmt.Sscan(e.Code, &code); err == nil {
			s.lifeEvents[LifeEventRef{Scope: e.Scope, Code: code}] = e
		}
	}
	s.docs = documents{policy: DocumentPolicy{}.withDefaults(), content: NewPGContent(store.pool)}
	for _, o := range opts {
		o(s)
	}
	if s.docs.links == nil {
		if s.docs.links, err = NewLinks(nil, 0, ""); err != nil {
			return nil, fmt.Errorf("practices: %w", err)
		}
	}
	return s, nil
}

// Now is the service's clock, at the precision Postgres stores.
func (s *Service) Now() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// LifeEvent returns the taxonomy entry of ref.
func (s *Service) LifeEvent(ref LifeEventRef) (opendata.LifeEvent, bool) {
	e, ok := s.lifeEvents[ref]
	return e, ok
}

// ComuniOf lists the ISTAT codes offering card.
func (s *Service) ComuniOf(card *ServiceCard) []string {
	if card.Comuni == nil {
		return s.metro
	}
	return card.Comuni
}

func principal(ctx context.Context, op string) (*auth.Principal, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, apperr.E(op, apperr.Unauthenticated, "authentication required")
	}
	return p, nil
}

func isApplicant(p *auth.Principal, pr *Practice) bool {
	return p != nil && p.FiscalCode != "" && strings.EqualFold(p.FiscalCode, pr.ApplicantFiscalCode)
}

// PageArgs validates first/after of a connection.
func pageSize(op string, first *int) (int, error) {
	if first == nil {
		return DefaultPageSize, nil
	}
	if *first < 1 || *first > MaxPageSize {
		return 0, apperr.Errorf(op, apperr.Invalid, "first must be between 1 and %d", MaxPageSize)
	}
	return *first, nil
}

// --- catalogue ---

// ServiceCard returns one card; NotFound when there is none.
func (s *Service) ServiceCard(ctx context.Context, id string) (*ServiceCard, error) {
	const op = "practices.ServiceCard"
	cards, errs := s.ServiceCardsByIDs(ctx, []string{id})
	if errs[0] != nil {
		return nil, errs[0]
	}
	if cards[0] == nil {
		return nil, apperr.E(op, apperr.NotFound, "service not found")
	}
	return cards[0], nil
}

// ServiceCardsByIDs returns the cards in the order of ids (one query); a
// missing id gets a nil card and a NotFound error at its index.
func (s *Service) ServiceCardsByIDs(ctx context.Context, ids []string) ([]*ServiceCard, []error) {
	const op = "practices.ServiceCardsByIDs"
	out := make([]*ServiceCard, len(ids))
	errs := make([]error, len(ids))
	valid := make([]string, 0, len(ids))
	for _, id := range ids {
		if validUUID(id) {
			valid = append(valid, id)
		}
	}
	var cards []ServiceCard
	if len(valid) > 0 {
		var err error
		if cards, err = s.store.ServicesByIDs(ctx, valid); err != nil {
			err = apperr.Wrap(op, err)
			for i := range errs {
				errs[i] = err
			}
			return out, errs
		}
	}
	byID := make(map[string]*ServiceCard, len(cards))
	for i := range cards {
		byID[cards[i].ID] = &cards[i]
	}
	for i, id := range ids {
		if c, ok := byID[strings.ToLower(id)]; ok {
			out[i] = c
		} else {
			errs[i] = apperr.E(op, apperr.NotFound, "service not found")
		}
	}
	return out, errs
}

// ServicePage is a page of the catalogue.
type ServicePage struct {
	Cards       []ServiceCard
	Total       int
	HasNextPage bool
}

// Services lists the catalogue in title order.
func (s *Service) Services(ctx context.Context, f ServiceFilter, first *int, after *string) (ServicePage, error) {
	const op = "practices.Services"
	n, err := pageSize(op, first)
	if err != nil {
		return ServicePage{}, err
	}
	if f.Category != 0 && (f.Category < 1 || f.Category > 15) {
		return ServicePage{}, apperr.E(op, apperr.Invalid, "category must be between 1 and 15")
	}
	if len(f.Text) > 200 {
		return ServicePage{}, apperr.E(op, apperr.Invalid, "text is too long")
	}
	var cur *ServiceCursor
	if after != nil {
		c, ok := DecodeServiceCursor(*after)
		if !ok {
			return ServicePage{}, apperr.E(op, apperr.Invalid, "malformed cursor")
		}
		cur = &c
	}
	if f.Comune != "" && !s.isMetro[f.Comune] {
		return ServicePage{}, nil // a comune outside the metropolitan city offers none of them
	}
	cards, total, err := s.store.ListServices(ctx, f, cur, n+1)
	if err != nil {
		return ServicePage{}, apperr.Wrap(op, err)
	}
	page := ServicePage{Cards: cards, Total: total}
	if len(cards) > n {
		page.Cards, page.HasNextPage = cards[:n], true
	}
	return page, nil
}

// ServicesOfComuni returns the cards each comune offers, in title order, in
// the order of codes (one query). Codes outside the metropolitan city offer
// nothing.
func (s *Service) ServicesOfComuni(ctx context.Context, codes []string) ([][]ServiceCard, error) {
	const op = "practices.ServicesOfComuni"
	known := make([]string, 0, len(codes))
	for _, c := range codes {
		if s.isMetro[c] {
			known = append(known, c)
		}
	}
	out := make([][]ServiceCard, len(codes))
	if len(known) == 0 {
		return out, nil
	}
	m, err := s.store.ServicesOfComuni(ctx, known)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	for i, c := range codes {
		out[i] = m[c]
	}
	return out, nil
}

// --- practices: reads ---

// Practice returns one practice the caller may see.
func (s *Service) Practice(ctx context.Context, id string) (*Practice, error) {
	ps, errs := s.PracticesByIDs(ctx, []string{id})
	return ps[0], errs[0]
}

// PracticesByIDs returns the practices in the order of ids (one query).
// Each index gets NotFound when missing, Forbidden when the caller may not
// see it; anonymous callers get Unauthenticated everywhere.
func (s *Service) PracticesByIDs(ctx context.Context, ids []string) ([]*Practice, []error) {
	const op = "practices.PracticesByIDs"
	out := make([]*Practice, len(ids))
	errs := make([]error, len(ids))
	fail := func(err error) ([]*Practice, []error) {
		for i := range errs {
			errs[i] = err
		}
		return out, errs
	}
	p, err := principal(ctx, op)
	if err != nil {
		return fail(err)
	}
	if err := requireScope(op, p, auth.ScopePracticesRead); err != nil {
		return fail(err)
	}
	c := s.caller(p)
	valid := make([]string, 0, len(ids))
	for _, id := range ids {
		if validUUID(id) {
			valid = append(valid, id)
		}
	}
	var list []Practice
	if len(valid) > 0 {
		if list, err = s.store.PracticesByIDs(ctx, valid); err != nil {
			return fail(apperr.Wrap(op, err))
		}
	}
	byID := make(map[string]*Practice, len(list))
	for i := range list {
		byID[list[i].ID] = &list[i]
	}
	for i, id := range ids {
		pr, ok := byID[strings.ToLower(id)]
		if !ok {
			errs[i] = notFound(op)
			continue
		}
		visible, err := c.canRead(ctx, pr)
		switch {
		case err != nil:
			errs[i] = apperr.Wrap(op, err)
		case !visible:
			errs[i] = notFound(op)
		default:
			out[i] = pr
		}
	}
	return out, errs
}

// PracticePage is a page of a person's practices.
type PracticePage struct {
	Practices   []Practice
	Total       int
	HasNextPage bool
}

// PersonPracticesArgs are the arguments of Person.practices.
type PersonPracticesArgs struct {
	Status Status
	First  int
	After  string
	// NoTotal skips counting the practices (totalCount not selected):
	// the pages' Total is then 0.
	NoTotal bool
}

// CheckPersonPracticesArgs validates the arguments of Person.practices.
func CheckPersonPracticesArgs(status *Status, first *int, after *string) (PersonPracticesArgs, error) {
	const op = "practices.PersonPractices"
	n, err := pageSize(op, first)
	if err != nil {
		return PersonPracticesArgs{}, err
	}
	a := PersonPracticesArgs{First: n}
	if status != nil {
		if !status.Valid() {
			return PersonPracticesArgs{}, apperr.E(op, apperr.Invalid, "unknown status")
		}
		a.Status = *status
	}
	if after != nil {
		if _, ok := DecodePracticeCursor(*after); !ok {
			return PersonPracticesArgs{}, apperr.E(op, apperr.Invalid, "malformed cursor")
		}
		a.After = *after
	}
	return a, nil
}

// PersonPractices returns, for each person id, the page of their practices
// the caller may see: admins see all, a citizen those filed under their
// fiscal code, an operator those addressed to their comuni. Two queries for
// the whole batch.
func (s *Service) PersonPractices(ctx context.Context, people []string, args PersonPracticesArgs) ([]PracticePage, error) {
	pages, _, err := s.personPractices(ctx, people, args, false, false)
	return pages, err
}

// PagesExtras is what [Service.PersonPracticesRead] reads beside the
// pages, with the same statement.
type PagesExtras struct {
	// History is, when asked, the history of every practice of the
	// pages by practice id, as [Service.History] would answer it.
	History map[string][]StatusChange
	// Catalogue is the service catalogue's version in the snapshot the
	// pages were read in, for [Service.ServiceCardsAt].
	Catalogue int64
}

// PersonPracticesRead is [Service.PersonPractices] that also reads, with
// the same statement, the catalogue's version and, with history, the
// pages' histories.
func (s *Service) PersonPracticesRead(ctx context.Context, people []string, args PersonPracticesArgs, history bool) ([]PracticePage, PagesExtras, error) {
	return s.personPractices(ctx, people, args, true, history)
}

func (s *Service) personPractices(ctx context.Context, people []string, args PersonPracticesArgs, read, history bool) ([]PracticePage, PagesExtras, error) {
	const op = "practices.PersonPractices"
	p, err := principal(ctx, op)
	if err != nil {
		return nil, PagesExtras{}, err
	}
	if err := requireScope(op, p, auth.ScopePracticesRead); err != nil {
		return nil, PagesExtras{}, err
	}
	vis := Visibility{All: p.Has(auth.RoleAdmin), FiscalCode: strings.ToUpper(p.FiscalCode), Comuni: []string{}}
	if p.Has(auth.RoleOperator) && p.Comuni != nil {
		vis.Comuni = p.Comuni
	}
	if err := s.caller(p).delegatedVisibility(ctx, &vis); err != nil {
		return nil, PagesExtras{}, apperr.Wrap(op, err)
	}
	page := PersonPage{Status: args.Status, Limit: args.First + 1, NoCount: args.NoTotal}
	if args.After != "" {
		c, ok := DecodePracticeCursor(args.After)
		if !ok {
			return nil, PagesExtras{}, apperr.E(op, apperr.Invalid, "malformed cursor")
		}
		page.After = &c
	}
	valid := make([]string, 0, len(people))
	for _, id := range people {
		if validUUID(id) {
			valid = append(valid, strings.ToLower(id))
		}
	}
	out := make([]PracticePage, len(people))
	if len(valid) == 0 {
		return out, PagesExtras{}, nil
	}
	var r PagesRead
	if read {
		r, err = s.store.PracticesOfPeopleRead(ctx, valid, vis, page, history)
	} else {
		r.Practices, r.Counts, err = s.store.PracticesOfPeople(ctx, valid, vis, page)
	}
	if err != nil {
		return nil, PagesExtras{}, apperr.Wrap(op, err)
	}
	lists, counts := r.Practices, r.Counts
	for i, id := range people {
		id = strings.ToLower(id)
		pg := PracticePage{Practices: lists[id], Total: counts[id]}
		if len(pg.Practices) > args.First {
			pg.Practices, pg.HasNextPage = pg.Practices[:args.First], true
		}
		out[i] = pg
	}
	return out, PagesExtras{History: r.History, Catalogue: r.Catalogue}, nil
}

// History returns the status changes of each practice id (one query). The
// caller has already been authorized on the practices.
func (s *Service) History(ctx context.Context, ids []string) ([][]StatusChange, error) {
	m, err := s.store.HistoryOf(ctx, ids)
	if err != nil {
		return nil, apperr.Wrap("practices.History", err)
	}
	out := make([][]StatusChange, len(ids))
	for i, id := range ids {
		out[i] = m[id]
	}
	return out, nil
}

// Documents returns the documents of each practice id (one query). The
// caller has already been authorized on the practices.
func (s *Service) Documents(ctx context.Context, ids []string) ([][]Document, error) {
	m, err := s.store.DocumentsOf(ctx, ids)
	if err != nil {
		return nil, apperr.Wrap("practices.Documents", err)
	}
	out := make([][]Document, len(ids))
	for i, id := range ids {
		out[i] = m[id]
	}
	return out, nil
}

// --- practices: writes ---

// CreateInput opens a practice.
type CreateInput struct {
	ServiceID string
	Comune    string
	// ApplicantID names the applicant: "" or the caller's own person id
	// for the caller; another person only under an active delegation from
	// them covering the service.
	ApplicantID string
	// OrganizationID files the practice for an organization the caller
	// legally represents or holds a delegation from covering the service.
	OrganizationID string
}

// CreatePractice opens a DRAFT practice. The applicant comes from the
// token: the caller, a person registered under the token's fiscal code. The
// caller may name another person (ApplicantID) or an organization only where
// a mandate allows it (a delegation covering the service, or the legal
// representation of the organization); otherwise the answer is FORBIDDEN,
// the same for unknown ids. The history records the caller and, acting for
// someone, on whose behalf.
func (s *Service) CreatePractice(ctx context.Context, in CreateInput) (*Practice, error) {
	const op = "practices.CreatePractice"
	p, err := principal(ctx, op)
	if err != nil {
		return nil, err
	}
	if err := requireScope(op, p, auth.ScopePracticesWrite); err != nil {
		return nil, err
	}
	if p.FiscalCode == "" {
		return nil, apperr.E(op, apperr.Permission, "only a person authenticated with a fiscal code can file a practice")
	}
	if in.ApplicantID != "" && !validUUID(in.ApplicantID) {
		return nil, apperr.E(op, apperr.Invalid, "applicantId is not a valid id")
	}
	if in.OrganizationID != "" && !validUUID(in.OrganizationID) {
		return nil, apperr.E(op, apperr.Invalid, "organizationId is not a valid id")
	}
	if !s.isMetro[in.Comune] {
		return nil, apperr.E(op, apperr.Invalid, "unknown comune")
	}
	cards, errs := s.ServiceCardsByIDs(ctx, []string{in.ServiceID})
	if errs[0] != nil {
		if apperr.Is(apperr.NotFound, errs[0]) {
			return nil, apperr.E(op, apperr.Invalid, "unknown service")
		}
		return nil, errs[0]
	}
	card := cards[0]
	if card.State != ServiceActive {
		return nil, apperr.E(op, apperr.Invalid, "the service is not accepting applications")
	}
	if !card.OfferedIn(in.Comune) {
		return nil, apperr.E(op, apperr.Invalid, "the comune does not offer this service")
	}
	fc := strings.ToUpper(p.FiscalCode)
	reg, err := s.caller(p).registry(ctx)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if reg.PersonID == "" {
		return nil, apperr.E(op, apperr.Permission, "the caller is not in the registry")
	}
	forbidden := apperr.E(op, apperr.Permission, "not allowed to file a practice for this person or organization")
	applicant, applicantFC := reg.PersonID, fc
	actor := Actor{Kind: ActorCitizen, ID: fc}
	orgID := strings.ToLower(in.OrganizationID)
	other := in.ApplicantID != "" && !strings.EqualFold(in.ApplicantID, reg.PersonID)
	switch {
	case orgID != "":
		if other {
			return nil, apperr.E(op, apperr.Invalid, "for an organization, the applicant is the caller: leave applicantId out")
		}
		m, ok := reg.Allows(identity.AreaPractices, card.ID, "", "", orgID)
		if !ok {
			return nil, forbidden
		}
		if m.DelegationID != "" {
			actor.OnBehalfOf = m.OrganizationFiscalCode
		}
	case other:
		m, ok := reg.Allows(identity.AreaPractices, card.ID, strings.ToLower(in.ApplicantID), "", "")
		if !ok {
			return nil, forbidden
		}
		applicant, applicantFC, actor.OnBehalfOf = m.PersonID, m.PersonFiscalCode, m.PersonFiscalCode
	}
	now := s.Now()
	pr := Practice{
		ID: uuid.NewString(), ServiceID: card.ID, ApplicantID: applicant, ApplicantFiscalCode: applicantFC,
		OrganizationID: orgID, Comune: in.Comune, Status: StatusDraft,
		CreatedAt: now, UpdatedAt: now,
	}
	first := StatusChange{PracticeID: pr.ID, Status: StatusDraft, At: now, Actor: actor}
	if err := s.store.InsertPractice(ctx, pr, first); err != nil {
		return nil, apperr.Wrap(op, err)
	}
	return &pr, nil
}

// Act performs action on practice id for the caller, with an optional note.
// The caller must be the party of the action (the applicant, or an
// operator of the practice's comune/admin); the practice must be in a status
// the action leaves (Transitions), else the error is IllegalTransition and
// nothing changes. The check runs on the row locked for update, so of two
// concurrent actions at most one succeeds.
func (s *Service) Act(ctx context.Context, id string, action Action, note string) (*Practice, error) {
	op := "practices." + string(action)
	p, err := principal(ctx, op)
	if err != nil {
		return nil, err
	}
	if err := requireScope(op, p, auth.ScopePracticesWrite); err != nil {
		return nil, err
	}
	party, ok := PartyOf(action)
	if !ok {
		return nil, apperr.E(op, apperr.Invalid, "unknown action")
	}
	c := s.caller(p)
	note = strings.TrimSpace(note)
	if NoteRequired(action) && note == "" {
		return nil, apperr.E(op, apperr.Invalid, "a note is required")
	}
	if len(note) > MaxNoteLength {
		return nil, apperr.Errorf(op, apperr.Invalid, "the note exceeds %d characters", MaxNoteLength)
	}
	if !validUUID(id) {
		return nil, notFound(op)
	}
	pr, err := s.store.Transition(ctx, strings.ToLower(id), func(l Locked) (Change, error) {
		cur := l.Practice
		visible, err := c.canRead(ctx, &cur)
		if err != nil {
			return Change{}, err
		}
		if !visible {
			return Change{}, notFound(op)
		}
		var actor Actor
		switch party {
		case PartyApplicant:
			a, ok, err := c.actsAsApplicant(ctx, &cur)
			if err != nil {
				return Change{}, err
			}
			if !ok {
				return Change{}, apperr.E(op, apperr.Permission, "only the applicant can "+string(action)+" the practice")
			}
			actor = a
		case PartyOperator:
			if !p.OperatesIn(cur.Comune) {
				return Change{}, apperr.E(op, apperr.Permission, "only an operator of the comune can "+string(action)+" the practice")
			}
			actor = Actor{Kind: ActorOperator, ID: strings.ToUpper(p.FiscalCode)}
			if p.FiscalCode == "" {
				actor = Actor{Kind: ActorSystem, ID: p.Subject}
			}
		}
		edge, ok := Next(action, cur.Status, l.RequiresPayment)
		if !ok {
			return Change{}, apperr.Errorf(op, apperr.IllegalTransition, "cannot %s a practice in status %s", action, cur.Status)
		}
		return s.apply(cur, edge, l.MaxDays, actor, note), nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil, notFound(op)
	}
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	return &pr, nil
}

// apply computes the change of edge on cur at the service's now.
func (s *Service) apply(cur Practice, edge Edge, maxDays int, actor Actor, note string) Change {
	now := s.Now()
	return ApplyEdge(cur, edge, maxDays, now, s.rome, actor, note)
}

// ApplyEdge computes the practice after edge at time at: the timestamps the
// lifecycle sets (submittedAt and dueBy on submission, protocol date and year
// on registration, takenInChargeAt, decidedAt) and the history row.
func ApplyEdge(cur Practice, edge Edge, maxDays int, at time.Time, loc *time.Location, actor Actor, note string) Change {
	np := cur
	np.Status = edge.To
	np.UpdatedAt = at
	ch := Change{Previous: cur.Status, History: StatusChange{PracticeID: cur.ID, Status: edge.To, At: at, Actor: actor, Note: note}}
	switch edge.To {
	case StatusSubmitted:
		t := at
		due := DueBy(at, maxDays)
		np.SubmittedAt, np.DueBy = &t, &due
	case StatusRegistered:
		t := at
		np.ProtocolDate = &t
		ch.ProtocolYear = at.In(loc).Year()
	case StatusInProgress:
		if np.TakenInChargeAt == nil {
			t := at
			np.TakenInChargeAt = &t
		}
	case StatusCompleted, StatusRejected:
		t := at
		np.DecidedAt = &t
	}
	ch.Practice = np
	return ch
}

// DueBy is the last day for the administration to conclude a practice
// submitted at submitted: maxDays calendar days later (L. 241/1990 art. 2).
func DueBy(submitted time.Time, maxDays int) time.Time { return submitted.AddDate(0, 0, maxDays) }

// DocumentInput describes a document to attach.
type DocumentInput struct {
	Name      string
	MediaType string
	Size      int64
	SHA256    string
}

// Statuses in which each party may attach documents.
var (
	applicantDocumentStatuses = []Status{StatusDraft, StatusPaymentPending, StatusIntegrationRequested}
	operatorDocumentStatuses  = []Status{StatusSubmitted, StatusRegistered, StatusInProgress, StatusIntegrationRequested}
)

// AddDocument attaches a document: the applicant while drafting or
// answering an integration request, an operator of the comune while the
// practice is being handled.
func (s *Service) AddDocument(ctx context.Context, practiceID string, in DocumentInput) (*Document, error) {
	const op = "practices.AddDocument"
	p, err := principal(ctx, op)
	if err != nil {
		return nil, err
	}
	if err := requireScope(op, p, auth.ScopePracticesWrite); err != nil {
		return nil, err
	}
	d, err := validateDocument(op, in)
	if err != nil {
		return nil, err
	}
	pr, err := s.Practice(ctx, practiceID)
	if err != nil {
		return nil, err
	}
	var open []Status
	_, applicant, err := s.caller(p).actsAsApplicant(ctx, pr)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if applicant {
		open = append(open, applicantDocumentStatuses...)
	}
	if p.OperatesIn(pr.Comune) {
		open = append(open, operatorDocumentStatuses...)
	}
	d.ID, d.PracticeID, d.UploadedAt = uuid.NewString(), pr.ID, s.Now()
	ok, err := s.store.InsertDocument(ctx, d, open)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if !ok {
		return nil, apperr.Errorf(op, apperr.Conflict, "documents cannot be added to this practice now (status %s)", pr.Status)
	}
	return &d, nil
}

func validateDocument(op string, in DocumentInput) (Document, error) {
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "" || len(name) > MaxNameLength || strings.ContainsAny(name, "/\\\x00"):
		return Document{}, apperr.Errorf(op, apperr.Invalid, "the document name must be 1 to %d characters, without path separators", MaxNameLength)
	case !AllowedMediaTypes[strings.ToLower(in.MediaType)]:
		return Document{}, apperr.E(op, apperr.Invalid, "media type not allowed")
	case in.Size <= 0 || in.Size > MaxDocumentSize:
		return Document{}, apperr.Errorf(op, apperr.Invalid, "size must be between 1 and %d bytes", MaxDocumentSize)
	}
	sum := strings.ToLower(in.SHA256)
	if !sha256Hex.MatchString(sum) {
		return Document{}, apperr.E(op, apperr.Invalid, "sha256 must be 64 hexadecimal digits")
	}
	return Document{Name: name, MediaType: strings.ToLower(in.MediaType), Size: in.Size, SHA256: sum}, nil
}

// Stats returns control-room statistics (operators and admins). An operator
// sees only their comuni.
func (s *Service) Stats(ctx context.Context, f StatsFilter) (Stats, error) {
	const op = "practices.Stats"
	p, err := principal(ctx, op)
	if err != nil {
		return Stats{}, err
	}
	admin := p.Has(auth.RoleAdmin)
	if !admin && !p.Has(auth.RoleOperator) {
		return Stats{}, apperr.E(op, apperr.Permission, "statistics are for operators")
	}
	if f.Comune != "" && !p.OperatesIn(f.Comune) {
		return Stats{}, apperr.E(op, apperr.Permission, "not an operator of this comune")
	}
	if f.ServiceID != "" && !validUUID(f.ServiceID) {
		return Stats{}, apperr.E(op, apperr.Invalid, "service is not a valid id")
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		return Stats{}, apperr.E(op, apperr.Invalid, "from must be before to")
	}
	comuni := p.Comuni
	if comuni == nil {
		comuni = []string{}
	}
	st, err := s.store.Stats(ctx, f, admin, comuni)
	if err != nil {
		return Stats{}, apperr.Wrap(op, err)
	}
	return st, nil
}

// StatusEvents returns the outbox events after the event id after, oldest
// first, at most limit; practiceID, when not empty, restricts them to one
// practice. Live subscribers replay from here before following
// pg_notify('practice_status'). Callers authorize the practice first.
func (s *Service) StatusEvents(ctx context.Context, practiceID string, after int64, limit int) ([]StatusEvent, error) {
	const op = "practices.StatusEvents"
	if practiceID != "" && !validUUID(practiceID) {
		return nil, apperr.E(op, apperr.NotFound, "practice not found")
	}
	if limit < 1 || limit > 1000 {
		return nil, apperr.E(op, apperr.Invalid, "limit must be between 1 and 1000")
	}
	ev, err := s.store.EventsAfter(ctx, strings.ToLower(practiceID), after, limit)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	return ev, nil
}
