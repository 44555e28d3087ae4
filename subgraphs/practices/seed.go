package practices

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/opendata"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// Seed loads the catalogue and the practices planned by seedgen, replacing
// earlier generated data, in one transaction. Practices are walked through
// the transition table with a deterministic, realistic history (some still
// drafts, most completed, some rejected, withdrawn or waiting for an
// integration, some decided after their due date), protocol numbers and up
// to three documents each. Status events are not written to the outbox:
// seeded history is not a live change.
func Seed(ctx context.Context, pool *pgxpool.Pool, p seedgen.Params) error {
	places, err := seedgen.LoadPlaces()
	if err != nil {
		return fmt.Errorf("practices seed: %w", err)
	}
	cats, err := opendata.Categories()
	if err != nil {
		return fmt.Errorf("practices seed: %w", err)
	}
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return fmt.Errorf("practices seed: %w", err)
	}
	catalogue := Catalogue()
	for i := range catalogue {
		for _, c := range cats {
			if c.Code == catalogue[i].CategoryCode {
				catalogue[i].CategoryName = c.Name
			}
		}
	}
	g := newGenerator(p, places, catalogue, rome)
	if err := p.Practices(places.Metro, g.add); err != nil {
		return fmt.Errorf("practices seed: %w", err)
	}

	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := upsertCatalogue(ctx, tx, catalogue); err != nil {
			return err
		}
		truncated, err := clearGenerated(ctx, tx)
		if err != nil {
			return err
		}
		taken, err := protocolsTaken(ctx, tx)
		if err != nil {
			return err
		}
		g.assignProtocols(taken)
		if !truncated {
			return g.copy(ctx, tx)
		}
		// Into empty tables, building the secondary indexes and checking
		// the foreign keys once after the load is several times faster
		// than maintaining them row by row.
		return withoutSecondaryIndexes(ctx, tx, []string{"practice", "status_change", "document"}, func() error {
			return g.copy(ctx, tx)
		})
	})
}

