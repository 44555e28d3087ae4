package identity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/db"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/seedgen"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
)

func migration() db.Migration {
	return db.Migration{Schema: identity.Schema, Files: identity.Migrations()}
}

func seeded(t testing.TB, p seedgen.Params) *pgxpool.Pool {
	t.Helper()
	pool := devdb.NewTestDB(t, migration())
	if err := identity.Seed(context.Background(), pool, p); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return pool
}

// The validators below re-implement the published algorithms on purpose,
// without calling the product's code.

var cfOdd = map[byte]int{
	'0': 1, '1': 0, '2': 5, '3': 7, '4': 9, '5': 13, '6': 15, '7': 17, '8': 19, '9': 21,
	'A': 1, 'B': 0, 'C': 5, 'D': 7, 'E': 9, 'F': 13, 'G': 15, 'H': 17, 'I': 19, 'J': 21,
	'K': 2, 'L': 4, 'M': 18, 'N': 20, 'O': 11, 'P': 3, 'Q': 6, 'R': 8, 'S': 12, 'T': 14,
	'U': 16, 'V': 10, 'W': 22, 'X': 25, 'Y': 24, 'Z': 23,
}

func cfEven(c byte) int {
	if c >= '0' && c <= '9' {
		return int(c - '0')
	}
	return int(c - 'A')
}

