package payments

import (
	"fmt"
	"strconv"
)

// AuxDigit is the pagoPA aux digit of the notice numbers issued here: 3, an
// IUV of 15 digits preceded by a segregation code.
const AuxDigit = "3"

// SegregationCode is the two-digit code segregating this portal's notices
// within each creditor.
const SegregationCode = "01"

// IUV kinds: the first digit of the IUV base.
const (
	KindPracticeFee = 1 // seeded fee of a practice
	KindTARI        = 2 // seeded waste tax (TARI)
	KindIMU         = 3 // seeded property tax (IMU)
	KindPublished   = 5 // published at run time
)

// MaxSerial is the largest serial an IUV base can hold.
const MaxSerial = 999_999_999

// IUVBase lays out the 13-digit IUV base: kind, the comune's three-digit
// ISTAT progressive (the last three digits of its ISTAT code), serial.
func IUVBase(kind int, istat string, serial int64) (string, error) {
	if kind < 0 || kind > 9 {
		return "", fmt.Errorf("payments: iuv kind %d out of range", kind)
	}
	if len(istat) != 6 || !digits(istat) {
		return "", fmt.Errorf("payments: bad ISTAT code %q", istat)
	}
	if serial < 0 || serial > MaxSerial {
		return "", fmt.Errorf("payments: iuv serial %d out of range", serial)
	}
	return fmt.Sprintf("%d%s%09d", kind, istat[3:], serial), nil
}

// CheckDigits returns the two IUV check digits: the number formed by the
// aux digit, the segregation code and the 13-digit IUV base, mod 93.
func CheckDigits(aux, segregation, base string) (string, error) {
	s := aux + segregation + base
	if len(aux) != 1 || len(segregation) != 2 || len(base) != 13 || !digits(s) {
		return "", fmt.Errorf("payments: bad IUV parts %q %q %q", aux, segregation, base)
	}
	n, err := strconv.ParseUint(s, 10, 64) // 16 digits fit in a uint64
	if err != nil {
		return "", fmt.Errorf("payments: %w", err)
	}
	return fmt.Sprintf("%02d", n%93), nil
}

// Notice returns the IUV and the notice number for an IUV base.
func Notice(base string) (iuv, notice string, err error) {
	cd, err := CheckDigits(AuxDigit, SegregationCode, base)
	if err != nil {
		return "", "", err
	}
	iuv = base + cd
	return iuv, AuxDigit + SegregationCode + iuv, nil
}

// ValidNoticeNumber reports whether s is an 18-digit aux-digit-3 notice
// number whose IUV check digits are right.
func ValidNoticeNumber(s string) bool {
	if len(s) != 18 || !digits(s) || s[:1] != AuxDigit {
		return false
	}
	cd, err := CheckDigits(s[:1], s[1:3], s[3:16])
	return err == nil && cd == s[16:]
}

// QRCodePayload is the pagoPA notice QR code content:
// PAGOPA|002|<notice number>|<creditor fiscal code>|<amount in cents>.
func QRCodePayload(notice, creditorFiscalCode string, amountCents int64) string {
	return fmt.Sprintf("PAGOPA|002|%s|%s|%d", notice, creditorFiscalCode, amountCents)
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
