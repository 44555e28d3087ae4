package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/graph-gophers/dataloader/v7"
	"github.com/jackc/pgx/v5"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/codicefiscale"
	"github.com/citizengraph/citizengraph/internal/keyset"
)

// The access log: every read of a person's data granted by an operator's
// or an admin's powers — a lookup by fiscal code at the counter, or the
// personal fields of someone else (registry data and contacts, delegations,
// messages) — is recorded, once per person and request, before the data
// leaves the subgraph. "Request" is the client's request to the gateway:
// the gateway names it (RequestHeader) on every subgraph request it makes
// for it, so the reads of one person by one operator in one client request
// are one row however many fetches reach this subgraph; without the
// gateway's name (a direct call) it is this subgraph's operation. The
// reader is recorded by their stable identity (the token's issuer and
// subject) and, when they have one, their fiscal code. The person reads
// their own log (Service.AccessLog);
// nobody else does. Reads by the person themself and by delegates under
// the person's own delegation are not accesses of the administration and
// are not recorded; nor are the public fields (id, names, organizations).

// What an access read.
const (
	AccessLookup      = "LOOKUP"
	AccessProfile     = "PROFILE"
	AccessDelegations = "DELEGATIONS"
	AccessMessages    = "MESSAGES"
)

// accessData is the access-log name of a personal-data group.
func accessData(group string) string {
	switch group {
	case GroupDelegations:
		return AccessDelegations
	case GroupMessages:
		return AccessMessages
	default:
		return AccessProfile
	}
}

// AccessVia is how the operator reached the person.
type AccessVia string

// The ways to a person.
const (
	// ViaLookup: personByFiscalCode, at the counter.
	ViaLookup AccessVia = "FISCAL_CODE_LOOKUP"
	// ViaPerson: person(id).
	ViaPerson AccessVia = "PERSON"
	// ViaRelated: from another object (a practice's applicant, a delegation,
	// a message, an organization's representative).
	ViaRelated AccessVia = "RELATED"
)

type viaKey struct{}

// WithAccessVia returns ctx saying how the reads under it reached the
// person; without it they are ViaRelated.
func WithAccessVia(ctx context.Context, via AccessVia) context.Context {
	return context.WithValue(ctx, viaKey{}, via)
}

func accessVia(ctx context.Context) AccessVia {
	if v, ok := ctx.Value(viaKey{}).(AccessVia); ok {
		return v
	}
	return ViaRelated
}

// MaxReasonLength bounds the reason of a lookup.
const MaxReasonLength = 500

// RequestHeader carries the gateway's id of the client request a subgraph
// request is part of: a UUIDv7, whose time must be within
// [-requestIDAge, +requestIDSkew] of the subgraph's clock for it to be
// used (a stale or malformed one is ignored: the operation gets its own).
const RequestHeader = "Citizengraph-Request-Id"

// The window in which a gateway's request id is taken: a client request
// lasts at most its subgraph timeouts; anyone who reaches the subgraph
// directly can merge only their own reads of a person within it.
const (
	requestIDAge  = 2 * time.Minute
	requestIDSkew = 5 * time.Second
)

type requestKey struct{}

// WithRequest returns ctx whose accesses belong to the gateway's client
// request id (the RequestHeader of the subgraph request), if it is a
// UUIDv7 of the last requestIDAge at now; else ctx unchanged.
func WithRequest(ctx context.Context, id string, now time.Time) context.Context {
	if id == "" {
		return ctx
	}
	u, err := uuid.Parse(id)
	if err != nil || u.Version() != 7 || len(id) != 36 {
		return ctx
	}
	sec, nsec := u.Time().UnixTime()
	at := time.Unix(sec, nsec)
	if at.Before(now.Add(-requestIDAge)) || at.After(now.Add(requestIDSkew)) {
		return ctx
	}
	return context.WithValue(ctx, requestKey{}, u.String())
}

// requestOf is the client request of ctx, else fallback (the operation's).
func requestOf(ctx context.Context, fallback string) string {
	if id, ok := ctx.Value(requestKey{}).(string); ok {
		return id
	}
	return fallback
}