// cfDigits decodes the omocodia letters of a numeric fiscal-code field.
func cfDigits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if k := strings.IndexByte("LMNPQRSTUV", c); k >= 0 {
			c = byte('0' + k)
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// checkFiscalCode reports what is wrong with fc for a person born on birth
// with the given sex and birthplace cadastral code, or "".
func checkFiscalCode(fc string, birth time.Time, sex, cadastral string) string {
	if len(fc) != 16 {
		return "length"
	}
	sum := 0
	for i := 0; i < 15; i++ {
		if i%2 == 0 {
			sum += cfOdd[fc[i]]
		} else {
			sum += cfEven(fc[i])
		}
	}
	if fc[15] != byte('A'+sum%26) {
		return "check character"
	}
	yy, ok := cfDigits(fc[6:8])
	if !ok || yy != birth.Year()%100 {
		return "year"
	}
	if fc[8] != "ABCDEHLMPRST"[birth.Month()-1] {
		return "month"
	}
	day, ok := cfDigits(fc[9:11])
	if !ok {
		return "day"
	}
	wantSex := "M"
	if day > 40 {
		day, wantSex = day-40, "F"
	}
	if day != birth.Day() || wantSex != sex {
		return "day or sex"
	}
	num, ok := cfDigits(fc[12:15])
	if !ok || fc[11:12]+string(rune('0'+num/100))+string(rune('0'+num/10%10))+string(rune('0'+num%10)) != cadastral {
		return "birthplace"
	}
	return ""
}

// validVAT checks a Partita IVA: 11 digits, Luhn-style check digit.
func validVAT(v string) bool {
	if len(v) != 11 {
		return false
	}
	sum := 0
	for i := 0; i < 11; i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func TestIndependentValidators(t *testing.T) {
	// Published examples: a well-known sample fiscal code and a VAT number.
	birth := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	if msg := checkFiscalCode("RSSMRA80A01F205X", birth, "M", "F205"); msg != "" {
		t.Errorf("sample fiscal code rejected: %s", msg)
	}
	if msg := checkFiscalCode("RSSMRA80A01F205Y", birth, "M", "F205"); msg == "" {
		t.Error("wrong check character accepted")
	}
	if msg := checkFiscalCode("RSSMRA80A41F205X", birth, "M", "F205"); msg == "" {
		t.Error("female day accepted for a man")
	}
	if !validVAT("00860340157") || validVAT("00860340158") || validVAT("0086034015") {
		t.Error("VAT validator disagrees with a published number")
	}
}

func TestSeedMatchesPlanAndIsValid(t *testing.T) {
	ctx := context.Background()
	p := seedgen.Params{People: 400, Seed: 7}
	pool := seeded(t, p)
	// Seeding again replaces the data instead of adding to it.
	if err := identity.Seed(ctx, pool, p); err != nil {
		t.Fatalf("second seed: %v", err)
	}
	pl, err := seedgen.LoadPlaces()
	if err != nil {
		t.Fatal(err)
	}

	rows, err := pool.Query(ctx, `select id::text, fiscal_code, given_name, family_name, sex, birth_date,
		birthplace_cadastral, birthplace_province, residence_istat, email, phone from identity.person`)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]int{}
	for i := 0; i < p.People; i++ {
		byID[p.PersonID(i)] = i
	}
	n := 0
	for rows.Next() {
		var id, fc, given, family, sex, cad, prov, res, email, phone string
		var birth time.Time
		if err := rows.Scan(&id, &fc, &given, &family, &sex, &birth, &cad, &prov, &res, &email, &phone); err != nil {
			t.Fatal(err)
		}
		n++
		i, ok := byID[id]
		if !ok {
			t.Fatalf("person %s is not in the plan", id)
		}
		plan := p.Person(pl, i)
		if fc != plan.FiscalCode || given != plan.GivenName || family != plan.FamilyName ||
			!birth.Equal(plan.BirthDate) || res != plan.Residence || email != plan.Email {
			t.Errorf("person %d differs from the plan: %s %s %s %s", i, fc, given, family, res)
		}
		if msg := checkFiscalCode(fc, birth, sex, cad); msg != "" {
			t.Errorf("person %d: fiscal code %s: bad %s", i, fc, msg)
		}
		if len(prov) != 2 {
			t.Errorf("person %d: province %q", i, prov)
		}
		if !strings.HasPrefix(phone, "+39") || strings.Contains(phone, " ") {
			t.Errorf("person %d: phone %q is not compact E.164", i, phone)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != p.People {
		t.Fatalf("people = %d, want %d", n, p.People)
	}

	orgRows, err := pool.Query(ctx, `select id::text, vat_number, fiscal_code, legal_form, legal_representative_id::text, seat_istat from identity.organization`)
	if err != nil {
		t.Fatal(err)
	}
	metro := map[string]bool{}
	for _, c := range pl.Metro {
		metro[c.IstatCode] = true
	}
	orgs := 0
	for orgRows.Next() {
		var id, vat, fc, form, rep, seat string
		if err := orgRows.Scan(&id, &vat, &fc, &form, &rep, &seat); err != nil {
			t.Fatal(err)
		}
		orgs++
		if !validVAT(vat) {
			t.Errorf("organization %s: invalid VAT number %s", id, vat)
		}
		if !metro[seat] {
			t.Errorf("organization %s: seat %s is not a metro comune", id, seat)
		}
		if form != "SOLE_PROPRIETORSHIP" && fc != vat {
			t.Errorf("organization %s: fiscal code %s differs from VAT %s", id, fc, vat)
		}
	}
	if err := orgRows.Err(); err != nil {
		t.Fatal(err)
	}
	if orgs != p.Organizations() {
		t.Fatalf("organizations = %d, want %d", orgs, p.Organizations())
	}
	for j := 0; j < p.Organizations(); j++ {
		var rep string
		if err := pool.QueryRow(ctx, `select legal_representative_id::text from identity.organization where id = $1`, p.OrganizationID(j)).Scan(&rep); err != nil {
			t.Fatalf("organization %d: %v", j, err)
		}
		if rep != p.PersonID(p.OrganizationRepresentative(j)) {
			t.Errorf("organization %d: representative %s", j, rep)
		}
	}

	var delegations, selfDelegations int
	if err := pool.QueryRow(ctx, `select count(*), count(*) filter (where delegate_id = delegator_person_id) from identity.delegation`).Scan(&delegations, &selfDelegations); err != nil {
		t.Fatal(err)
	}
	if delegations < p.People/50 || delegations > p.People/8 || selfDelegations != 0 {
		t.Errorf("delegations = %d (self %d), want about 5%% of %d people", delegations, selfDelegations, p.People)
	}

	// Messages: 2 to 6 per person; the first ones reference the person's
	// planned practices.
	counts := map[string]int{}
	mrows, err := pool.Query(ctx, `select recipient_id::text, coalesce(practice_id::text, ''), id::text from identity.message`)
	if err != nil {
		t.Fatal(err)
	}
	practiceRefs := map[string]bool{}
	for mrows.Next() {
		var rec, pr, id string
		if err := mrows.Scan(&rec, &pr, &id); err != nil {
			t.Fatal(err)
		}
		counts[rec]++
		if pr != "" {
			practiceRefs[pr] = true
		}
	}
	if err := mrows.Err(); err != nil {
		t.Fatal(err)
	}
	planned := map[string]bool{}
	if err := p.Practices(pl.Metro, func(pr seedgen.Practice) error { planned[pr.ID] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	for id := range practiceRefs {
		if !planned[id] {
			t.Errorf("message references practice %s, which is not planned", id)
		}
	}
	if len(practiceRefs) == 0 {
		t.Error("no message references a practice")
	}
	for i := 0; i < p.People; i++ {
		if c := counts[p.PersonID(i)]; c < 2 || c > 6 {
			t.Errorf("person %d has %d messages", i, c)
		}
	}
}

func TestVATNumberOfPlan(t *testing.T) {
	p := seedgen.Params{People: 5000, Seed: 3}
	pl, err := seedgen.LoadPlaces()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for j := 0; j < p.Organizations(); j++ {
		o := p.Organization(pl, j)
		if !validVAT(o.VATNumber) {
			t.Fatalf("organization %d: invalid VAT %s", j, o.VATNumber)
		}
		if seen[o.VATNumber] {
			t.Fatalf("organization %d: duplicate VAT %s", j, o.VATNumber)
		}
		seen[o.VATNumber] = true
	}
}

func BenchmarkSeed100000(b *testing.B) {
	pool := devdb.NewTestDB(b, migration())
	p := seedgen.Params{People: 100_000, Seed: 1}
	b.ReportAllocs()
	for b.Loop() {
		if err := identity.Seed(context.Background(), pool, p); err != nil {
			b.Fatal(err)
		}
	}
}

// schemaShape lists the constraints and indexes of the identity schema.
func schemaShape(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `
		select conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
		from pg_constraint where connamespace = 'identity'::regnamespace
		union all
		select indexdef from pg_indexes where schemaname = 'identity'
		order by 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestSeedRestoresKeysAndIndexes(t *testing.T) {
	pool := devdb.NewTestDB(t, migration())
	before := schemaShape(t, pool)
	if len(before) < 15 {
		t.Fatalf("only %d constraints and indexes: %v", len(before), before)
	}
	if err := identity.Seed(context.Background(), pool, seedgen.Params{People: 50, Seed: 2}); err != nil {
		t.Fatal(err)
	}
	after := schemaShape(t, pool)
	if strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Errorf("seed changed the schema:\nbefore:\n%s\nafter:\n%s", strings.Join(before, "\n"), strings.Join(after, "\n"))
	}
	// The foreign keys are enforced again.
	_, err := pool.Exec(context.Background(), `insert into identity.message (id, recipient_id, subject, markdown, created_at)
		values (gen_random_uuid(), gen_random_uuid(), 'A subject line', repeat('x', 100), now())`)
	if err == nil {
		t.Error("a message for an unknown person was accepted")
	}
}
