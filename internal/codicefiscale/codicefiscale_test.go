package codicefiscale

import (
	"testing"
	"time"
)

func TestEncodeKnown(t *testing.T) {
	cases := []struct {
		surname, name string
		birth         time.Time
		sex           Sex
		place, want   string
	}{
		{"Rossi", "Mario", time.Date(1985, 12, 10, 0, 0, 0, 0, time.UTC), Male, "A562", "RSSMRA85T10A562S"},
		{"Bianchi", "Giulia", time.Date(1990, 3, 5, 0, 0, 0, 0, time.UTC), Female, "F205", ""},
	}
	for _, c := range cases {
		got, err := Encode(c.surname, c.name, c.birth, c.sex, c.place)
		if err != nil {
			t.Fatal(err)
		}
		if c.want != "" && got != c.want {
			t.Errorf("Encode(%s %s) = %s, want %s", c.name, c.surname, got, c.want)
		}
		p, err := Parse(got)
		if err != nil {
			t.Fatalf("Parse(%s): %v", got, err)
		}
		if p.Sex != c.sex || p.Day != c.birth.Day() || p.Month != c.birth.Month() || p.Cadastral != c.place {
			t.Errorf("Parse(%s) = %+v", got, p)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, bad := range []string{"", "RSSMRA85T10A562X", "RSSMRA85Z10A562S", "RSSMRA85T10A562", "1SSMRA85T10A562S"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	// Omocodic variant of RSSMRA85T10A562S: last digit 2 → N, new check char.
	omo := "RSSMRA85T10A56N"
	if _, err := Parse(omo + string(CheckChar(omo))); err != nil {
		t.Errorf("omocodic code rejected: %v", err)
	}
}