// AccessEntry is one row of the access log.
type AccessEntry struct {
	ID        string
	PersonID  string
	RequestID string
	At        time.Time
	ActorID   string // the operator's fiscal code, or "sub:" and the token subject
	// ActorIssuer and ActorSubject are the operator's stable identity:
	// the issuer and subject of their token.
	ActorIssuer  string
	ActorSubject string
	ActorName    string
	ActorRole    string // OPERATOR or ADMIN
	Comuni       []string
	Via          AccessVia
	Reason       string
	Data         []string
}

// operatorID names the reader of an entry like the desk names operators.
func operatorID(pr *auth.Principal) string {
	if pr.FiscalCode != "" {
		return strings.ToUpper(pr.FiscalCode)
	}
	return "sub:" + pr.Subject
}

// recordAccess writes that the caller read what of person in this request
// (through the comuni that allowed it), once per person and what: the
// reads of an operation are gathered by a loader into one statement, which
// writes each person's row of the request or adds to its data. The read
// must not go on when it fails.
func (s *Service) recordAccess(ctx context.Context, pr *auth.Principal, person, what string, comuni []string, reason string) error {
	const op = "identity.recordAccess"
	l := s.loaders(ctx)
	// A lookup's reason is part of it: two lookups of the person with
	// different reasons both reach the row.
	_, err := l.accesses.Get(ctx, person+"|"+what+"|"+reason, func(ctx context.Context) (struct{}, error) {
		k := accessKey{Person: person, What: what, Via: string(accessVia(ctx)), Reason: reason, Request: requestOf(ctx, l.request),
			ActorID: operatorID(pr), ActorIssuer: pr.Issuer, ActorSubject: pr.Subject, ActorName: pr.Name, ActorRole: "OPERATOR", Comuni: strings.Join(comuni, ",")}
		if pr.Has(auth.RoleAdmin) {
			k.ActorRole, k.Comuni = "ADMIN", ""
		}
		return l.accessWrites.Load(ctx, k)()
	})
	if err != nil {
		return apperr.Wrap(op, err)
	}
	return nil
}

// accessKey is one read to record (comuni comma-joined).
type accessKey struct {
	Person, What, Via, Reason, Comuni string
	Request                           string // the client request (requestOf)
	ActorID, ActorName, ActorRole     string
	ActorIssuer, ActorSubject         string
}

// accessBatch records a batch of reads of one operation (one reader): one
// row per person, with the union of what was read, in one statement.
// request is the operation's id, for keys that name no client request.
func accessBatch(store *Store, request string, now func() time.Time) dataloader.BatchFunc[accessKey, struct{}] {
	return func(ctx context.Context, keys []accessKey) []*dataloader.Result[struct{}] {
		byPerson := map[string]*AccessEntry{}
		var entries []*AccessEntry
		at := now().UTC()
		for _, k := range keys {
			if k.Request == "" {
				k.Request = request
			}
			e, ok := byPerson[k.Person+"|"+k.Request]
			if !ok {
				e = &AccessEntry{ID: uuid.NewString(), PersonID: k.Person, RequestID: k.Request, At: at,
					ActorID: k.ActorID, ActorIssuer: k.ActorIssuer, ActorSubject: k.ActorSubject, ActorName: k.ActorName, ActorRole: k.ActorRole, Comuni: []string{},
					Via: AccessVia(k.Via), Reason: k.Reason}
				if k.Comuni != "" {
					e.Comuni = strings.Split(k.Comuni, ",")
				}
				byPerson[k.Person+"|"+k.Request] = e
				entries = append(entries, e)
			}
			if e.Reason == "" {
				e.Reason = k.Reason
			}
			e.Data = append(e.Data, k.What)
		}
		err := store.RecordAccesses(ctx, entries)
		out := make([]*dataloader.Result[struct{}], len(keys))
		for i := range out {
			out[i] = &dataloader.Result[struct{}]{Error: err}
		}
		return out
	}
}

