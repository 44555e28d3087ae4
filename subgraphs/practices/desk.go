package practices

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/keyset"
)

// The operators' desk: the work queue of the practices of an operator's
// comuni, and taking a practice (assigning it to oneself). Who the operator
// is and which comuni they work for come from the token, never from an
// argument.

// OperatorID names an operator at the desk: the token's fiscal code, or
// "sub:" and the token's subject for an operator signed in without one.
func OperatorID(p *auth.Principal) string {
	if p == nil {
		return ""
	}
	if p.FiscalCode != "" {
		return strings.ToUpper(p.FiscalCode)
	}
	return "sub:" + p.Subject
}

// QueueOrder is the order of the work queue.
type QueueOrder string

// The orders of the work queue; practices without the date (awaiting
// payment, so neither submitted nor due) come last.
const (
	// OrderDueDate: earliest due date first (L. 241/1990 term).
	OrderDueDate QueueOrder = "DUE_DATE"
	// OrderSubmitted: first submitted first.
	OrderSubmitted QueueOrder = "SUBMITTED"
)

// QueueAssignment restricts the work queue by who took the practices.
type QueueAssignment string

// The assignment filters.
const (
	AssignedAny    QueueAssignment = ""
	AssignedToMe   QueueAssignment = "MINE"
	AssignedNobody QueueAssignment = "UNASSIGNED"
)

// OpenStatuses are the statuses of practices the administration still has
// to handle: the work queue's default.
var OpenStatuses = []Status{StatusPaymentPending, StatusSubmitted, StatusRegistered, StatusInProgress, StatusIntegrationRequested}

// MaxDueWithinDays bounds QueueFilter.DueWithinDays.
const MaxDueWithinDays = 366

// QueueFilter selects practices of the work queue.
type QueueFilter struct {
	// Statuses: any of them; empty means OpenStatuses. DRAFT is refused:
	// drafts are the citizen's, not yet addressed to the administration.
	Statuses  []Status
	ServiceID string // "": any
	// Comune narrows the queue to one of the caller's comuni.
	Comune string
	// Overdue keeps the practices whose Overdue is the value.
	Overdue *bool
	// DueWithinDays keeps the practices due after now and at most that many
	// days from now.
	DueWithinDays *int
	Assigned      QueueAssignment
}

// QueueArgs are the arguments of one page of the work queue.
type QueueArgs struct {
	Filter QueueFilter
	Order  QueueOrder // "": OrderDueDate
	First  *int
	After  *string
	// Total and Counts ask for the count of the whole filtered queue and
	// its counts per status; unasked, they are not computed.
	Total, Counts bool
}

// StatusCount is the number of practices of the queue in one status.
type StatusCount struct {
	Status Status
	Count  int
}

// QueuePage is a page of the work queue.
type QueuePage struct {
	Practices   []Practice
	Cursors     []string
	HasNextPage bool
	Total       int
	// Counts has one entry per status of the filter, in lifecycle order.
	Counts []StatusCount
}

// QueueQuery is the store's view of a work-queue page, validated and
// authorized.
type QueueQuery struct {
	Comuni   []string // the comuni whose practices are listed (never empty)
	Statuses []string
	Service  string // "": any
	Assignee string // with Assigned == AssignedToMe
	Assigned QueueAssignment
	Overdue  *bool
	// DueAfter < due ≤ DueUntil when DueUntil is set.
	DueAfter, DueUntil *time.Time
	Now                time.Time
	Order              QueueOrder
	After              *QueueCursor
	Limit              int
}

// QueueCursor is the keyset position of a practice in a queue order: its
// sort key (nil for the practices without the date, sorted last) and id.
type QueueCursor struct {
	Order QueueOrder
	Key   *time.Time
	ID    string
}

// queueKey is p's sort key in order o.
func queueKey(p *Practice, o QueueOrder) *time.Time {
	if o == OrderSubmitted {
		return p.SubmittedAt
	}
	return p.DueBy
}

// EncodeQueueCursor is the cursor of p in order o.
func EncodeQueueCursor(p *Practice, o QueueOrder) string {
	k := "infinity"
	if t := queueKey(p, o); t != nil {
		k = t.UTC().Format(time.RFC3339Nano)
	}
	return keyset.Encode(string(o), k, p.ID)
}

// DecodeQueueCursor parses a cursor of order o.
func DecodeQueueCursor(s string, o QueueOrder) (QueueCursor, bool) {
	parts, ok := keyset.Decode(s, 3)
	if !ok || QueueOrder(parts[0]) != o || !validUUID(parts[2]) {
		return QueueCursor{}, false
	}
	c := QueueCursor{Order: o, ID: strings.ToLower(parts[2])}
	if parts[1] != "infinity" {
		t, err := time.Parse(time.RFC3339Nano, parts[1])
		if err != nil {
			return QueueCursor{}, false
		}
		c.Key = &t
	}
	return c, true
}

