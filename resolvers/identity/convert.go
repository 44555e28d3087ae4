package identity

import (
	"time"

	identitygql "github.com/citizengraph/citizengraph/graph/identity"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
)

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// personOut converts every field; the personal ones are guarded at read
// time by guardPersonalData.
func personOut(p *identity.Person) *identitygql.Person {
	if p == nil {
		return nil
	}
	sex := identitygql.Sex(p.Sex)
	birth := p.BirthDate.Format(time.DateOnly)
	fc := p.FiscalCode
	out := &identitygql.Person{
		ID: p.ID, GivenName: p.GivenName, FamilyName: p.FamilyName, DisplayName: p.DisplayName(),
		FiscalCode: &fc, BirthDate: &birth, Sex: &sex,
		Birthplace: &identitygql.Birthplace{
			IstatCode: p.BirthplaceIstat, Name: p.BirthplaceName,
			Province: p.BirthplaceProvince, CadastralCode: p.BirthplaceCadastral,
		},
		Registry: &identitygql.RegistryRecord{
			Source: identitygql.RegistrySource(p.RegistrySource), VerifiedAt: p.RegistryVerifiedAt,
		},
		Email: strPtr(p.Email), Phone: strPtr(p.Phone),
		NotificationPreferences: &identitygql.NotificationPreferences{
			Email: p.Preferences.Email, Sms: p.Preferences.SMS, Io: p.Preferences.IO, Language: p.Preferences.Language,
		},
	}
	if r := p.Residence; r != nil {
		out.Residence = &identitygql.Residence{
			Comune: &identitygql.Comune{IstatCode: r.Istat}, Address: strPtr(r.Address),
			Source: identitygql.RegistrySource(r.Source), VerifiedAt: r.VerifiedAt,
		}
	}
	return out
}

func organizationOut(o *identity.Organization) *identitygql.Organization {
	if o == nil {
		return nil
	}
	return &identitygql.Organization{
		ID: o.ID, VatNumber: o.VATNumber, FiscalCode: o.FiscalCode, Name: o.Name,
		LegalForm: identitygql.LegalForm(o.LegalForm),
		// Only the key: the legalRepresentative resolver loads the person.
		LegalRepresentative: &identitygql.Person{ID: o.RepresentativeID},
		Seat:                &identitygql.Comune{IstatCode: o.SeatIstat},
		Registry: &identitygql.RegistryRecord{
			Source: identitygql.RegistrySource(o.RegistrySource), VerifiedAt: o.RegistryVerifiedAt,
		},
	}
}

func organizationsOut(os []*identity.Organization) []*identitygql.Organization {
	out := make([]*identitygql.Organization, len(os))
	for i, o := range os {
		out[i] = organizationOut(o)
	}
	return out
}

// delegationOut keeps the parties' keys in the model; the delegator and
// delegate resolvers load them.
func delegationOut(d *identity.Delegation, now time.Time) *identitygql.Delegation {
	if d == nil {
		return nil
	}
	out := &identitygql.Delegation{
		ID: d.ID, Services: d.Services, ValidFrom: d.ValidFrom, ValidTo: d.ValidTo,
		RevokedAt: d.RevokedAt, CreatedAt: d.CreatedAt,
		Status:   identitygql.DelegationStatus(d.Status(now)),
		Delegate: &identitygql.Person{ID: d.DelegateID},
	}
	areas := d.Areas
	if len(areas) == 0 {
		areas = identity.Areas()
	}
	for _, a := range areas {
		out.Areas = append(out.Areas, identitygql.DelegationArea(a))
	}
	if d.DelegatorOrganizationID != "" {
		out.Delegator = &identitygql.Organization{ID: d.DelegatorOrganizationID}
	} else {
		out.Delegator = &identitygql.Person{ID: d.DelegatorPersonID}
	}
	return out
}

func delegationsOut(ds []*identity.Delegation, now time.Time) []*identitygql.Delegation {
	out := make([]*identitygql.Delegation, len(ds))
	for i, d := range ds {
		out[i] = delegationOut(d, now)
	}
	return out
}

func messageOut(m *identity.Message) *identitygql.Message {
	if m == nil {
		return nil
	}
	out := &identitygql.Message{
		ID: m.ID, Recipient: &identitygql.Person{ID: m.RecipientID},
		Subject: m.Subject, Markdown: m.Markdown, CreatedAt: m.CreatedAt,
		ReadAt: m.ReadAt, DueDate: m.DueDate, PaymentNoticeNumber: strPtr(m.PaymentNoticeNumber),
	}
	if m.PracticeID != "" {
		out.Practice = &identitygql.Practice{ID: m.PracticeID}
	}
	if m.PaymentIUPD != "" {
		out.PaymentPosition = &identitygql.PaymentPosition{Iupd: m.PaymentIUPD}
	}
	return out
}

func messagePageOut(p *identity.MessagePage) *identitygql.MessageConnection {
	c := &identitygql.MessageConnection{
		Edges:      make([]*identitygql.MessageEdge, len(p.Messages)),
		Nodes:      make([]*identitygql.Message, len(p.Messages)),
		PageInfo:   &identitygql.PageInfo{HasNextPage: p.HasNextPage},
		TotalCount: p.TotalCount,
	}
	for i, m := range p.Messages {
		n := messageOut(m)
		c.Nodes[i] = n
		c.Edges[i] = &identitygql.MessageEdge{Cursor: p.Cursors[i], Node: n}
	}
	if len(p.Cursors) > 0 {
		c.PageInfo.EndCursor = &p.Cursors[len(p.Cursors)-1]
	}
	return c
}
