package identity

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// The areas a delegation may cover. A delegation with no areas covers all
// of them.
const (
	AreaPractices = "PRACTICES"
	AreaPayments  = "PAYMENTS"
	AreaMessages  = "MESSAGES"
)

// Areas lists the delegation areas.
func Areas() []string { return []string{AreaPractices, AreaPayments, AreaMessages} }

// Mandate is a power of a person to act for someone else: an active
// delegation from a person or an organization, or the legal representation
// of an organization (every area, every service).
type Mandate struct {
	DelegationID string // "" for a legal representation
	// The delegator person, when a person delegates.
	PersonID, PersonFiscalCode string
	// The organization, when an organization delegates or is represented.
	OrganizationID, OrganizationFiscalCode string
	Areas                                  []string // empty: every area
	Services                               []string // empty: every service
}

// For reports whether m is a mandate of the person personID or of the
// organization orgID (exactly one of them is set by the caller).
func (m Mandate) For(personID, orgID string) bool {
	if orgID != "" {
		return strings.EqualFold(m.OrganizationID, orgID)
	}
	return personID != "" && strings.EqualFold(m.PersonID, personID)
}

// Covers reports whether m covers area and service. service "" stands for
// data that belongs to no single service (payments, messages): only a
// mandate for every service covers it.
func (m Mandate) Covers(area, service string) bool {
	if len(m.Areas) > 0 && !slices.Contains(m.Areas, area) {
		return false
	}
	if len(m.Services) == 0 {
		return true
	}
	return service != "" && slices.Contains(m.Services, strings.ToLower(service))
}

// Principal is a registered person with the mandates they hold at one
// instant.
type Principal struct {
	PersonID   string // "" when the fiscal code is not in the registry
	FiscalCode string
	Mandates   []Mandate
}

// Allows reports whether the principal may act, on area and service, for
// the person personID (with fiscal code personFC, matched when personID is
// unknown) or for the organization orgID.
func (p Principal) Allows(area, service, personID, personFC, orgID string) (Mandate, bool) {
	for _, m := range p.Mandates {
		ok := m.For(personID, orgID)
		if !ok && orgID == "" && personID == "" && personFC != "" {
			ok = m.PersonFiscalCode == strings.ToUpper(personFC)
		}
		if ok && m.Covers(area, service) {
			return m, true
		}
	}
	return Mandate{}, false
}

// FiscalCodesFor lists the fiscal codes of the persons whose data in area
// the principal may reach for every service (payments, messages).
func (p Principal) FiscalCodesFor(area string) []string {
	var out []string
	for _, m := range p.Mandates {
		if m.PersonFiscalCode != "" && m.Covers(area, "") {
			out = append(out, m.PersonFiscalCode)
		}
	}
	return out
}

// Mandates answers who a person may act for. It is the identity subgraph's
// published authority over delegations and legal representation: the
// practices and payments services consult it (through an interface of their
// own) on every decision, so a revocation or an expiry takes effect at once.
// It reads only identity's own tables.
type Mandates struct {
	db querier
}

// NewMandates returns the authority over pool.
func NewMandates(pool *pgxpool.Pool) *Mandates { return &Mandates{db: pool} }

// Of returns the registered person with fiscal code fc and the mandates
// they hold at at. An unknown fiscal code gives a Principal without person
// and mandates.
func (a *Mandates) Of(ctx context.Context, fc string, at time.Time) (Principal, error) {
	fc = strings.ToUpper(strings.TrimSpace(fc))
	if s := sharedFrom(ctx); s != nil && fc != "" {
		return s.mandates.Get(ctx, fc, func(ctx context.Context) (Principal, error) { return a.of(ctx, fc, at) })
	}
	return a.of(ctx, fc, at)
}

func (a *Mandates) of(ctx context.Context, fc string, at time.Time) (Principal, error) {
	out := Principal{FiscalCode: fc}
	if fc == "" {
		return out, nil
	}
	// One statement: the person, then one row per mandate (or one row of
	// nulls when they hold none); no row for an unknown fiscal code.
	rows, err := a.db.Query(ctx, `
		select me.id::text, m.did, m.pid, m.pfc, m.oid, m.ofc, m.areas, m.services
		from identity.person me
		left join lateral (
			select d.id::text did, coalesce(p.id::text, '') pid, coalesce(p.fiscal_code, '') pfc,
			       coalesce(o.id::text, '') oid, coalesce(o.fiscal_code, '') ofc, d.areas, d.services
			from identity.delegation d
			left join identity.person p on p.id = d.delegator_person_id
			left join identity.organization o on o.id = d.delegator_organization_id
			where d.delegate_id = me.id and d.revoked_at is null
			  and d.valid_from <= $2 and (d.valid_to is null or d.valid_to > $2)
			union all
			select '', '', '', o.id::text, o.fiscal_code, '{}'::text[], '{}'::text[]
			from identity.organization o where o.legal_representative_id = me.id
		) m on true
		where me.fiscal_code = $1
		order by m.did, m.oid`, fc, at)
	if err != nil {
		return out, fmt.Errorf("identity: mandates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var did, pid, pfc, oid, ofc *string
		var m Mandate
		if err := rows.Scan(&out.PersonID, &did, &pid, &pfc, &oid, &ofc, &m.Areas, &m.Services); err != nil {
			return out, fmt.Errorf("identity: mandates: %w", err)
		}
		if out.Mandates == nil {
			out.Mandates = []Mandate{} // a registered person: mandates known, maybe none
		}
		if did == nil {
			continue // the person holds no mandate
		}
		m.DelegationID, m.PersonID, m.PersonFiscalCode, m.OrganizationID, m.OrganizationFiscalCode = *did, *pid, *pfc, *oid, *ofc
		for i, s := range m.Services {
			m.Services[i] = strings.ToLower(s)
		}
		out.Mandates = append(out.Mandates, m)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("identity: mandates: %w", err)
	}
	return out, nil
}