// deskOperator returns the caller if they may use the desk: an operator
// (of the comuni of their token) or an admin. Citizens and third-party
// apps, whose tokens never carry these roles, get FORBIDDEN.
func deskOperator(ctx context.Context, op string) (*auth.Principal, error) {
	p, err := principal(ctx, op)
	if err != nil {
		return nil, err
	}
	if !p.Has(auth.RoleAdmin) && !p.Has(auth.RoleOperator) {
		return nil, apperr.E(op, apperr.Permission, "the desk is for operators of a comune")
	}
	return p, nil
}

// WorkQueue returns a page of the practices of the caller's comuni (every
// comune for admins) matching the filter, in the order asked for, with the
// count of the filtered queue and its counts per status when asked.
func (s *Service) WorkQueue(ctx context.Context, a QueueArgs) (QueuePage, error) {
	const op = "practices.WorkQueue"
	p, err := deskOperator(ctx, op)
	if err != nil {
		return QueuePage{}, err
	}
	q, n, err := s.queueQuery(op, p, a)
	if err != nil {
		return QueuePage{}, err
	}
	var page QueuePage
	if len(q.Comuni) == 0 {
		// An operator whose token names no comune of the metropolitan city.
		for _, st := range q.Statuses {
			page.Counts = append(page.Counts, StatusCount{Status: Status(st)})
		}
		return page, nil
	}
	list, err := s.store.WorkQueue(ctx, q)
	if err != nil {
		return QueuePage{}, apperr.Wrap(op, err)
	}
	if len(list) > n {
		list, page.HasNextPage = list[:n], true
	}
	page.Practices = list
	page.Cursors = make([]string, len(list))
	for i := range list {
		page.Cursors[i] = EncodeQueueCursor(&list[i], q.Order)
	}
	if a.Total || a.Counts {
		counts, err := s.store.WorkQueueCounts(ctx, q)
		if err != nil {
			return QueuePage{}, apperr.Wrap(op, err)
		}
		for _, st := range q.Statuses {
			c := counts[Status(st)]
			page.Counts = append(page.Counts, StatusCount{Status: Status(st), Count: c})
			page.Total += c
		}
	}
	return page, nil
}

// queueQuery validates a's arguments for the desk operator p and returns
// the store's query (its Limit one more than the page) and the page size.
func (s *Service) queueQuery(op string, p *auth.Principal, a QueueArgs) (QueueQuery, int, error) {
	n, err := pageSize(op, a.First)
	if err != nil {
		return QueueQuery{}, 0, err
	}
	f := a.Filter
	q := QueueQuery{Now: s.Now(), Order: a.Order, Limit: n + 1, Assigned: f.Assigned}
	if q.Order == "" {
		q.Order = OrderDueDate
	}
	if q.Order != OrderDueDate && q.Order != OrderSubmitted {
		return QueueQuery{}, 0, apperr.E(op, apperr.Invalid, "unknown order")
	}
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = OpenStatuses
	}
	for _, st := range Statuses { // lifecycle order, without duplicates
		if !slices.Contains(statuses, st) {
			continue
		}
		if st == StatusDraft {
			return QueueQuery{}, 0, apperr.E(op, apperr.Invalid, "drafts are not in the work queue: the citizen has not submitted them")
		}
		q.Statuses = append(q.Statuses, string(st))
	}
	for _, st := range statuses {
		if !st.Valid() {
			return QueueQuery{}, 0, apperr.E(op, apperr.Invalid, "unknown status")
		}
	}
	if f.ServiceID != "" {
		if !validUUID(f.ServiceID) {
			return QueueQuery{}, 0, apperr.E(op, apperr.Invalid, "service is not a valid id")
		}
		q.Service = strings.ToLower(f.ServiceID)
	}
	switch f.Assigned {
	case AssignedAny, AssignedNobody:
	case AssignedToMe:
		q.Assignee = OperatorID(p)
	default:
		return QueueQuery{}, 0, apperr.E(op, apperr.Invalid, "unknown assignment filter")
	}
	q.Overdue = f.Overdue
	if d := f.DueWithinDays; d != nil {
		if *d < 1 || *d > MaxDueWithinDays {
			return QueueQuery{}, 0, apperr.Errorf(op, apperr.Invalid, "dueWithinDays must be between 1 and %d", MaxDueWithinDays)
		}
		until := q.Now.AddDate(0, 0, *d)
		q.DueAfter, q.DueUntil = &q.Now, &until
	}
	if a.After != nil {
		c, ok := DecodeQueueCursor(*a.After, q.Order)
		if !ok {
			return QueueQuery{}, 0, apperr.E(op, apperr.Invalid, "malformed cursor (or one of another order)")
		}
		q.After = &c
	}
	switch {
	case f.Comune != "":
		if !s.isMetro[f.Comune] {
			return QueueQuery{}, 0, apperr.E(op, apperr.Invalid, "unknown comune")
		}
		if !p.OperatesIn(f.Comune) {
			return QueueQuery{}, 0, apperr.E(op, apperr.Permission, "not an operator of this comune")
		}
		q.Comuni = []string{f.Comune}
	case p.Has(auth.RoleAdmin):
		q.Comuni = s.metro
	default:
		for _, c := range p.Comuni {
			if s.isMetro[c] && !slices.Contains(q.Comuni, c) {
				q.Comuni = append(q.Comuni, c)
			}
		}
	}
	return q, n, nil
}