// withoutSecondaryIndexes drops the non-constraint indexes and the foreign
// keys of tables (in the practices schema), runs load, and recreates them
// from their catalogued definitions, all inside tx.
func withoutSecondaryIndexes(ctx context.Context, tx pgx.Tx, tables []string, load func() error) error {
	var indexes, fks [][2]string // name, definition
	rows, err := tx.Query(ctx, `select i.relname, pg_get_indexdef(i.oid)
		from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
		where t.relnamespace = 'practices'::regnamespace and t.relname = any($1)
			and not exists (select 1 from pg_constraint c where c.conindid = i.oid)`, tables)
	if err != nil {
		return fmt.Errorf("practices seed: list indexes: %w", err)
	}
	for rows.Next() {
		var d [2]string
		if err := rows.Scan(&d[0], &d[1]); err != nil {
			rows.Close()
			return fmt.Errorf("practices seed: list indexes: %w", err)
		}
		indexes = append(indexes, d)
	}
	rows.Close()
	rows, err = tx.Query(ctx, `select c.conname, 'alter table ' || c.conrelid::regclass || ' add constraint ' ||
			quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid)
		from pg_constraint c join pg_class t on t.oid = c.conrelid
		where c.contype = 'f' and t.relnamespace = 'practices'::regnamespace and t.relname = any($1)`, tables)
	if err != nil {
		return fmt.Errorf("practices seed: list foreign keys: %w", err)
	}
	for rows.Next() {
		var d [2]string
		if err := rows.Scan(&d[0], &d[1]); err != nil {
			rows.Close()
			return fmt.Errorf("practices seed: list foreign keys: %w", err)
		}
		fks = append(fks, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("practices seed: list foreign keys: %w", err)
	}
	for _, fk := range fks {
		table := strings.Fields(fk[1])[2] // alter table <table> add constraint ...
		if _, err := tx.Exec(ctx, `alter table `+table+` drop constraint `+pgx.Identifier{fk[0]}.Sanitize()); err != nil {
			return fmt.Errorf("practices seed: drop %s: %w", fk[0], err)
		}
	}
	for _, ix := range indexes {
		if _, err := tx.Exec(ctx, `drop index `+pgx.Identifier{"practices", ix[0]}.Sanitize()); err != nil {
			return fmt.Errorf("practices seed: drop %s: %w", ix[0], err)
		}
	}
	if err := load(); err != nil {
		return err
	}
	for _, ix := range indexes {
		if _, err := tx.Exec(ctx, ix[1]); err != nil {
			return fmt.Errorf("practices seed: create %s: %w", ix[0], err)
		}
	}
	for _, fk := range fks {
		if _, err := tx.Exec(ctx, fk[1]); err != nil {
			return fmt.Errorf("practices seed: add %s: %w", fk[0], err)
		}
	}
	return nil
}

func upsertCatalogue(ctx context.Context, tx pgx.Tx, cards []ServiceCard) error {
	b := &pgx.Batch{}
	for i, c := range cards {
		b.Queue(`insert into practices.service (id, slug, category_code, category_name, pon_metro_area, title, state,
			state_reason, short_description, audience, how_to, what_you_need, what_you_get, max_days, channels, conditions,
			contact_office, contact_email, contact_phone, contact_pec, fully_online, archetype, life_events, comuni,
			requires_payment, fee_cents, position)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
			$23, $24, $25, $26, $27)
			on conflict (id) do update set slug = excluded.slug, category_code = excluded.category_code,
			category_name = excluded.category_name, pon_metro_area = excluded.pon_metro_area, title = excluded.title,
			state = excluded.state, state_reason = excluded.state_reason, short_description = excluded.short_description,
			audience = excluded.audience, how_to = excluded.how_to, what_you_need = excluded.what_you_need,
			what_you_get = excluded.what_you_get, max_days = excluded.max_days, channels = excluded.channels,
			conditions = excluded.conditions, contact_office = excluded.contact_office,
			contact_email = excluded.contact_email, contact_phone = excluded.contact_phone,
			contact_pec = excluded.contact_pec, fully_online = excluded.fully_online, archetype = excluded.archetype,
			life_events = excluded.life_events, comuni = excluded.comuni, requires_payment = excluded.requires_payment,
			fee_cents = excluded.fee_cents, position = excluded.position`,
			c.ID, c.Slug, c.CategoryCode, c.CategoryName, c.PonMetroArea, c.Title, c.State, c.StateReason,
			c.ShortDescription, c.Audience, c.HowTo, c.WhatYouNeed, c.WhatYouGet, c.MaxDays, c.Channels, c.Conditions,
			c.Contacts.Office, c.Contacts.Email, c.Contacts.Phone, c.Contacts.PEC, c.FullyOnline, c.Archetype,
			lifeEventKeys(c.LifeEvents), c.Comuni, c.RequiresPayment, c.FeeCents, i)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("practices seed: catalogue: %w", err)
	}
	return nil
}

// clearGenerated removes the generated practices (with their history and
// documents). When there are no others it truncates, which is much faster,
// and reports so.
func clearGenerated(ctx context.Context, tx pgx.Tx) (truncated bool, err error) {
	var others bool
	if err := tx.QueryRow(ctx, `select exists (select 1 from practices.practice where not generated)`).Scan(&others); err != nil {
		return false, fmt.Errorf("practices seed: %w", err)
	}
	q := `truncate practices.practice, practices.status_change, practices.document, practices.document_chunk, practices.status_event`
	if others {
		q = `delete from practices.status_event e using practices.practice p where p.id = e.practice_id and p.generated;
			delete from practices.practice where generated`
	}
	if _, err := tx.Exec(ctx, q); err != nil {
		return false, fmt.Errorf("practices seed: clear: %w", err)
	}
	return !others, nil
}

type genPractice struct {
	Practice
	protoTime *time.Time
}

type generator struct {
	p         seedgen.Params
	places    seedgen.Places
	cards     []ServiceCard
	pools     map[[2]bool][]int // [requiresPayment, milan] → card indexes
	rome      *time.Location
	fiscal    map[int]string // person index → fiscal code
	practices []genPractice
	history   []genHistory
	documents []genDocument
}

type genHistory struct {
	practice pgtype.UUID
	status   Status
	previous Status // "" for the creation
	at       time.Time
	actor    Actor
	note     string
	// applicant and comune of the practice, for the outbox row.
	applicant pgtype.UUID
	comune    string
}

type genDocument struct {
	id, practice pgtype.UUID
	name, media  string
	size         int64
	sha256       string
	at           time.Time
}

func pgUUID(s string) pgtype.UUID { return pgtype.UUID{Bytes: uuid.MustParse(s), Valid: true} }

func newGenerator(p seedgen.Params, places seedgen.Places, cards []ServiceCard, rome *time.Location) *generator {
	g := &generator{p: p, places: places, cards: cards, rome: rome, pools: map[[2]bool][]int{}, fiscal: map[int]string{},
		// about 1.75 practices a person, 5.2 history rows and 1.2 documents a practice
		practices: make([]genPractice, 0, p.People*9/5),
		history:   make([]genHistory, 0, p.People*19/2),
		documents: make([]genDocument, 0, p.People*9/4),
	}
	for i, c := range cards {
		if c.State != ServiceActive {
			continue
		}
		for _, milan := range []bool{false, true} {
			// Outside Milan only the cards offered everywhere apply.
			if c.Comuni == nil || (milan && c.OfferedIn(MilanIstat)) {
				k := [2]bool{c.RequiresPayment, milan}
				g.pools[k] = append(g.pools[k], i)
			}
		}
	}
	return g
}

func (g *generator) fiscalCode(i int) string {
	fc, ok := g.fiscal[i]
	if !ok {
		fc = g.p.Person(g.places, i).FiscalCode
		g.fiscal[i] = fc
	}
	return fc
}

// operator is the fiscal code of one of the few operators of comune: a
// deterministic resident of the data set.
func (g *generator) operator(r *rand.Rand, comune string) string {
	h := sha256.Sum256([]byte(comune))
	base := int(h[0])<<16 | int(h[1])<<8 | int(h[2])
	return g.fiscalCode((base + r.IntN(4)*7919) % max(1, g.p.People))
}

var integrationNotes = []string{
	"Manca la copia del documento d'identità del richiedente.",
	"L'attestazione ISEE allegata è scaduta: allegare quella in corso di validità.",
	"La planimetria non è leggibile; inviarne una in formato PDF.",
	"Indicare gli estremi del contratto di locazione registrato.",
	"Integrare la ricevuta di pagamento dei diritti.",
}

var rejectNotes = []string{
	"Requisiti non posseduti alla data della domanda.",
	"ISEE superiore alla soglia prevista dal bando.",
	"Documentazione incompleta nonostante la richiesta di integrazione.",
	"Il richiedente non risulta residente nel comune.",
}

func (g *generator) add(plan seedgen.Practice) error {
	r := g.p.Rand("practice-life", plan.Person, plan.Index)
	pool := g.pools[[2]bool{plan.HasPayment, plan.Comune == MilanIstat}]
	card := &g.cards[pool[plan.Service%len(pool)]]
	at := plan.CreatedAt.UTC()
	pr := genPractice{Practice: Practice{
		ID: plan.ID, ServiceID: card.ID, ApplicantID: g.p.PersonID(plan.Person),
		ApplicantFiscalCode: g.fiscalCode(plan.Person), Comune: plan.Comune, Status: StatusDraft,
		CreatedAt: at, UpdatedAt: at,
	}}
	for _, e := range card.LifeEvents {
		if e.Scope == "impresa" && plan.Person%20 == 0 && plan.Person/20 < g.p.Organizations() {
			pr.OrganizationID = g.p.OrganizationID(plan.Person / 20)
		}
	}
	citizen := Actor{Kind: ActorCitizen, ID: pr.ApplicantFiscalCode}
	pid, applicant := pgUUID(pr.ID), pgUUID(pr.ApplicantID)
	var previous Status
	hist := func(s Status, t time.Time, a Actor, note string) {
		g.history = append(g.history, genHistory{practice: pid, status: s, previous: previous, at: t, actor: a, note: note,
			applicant: applicant, comune: pr.Comune})
		previous = s
	}
	hist(StatusDraft, at, citizen, "")
	g.addDocuments(r, pid, card, at)

	// later returns at plus a random delay, or false past the data set's horizon.
	later := func(minMinutes, maxMinutes int) (time.Time, bool) {
		t := at.Add(time.Duration(minMinutes+r.IntN(maxMinutes-minMinutes+1)) * time.Minute)
		return t, !t.After(seedgen.Horizon)
	}
	step := func(a Action, actor Actor, note string, t time.Time) {
		e, ok := Next(a, pr.Status, card.RequiresPayment)
		if !ok {
			panic(fmt.Sprintf("practices seed: %s from %s is not in the transition table", a, pr.Status))
		}
		ch := ApplyEdge(pr.Practice, e, card.MaxDays, t, g.rome, actor, note)
		pr.Practice = ch.Practice
		if ch.ProtocolYear > 0 {
			pr.protoTime = &t
		}
		at = t
		hist(e.To, t, actor, note)
	}
	operator := Actor{Kind: ActorOperator, ID: g.operator(r, pr.Comune)}
	roll := r.IntN(100)
	switch {
	case roll < 6: // abandoned draft
		g.practices = append(g.practices, pr)
		return nil
	case roll < 9:
		if t, ok := later(60, 7*24*60); ok {
			step(ActionWithdraw, citizen, "", t)
		}
		g.practices = append(g.practices, pr)
		return nil
	}
	t, ok := later(5, 3*24*60)
	if !ok {
		g.practices = append(g.practices, pr)
		return nil
	}
	step(ActionSubmit, citizen, "", t)
	if pr.Status == StatusPaymentPending {
		if r.IntN(100) < 4 {
			g.practices = append(g.practices, pr)
			return nil
		}
		if t, ok = later(1, 2*24*60); !ok {
			g.practices = append(g.practices, pr)
			return nil
		}
		step(ActionConfirmPayment, Actor{Kind: ActorSystem, ID: "pagopa"}, "Pagamento confermato dal nodo pagoPA.", t)
	}
	// The decision lands between 20% and 130% of the legal term after
	// submission, so about a quarter of the practices are decided late.
	submitted := *pr.SubmittedAt
	decideAt := submitted.Add(time.Duration(float64(card.MaxDays) * (0.2 + 1.1*r.Float64()) * float64(24*time.Hour))).Truncate(time.Minute)
	if t, ok = later(30, 3*24*60); !ok {
		g.practices = append(g.practices, pr)
		return nil
	}
	step(ActionRegister, operator, "", t)
	if r.IntN(100) < 3 {
		if t, ok = later(60, 5*24*60); ok {
			step(ActionReject, operator, rejectNotes[r.IntN(len(rejectNotes))], t)
		}
		g.practices = append(g.practices, pr)
		return nil
	}
	if t, ok = later(60, 5*24*60); !ok {
		g.practices = append(g.practices, pr)
		return nil
	}
	step(ActionTakeInCharge, operator, "", t)
	if r.IntN(100) < 20 {
		if t, ok = later(60, 10*24*60); !ok {
			g.practices = append(g.practices, pr)
			return nil
		}
		step(ActionRequestIntegration, operator, integrationNotes[r.IntN(len(integrationNotes))], t)
		if r.IntN(100) < 15 { // still waiting, or given up
			if r.IntN(2) == 0 {
				if t, ok = later(24*60, 30*24*60); ok {
					step(ActionWithdraw, citizen, "Rinuncio alla domanda.", t)
				}
			}
			g.practices = append(g.practices, pr)
			return nil
		}
		if t, ok = later(60, 15*24*60); !ok {
			g.practices = append(g.practices, pr)
			return nil
		}
		g.addDocuments(r, pid, card, t)
		step(ActionAnswerIntegration, citizen, "Allegata la documentazione richiesta.", t)
	}
	if r.IntN(100) < 3 {
		if t, ok = later(60, 10*24*60); ok {
			step(ActionWithdraw, citizen, "", t)
		}
		g.practices = append(g.practices, pr)
		return nil
	}
	if !decideAt.After(at) {
		decideAt = at.Add(time.Duration(1+r.IntN(48)) * time.Hour)
	}
	if decideAt.After(seedgen.Horizon) {
		g.practices = append(g.practices, pr) // still being handled
		return nil
	}
	if r.IntN(100) < 12 {
		step(ActionReject, operator, rejectNotes[r.IntN(len(rejectNotes))], decideAt)
	} else {
		step(ActionComplete, operator, "", decideAt)
	}
	g.practices = append(g.practices, pr)
	return nil
}

var documentTypes = []string{"application/pdf", "application/pdf", "application/pdf", "image/jpeg", "image/png", "application/pkcs7-mime"}

var documentExt = map[string]string{"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "application/pkcs7-mime": ".pdf.p7m"}

// addDocuments attaches 0 to 2 documents at a time, at most 3 in all,
// named after what the service requires.
func (g *generator) addDocuments(r *rand.Rand, practice pgtype.UUID, card *ServiceCard, at time.Time) {
	n := r.IntN(3)
	for k := 0; k < n && len(card.WhatYouNeed) > 0 && g.countDocs(practice) < 3; k++ {
		mt := documentTypes[r.IntN(len(documentTypes))]
		need := card.WhatYouNeed[r.IntN(len(card.WhatYouNeed))]
		if len(need) > 60 {
			need = strings.TrimSpace(need[:strings.LastIndex(need[:60], " ")])
		}
		sum := sha256.Sum256(fmt.Appendf(nil, "%x/%d/%d", practice.Bytes, at.UnixNano(), k))
		g.documents = append(g.documents, genDocument{
			id: pgtype.UUID{Bytes: uuid.NewSHA1(practice.Bytes, sum[:]), Valid: true}, practice: practice,
			name: need + documentExt[mt], media: mt, size: int64(20_000 + r.IntN(3_000_000)),
			sha256: hex.EncodeToString(sum[:]), at: at.Add(time.Duration(r.IntN(30)) * time.Minute),
		})
	}
}

// countDocs counts the trailing documents of practice (the documents of a
// practice are appended contiguously).
func (g *generator) countDocs(practice pgtype.UUID) int {
	n := 0
	for i := len(g.documents) - 1; i >= 0 && g.documents[i].practice == practice; i-- {
		n++
	}
	return n
}

type protocolKey struct {
	comune string
	year   int
}

// protocolsTaken returns the last protocol number per comune and year held
// by practices that are not generated (those survive a reseed).
func protocolsTaken(ctx context.Context, tx pgx.Tx) (map[protocolKey]int64, error) {
	rows, err := tx.Query(ctx, `select split_part(protocol_number, '/', 1), split_part(protocol_number, '/', 2)::int,
			max(split_part(protocol_number, '/', 3)::bigint)
		from practices.practice where protocol_number is not null and not generated group by 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("practices seed: protocols: %w", err)
	}
	defer rows.Close()
	out := map[protocolKey]int64{}
	for rows.Next() {
		var k protocolKey
		var last int64
		if err := rows.Scan(&k.comune, &k.year, &last); err != nil {
			return nil, fmt.Errorf("practices seed: protocols: %w", err)
		}
		out[k] = last
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("practices seed: protocols: %w", err)
	}
	return out, nil
}

// assignProtocols numbers the registered practices per comune and year in
// order of registration, as a protocol register does, after the numbers
// already taken.
func (g *generator) assignProtocols(taken map[protocolKey]int64) {
	type key = protocolKey
	groups := map[key][]int{}
	for i := range g.practices {
		if t := g.practices[i].protoTime; t != nil {
			k := key{g.practices[i].Comune, t.In(g.rome).Year()}
			groups[k] = append(groups[k], i)
		}
	}
	for k, idx := range groups {
		sort.Slice(idx, func(a, b int) bool {
			pa, pb := g.practices[idx[a]], g.practices[idx[b]]
			if !pa.protoTime.Equal(*pb.protoTime) {
				return pa.protoTime.Before(*pb.protoTime)
			}
			return pa.ID < pb.ID
		})
		for seq, i := range idx {
			g.practices[i].ProtocolNumber = ProtocolNumber(k.comune, k.year, taken[k]+int64(seq+1))
		}
	}
}

// rowsOf streams n rows built by fill into one reused buffer (pgx encodes
// each row before asking for the next).
func rowsOf(n, width int, fill func(i int, row []any)) pgx.CopyFromSource {
	row := make([]any, width)
	i := 0
	return pgx.CopyFromFunc(func() ([]any, error) {
		if i >= n {
			return nil, nil
		}
		fill(i, row)
		i++
		return row, nil
	})
}

func (g *generator) copy(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"practices", "practice"},
		[]string{"id", "service_id", "applicant_id", "applicant_fiscal_code", "organization_id", "comune", "status",
			"protocol_number", "protocol_date", "created_at", "updated_at", "submitted_at", "taken_in_charge_at",
			"due_by", "decided_at", "generated"},
		rowsOf(len(g.practices), 16, func(i int, row []any) {
			p := g.practices[i].Practice
			org := pgtype.UUID{}
			if p.OrganizationID != "" {
				org = pgUUID(p.OrganizationID)
			}
			proto := pgtype.Text{String: p.ProtocolNumber, Valid: p.ProtocolNumber != ""}
			copy(row, []any{pgUUID(p.ID), pgUUID(p.ServiceID), pgUUID(p.ApplicantID), p.ApplicantFiscalCode, org,
				p.Comune, string(p.Status), proto, p.ProtocolDate, p.CreatedAt, p.UpdatedAt, p.SubmittedAt,
				p.TakenInChargeAt, p.DueBy, p.DecidedAt, true})
		}))
	if err != nil {
		return fmt.Errorf("practices seed: copy practices: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"practices", "status_change"},
		[]string{"practice_id", "status", "at", "actor_kind", "actor_id", "note"},
		rowsOf(len(g.history), 6, func(i int, row []any) {
			h := &g.history[i]
			row[0], row[1], row[2], row[3], row[4], row[5] = h.practice, string(h.status), h.at, string(h.actor.Kind), h.actor.ID, h.note
		})); err != nil {
		return fmt.Errorf("practices seed: copy history: %w", err)
	}
	// The outbox holds every change, as if each had been made live (event
	// ids in the order of time), so a subscriber replays a seeded
	// practice's timeline like any other.
	order := make([]int, len(g.history))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return g.history[order[a]].at.Before(g.history[order[b]].at) })
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"practices", "status_event"},
		[]string{"practice_id", "status", "previous_status", "at", "actor_kind", "actor_id", "note", "applicant_id", "comune"},
		rowsOf(len(order), 9, func(i int, row []any) {
			h := &g.history[order[i]]
			copy(row, []any{h.practice, string(h.status), string(h.previous), h.at, string(h.actor.Kind), h.actor.ID, h.note, h.applicant, h.comune})
		})); err != nil {
		return fmt.Errorf("practices seed: copy outbox: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"practices", "document"},
		[]string{"id", "practice_id", "name", "media_type", "size_bytes", "sha256", "uploaded_at"},
		rowsOf(len(g.documents), 7, func(i int, row []any) {
			d := &g.documents[i]
			row[0], row[1], row[2], row[3], row[4], row[5], row[6] = d.id, d.practice, d.name, d.media, d.size, d.sha256, d.at
		})); err != nil {
		return fmt.Errorf("practices seed: copy documents: %w", err)
	}
	_, err = tx.Exec(ctx, `insert into practices.protocol_counter (comune, year, last)
		select split_part(protocol_number, '/', 1), split_part(protocol_number, '/', 2)::int,
			max(split_part(protocol_number, '/', 3)::bigint)
		from practices.practice where protocol_number is not null group by 1, 2
		on conflict (comune, year) do update set last = greatest(practices.protocol_counter.last, excluded.last)`)
	if err != nil {
		return fmt.Errorf("practices seed: protocol counters: %w", err)
	}
	return nil
}
