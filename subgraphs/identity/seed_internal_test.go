package identity

import (
	"testing"
	"time"
)

func TestUniqueFiscalCodeUsesOmocodia(t *testing.T) {
	const fc = "RSSMRA80A01F205X"
	seen := map[string]bool{}
	var codes []string
	for range 4 {
		c := uniqueFiscalCode(fc, seen)
		if seen[c] {
			t.Fatalf("%s returned twice", c)
		}
		seen[c] = true
		codes = append(codes, c)
	}
	if codes[0] != fc {
		t.Errorf("first code %s, want %s unchanged", codes[0], fc)
	}
	// Digits are replaced from the right (position 15 first: 5 → R), and
	// the check character follows.
	if codes[1][:15] != "RSSMRA80A01F20R" || codes[2][:15] != "RSSMRA80A01F2LR" {
		t.Errorf("omocodic variants %v", codes)
	}
	for _, c := range codes {
		if c[15] != checkChar(c[:15]) {
			t.Errorf("%s: check character", c)
		}
	}
}

// checkChar recomputes a fiscal code's check character from the published
// tables, independently of internal/codicefiscale.
func checkChar(s string) byte {
	odd := []int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}
	sum := 0
	for i := 0; i < 15; i++ {
		c := s[i]
		v := int(c - 'A')
		if c >= '0' && c <= '9' {
			v = int(c - '0')
		}
		if i%2 == 0 {
			sum += odd[v]
		} else {
			sum += v
		}
	}
	return byte('A' + sum%26)
}

func TestDelegationStatus(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	cases := []struct {
		name string
		d    Delegation
		want DelegationStatus
	}{
		{"open-ended", Delegation{ValidFrom: now.Add(-time.Hour)}, DelegationActive},
		{"starts now", Delegation{ValidFrom: now}, DelegationActive},
		{"future", Delegation{ValidFrom: now.Add(time.Hour)}, DelegationScheduled},
		{"ends now", Delegation{ValidFrom: now.Add(-time.Hour), ValidTo: at(0)}, DelegationExpired},
		{"ends later", Delegation{ValidFrom: now.Add(-time.Hour), ValidTo: at(time.Hour)}, DelegationActive},
		{"revoked wins over expired", Delegation{ValidFrom: now.Add(-2 * time.Hour), ValidTo: at(-time.Hour), RevokedAt: at(-90 * time.Minute)}, DelegationRevoked},
	}
	for _, c := range cases {
		if got := c.d.Status(now); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