// takeable are the statuses in which a practice can be taken or released:
// submitted (or awaiting payment) and not yet closed.
func takeable(st Status) bool { return st != StatusDraft && !st.Final() }

// TakePractice assigns practice id to the caller, an operator of its comune
// or an admin. Taking a practice one already holds changes nothing. Of two
// operators taking it at once exactly one wins; the other, like anyone
// taking a practice another operator holds, gets CONFLICT. Drafts and
// closed practices cannot be taken (ILLEGAL_TRANSITION).
func (s *Service) TakePractice(ctx context.Context, id string) (*Practice, error) {
	const op = "practices.TakePractice"
	return s.assign(ctx, op, id, func(p *auth.Principal, cur Practice) (Practice, bool, error) {
		me := OperatorID(p)
		switch {
		case cur.Assignee == me:
			return cur, false, nil
		case cur.Assignee != "":
			return cur, false, apperr.E(op, apperr.Conflict, "the practice is already taken by another operator")
		}
		at := s.Now()
		cur.Assignee, cur.AssigneeName, cur.AssignedAt = me, p.Name, &at
		return cur, true, nil
	})
}

// ReleasePractice gives back practice id: the operator who took it, or an
// admin, makes it unassigned again. Releasing an unassigned practice
// changes nothing; another operator's practice is FORBIDDEN.
func (s *Service) ReleasePractice(ctx context.Context, id string) (*Practice, error) {
	const op = "practices.ReleasePractice"
	return s.assign(ctx, op, id, func(p *auth.Principal, cur Practice) (Practice, bool, error) {
		switch {
		case cur.Assignee == "":
			return cur, false, nil
		case cur.Assignee != OperatorID(p) && !p.Has(auth.RoleAdmin):
			return cur, false, apperr.E(op, apperr.Permission, "only the operator who took the practice, or an admin, can release it")
		}
		cur.Assignee, cur.AssigneeName, cur.AssignedAt = "", "", nil
		return cur, true, nil
	})
}

// assign runs decide on practice id locked for update, after the checks an
// operator's action has (the scope, the practice visible to the caller —
// else NOT_FOUND —, the caller an operator of its comune or an admin, the
// practice open), and writes the assignment decide returns when it reports
// a change.
func (s *Service) assign(ctx context.Context, op, id string, decide func(*auth.Principal, Practice) (Practice, bool, error)) (*Practice, error) {
	p, err := principal(ctx, op)
	if err != nil {
		return nil, err
	}
	if err := requireScope(op, p, auth.ScopePracticesWrite); err != nil {
		return nil, err
	}
	if !validUUID(id) {
		return nil, notFound(op)
	}
	c := s.caller(p)
	pr, err := s.store.Assign(ctx, strings.ToLower(id), func(cur Practice) (Practice, bool, error) {
		visible, err := c.canRead(ctx, &cur)
		if err != nil {
			return cur, false, err
		}
		if !visible {
			return cur, false, notFound(op)
		}
		if !p.OperatesIn(cur.Comune) {
			return cur, false, apperr.E(op, apperr.Permission, "only an operator of the comune can take or release the practice")
		}
		if !takeable(cur.Status) {
			return cur, false, apperr.Errorf(op, apperr.IllegalTransition, "a practice in status %s cannot be taken or released", cur.Status)
		}
		return decide(p, cur)
	})
	if errors.Is(err, ErrNotFound) {
		return nil, notFound(op)
	}
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	return &pr, nil
}
