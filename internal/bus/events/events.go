// Package events is the contract of the domain events subgraphs exchange
// over the bus: topics and payloads, shared by producers and consumers so
// that neither imports the other. Payloads are JSON; fields are only ever
// added.
package events

import "time"

// Producers (the schema whose outbox carries the topic).
const (
	SourcePractices = "practices"
	SourcePayments  = "payments"
)

// Topics.
const (
	// TopicPracticeStatusChanged: every status change of a practice
	// (practices → identity: messages).
	TopicPracticeStatusChanged = "practice.status_changed"
	// TopicPracticeSubmitted: the applicant submitted a practice; Fee is
	// set when the service asks for a payment of a known amount
	// (practices → payments: the debt position).
	TopicPracticeSubmitted = "practice.submitted"
	// TopicPositionPublished: a debt position became payable, with its
	// notices (payments → identity: the notice to pay).
	TopicPositionPublished = "payment.position_published"
	// TopicPositionPaid: every installment of a position is paid
	// (payments → practices: PAYMENT_PENDING → SUBMITTED).
	TopicPositionPaid = "payment.position_paid"
	// TopicPositionClosed: a position can no longer be paid: INVALID
	// (cancelled) or EXPIRED (payments → practices: the practice is
	// withdrawn).
	TopicPositionClosed = "payment.position_closed"
)

// Party is who a practice or a position concerns.
type Party struct {
	PersonID       string `json:"personId"`
	FiscalCode     string `json:"fiscalCode"`
	OrganizationID string `json:"organizationId,omitempty"`
}

// PracticeStatusChanged is published with every status change.
type PracticeStatusChanged struct {
	PracticeID     string     `json:"practiceId"`
	ServiceID      string     `json:"serviceId"`
	ServiceTitle   string     `json:"serviceTitle"`
	Applicant      Party      `json:"applicant"`
	Comune         string     `json:"comune"`
	Status         string     `json:"status"`
	Previous       string     `json:"previous,omitempty"`
	At             time.Time  `json:"at"`
	Note           string     `json:"note,omitempty"`
	ProtocolNumber string     `json:"protocolNumber,omitempty"`
	DueBy          *time.Time `json:"dueBy,omitempty"`
}

// Fee is what a service asks to pay on submission (from its card).
type Fee struct {
	AmountCents  int64  `json:"amountCents"`
	TaxonomyCode string `json:"taxonomyCode"` // pagoPA taxonomy of the collection
	Description  string `json:"description"`  // ≤ 140 characters
	DueDate      string `json:"dueDate"`      // YYYY-MM-DD
}

// PracticeSubmitted is published when the applicant submits.
type PracticeSubmitted struct {
	PracticeID   string    `json:"practiceId"`
	ServiceID    string    `json:"serviceId"`
	ServiceTitle string    `json:"serviceTitle"`
	Applicant    Party     `json:"applicant"`
	Comune       string    `json:"comune"`
	Status       string    `json:"status"` // PAYMENT_PENDING or SUBMITTED
	At           time.Time `json:"at"`
	Fee          *Fee      `json:"fee,omitempty"`
}

// Notice is one payable installment.
type Notice struct {
	NoticeNumber string `json:"noticeNumber"`
	AmountCents  int64  `json:"amountCents"`
	DueDate      string `json:"dueDate"` // YYYY-MM-DD
	Description  string `json:"description"`
}

// PositionPublished is published when a position becomes payable.
type PositionPublished struct {
	IUPD         string   `json:"iupd"`
	PracticeID   string   `json:"practiceId,omitempty"`
	Debtor       Party    `json:"debtor"`
	Comune       string   `json:"comune"`
	CreditorName string   `json:"creditorName"`
	CreditorFC   string   `json:"creditorFiscalCode"`
	Description  string   `json:"description"`
	TotalCents   int64    `json:"totalCents"`
	Notices      []Notice `json:"notices"`
}

// PositionPaid is published when a position is paid in full.
type PositionPaid struct {
	IUPD       string    `json:"iupd"`
	PracticeID string    `json:"practiceId,omitempty"`
	Debtor     Party     `json:"debtor"`
	Comune     string    `json:"comune"`
	TotalCents int64     `json:"totalCents"`
	PaidAt     time.Time `json:"paidAt"`
}

// PositionClosed is published when a position becomes unpayable.
type PositionClosed struct {
	IUPD       string `json:"iupd"`
	PracticeID string `json:"practiceId,omitempty"`
	Debtor     Party  `json:"debtor"`
	Comune     string `json:"comune"`
	Status     string `json:"status"` // INVALID or EXPIRED
}

// TopicNoticeDueSoon: an unpaid notice is due within a few days
// (payments → identity: a reminder).
const TopicNoticeDueSoon = "payment.notice_due_soon"

// NoticeDueSoon is published once per unpaid installment near its due date.
type NoticeDueSoon struct {
	IUPD         string `json:"iupd"`
	PracticeID   string `json:"practiceId,omitempty"`
	Debtor       Party  `json:"debtor"`
	Comune       string `json:"comune"`
	CreditorName string `json:"creditorName"`
	Description  string `json:"description"`
	Notice       Notice `json:"notice"`
}