// PersonByFiscalCode looks a person up by fiscal code at the counter:
// operators find only people with a practice in one of their comuni (the
// rule of [Service.CheckPersonalData]), admins anyone; citizens and apps
// get Permission. A malformed fiscal code is Invalid; an unknown one, or a
// person the operator may not read, is nil, alike. A lookup that finds
// someone else is recorded in their access log, with the reason given.
func (s *Service) PersonByFiscalCode(ctx context.Context, fiscalCode, reason string) (*Person, error) {
	const op = "identity.PersonByFiscalCode"
	pr := auth.FromContext(ctx)
	if pr == nil {
		return nil, apperr.E(op, apperr.Unauthenticated, "authentication required")
	}
	admin := pr.Has(auth.RoleAdmin)
	if !admin && !pr.Has(auth.RoleOperator) {
		return nil, apperr.E(op, apperr.Permission, "looking people up by fiscal code is for operators of a comune")
	}
	fc := strings.ToUpper(strings.TrimSpace(fiscalCode))
	if _, err := codicefiscale.Parse(fc); err != nil {
		return nil, apperr.E(op, apperr.Invalid, "malformed fiscal code")
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > MaxReasonLength {
		return nil, apperr.Errorf(op, apperr.Invalid, "the reason exceeds %d characters", MaxReasonLength)
	}
	p, err := s.store.PersonByFiscalCode(ctx, fc)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if p == nil {
		return nil, nil
	}
	var comuni []string
	switch {
	case strings.EqualFold(pr.FiscalCode, p.FiscalCode):
		return p, nil // oneself: no access to anyone else's data
	case !admin:
		if s.links == nil || len(pr.Comuni) == 0 {
			return nil, nil
		}
		if comuni, err = s.loaders(ctx).clientOf(ctx, s.links, p.ID, pr.Comuni); err != nil {
			return nil, apperr.Wrap(op, err)
		}
		if len(comuni) == 0 {
			return nil, nil
		}
	}
	if err := s.recordAccess(WithAccessVia(ctx, ViaLookup), pr, p.ID, AccessLookup, comuni, reason); err != nil {
		return nil, err
	}
	s.loaders(ctx).people.Prime(ctx, p.ID, p)
	return p, nil
}

// AccessPage is a page of a person's access log, newest first.
type AccessPage struct {
	Entries     []AccessEntry
	Cursors     []string
	HasNextPage bool
	Total       int
}

// AccessLog returns a page of the access log of person p: to p themself
// only (a third-party app needs profile:read); administrators and
// operators, who are what the log is about, get Permission like everyone
// else. first must be 1..100; without total the Total is 0 and not counted.
func (s *Service) AccessLog(ctx context.Context, p *Person, first int, after *string, total bool) (*AccessPage, error) {
	const op = "identity.AccessLog"
	pr := auth.FromContext(ctx)
	if pr == nil {
		return nil, apperr.E(op, apperr.Unauthenticated, "authentication required")
	}
	if !pr.Allows(auth.ScopeProfileRead) {
		return nil, apperr.Errorf(op, apperr.Permission, "the token does not grant the scope %s", auth.ScopeProfileRead)
	}
	if pr.FiscalCode == "" || !strings.EqualFold(pr.FiscalCode, p.FiscalCode) {
		return nil, apperr.E(op, apperr.Permission, "only the person can read their access log")
	}
	if first < 1 || first > maxMessagePageSize {
		return nil, apperr.Errorf(op, apperr.Invalid, "first must be between 1 and %d", maxMessagePageSize)
	}
	var cur *accessCursor
	if after != nil {
		c, ok := decodeAccessCursor(*after)
		if !ok {
			return nil, apperr.E(op, apperr.Invalid, "malformed cursor")
		}
		cur = &c
	}
	entries, err := s.store.AccessLog(ctx, p.ID, cur, first+1)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	page := &AccessPage{}
	if len(entries) > first {
		entries, page.HasNextPage = entries[:first], true
	}
	page.Entries = entries
	page.Cursors = make([]string, len(entries))
	for i, e := range entries {
		page.Cursors[i] = keyset.Encode(e.At.UTC().Format(time.RFC3339Nano), e.ID)
	}
	if total {
		if page.Total, err = s.store.CountAccesses(ctx, p.ID); err != nil {
			return nil, apperr.Wrap(op, err)
		}
	}
	return page, nil
}

type accessCursor struct {
	At time.Time
	ID string
}

func decodeAccessCursor(s string) (accessCursor, bool) {
	parts, ok := keyset.Decode(s, 2)
	if !ok {
		return accessCursor{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, parts[0])
	if _, uerr := uuid.Parse(parts[1]); err != nil || uerr != nil || len(parts[1]) != 36 {
		return accessCursor{}, false
	}
	return accessCursor{At: t, ID: strings.ToLower(parts[1])}, true
}

// RecordAccesses writes entries (each of one person and request, all of
// one reader) in one statement, or adds each entry's data to the row of
// its request, person and reader when there is one.
func (s *Store) RecordAccesses(ctx context.Context, entries []*AccessEntry) error {
	if len(entries) == 0 {
		return nil
	}
	e0 := entries[0]
	n := len(entries)
	ids, people, requests, comuni, via, reasons, data := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, e := range entries {
		ids[i], people[i], requests[i], via[i], reasons[i] = e.ID, e.PersonID, e.RequestID, string(e.Via), e.Reason
		comuni[i], data[i] = strings.Join(e.Comuni, ","), strings.Join(e.Data, ",")
	}
	_, err := s.db.Exec(ctx, `insert into identity.access_log
		(id, person_id, request_id, at, actor_id, actor_issuer, actor_subject, actor_name, actor_role, comuni, via, reason, data)
		select x.id, x.person, x.request, $8, $9, $10, $11, $12, $13, string_to_array(x.comuni, ','), x.via, x.reason,
			array(select distinct d from unnest(string_to_array(x.data, ',')) d order by d)
		from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[]) x(id, person, request, comuni, via, reason, data)
		on conflict (request_id, person_id, actor_issuer, actor_subject) do update set
			data = array(select distinct d from unnest(access_log.data || excluded.data) d order by d),
			reason = case when access_log.reason = '' then excluded.reason else access_log.reason end`,
		ids, people, requests, comuni, via, reasons, data, e0.At, e0.ActorID, e0.ActorIssuer, e0.ActorSubject, e0.ActorName, e0.ActorRole)
	if err != nil {
		return fmt.Errorf("identity: record accesses: %w", err)
	}
	return nil
}

const accessColumns = `id::text, person_id::text, request_id::text, at, actor_id, actor_issuer, actor_subject, actor_name, actor_role, comuni, via, reason, data`

func scanAccess(row pgx.Row) (AccessEntry, error) {
	var e AccessEntry
	err := row.Scan(&e.ID, &e.PersonID, &e.RequestID, &e.At, &e.ActorID, &e.ActorIssuer, &e.ActorSubject, &e.ActorName, &e.ActorRole, &e.Comuni, &e.Via, &e.Reason, &e.Data)
	return e, err
}

// AccessLog returns up to limit entries of person's log after cur, newest
// first.
func (s *Store) AccessLog(ctx context.Context, person string, cur *accessCursor, limit int) ([]AccessEntry, error) {
	args := []any{person, limit}
	cond := ""
	if cur != nil {
		args = append(args, cur.At, cur.ID)
		cond = " and (at, id) < ($3, $4::uuid)"
	}
	rows, err := s.db.Query(ctx, `select `+accessColumns+` from identity.access_log where person_id = $1`+cond+`
		order by at desc, id desc limit $2`, args...)
	if err != nil {
		return nil, fmt.Errorf("identity: access log: %w", err)
	}
	defer rows.Close()
	var out []AccessEntry
	for rows.Next() {
		e, err := scanAccess(rows)
		if err != nil {
			return nil, fmt.Errorf("identity: access log: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("identity: access log: %w", err)
	}
	return out, nil
}

// CountAccesses counts the entries of person's log.
func (s *Store) CountAccesses(ctx context.Context, person string) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `select count(*) from identity.access_log where person_id = $1`, person).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("identity: count accesses: %w", err)
	}
	return n, nil
}
