package identity

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/codicefiscale"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// Seed replaces the generated identity data with the data set p, in one
// transaction: people exactly as planned by seedgen (so every subgraph
// agrees on ids and fiscal codes), their organizations, delegations from
// about 5% of people and from a quarter of the organizations, and two to
// six IO-style messages per person, some about the person's planned
// practices. Bulk-loaded with COPY; 100,000 people take seconds.
func Seed(ctx context.Context, pool *pgxpool.Pool, p seedgen.Params) error {
	if p.People < 2 {
		return fmt.Errorf("identity: seed: need at least 2 people, got %d", p.People)
	}
	pl, err := seedgen.LoadPlaces()
	if err != nil {
		return fmt.Errorf("identity: seed: %w", err)
	}
	g := newGenerator(p, pl)
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("identity: seed: begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after commit
	if _, err := tx.Exec(ctx, `truncate identity.access_log, identity.message, identity.delegation, identity.organization, identity.person`); err != nil {
		return fmt.Errorf("identity: seed: truncate: %w", err)
	}
	steps := []struct {
		table string
		cols  []string
		rows  func() pgx.CopyFromSource
	}{
		{"person", []string{"id", "fiscal_code", "given_name", "family_name", "sex", "birth_date",
			"birthplace_istat", "birthplace_name", "birthplace_province", "birthplace_cadastral",
			"registry_source", "registry_verified_at", "residence_istat", "residence_address",
			"residence_source", "residence_verified_at", "email", "phone",
			"notify_email", "notify_sms", "notify_io", "language", "updated_at"}, g.people},
		{"organization", []string{"id", "vat_number", "fiscal_code", "name", "legal_form",
			"legal_representative_id", "seat_istat", "registry_source", "registry_verified_at"}, g.organizations},
		{"delegation", []string{"id", "delegator_person_id", "delegator_organization_id", "delegate_id",
			"services", "valid_from", "valid_to", "revoked_at", "created_at"}, g.delegations},
		{"message", []string{"id", "recipient_id", "subject", "markdown", "created_at", "read_at",
			"due_date", "practice_id", "payment_notice_number", "payment_iupd"}, g.messages},
	}
	restore, err := dropIndexes(ctx, tx)
	if err != nil {
		return err
	}
	for _, s := range steps {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{Schema, s.table}, s.cols, s.rows()); err != nil {
			return fmt.Errorf("identity: seed %s: %w", s.table, err)
		}
	}
	for _, stmt := range restore {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("identity: seed: restore %q: %w", stmt, err)
		}
	}
	if _, err := tx.Exec(ctx, `analyze identity.person, identity.organization, identity.delegation, identity.message`); err != nil {
		return fmt.Errorf("identity: seed: analyze: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("identity: seed: commit: %w", err)
	}
	return nil
}

