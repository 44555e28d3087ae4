package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/citizengraph/citizengraph/internal/codicefiscale"
	"github.com/citizengraph/citizengraph/internal/db"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/seedgen"
	"github.com/citizengraph/citizengraph/internal/web"
)

// TestServeDevSignIn runs `citizengraph serve --dev-issuer` over a seeded
// database and signs in through the development issuer's page as the portal
// would (authorization code + PKCE, redirect to the serve address): the page
// lists seeded citizens and the operators of comuni with practices; the
// citizen's token reads their own fascicolo through the gateway, the
// operator's token their comune's practices, and the desk's client is
// registered at /operatore.
func TestServeDevSignIn(t *testing.T) {
	ctx := context.Background()
	dbURL := devdb.TestURL(t, migrations(registry())...)
	pool, err := db.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for _, s := range registry() {
		if err := s.seed(ctx, pool, seedgen.Params{People: 300, Seed: 11}); err != nil {
			t.Fatalf("seed %s: %v", s.name, err)
		}
	}
	t.Setenv("DATABASE_URL", dbURL)
	addr, subgraphsAddr := freeAddr(t), freeAddr(t)
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- runServe(sctx, []string{"--addr", addr, "--subgraphs-addr", subgraphsAddr, "--dev-issuer"})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	base := "http://" + addr
	waitHealthy(t, base)

	// The citizen with the most practices heads the list.
	var topFC, given, family string
	if err := pool.QueryRow(ctx, `select p.fiscal_code, p.given_name, p.family_name from identity.person p
		join practices.practice x on x.applicant_id = p.id group by p.id order by count(*) desc, p.fiscal_code limit 1`).Scan(&topFC, &given, &family); err != nil {
		t.Fatal(err)
	}
	var opComune, opName string
	if err := pool.QueryRow(ctx, `select c.istat_code, c.name from practices.practice p join territory.comune c on c.istat_code = p.comune
		group by c.istat_code, c.name order by count(*) desc, c.istat_code limit 1`).Scan(&opComune, &opName); err != nil {
		t.Fatal(err)
	}

	ua := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	const verifier = "serve-dev-sign-in-verifier-0123456789-abcdefghijklmnop"
	h := sha256.Sum256([]byte(verifier))
	params := func(client, redirect string) url.Values {
		return url.Values{"client_id": {client}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"openid"},
			"state": {"s1"}, "nonce": {"n1"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(h[:])}, "code_challenge_method": {"S256"}}
	}
	signIn := func(client, redirect, account string) string {
		t.Helper()
		q := params(client, redirect)
		resp, err := ua.Get(base + "/dev/oidc/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `value="`+account+`"`) {
			t.Fatalf("sign-in page %d does not offer %s", resp.StatusCode, account)
		}
		q.Set("account", account)
		resp, err = ua.PostForm(base+"/dev/oidc/authorize", q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || loc == nil || loc.Query().Get("state") != "s1" {
			t.Fatalf("sign-in: %d %v", resp.StatusCode, loc)
		}
		code := loc.Query().Get("code")
		loc.RawQuery = ""
		if loc.String() != redirect {
			t.Fatalf("redirected to %s, want %s", loc, redirect)
		}
		resp, err = http.PostForm(base+"/dev/oidc/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"client_id": {client}, "redirect_uri": {redirect}, "code_verifier": {verifier}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tk struct {
			AccessToken string `json:"access_token"`
			IDToken     string `json:"id_token"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&tk); err != nil || tk.AccessToken == "" || tk.IDToken == "" {
			t.Fatalf("token: %d %v", resp.StatusCode, err)
		}
		return tk.AccessToken
	}

	resp, err := ua.Get(base + "/dev/oidc/authorize?" + params(portalClient, base+"/").Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	first := regexp.MustCompile(`name="account" value="([^"]+)"`).FindSubmatch(page)
	if first == nil || string(first[1]) != "cf-"+topFC {
		t.Errorf("first account %q, want the citizen with the most practices cf-%s", first, topFC)
	}
	for _, want := range []string{given + " " + family, "Operatore del Comune di " + opName, "Amministratore", "SOLO PER SVILUPPO"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page lacks %q", want)
		}
	}

	citizen := signIn(portalClient, base+"/", "cf-"+topFC)
	res := post(t, base+"/graphql", citizen, `{ me { fiscalCode practices(first: 50) { totalCount } } }`)
	var me struct {
		Me struct {
			FiscalCode string
			Practices  struct{ TotalCount int }
		}
	}
	if len(res.Errors) > 0 || json.Unmarshal(res.Data, &me) != nil || me.Me.FiscalCode != topFC || me.Me.Practices.TotalCount == 0 {
		t.Fatalf("me: %s %+v", res.Data, res.Errors)
	}

	// The portal's operations are registered: sent by id alone, they run.
	docs, err := web.TrustedDocuments()
	if err != nil {
		t.Fatal(err)
	}
	byID := func(name, token string) string {
		t.Helper()
		var id string
		for k, text := range docs {
			if strings.HasPrefix(text, "query "+name+" ") || strings.HasPrefix(text, "query "+name+"(") {
				id = k
			}
		}
		if id == "" {
			t.Fatalf("no trusted document %s", name)
		}
		body := fmt.Sprintf(`{"operationName":%q,"variables":{},"extensions":{"persistedQuery":{"version":1,"sha256Hash":%q}}}`, name, id)
		req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := byID("Catalogue", ""); !strings.Contains(got, `"totalCount"`) || strings.Contains(got, `"errors"`) {
		t.Errorf("the portal's catalogue by id: %s", got)
	}
	if got := byID("Fascicolo", citizen); !strings.Contains(got, topFC) || strings.Contains(got, `"errors"`) {
		t.Errorf("the portal's fascicolo by id: %s", got)
	}

	// Operators have a fiscal code, as with SPID: the history names them.
	acc, ok, err := seededAccounts{pool}.Account(ctx, "op-"+opComune)
	if err != nil || !ok {
		t.Fatalf("operator account: %v %v", ok, err)
	}
	if _, err := codicefiscale.Parse(acc.Claims.FiscalCode); err != nil {
		t.Errorf("the operator's fiscal code %q: %v", acc.Claims.FiscalCode, err)
	}
	operator := signIn(deskClient, base+"/operatore", "op-"+opComune)
	var mine, theirs string
	if err := pool.QueryRow(ctx, `select (select id::text from practices.practice where comune = $1 order by id limit 1),
		(select id::text from practices.practice where comune <> $1 order by id limit 1)`, opComune).Scan(&mine, &theirs); err != nil {
		t.Fatal(err)
	}
	read := func(id string) gqlResponse {
		return postVars(t, base+"/graphql", operator, `query($id: ID!) { practice(id: $id) { id comune { istatCode } } }`, map[string]any{"id": id})
	}
	if res := read(mine); len(res.Errors) > 0 || !strings.Contains(string(res.Data), opComune) {
		t.Errorf("the operator cannot read a practice of their comune: %s %+v", res.Data, res.Errors)
	}
	if res := read(theirs); len(res.Errors) == 0 && strings.Contains(string(res.Data), `"id"`) {
		t.Errorf("the operator reads another comune's practice: %s", res.Data)
	}

	// The portal's redirect URI is exact: another path of the serve address
	// is not the portal's.
	resp, err = ua.Get(base + "/dev/oidc/authorize?" + params(portalClient, base+"/graphql").Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("unregistered redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
