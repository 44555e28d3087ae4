package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/auth/devissuer"
	"github.com/citizengraph/citizengraph/internal/codicefiscale"
)

// Clients of citizengraph's own faces, registered with the development
// issuer.
const (
	portalClient = "citizengraph-portal"
	deskClient   = "citizengraph-desk"
)

// devClients are the portal (at /) and the desk (at /operatore) as clients
// of the development issuer on the public address addr: their redirect
// URIs, exactly, under the address's host and, for a loopback one, under
// localhost and 127.0.0.1 too.
func devClients(addr string) []devissuer.Client {
	hosts := []string{addr}
	if host, port, err := net.SplitHostPort(addr); err == nil && (host == "localhost" || net.ParseIP(host).IsLoopback()) {
		hosts = []string{addr, net.JoinHostPort("localhost", port), net.JoinHostPort("127.0.0.1", port)}
	}
	var portal, desk []string
	seen := map[string]bool{}
	for _, h := range hosts {
		if seen[h] {
			continue
		}
		seen[h] = true
		portal = append(portal, "http://"+h+"/")
		desk = append(desk, "http://"+h+"/operatore", "http://"+h+"/operatore/")
	}
	return []devissuer.Client{{ID: portalClient, RedirectURIs: portal}, {ID: deskClient, RedirectURIs: desk}}
}

// seededAccounts is the development sign-in page's directory over the
// seeded data: the people of the identity registry (citizens), an operator
// for each comune with practices, and an administrator.
type seededAccounts struct{ pool *pgxpool.Pool }

const (
	citizenPrefix  = "cf-"
	operatorPrefix = "op-"
	adminAccount   = "admin"
)

func citizenAccount(fc, given, family string) devissuer.Account {
	name := given + " " + family
	return devissuer.Account{ID: citizenPrefix + fc, Kind: auth.RoleCitizen, Label: name, Detail: fc,
		Claims: auth.Claims{FiscalCode: fc, Name: name, Roles: []string{auth.RoleCitizen}}}
}

// operatorAccount is a development operator of a comune: a person of the
// comune's office, with a fiscal code (as operators signing in with SPID
// have; the practices' history names them by it) born there.
func operatorAccount(istat, comune, cadastral string) devissuer.Account {
	name := "Operatore del Comune di " + comune
	fc, err := codicefiscale.Encode(comune, "Operatore", time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), codicefiscale.Male, cadastral)
	if err != nil {
		fc = ""
	}
	return devissuer.Account{ID: operatorPrefix + istat, Kind: auth.RoleOperator, Label: name, Detail: "ISTAT " + istat,
		Claims: auth.Claims{Subject: "dev-operator-" + istat, FiscalCode: fc, Name: name, Roles: []string{auth.RoleOperator}, Comuni: []string{istat}}}
}

func administrator() devissuer.Account {
	return devissuer.Account{ID: adminAccount, Kind: auth.RoleAdmin, Label: "Amministratore", Detail: "tutti i comuni",
		Claims: auth.Claims{Subject: "dev-admin", Name: "Amministratore", Roles: []string{auth.RoleAdmin}}}
}

// Accounts lists, for an empty query, the citizens with the most practices
// (the richest fascicoli), the operators of the comuni with the most
// practices and the administrator; for a query, the citizens whose name or
// fiscal code and the operators whose comune contain it.
func (d seededAccounts) Accounts(ctx context.Context, query string, limit int) ([]devissuer.Account, error) {
	q := strings.TrimSpace(query)
	like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(q)) + "%"
	var out []devissuer.Account
	citizens := `select p.fiscal_code, p.given_name, p.family_name from identity.person p
		left join lateral (select count(*) n from practices.practice x where x.applicant_id = p.id) c on true
		where $1 = '' or lower(p.given_name || ' ' || p.family_name) like $2 or lower(p.fiscal_code) like $2
		order by c.n desc, p.fiscal_code limit $3`
	rows, err := d.pool.Query(ctx, citizens, q, like, limit)
	if err != nil {
		return nil, fmt.Errorf("dev accounts: citizens: %w", err)
	}
	for rows.Next() {
		var fc, given, family string
		if err := rows.Scan(&fc, &given, &family); err != nil {
			rows.Close()
			return nil, fmt.Errorf("dev accounts: %w", err)
		}
		out = append(out, citizenAccount(fc, given, family))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dev accounts: citizens: %w", err)
	}
	operators := `select c.istat_code, c.name, c.cadastral_code from territory.comune c
		join (select comune, count(*) n from practices.practice group by comune) p on p.comune = c.istat_code
		where $1 = '' or c.name_key like $2 or c.istat_code like $2
		order by p.n desc, c.istat_code limit $3`
	opLimit := 8
	if q != "" {
		opLimit = limit
	}
	rows, err = d.pool.Query(ctx, operators, q, like, opLimit)
	if err != nil {
		return nil, fmt.Errorf("dev accounts: operators: %w", err)
	}
	for rows.Next() {
		var istat, name, cadastral string
		if err := rows.Scan(&istat, &name, &cadastral); err != nil {
			rows.Close()
			return nil, fmt.Errorf("dev accounts: %w", err)
		}
		out = append(out, operatorAccount(istat, name, cadastral))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dev accounts: operators: %w", err)
	}
	if q == "" || strings.Contains("amministratore admin", strings.ToLower(q)) {
		out = append(out, administrator())
	}
	return out, nil
}

// Account finds a seeded citizen by fiscal code, a comune's operator by
// ISTAT code, or the administrator.
func (d seededAccounts) Account(ctx context.Context, id string) (devissuer.Account, bool, error) {
	switch {
	case id == adminAccount:
		return administrator(), true, nil
	case strings.HasPrefix(id, citizenPrefix):
		var given, family string
		fc := strings.TrimPrefix(id, citizenPrefix)
		err := d.pool.QueryRow(ctx, `select given_name, family_name from identity.person where fiscal_code = $1`, fc).Scan(&given, &family)
		if err != nil {
			return notFoundOr(err)
		}
		return citizenAccount(fc, given, family), true, nil
	case strings.HasPrefix(id, operatorPrefix):
		var name, cadastral string
		istat := strings.TrimPrefix(id, operatorPrefix)
		if err := d.pool.QueryRow(ctx, `select name, cadastral_code from territory.comune where istat_code = $1`, istat).Scan(&name, &cadastral); err != nil {
			return notFoundOr(err)
		}
		return operatorAccount(istat, name, cadastral), true, nil
	}
	return devissuer.Account{}, false, nil
}

func notFoundOr(err error) (devissuer.Account, bool, error) {
	if errors.Is(err, pgx.ErrNoRows) {
		return devissuer.Account{}, false, nil
	}
	return devissuer.Account{}, false, fmt.Errorf("dev accounts: %w", err)
}
