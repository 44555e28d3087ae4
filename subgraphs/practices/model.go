package practices

import (
	"time"
)

// MilanIstat is the ISTAT code of the Comune di Milano.
const MilanIstat = "015146"

// ServiceState is whether a service card is open to new practices.
type ServiceState string

// The states of a service.
const (
	ServiceActive   ServiceState = "ACTIVE"
	ServiceInactive ServiceState = "INACTIVE"
)

// The PON Metro priority areas a service is funded under.
const (
	AreaAgendaDigitale    = "AGENDA_DIGITALE"
	AreaServiziMobilita   = "SOSTENIBILITA_SERVIZI_MOBILITA"
	AreaInclusioneSociale = "INCLUSIONE_SOCIALE"
	AreaInfrastrutture    = "INFRASTRUTTURE_INCLUSIONE"
	AreaSostenibilita     = "SOSTENIBILITA_AMBIENTALE"
	AreaRigenerazione     = "RIGENERAZIONE_URBANA"
)

// The five Designers Italia flow archetypes.
const (
	ArchPermessi      = "PERMESSI_E_DOCUMENTI"
	ArchPagamenti     = "PAGAMENTI_DOVUTI"
	ArchVantaggi      = "VANTAGGI_ECONOMICI"
	ArchGraduatoria   = "ISCRIZIONE_GRADUATORIA"
	ArchServiziPagati = "SERVIZI_A_PAGAMENTO"
)

// The channels through which a service is accessed.
const (
	ChannelOnline  = "ONLINE"
	ChannelCounter = "COUNTER"
	ChannelPhone   = "PHONE"
	ChannelEmail   = "EMAIL"
	ChannelPEC     = "PEC"
	ChannelAppIO   = "APP_IO"
)

// Contacts of the office that runs a service.
type Contacts struct {
	Office string
	Email  string
	Phone  string
	PEC    string
}

// LifeEventRef points at a life event of the national taxonomy
// (opendata.LifeEvents): scope "cittadino" or "impresa", and code.
type LifeEventRef struct {
	Scope string
	Code  int
}

// ServiceCard is a Designers Italia service card (scheda servizio).
type ServiceCard struct {
	ID               string
	Slug             string
	CategoryCode     int
	CategoryName     string
	PonMetroArea     string
	Title            string
	State            ServiceState
	StateReason      string
	ShortDescription string
	Audience         string
	HowTo            string
	WhatYouNeed      []string
	WhatYouGet       string
	MaxDays          int
	Channels         []string
	Conditions       string
	Contacts         Contacts
	FullyOnline      bool
	Archetype        string
	LifeEvents       []LifeEventRef
	// Comuni lists the ISTAT codes offering the service; nil means every
	// comune of the metropolitan city.
	Comuni          []string
	RequiresPayment bool
	FeeCents        *int64 // nil when the amount depends on the case
}

// OfferedIn reports whether comune istat offers s (istat must be a comune of
// the metropolitan city).
func (s *ServiceCard) OfferedIn(istat string) bool {
	if s.Comuni == nil {
		return true
	}
	for _, c := range s.Comuni {
		if c == istat {
			return true
		}
	}
	return false
}

// Practice is an application of a person to a service.
type Practice struct {
	ID                  string
	ServiceID           string
	ApplicantID         string
	ApplicantFiscalCode string
	OrganizationID      string // "" when the applicant acts for themself
	Comune              string
	Status              Status
	ProtocolNumber      string
	ProtocolDate        *time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time
	SubmittedAt         *time.Time
	TakenInChargeAt     *time.Time
	DueBy               *time.Time
	DecidedAt           *time.Time
	// Assignee is the operator who took the practice at the desk ("" when
	// nobody has): see [OperatorID]. AssigneeName is the name their token
	// gave then.
	Assignee     string
	AssigneeName string
	AssignedAt   *time.Time
}

// Overdue reports whether the administration missed the term: decided after
// DueBy, or still undecided (and not withdrawn) after it, at now.
func (p *Practice) Overdue(now time.Time) bool {
	if p.DueBy == nil {
		return false
	}
	if p.DecidedAt != nil {
		return p.DecidedAt.After(*p.DueBy)
	}
	return !p.Status.Final() && now.After(*p.DueBy)
}

// ActorKind says who made a status change.
type ActorKind string

// The kinds of actors.
const (
	ActorCitizen  ActorKind = "CITIZEN"
	ActorOperator ActorKind = "OPERATOR"
	ActorSystem   ActorKind = "SYSTEM"
)

// Actor made a status change: ID is a fiscal code for citizens and
// operators, the token subject for systems.
type Actor struct {
	Kind ActorKind
	ID   string
	// OnBehalfOf is the fiscal code of the person or organization the actor
	// acted for under a delegation or legal representation; "" otherwise.
	OnBehalfOf string
}

// StatusChange is one row of a practice's history.
type StatusChange struct {
	ID         int64
	PracticeID string
	Status     Status
	At         time.Time
	Actor      Actor
	Note       string
}

// Document is a file attached to a practice; the content lives in the
// document store, the practice keeps its metadata and digest.
type Document struct {
	ID         string
	PracticeID string
	Name       string
	MediaType  string
	Size       int64
	SHA256     string
	UploadedAt time.Time
	// Stored is set when the content is in the ContentStore (not for
	// documents registered by their metadata alone).
	Stored bool
}

// StatusEvent is an outbox row: one status change, as published to live
// subscribers.
type StatusEvent struct {
	ID         int64
	PracticeID string
	Status     Status
	Previous   Status
	At         time.Time
	Actor      Actor
	Note       string
	Comune     string // the practice's comune
	// Denied, on the last event of a stream, says why the caller may no
	// longer follow the practice; the other fields are then empty.
	Denied error
}

// Stats are the control-room figures of a set of practices.
type Stats struct {
	Count                int
	Decided              int
	MedianDaysToDecision *float64
	P90DaysToDecision    *float64
	ShareDecidedAfterDue *float64
}

// StatsFilter selects the practices of Stats: submitted in [From, To).
type StatsFilter struct {
	ServiceID string
	Comune    string
	From, To  *time.Time
}

// ServiceFilter selects services of the catalogue.
type ServiceFilter struct {
	Category int    // 0: any
	Comune   string // "": any
	Text     string
}
