package practices

import (
	"context"

	"time"

	practicesgql "github.com/citizengraph/citizengraph/graph/practices"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (r *Resolver) service(c *practices.ServiceCard) *practicesgql.Service {
	if c == nil {
		return nil
	}
	out := &practicesgql.Service{
		ID:               c.ID,
		Category:         &practicesgql.ServiceCategory{Code: c.CategoryCode, Name: c.CategoryName},
		PonMetroArea:     practicesgql.PonMetroArea(c.PonMetroArea),
		Title:            c.Title,
		State:            practicesgql.ServiceState(c.State),
		StateReason:      strPtr(c.StateReason),
		ShortDescription: c.ShortDescription,
		Audience:         c.Audience,
		HowTo:            c.HowTo,
		WhatYouNeed:      c.WhatYouNeed,
		WhatYouGet:       c.WhatYouGet,
		MaxDays:          c.MaxDays,
		Conditions:       c.Conditions,
		Contacts: &practicesgql.ServiceContacts{
			Office: c.Contacts.Office, Email: strPtr(c.Contacts.Email), Phone: strPtr(c.Contacts.Phone), Pec: strPtr(c.Contacts.PEC),
		},
		FullyOnline:     c.FullyOnline,
		Archetype:       practicesgql.FlowArchetype(c.Archetype),
		RequiresPayment: c.RequiresPayment,
	}
	if out.WhatYouNeed == nil {
		out.WhatYouNeed = []string{}
	}
	out.Channels = make([]practicesgql.Channel, len(c.Channels))
	for i, ch := range c.Channels {
		out.Channels[i] = practicesgql.Channel(ch)
	}
	out.LifeEvents = make([]*practicesgql.LifeEvent, 0, len(c.LifeEvents))
	for _, ref := range c.LifeEvents {
		e, ok := r.svc.LifeEvent(ref)
		if !ok {
			continue
		}
		scope := practicesgql.LifeEventScopeCitizen
		if ref.Scope == "impresa" {
			scope = practicesgql.LifeEventScopeBusiness
		}
		out.LifeEvents = append(out.LifeEvents, &practicesgql.LifeEvent{Scope: scope, Code: ref.Code, Name: e.NameIT})
	}
	// Comuni carries the explicit list; nil means every comune, expanded
	// by the field resolver only when asked for.
	if c.Comuni != nil {
		out.Comuni = comuni(c.Comuni)
	}
	if c.FeeCents != nil {
		f := int(*c.FeeCents)
		out.FeeCents = &f
	}
	return out
}

func comuni(codes []string) []*practicesgql.Comune {
	out := make([]*practicesgql.Comune, len(codes))
	for i, c := range codes {
		out[i] = &practicesgql.Comune{IstatCode: c}
	}
	return out
}

func (r *Resolver) practice(p *practices.Practice, now time.Time) *practicesgql.Practice {
	if p == nil {
		return nil
	}
	out := &practicesgql.Practice{
		ID: p.ID,
		// A stub carrying the key; Practice.service loads the card.
		Service:             &practicesgql.Service{ID: p.ServiceID},
		Applicant:           &practicesgql.Person{ID: p.ApplicantID},
		ApplicantFiscalCode: p.ApplicantFiscalCode,
		Comune:              &practicesgql.Comune{IstatCode: p.Comune},
		Status:              practicesgql.PracticeStatus(p.Status),
		ProtocolNumber:      strPtr(p.ProtocolNumber),
		ProtocolDate:        p.ProtocolDate,
		CreatedAt:           p.CreatedAt,
		UpdatedAt:           p.UpdatedAt,
		SubmittedAt:         p.SubmittedAt,
		TakenInChargeAt:     p.TakenInChargeAt,
		DueBy:               p.DueBy,
		DecidedAt:           p.DecidedAt,
		Overdue:             p.Overdue(now),
		Assignment:          assignment(p),
	}
	if p.OrganizationID != "" {
		out.Organization = &practicesgql.Organization{ID: p.OrganizationID}
	}
	return out
}

func statusChange(c practices.StatusChange, comune string) *practicesgql.StatusChange {
	return &practicesgql.StatusChange{
		Status: practicesgql.PracticeStatus(c.Status),
		At:     c.At,
		Actor:  actor(c.Actor, comune),
		Note:   strPtr(c.Note),
	}
}

// actor converts an actor of a practice of comune; an operator's comune
// is the practice's.
func actor(a practices.Actor, comune string) *practicesgql.Actor {
	out := &practicesgql.Actor{Kind: practicesgql.ActorKind(a.Kind), ID: strPtr(a.ID), OnBehalfOf: strPtr(a.OnBehalfOf)}
	if a.Kind == practices.ActorOperator && comune != "" {
		out.Comune = &practicesgql.Comune{IstatCode: comune}
	}
	return out
}

// document converts a document of a practice the caller may see, with
// its download link.
func (r *Resolver) document(ctx context.Context, d practices.Document) *practicesgql.Document {
	return &practicesgql.Document{
		ID: d.ID, Name: d.Name, MediaType: d.MediaType, Size: int(d.Size), Sha256: d.SHA256, UploadedAt: d.UploadedAt,
		DownloadURL: r.svc.DownloadURL(ctx, d),
	}
}

func (r *Resolver) practiceConnection(pg practices.PracticePage) *practicesgql.PracticeConnection {
	now := r.svc.Now()
	out := &practicesgql.PracticeConnection{
		Edges:      make([]*practicesgql.PracticeEdge, len(pg.Practices)),
		Nodes:      make([]*practicesgql.Practice, len(pg.Practices)),
		PageInfo:   &practicesgql.PageInfo{HasNextPage: pg.HasNextPage},
		TotalCount: pg.Total,
	}
	for i := range pg.Practices {
		n := r.practice(&pg.Practices[i], now)
		cur := practices.EncodePracticeCursor(pg.Practices[i])
		out.Edges[i] = &practicesgql.PracticeEdge{Cursor: cur, Node: n}
		out.Nodes[i] = n
		out.PageInfo.EndCursor = &cur
	}
	return out
}

func (r *Resolver) serviceConnection(pg practices.ServicePage) *practicesgql.ServiceConnection {
	out := &practicesgql.ServiceConnection{
		Edges:      make([]*practicesgql.ServiceEdge, len(pg.Cards)),
		Nodes:      make([]*practicesgql.Service, len(pg.Cards)),
		PageInfo:   &practicesgql.PageInfo{HasNextPage: pg.HasNextPage},
		TotalCount: pg.Total,
	}
	for i := range pg.Cards {
		n := r.service(&pg.Cards[i])
		cur := practices.EncodeServiceCursor(pg.Cards[i])
		out.Edges[i] = &practicesgql.ServiceEdge{Cursor: cur, Node: n}
		out.Nodes[i] = n
		out.PageInfo.EndCursor = &cur
	}
	return out
}

// act runs a lifecycle action and converts the result.
func (r *Resolver) act(ctx context.Context, id string, a practices.Action, note *string) (*practicesgql.Practice, error) {
	n := ""
	if note != nil {
		n = *note
	}
	p, err := r.svc.Act(ctx, id, a, n)
	if err != nil {
		return nil, err
	}
	return r.practice(p, r.svc.Now()), nil
}

func statusEvent(e practices.StatusEvent) *practicesgql.PracticeStatusEvent {
	if e.Denied != nil {
		// No cursor: the practice resolver answers the denial.
		return &practicesgql.PracticeStatusEvent{Practice: &practicesgql.Practice{ID: e.PracticeID},
			Status: practicesgql.PracticeStatusDraft, Actor: &practicesgql.Actor{Kind: practicesgql.ActorKindSystem}}
	}
	out := &practicesgql.PracticeStatusEvent{
		Cursor: practices.EncodeEventCursor(e.ID),
		// A stub carrying the key; the field resolver loads and authorizes it.
		Practice: &practicesgql.Practice{ID: e.PracticeID},
		Status:   practicesgql.PracticeStatus(e.Status),
		At:       e.At,
		Actor:    actor(e.Actor, e.Comune),
		Note:     strPtr(e.Note),
	}
	if e.Previous != "" {
		prev := practicesgql.PracticeStatus(e.Previous)
		out.PreviousStatus = &prev
	}
	return out
}
