// Package codicefiscale encodes and validates Italian fiscal codes (codice
// fiscale, DM 23/12/1976): three letters from the surname, three from the
// given name, birth year, month letter, birth day (plus 40 for women), the
// cadastral (Belfiore) code of the birthplace and a check character.
// Omocodic codes (digits replaced by letters to resolve collisions) are
// accepted by [Parse].
package codicefiscale

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

const months = "ABCDEHLMPRST"

// omocodia maps the digits 0-9 to the letters that replace them.
const omocodia = "LMNPQRSTUV"

// Sex is F or M.
type Sex byte

// The sexes a fiscal code encodes.
const (
	Male   Sex = 'M'
	Female Sex = 'F'
)

// Encode builds the 16-character fiscal code.
func Encode(surname, name string, birth time.Time, sex Sex, cadastral string) (string, error) {
	if len(cadastral) != 4 {
		return "", fmt.Errorf("codicefiscale: cadastral code %q must have 4 characters", cadastral)
	}
	var b strings.Builder
	b.WriteString(surnamePart(surname))
	b.WriteString(namePart(name))
	fmt.Fprintf(&b, "%02d", birth.Year()%100)
	b.WriteByte(months[birth.Month()-1])
	day := birth.Day()
	if sex == Female {
		day += 40
	}
	fmt.Fprintf(&b, "%02d", day)
	b.WriteString(strings.ToUpper(cadastral))
	s := b.String()
	return s + string(CheckChar(s)), nil
}

func letters(s string) (cons, vows []byte) {
	for _, r := range norm.NFD.String(strings.ToUpper(s)) {
		if r > unicode.MaxASCII || !unicode.IsLetter(r) {
			continue
		}
		if strings.ContainsRune("AEIOU", r) {
			vows = append(vows, byte(r))
		} else {
			cons = append(cons, byte(r))
		}
	}
	return cons, vows
}

func pad3(parts ...[]byte) string {
	var all []byte
	for _, p := range parts {
		all = append(all, p...)
	}
	all = append(all, 'X', 'X', 'X')
	return string(all[:3])
}

func surnamePart(s string) string {
	c, v := letters(s)
	return pad3(c, v)
}

func namePart(s string) string {
	c, v := letters(s)
	if len(c) >= 4 {
		return string([]byte{c[0], c[2], c[3]})
	}
	return pad3(c, v)
}

var oddValues = [36]int{
	// 0-9
	1, 0, 5, 7, 9, 13, 15, 17, 19, 21,
	// A-Z
	1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
}

func index(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return 10 + int(c-'A')
	}
	return -1
}

// CheckChar computes the check character of the first 15 characters.
func CheckChar(first15 string) byte {
	sum := 0
	for i := 0; i < 15 && i < len(first15); i++ {
		k := index(first15[i])
		if k < 0 {
			return '?'
		}
		if i%2 == 0 { // odd position, 1-based
			sum += oddValues[k]
		} else if k < 10 {
			sum += k
		} else {
			sum += k - 10
		}
	}
	return byte('A' + sum%26)
}

// Code is a decoded fiscal code.
type Code struct {
	Sex       Sex
	Year2     int // two-digit year
	Month     time.Month
	Day       int
	Cadastral string
}

// ErrInvalid is wrapped by every Parse error.
var ErrInvalid = errors.New("invalid fiscal code")

// Parse validates code (shape, month, day, check character; omocodic
// letters allowed) and decodes it.
func Parse(code string) (Code, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) != 16 {
		return Code{}, fmt.Errorf("%w: length %d", ErrInvalid, len(code))
	}
	for i := 0; i < 6; i++ {
		if code[i] < 'A' || code[i] > 'Z' {
			return Code{}, fmt.Errorf("%w: character %d", ErrInvalid, i+1)
		}
	}
	if CheckChar(code[:15]) != code[15] {
		return Code{}, fmt.Errorf("%w: check character", ErrInvalid)
	}
	plain := []byte(code)
	for _, i := range []int{6, 7, 9, 10, 12, 13, 14} {
		c := plain[i]
		if c >= '0' && c <= '9' {
			continue
		}
		k := strings.IndexByte(omocodia, c)
		if k < 0 {
			return Code{}, fmt.Errorf("%w: character %d", ErrInvalid, i+1)
		}
		plain[i] = byte('0' + k)
	}
	m := strings.IndexByte(months, plain[8])
	if m < 0 {
		return Code{}, fmt.Errorf("%w: month", ErrInvalid)
	}
	day := int(plain[9]-'0')*10 + int(plain[10]-'0')
	sex := Male
	if day > 40 {
		day -= 40
		sex = Female
	}
	if day < 1 || day > 31 {
		return Code{}, fmt.Errorf("%w: day", ErrInvalid)
	}
	if plain[11] < 'A' || plain[11] > 'Z' {
		return Code{}, fmt.Errorf("%w: birthplace", ErrInvalid)
	}
	return Code{
		Sex: sex, Year2: int(plain[6]-'0')*10 + int(plain[7]-'0'), Month: time.Month(m + 1), Day: day,
		Cadastral: string(plain[11:15]),
	}, nil
}