// dropIndexes drops the keys, foreign keys and indexes of the identity
// tables, which are far cheaper to build once after a bulk load than to
// maintain row by row, and returns the statements that recreate them, read
// from the catalog so they always match the migrations. Keys and indexes
// come back before the foreign keys that need them.
func dropIndexes(ctx context.Context, tx pgx.Tx) ([]string, error) {
	const op = "identity: seed: drop indexes"
	if _, err := tx.Exec(ctx, `set local maintenance_work_mem = '256MB'`); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	rows, err := tx.Query(ctx, `
		select 1 as phase, format('alter table %s drop constraint %I', conrelid::regclass, conname),
		       format('alter table %s add constraint %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
		from pg_constraint
		where connamespace = $1::text::regnamespace and contype = 'f'
		union all
		select 2, format('alter table %s drop constraint %I', conrelid::regclass, conname),
		       format('alter table %s add constraint %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
		from pg_constraint
		where connamespace = $1::text::regnamespace and contype in ('p', 'u') and conrelid::regclass::text <> $2::text
		union all
		select 3, format('drop index %I.%I', i.schemaname, i.indexname), i.indexdef
		from pg_indexes i
		where i.schemaname = $1::text and i.tablename <> 'schema_version'
		  and not exists (select 1 from pg_constraint c
		                  where c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass and c.contype in ('p', 'u'))
		order by 1, 2`, Schema, Schema+".schema_version")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	type ddl struct{ drop, create string }
	var phases [4][]ddl
	for rows.Next() {
		var phase int
		var d ddl
		if err := rows.Scan(&phase, &d.drop, &d.create); err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		phases[phase] = append(phases[phase], d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var restore []string
	for phase := 1; phase <= 3; phase++ {
		for _, d := range phases[phase] {
			if _, err := tx.Exec(ctx, d.drop); err != nil {
				return nil, fmt.Errorf("%s: %q: %w", op, d.drop, err)
			}
		}
	}
	for _, phase := range []int{2, 3, 1} {
		for _, d := range phases[phase] {
			restore = append(restore, d.create)
		}
	}
	return restore, nil
}

// generator derives every identity row from the shared plan.
type generator struct {
	p        seedgen.Params
	pl       seedgen.Places
	province map[string]string // ISTAT code → province abbreviation
	fiscal   []string          // fiscal code of each person, after omocodia
}

func newGenerator(p seedgen.Params, pl seedgen.Places) *generator {
	g := &generator{p: p, pl: pl, province: map[string]string{}}
	for _, c := range pl.Italian {
		g.province[c.IstatCode] = c.Province
	}
	for _, c := range pl.Metro {
		g.province[c.IstatCode] = c.Province
	}
	return g
}

// omocodic positions of a fiscal code, replaced from the right when two
// people would share a code, as the Agenzia delle Entrate does.
var omocodicPositions = []int{14, 13, 12, 10, 9, 7, 6}

// uniqueFiscalCode returns fc, or its first omocodic variant not in seen.
func uniqueFiscalCode(fc string, seen map[string]bool) string {
	b := []byte(fc)
	for _, pos := range omocodicPositions {
		if !seen[string(b)] {
			break
		}
		if b[pos] >= '0' && b[pos] <= '9' {
			b[pos] = "LMNPQRSTUV"[b[pos]-'0']
		}
		b[15] = codicefiscale.CheckChar(string(b[:15]))
	}
	return string(b)
}

var streets = []string{"Via Roma", "Corso Buenos Aires", "Via Torino", "Viale Monza", "Via Padova", "Corso Como",
	"Via Dante", "Viale Certosa", "Via Novara", "Corso Lodi", "Via Mazzini", "Via Garibaldi", "Piazza della Repubblica",
	"Via Marconi", "Viale Lombardia", "Via Vittorio Veneto", "Via Manzoni", "Corso Italia", "Via dei Mille", "Via Verdi"}

// rowStream is a COPY source that builds its rows lazily: fill is called
// for each index 0..n-1 and may emit any number of rows.
type rowStream struct {
	n, i int
	fill func(i int, emit func(...any))
	buf  [][]any
	cur  []any
}

func rowsOf(n int, fill func(i int, emit func(...any))) *rowStream {
	return &rowStream{n: n, fill: fill}
}

func (s *rowStream) emit(v ...any) { s.buf = append(s.buf, v) }

// Next implements pgx.CopyFromSource.
func (s *rowStream) Next() bool {
	for len(s.buf) == 0 {
		if s.i >= s.n {
			return false
		}
		s.fill(s.i, s.emit)
		s.i++
	}
	s.cur, s.buf = s.buf[0], s.buf[1:]
	return true
}

// Values implements pgx.CopyFromSource.
func (s *rowStream) Values() ([]any, error) { return s.cur, nil }

// Err implements pgx.CopyFromSource.
func (s *rowStream) Err() error { return nil }

func (g *generator) people() pgx.CopyFromSource {
	seen := make(map[string]bool, g.p.People)
	g.fiscal = make([]string, g.p.People)
	return rowsOf(g.p.People, func(i int, emit func(...any)) {
		per := g.p.Person(g.pl, i)
		r := g.p.Rand("identity-person", i)
		fc := uniqueFiscalCode(per.FiscalCode, seen)
		seen[fc] = true
		g.fiscal[i] = fc
		verified := seedgen.Epoch.Add(-time.Duration(r.IntN(365*24)) * time.Hour)
		address := fmt.Sprintf("%s %d", streets[r.IntN(len(streets))], 1+r.IntN(180))
		phone := strings.ReplaceAll(per.Phone, " ", "")
		lang := "it"
		if r.IntN(20) == 0 {
			lang = "en"
		}
		emit(per.ID, fc, per.GivenName, per.FamilyName, string(per.Sex), per.BirthDate,
			per.BirthplaceIstat, per.BirthplaceName, g.province[per.BirthplaceIstat], per.BirthplaceCadastral,
			SourceANPR, verified, per.Residence, address, SourceANPR, verified, per.Email, phone,
			r.IntN(10) < 9, r.IntN(5) == 0, r.IntN(10) < 7, lang, verified)
	})
}

func (g *generator) organizations() pgx.CopyFromSource {
	return rowsOf(g.p.Organizations(), func(j int, emit func(...any)) {
		o := g.p.Organization(g.pl, j)
		fc := o.VATNumber
		if o.LegalForm == "SOLE_PROPRIETORSHIP" {
			fc = g.fiscal[o.Representative] // a sole trader's fiscal code is their own
		}
		verified := seedgen.Epoch.Add(-time.Duration(g.p.Rand("identity-organization", j).IntN(365*24)) * time.Hour)
		emit(o.ID, o.VATNumber, fc, o.Name, o.LegalForm, g.p.PersonID(o.Representative), o.Seat,
			SourceRegistroImprese, verified)
	})
}

// delegations: about one person in twenty delegates someone, and one
// organization in four delegates a person other than its representative.
// Most are active; some expired, some revoked. Seeded delegations cover
// every service.
func (g *generator) delegations() pgx.CopyFromSource {
	n, orgs := g.p.People, g.p.Organizations()
	return rowsOf(n+orgs, func(k int, emit func(...any)) {
		r := g.p.Rand("identity-delegation", k)
		var delegator, delegatorOrg any
		var self int
		if k < n {
			if r.IntN(20) != 0 {
				return
			}
			delegator, self = g.p.PersonID(k), k
		} else {
			j := k - n
			if r.IntN(4) != 0 {
				return
			}
			delegatorOrg, self = g.p.OrganizationID(j), g.p.OrganizationRepresentative(j)
		}
		delegate := (self + 1 + r.IntN(n-1)) % n
		created := seedgen.Epoch.Add(time.Duration(r.Int64N(int64(seedgen.Horizon.Sub(seedgen.Epoch))))).Truncate(time.Minute)
		var validTo, revoked any
		switch x := r.IntN(10); {
		case x < 6: // open-ended or long, active
			if x%2 == 0 {
				validTo = created.AddDate(3, 0, 0)
			}
		case x < 8: // expired
			validTo = created.AddDate(0, 1+r.IntN(3), 0)
			if validTo.(time.Time).After(seedgen.Horizon) {
				validTo = seedgen.Horizon
			}
		default: // revoked
			revoked = created.Add(time.Duration(1+r.IntN(60*24)) * time.Hour)
		}
		emit(g.p.ID("identity-delegation", k), delegator, delegatorOrg, g.p.PersonID(delegate),
			[]string{}, created, validTo, revoked, created)
	})
}

type notice struct {
	subject, body string
	dueDays       int // 0: no due date
}

var notices = []notice{
	{"La tua carta d'identità sta per scadere", "La tua **carta d'identità elettronica** scade tra meno di sei mesi.\n\nPuoi prenotare il rinnovo presso l'Anagrafe del tuo Comune dal portale dei servizi, scegliendo giorno e sportello.", 180},
	{"Calendario della raccolta differenziata", "È disponibile il nuovo **calendario della raccolta differenziata** per la tua zona.\n\nConsulta i giorni di raccolta di carta, plastica, vetro e umido e scarica il promemoria sul portale.", 0},
	{"Tessera elettorale: verifica gli spazi disponibili", "In vista delle prossime consultazioni ti ricordiamo di verificare che la tua **tessera elettorale** abbia ancora spazi per i timbri.\n\nSe è esaurita puoi richiederne una nuova all'Ufficio elettorale.", 30},
	{"Iscrizioni ai servizi scolastici aperte", "Sono aperte le **iscrizioni ai servizi scolastici** (refezione, pre e post scuola) per il prossimo anno.\n\nPuoi presentare la domanda online fino alla scadenza indicata, con SPID o CIE.", 45},
	{"Aggiorna i tuoi recapiti per le comunicazioni", "Per ricevere avvisi e scadenze in tempo, **verifica i tuoi recapiti** (e-mail e telefono) nell'area personale.\n\nPuoi scegliere anche se ricevere le comunicazioni tramite app IO, e-mail o SMS.", 0},
	{"Avviso di pagamento TARI in arrivo", "Il Comune sta emettendo gli **avvisi di pagamento della TARI** per l'anno in corso.\n\nRiceverai l'avviso pagoPA nella tua area personale: potrai pagarlo online o presso i prestatori abilitati.", 60},
}

var practiceNotices = []notice{
	{"La tua pratica è stata protocollata", "La tua pratica è stata **protocollata** ed è ora in carico all'ufficio competente.\n\nPuoi seguirne lo stato dall'area personale, dove riceverai anche eventuali richieste di integrazione.", 0},
	{"Richiesta di integrazione documentale", "L'ufficio che segue la tua pratica ha chiesto una **integrazione documentale**.\n\nCarica i documenti richiesti dall'area personale entro la scadenza indicata per non interrompere il procedimento.", 30},
	{"Aggiornamento sulla tua pratica", "C'è un **aggiornamento** sulla tua pratica: lo stato del procedimento è cambiato.\n\nApri il dettaglio nell'area personale per vedere la cronologia e le note dell'operatore che la segue.", 0},
}

// messages: two to six per person, the first ones about the person's
// planned practices.
func (g *generator) messages() pgx.CopyFromSource {
	span := int64(seedgen.Horizon.Sub(seedgen.Epoch))
	return rowsOf(g.p.People, func(i int, emit func(...any)) {
		r := g.p.Rand("identity-messages", i)
		n := 2 + r.IntN(5)
		practices := g.p.PracticeCount(i)
		for k := 0; k < n; k++ {
			var nt notice
			var practiceID any
			var created time.Time
			if k < practices {
				pr := g.p.Practice(g.pl.Metro, i, k)
				nt = practiceNotices[r.IntN(len(practiceNotices))]
				practiceID = pr.ID
				created = pr.CreatedAt.Add(time.Duration(1+r.IntN(72)) * time.Hour)
			} else {
				nt = notices[r.IntN(len(notices))]
				created = seedgen.Epoch.Add(time.Duration(r.Int64N(span))).Truncate(time.Minute)
			}
			var readAt, due any
			if r.IntN(10) < 6 {
				readAt = created.Add(time.Duration(1+r.IntN(24*14)) * time.Hour)
			}
			if nt.dueDays > 0 {
				due = created.AddDate(0, 0, nt.dueDays)
			}
			emit(g.p.ID("identity-message", i, k), g.p.PersonID(i), nt.subject, nt.body, created, readAt, due,
				practiceID, nil, nil)
		}
	})
}
