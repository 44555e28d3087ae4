package identity

import (
	"time"
)

// Registry sources of read-only data.
const (
	SourceANPR             = "ANPR"
	SourceAnagrafeTribut   = "ANAGRAFE_TRIBUTARIA"
	SourceRegistroImprese  = "REGISTRO_IMPRESE"
	defaultLanguage        = "it"
	maxMessagePageSize     = 100
	defaultMessagePageSize = 20
)

// Languages are the notice languages a person may choose.
var Languages = []string{"it", "en", "de", "fr", "es"}

// Person is a person of the registry.
type Person struct {
	ID                  string
	FiscalCode          string
	GivenName           string
	FamilyName          string
	Sex                 string // F or M
	BirthDate           time.Time
	BirthplaceIstat     string
	BirthplaceName      string
	BirthplaceProvince  string
	BirthplaceCadastral string
	RegistrySource      string
	RegistryVerifiedAt  time.Time
	Residence           *Residence // nil when not resident in a registered comune
	Email               string     // "" when unknown
	Phone               string     // "" when unknown
	Preferences         Preferences
	UpdatedAt           time.Time
}

// DisplayName is the given name followed by the family name.
func (p *Person) DisplayName() string { return p.GivenName + " " + p.FamilyName }

// ResidenceIstat is the ISTAT code of the comune of residence, or "".
func (p *Person) ResidenceIstat() string {
	if p.Residence == nil {
		return ""
	}
	return p.Residence.Istat
}

// Residence is a registry-sourced residence.
type Residence struct {
	Istat      string
	Address    string
	Source     string
	VerifiedAt time.Time
}

// Preferences are a person's notification preferences.
type Preferences struct {
	Email, SMS, IO bool
	Language       string
}

// Organization is a company or association of the business registry.
type Organization struct {
	ID                 string
	VATNumber          string
	FiscalCode         string
	Name               string
	LegalForm          string
	RepresentativeID   string
	SeatIstat          string
	RegistrySource     string
	RegistryVerifiedAt time.Time
}

// DelegationStatus is derived from a delegation's validity and revocation.
type DelegationStatus string

// The delegation statuses.
const (
	DelegationScheduled DelegationStatus = "SCHEDULED"
	DelegationActive    DelegationStatus = "ACTIVE"
	DelegationExpired   DelegationStatus = "EXPIRED"
	DelegationRevoked   DelegationStatus = "REVOKED"
)

// Delegation lets a delegate act for a person or an organization.
type Delegation struct {
	ID                      string
	DelegatorPersonID       string // set when a person delegates
	DelegatorOrganizationID string // set when an organization delegates
	DelegateID              string
	Services                []string // empty: every service
	Areas                   []string // AreaPractices, AreaPayments, AreaMessages; empty: every area
	ValidFrom               time.Time
	ValidTo                 *time.Time
	RevokedAt               *time.Time
	CreatedAt               time.Time
}

// Status is the delegation's status at now.
func (d *Delegation) Status(now time.Time) DelegationStatus {
	switch {
	case d.RevokedAt != nil:
		return DelegationRevoked
	case d.ValidTo != nil && !now.Before(*d.ValidTo):
		return DelegationExpired
	case now.Before(d.ValidFrom):
		return DelegationScheduled
	default:
		return DelegationActive
	}
}

// Message is an IO-style notice to a person.
type Message struct {
	ID                  string
	RecipientID         string
	Subject             string
	Markdown            string
	CreatedAt           time.Time
	ReadAt              *time.Time
	DueDate             *time.Time
	PracticeID          string // "" when unrelated to a practice
	PaymentNoticeNumber string // "" when no payment is asked
	PaymentIUPD         string // "" when no debt position is referenced
}

// MessagePage is one page of a person's messages.
type MessagePage struct {
	Messages    []*Message
	Cursors     []string
	HasNextPage bool
	TotalCount  int
}
