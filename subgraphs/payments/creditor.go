package payments

import (
	"fmt"

	"github.com/citizengraph/citizengraph/internal/opendata"
)

// Creditor is the body a position is owed to: a comune.
type Creditor struct {
	FiscalCode string // 11 digits
	Name       string // e.g. "Comune di Milano"
	IstatCode  string // the comune's ISTAT code
}

// PlaceholderFiscalCode is the deterministic stand-in fiscal code of the
// comune with ISTAT code istat: "99", the six ISTAT digits, "99", and the
// check digit of Italian numeric fiscal codes. It is test data and does not
// claim to be the comune's real fiscal code.
func PlaceholderFiscalCode(istat string) string {
	first10 := "99" + istat + "99"
	return first10 + string(entityCheckDigit(first10))
}

// entityCheckDigit is the check digit of an 11-digit (partita IVA style)
// fiscal code: digits in odd positions summed as they are, digits in even
// positions doubled (minus 9 above 9), the total's complement to 10.
func entityCheckDigit(first10 string) byte {
	sum := 0
	for i := 0; i < 10; i++ {
		d := int(first10[i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// ValidEntityFiscalCode reports whether s is a syntactically valid 11-digit
// fiscal code of a legal entity.
func ValidEntityFiscalCode(s string) bool {
	return len(s) == 11 && digits(s) && entityCheckDigit(s[:10]) == s[10]
}

// CreditorOf returns the creditor of a metropolitan comune.
func CreditorOf(c opendata.Comune) Creditor {
	return Creditor{FiscalCode: PlaceholderFiscalCode(c.IstatCode), Name: "Comune di " + c.Name, IstatCode: c.IstatCode}
}

// Creditors returns the creditors of every comune of the metropolitan city.
func Creditors() ([]Creditor, error) {
	comuni, err := opendata.Comuni()
	if err != nil {
		return nil, fmt.Errorf("payments: comuni: %w", err)
	}
	out := make([]Creditor, len(comuni))
	for i, c := range comuni {
		out[i] = CreditorOf(c)
	}
	return out, nil
}
