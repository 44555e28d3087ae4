package payments

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Charge is what a payment-service provider is asked to collect.
type Charge struct {
	NoticeNumber       string
	CreditorFiscalCode string
	AmountCents        int64
	Method             Method
	IdempotencyKey     string // forwarded, so a provider can deduplicate too
	PayerFiscalCode    string
}

// Authorization is a provider's positive outcome.
type Authorization struct {
	ReceiptID    string
	PSPID        string
	PSPName      string
	FeeCents     int64
	AuthorizedAt time.Time
}

// PSP is a payment-service provider. Authorize charges the payer or fails;
// it must not charge when it returns an error.
type PSP interface {
	Authorize(ctx context.Context, c Charge) (Authorization, error)
}

// Sandbox is a local payment-service provider that authorizes every charge
// without any network call, for development and tests. It records the
// charges it made.
type Sandbox struct {
	mu      sync.Mutex
	charges []Charge
}

// NewSandbox returns an empty sandbox provider.
func NewSandbox() *Sandbox { return &Sandbox{} }

// sandboxPSPs are the simulated providers per method, with their flat fee.
var sandboxPSPs = map[Method]struct {
	id, name string
	fee      int64
}{
	MethodCard:         {"SNDBXCARD", "Sandbox Carte di pagamento", 100},
	MethodBankTransfer: {"SNDBXBANK", "Sandbox Bonifico bancario", 80},
	MethodPayPal:       {"SNDBXPYPL", "Sandbox PayPal", 120},
	MethodSatispay:     {"SNDBXSTSP", "Sandbox Satispay", 50},
	MethodPostal:       {"SNDBXPOST", "Sandbox Bollettino postale", 150},
}

// Authorize records the charge and returns a fresh receipt id.
func (s *Sandbox) Authorize(ctx context.Context, c Charge) (Authorization, error) {
	if err := ctx.Err(); err != nil {
		return Authorization{}, err
	}
	p := sandboxPSPs[c.Method]
	s.mu.Lock()
	s.charges = append(s.charges, c)
	s.mu.Unlock()
	return Authorization{ReceiptID: uuid.NewString(), PSPID: p.id, PSPName: p.name, FeeCents: p.fee, AuthorizedAt: time.Now().UTC()}, nil
}

// Charges returns the charges made so far.
func (s *Sandbox) Charges() []Charge {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Charge(nil), s.charges...)
}

// SandboxPSP returns the simulated provider identity used for method, for
// seeding receipts that look like the sandbox's.
func SandboxPSP(m Method) (id, name string, feeCents int64) {
	p := sandboxPSPs[m]
	return p.id, p.name, p.fee
}
