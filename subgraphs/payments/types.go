package payments

import (
	"slices"
	"time"
)

// PositionStatus is the status of a debt position (pagoPA GPD).
type PositionStatus string

// The position statuses.
const (
	StatusDraft         PositionStatus = "DRAFT"
	StatusPublished     PositionStatus = "PUBLISHED"
	StatusValid         PositionStatus = "VALID"
	StatusPartiallyPaid PositionStatus = "PARTIALLY_PAID"
	StatusPaid          PositionStatus = "PAID"
	StatusExpired       PositionStatus = "EXPIRED"
	StatusInvalid       PositionStatus = "INVALID"
)

// Valid reports whether s is a known status.
func (s PositionStatus) Valid() bool {
	switch s {
	case StatusDraft, StatusPublished, StatusValid, StatusPartiallyPaid, StatusPaid, StatusExpired, StatusInvalid:
		return true
	}
	return false
}

// InstallmentStatus is the status of one installment.
type InstallmentStatus string

// The installment statuses.
const (
	InstallmentUnpaid    InstallmentStatus = "UNPAID"
	InstallmentPaid      InstallmentStatus = "PAID"
	InstallmentExpired   InstallmentStatus = "EXPIRED"
	InstallmentUnpayable InstallmentStatus = "UNPAYABLE"
)

// Method is how a payer paid.
type Method string

// The payment methods.
const (
	MethodCard         Method = "CARD"
	MethodBankTransfer Method = "BANK_TRANSFER"
	MethodPayPal       Method = "PAYPAL"
	MethodSatispay     Method = "SATISPAY"
	MethodPostal       Method = "POSTAL"
)

// Valid reports whether m is a known method.
func (m Method) Valid() bool {
	switch m {
	case MethodCard, MethodBankTransfer, MethodPayPal, MethodSatispay, MethodPostal:
		return true
	}
	return false
}

// Position is a debt position.
type Position struct {
	IUPD             string
	Creditor         Creditor
	Comune           string // ISTAT code of the creditor comune
	DebtorID         string // identity's Person id
	DebtorFiscalCode string
	DebtorName       string
	PracticeID       string // practices' Practice id; "" when none
	Description      string
	Status           PositionStatus
	CreatedAt        time.Time
	PublishedAt      *time.Time
	ValidityDate     *time.Time
	TotalCents       int64
	PaidCents        int64
}

// Installment is one payable part of a position.
type Installment struct {
	PositionIUPD       string
	Seq                int
	NoticeNumber       string // "" while the position is a draft
	IUV                string
	AmountCents        int64
	Description        string
	DueDate            time.Time // a date, UTC midnight
	TaxonomyCode       string
	Status             InstallmentStatus
	CreditorFiscalCode string
	Receipt            *Receipt
	// The position's debtor and comune, for authorization; never shown
	// to payers who are not the debtor.
	DebtorFiscalCode string
	Comune           string
}

// Receipt is the proof of payment of an installment.
type Receipt struct {
	ReceiptID       string
	NoticeNumber    string
	PSPID           string
	PSPName         string
	Method          Method
	PaidAt          time.Time
	AmountCents     int64
	FeeCents        int64
	PayerFiscalCode string
}

// PaymentResult is the outcome of a payment request.
type PaymentResult struct {
	Receipt     Receipt
	Installment Installment
	Replayed    bool // an earlier request with the same idempotency key
}

// Page is one page of a person's positions.
type Page struct {
	Positions   []Position
	Cursors     []string
	HasNextPage bool
	TotalCount  int
}

// Scope is the set of positions a caller may see.
type Scope struct {
	All bool // admin
	// FiscalCodes are the debtors whose positions the caller sees: the
	// caller, and the people whose delegation covering payments they hold.
	FiscalCodes []string
	Comuni      []string // positions of these comuni (operator)
}

// Allows reports whether pos is within the scope.
func (s Scope) Allows(pos *Position) bool { return s.allows(pos.DebtorFiscalCode, pos.Comune) }

func (s Scope) allows(debtorFC, comune string) bool {
	return s.All || slices.Contains(s.FiscalCodes, debtorFC) || slices.Contains(s.Comuni, comune)
}
