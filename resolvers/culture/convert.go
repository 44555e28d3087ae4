package culture

import (
	"context"
	"strconv"
	"time"

	culturegql "github.com/citizengraph/citizengraph/graph/culture"
	"github.com/citizengraph/citizengraph/subgraphs/culture"
)

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// category converts a public-event type with its ancestors.
func (r *Resolver) category(code string) (*culturegql.EventCategory, error) {
	c, err := r.svc.Category(code)
	if err != nil || c == nil {
		return nil, err
	}
	out := &culturegql.EventCategory{Code: c.Code, Level: c.Level, Name: c.NameIT, NameEn: c.NameEN,
		Definition: optional(c.Definition), URI: c.URI}
	if c.Parent != "" {
		if out.Parent, err = r.category(c.Parent); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r *Resolver) event(e *culture.Event) (*culturegql.Event, error) {
	if e == nil {
		return nil, nil
	}
	cat, err := r.category(e.Category)
	if err != nil {
		return nil, err
	}
	if cat == nil { // a code outside the vocabulary: show it rather than fail
		cat = &culturegql.EventCategory{Code: e.Category, Name: e.Category, NameEn: e.Category}
	}
	return &culturegql.Event{
		ID: e.ID, Title: e.Title, Description: e.Description, Category: cat,
		StartsAt: e.StartsAt, EndsAt: e.EndsAt, Comune: &culturegql.Comune{IstatCode: e.Comune},
		Free: e.Free(), PriceCents: e.PriceCents, Organizer: optional(e.Organizer), Location: location(e),
	}, nil
}

func (r *Resolver) events(es []*culture.Event) ([]*culturegql.Event, error) {
	out := make([]*culturegql.Event, len(es))
	for i, e := range es {
		var err error
		if out[i], err = r.event(e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r *Resolver) eventConnection(p culture.EventPage) (*culturegql.EventConnection, error) {
	conn := &culturegql.EventConnection{
		Edges:      make([]*culturegql.EventEdge, len(p.Events)),
		Nodes:      make([]*culturegql.Event, len(p.Events)),
		PageInfo:   &culturegql.PageInfo{HasNextPage: p.HasNext},
		TotalCount: p.Total,
	}
	for i := range p.Events {
		n, err := r.event(&p.Events[i])
		if err != nil {
			return nil, err
		}
		conn.Nodes[i] = n
		conn.Edges[i] = &culturegql.EventEdge{Cursor: p.Cursors[i], Node: n}
	}
	if len(p.Cursors) > 0 {
		conn.PageInfo.EndCursor = &p.Cursors[len(p.Cursors)-1]
	}
	return conn, nil
}

func venue(v *culture.Venue) *culturegql.Venue {
	if v == nil {
		return nil
	}
	out := &culturegql.Venue{
		ID: strconv.Itoa(v.ID), Name: v.Name, Kind: v.Kind, Subtype: v.Subtype, Owner: optional(v.Owner),
		Address: v.Address, Location: &culturegql.GeoPoint{Lat: v.Lat, Lon: v.Lon},
		Comune: &culturegql.Comune{IstatCode: v.Comune}, Phone: optional(v.Phone), Email: optional(v.Email),
		URL: optional(v.URL), Accessible: v.Accessible,
	}
	if v.PlaceType != nil {
		out.PlaceType = &culturegql.PlaceType{Code: v.PlaceType.Code, Name: v.PlaceType.Name, URI: v.PlaceType.URI}
	}
	if v.NilID != nil {
		out.Nil = &culturegql.Nil{ID: strconv.Itoa(*v.NilID)}
	}
	return out
}

func venues(vs []culture.Venue) []*culturegql.Venue {
	out := make([]*culturegql.Venue, len(vs))
	for i := range vs {
		out[i] = venue(&vs[i])
	}
	return out
}

func venueConnection(p culture.VenuePage) *culturegql.VenueConnection {
	conn := &culturegql.VenueConnection{
		Edges:      make([]*culturegql.VenueEdge, len(p.Venues)),
		Nodes:      venues(p.Venues),
		PageInfo:   &culturegql.PageInfo{HasNextPage: p.HasNext},
		TotalCount: p.Total,
	}
	for i, n := range conn.Nodes {
		conn.Edges[i] = &culturegql.VenueEdge{Cursor: p.Cursors[i], Node: n}
	}
	if len(p.Cursors) > 0 {
		conn.PageInfo.EndCursor = &p.Cursors[len(p.Cursors)-1]
	}
	return conn
}

func eventQuery(f *culturegql.EventFilter, first *int, after *string, withTotal bool) culture.EventQuery {
	q := culture.EventQuery{First: derefInt(first, 20), After: deref(after), WithTotal: withTotal}
	if f != nil {
		q.Comune, q.Zona, q.Venue, q.Category, q.Text = deref(f.Comune), deref(f.Zona), deref(f.Venue), deref(f.Category), deref(f.Text)
		q.From, q.To = f.From, f.To
	}
	return q
}

func venueQuery(f *culturegql.VenueFilter, first *int, after *string, withTotal bool) culture.VenueQuery {
	q := culture.VenueQuery{First: derefInt(first, 20), After: deref(after), WithTotal: withTotal}
	if f != nil {
		q.Comune, q.Nil, q.Kind = deref(f.Comune), deref(f.Nil), deref(f.Kind)
	}
	return q
}

func location(e *culture.Event) *culturegql.GeoPoint {
	if e.Lat == nil || e.Lon == nil {
		return nil
	}
	return &culturegql.GeoPoint{Lat: *e.Lat, Lon: *e.Lon}
}

func nearOf(n culturegql.NearInput) culture.Near {
	return culture.Near{Lat: n.Lat, Lon: n.Lon, Radius: n.RadiusMeters}
}

func venueDistanceConnection(p culture.Page[culture.VenueNear]) *culturegql.VenueDistanceConnection {
	conn := &culturegql.VenueDistanceConnection{
		Edges:      make([]*culturegql.VenueDistanceEdge, len(p.Items)),
		Nodes:      make([]*culturegql.Venue, len(p.Items)),
		PageInfo:   &culturegql.PageInfo{HasNextPage: p.HasNext},
		TotalCount: p.Total,
	}
	for i := range p.Items {
		n := venue(&p.Items[i].Venue)
		conn.Nodes[i] = n
		conn.Edges[i] = &culturegql.VenueDistanceEdge{Cursor: p.Cursors[i], Node: n, DistanceMeters: p.Items[i].Distance}
	}
	if len(p.Cursors) > 0 {
		conn.PageInfo.EndCursor = &p.Cursors[len(p.Cursors)-1]
	}
	return conn
}

func (r *Resolver) eventDistanceConnection(p culture.Page[culture.EventNear]) (*culturegql.EventDistanceConnection, error) {
	conn := &culturegql.EventDistanceConnection{
		Edges:      make([]*culturegql.EventDistanceEdge, len(p.Items)),
		Nodes:      make([]*culturegql.Event, len(p.Items)),
		PageInfo:   &culturegql.PageInfo{HasNextPage: p.HasNext},
		TotalCount: p.Total,
	}
	for i := range p.Items {
		n, err := r.event(&p.Items[i].Event)
		if err != nil {
			return nil, err
		}
		conn.Nodes[i] = n
		conn.Edges[i] = &culturegql.EventDistanceEdge{Cursor: p.Cursors[i], Node: n, DistanceMeters: p.Items[i].Distance}
	}
	if len(p.Cursors) > 0 {
		conn.PageInfo.EndCursor = &p.Cursors[len(p.Cursors)-1]
	}
	return conn, nil
}

func (r *Resolver) venuesNear(ctx context.Context, near culturegql.NearInput, comune, nilID, kind *string, first *int, after *string) (*culturegql.VenueDistanceConnection, error) {
	p, err := r.svc.VenuesNear(ctx, culture.NearQuery{
		Near: nearOf(near), Comune: deref(comune), Nil: deref(nilID), Kind: deref(kind),
		First: derefInt(first, 20), After: deref(after), WithTotal: requested(ctx, "totalCount"),
	})
	if err != nil {
		return nil, err
	}
	return venueDistanceConnection(p), nil
}

func (r *Resolver) eventsNear(ctx context.Context, near culturegql.NearInput, comune, nilID, category *string, from, to *time.Time, includePast *bool, first *int, after *string) (*culturegql.EventDistanceConnection, error) {
	p, err := r.svc.EventsNear(ctx, culture.NearQuery{
		Near: nearOf(near), Comune: deref(comune), Nil: deref(nilID), Category: deref(category),
		From: from, To: to, Past: includePast != nil && *includePast,
		First: derefInt(first, 20), After: deref(after), WithTotal: requested(ctx, "totalCount"),
	})
	if err != nil {
		return nil, err
	}
	return r.eventDistanceConnection(p)
}
