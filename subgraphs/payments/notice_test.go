package payments

import (
	"math/big"
	"strings"
	"testing"
)

// independentNoticeValid re-derives the pagoPA rule without the package's
// code: an 18-digit notice "3" + segregation code (2) + IUV (15), where the
// IUV's last two digits equal the remainder of the 16-digit number
// aux + segregation + IUV base divided by 93, computed here with big
// integers.
func independentNoticeValid(t testing.TB, notice string) bool {
	t.Helper()
	if len(notice) != 18 || strings.Trim(notice, "0123456789") != "" || notice[0] != '3' {
		return false
	}
	n, ok := new(big.Int).SetString(notice[:16], 10)
	if !ok {
		return false
	}
	rem := new(big.Int).Mod(n, big.NewInt(93)).Int64()
	want := string([]byte{byte('0' + rem/10), byte('0' + rem%10)})
	return notice[16:] == want
}

// independentLuhn is the standard Luhn check Italian numeric fiscal codes
// (partita IVA) use.
func independentLuhn(s string) bool {
	sum := 0
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if (len(s)-1-i)%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func TestNoticeNumbers(t *testing.T) {
	cases := []struct {
		kind   int
		istat  string
		serial int64
	}{
		{KindPublished, "015146", 1},
		{KindPublished, "015146", MaxSerial},
		{KindTARI, "015002", 0},
		{KindPracticeFee, "015250", 123456789},
		{KindIMU, "015999", 42},
		{0, "000000", 0},
	}
	for _, c := range cases {
		base, err := IUVBase(c.kind, c.istat, c.serial)
		if err != nil {
			t.Fatalf("IUVBase(%v): %v", c, err)
		}
		iuv, notice, err := Notice(base)
		if err != nil {
			t.Fatal(err)
		}
		if len(base) != 13 || len(iuv) != 15 || len(notice) != 18 {
			t.Fatalf("lengths: base %q iuv %q notice %q", base, iuv, notice)
		}
		if notice != "3"+SegregationCode+iuv || iuv[:13] != base {
			t.Fatalf("layout: base %q iuv %q notice %q", base, iuv, notice)
		}
		if !independentNoticeValid(t, notice) {
			t.Errorf("notice %s fails the independent check", notice)
		}
		if !ValidNoticeNumber(notice) {
			t.Errorf("ValidNoticeNumber(%s) = false", notice)
		}
		// Any single-digit change is caught by the check digits or the layout.
		for i := 3; i < 18; i++ {
			b := []byte(notice)
			b[i] = '0' + (b[i]-'0'+1)%10
			if ValidNoticeNumber(string(b)) != independentNoticeValid(t, string(b)) {
				t.Errorf("validators disagree on %s", b)
			}
		}
	}
	// A hand-computed case: 3 01 1146000000042 → 3011146000000042 mod 93.
	base, _ := IUVBase(KindPracticeFee, "015146", 42)
	n, _ := new(big.Int).SetString("3"+"01"+base, 10)
	if got, want := base, "1146000000042"; got != want {
		t.Fatalf("base = %s, want %s", got, want)
	}
	_, notice, _ := Notice(base)
	if rem := new(big.Int).Mod(n, big.NewInt(93)).Int64(); notice[16:] != string([]byte{byte('0' + rem/10), byte('0' + rem%10)}) {
		t.Fatalf("check digits of %s, want remainder %d", notice, rem)
	}
}

func TestNoticeRejects(t *testing.T) {
	for _, s := range []string{"", "3", "30111460000000421", "4011146000000042XX", "301114600000004299", "a01114600000004200"} {
		if ValidNoticeNumber(s) && !independentNoticeValid(t, s) {
			t.Errorf("ValidNoticeNumber(%q) accepted an invalid notice", s)
		}
	}
	if _, err := IUVBase(KindPublished, "15146", 1); err == nil {
		t.Error("IUVBase accepted a 5-digit ISTAT code")
	}
	if _, err := IUVBase(KindPublished, "015146", MaxSerial+1); err == nil {
		t.Error("IUVBase accepted a serial beyond 9 digits")
	}
	if _, err := IUVBase(10, "015146", 1); err == nil {
		t.Error("IUVBase accepted kind 10")
	}
}

func TestQRCodePayload(t *testing.T) {
	got := QRCodePayload("301114600000004212", "99015146990", 1516)
	if want := "PAGOPA|002|301114600000004212|99015146990|1516"; got != want {
		t.Fatalf("QRCodePayload = %q, want %q", got, want)
	}
}

func TestPlaceholderFiscalCodes(t *testing.T) {
	cs, err := Creditors()
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) < 100 {
		t.Fatalf("only %d creditors", len(cs))
	}
	seen := map[string]bool{}
	for _, c := range cs {
		if len(c.FiscalCode) != 11 || !strings.HasPrefix(c.FiscalCode, "99"+c.IstatCode+"99") {
			t.Errorf("%s: placeholder %q does not follow the documented layout", c.Name, c.FiscalCode)
		}
		if !independentLuhn(c.FiscalCode) || !ValidEntityFiscalCode(c.FiscalCode) {
			t.Errorf("%s: placeholder %q has a wrong check digit", c.Name, c.FiscalCode)
		}
		if seen[c.FiscalCode] {
			t.Errorf("duplicate placeholder %s", c.FiscalCode)
		}
		seen[c.FiscalCode] = true
		if !strings.HasPrefix(c.Name, "Comune di ") {
			t.Errorf("creditor name %q", c.Name)
		}
	}
	good := PlaceholderFiscalCode("015146")
	bad := good[:10] + string('0'+(good[10]-'0'+1)%10)
	if !ValidEntityFiscalCode(good) || ValidEntityFiscalCode(bad) || independentLuhn(bad) {
		t.Errorf("ValidEntityFiscalCode(%s)=%v, (%s)=%v", good, ValidEntityFiscalCode(good), bad, ValidEntityFiscalCode(bad))
	}
}
