package devissuer_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/auth/devissuer"
)

const (
	portal   = "citizengraph-portal"
	callback = "https://portale.example.it/"
)

var accounts = devissuer.StaticDirectory{
	{ID: "cf-RSSMRA85T10A562S", Kind: auth.RoleCitizen, Label: "Mario Rossi", Detail: "RSSMRA85T10A562S",
		Claims: auth.Claims{FiscalCode: "RSSMRA85T10A562S", Name: "Mario Rossi", Roles: []string{auth.RoleCitizen}}},
	{ID: "cf-VRDGPP80A41F205Z", Kind: auth.RoleCitizen, Label: "Giuseppina Verdi", Detail: "VRDGPP80A41F205Z",
		Claims: auth.Claims{FiscalCode: "VRDGPP80A41F205Z", Name: "Giuseppina Verdi", Roles: []string{auth.RoleCitizen}}},
	{ID: "op-015146", Kind: auth.RoleOperator, Label: "Operatore del Comune di Milano", Detail: "015146",
		Claims: auth.Claims{Subject: "dev-operator-015146", Name: "Operatore del Comune di Milano", Roles: []string{auth.RoleOperator}, Comuni: []string{"015146"}}},
}

// codeFlow is an issuer with the portal registered, and a user agent that
// does not follow redirects.
type codeFlow struct {
	t    *testing.T
	base string
	ua   *http.Client
}

func newCodeFlow(t *testing.T) *codeFlow {
	t.Helper()
	var iss *devissuer.Issuer
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { iss.Handler().ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	var err error
	iss, err = devissuer.New(srv.URL, "citizengraph",
		devissuer.WithClients(devissuer.Client{ID: portal, RedirectURIs: []string{callback, "https://portale.example.it/operatore/"}},
			devissuer.Client{ID: "other-app", RedirectURIs: []string{"https://other.example.it/cb"}}),
		devissuer.WithDirectory(accounts))
	if err != nil {
		t.Fatal(err)
	}
	ua := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &codeFlow{t: t, base: srv.URL, ua: ua}
}

func pkce(verifier string) string {
	h := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-portal-test"

// authParams is a valid authorization request of the portal.
func authParams() url.Values {
	return url.Values{
		"client_id": {portal}, "redirect_uri": {callback}, "response_type": {"code"},
		"scope": {"openid profile"}, "state": {"st-123"}, "nonce": {"n-456"},
		"code_challenge": {pkce(verifier)}, "code_challenge_method": {"S256"},
	}
}

func (f *codeFlow) get(q url.Values) (*http.Response, string) {
	f.t.Helper()
	resp, err := f.ua.Get(f.base + "/authorize?" + q.Encode())
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (f *codeFlow) post(form url.Values, origin string) (*http.Response, string) {
	f.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.base+"/authorize", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := f.ua.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// redirect returns where resp sends the user agent, checking it is one of
// the client's registered URIs.
func (f *codeFlow) redirect(resp *http.Response, want string) url.Values {
	f.t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("status %d, want a redirect to %s", resp.StatusCode, want)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		f.t.Fatal(err)
	}
	q := u.Query()
	u.RawQuery = ""
	if u.String() != want {
		f.t.Fatalf("redirected to %s, want %s", u, want)
	}
	if q.Get("iss") != f.base {
		f.t.Fatalf("iss %q, want %q", q.Get("iss"), f.base)
	}
	return q
}

var hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// signIn shows the page for params, then submits it choosing account, as
// a browser would: the page's own hidden fields, not the test's.
func (f *codeFlow) signIn(params url.Values, account string) url.Values {
	f.t.Helper()
	resp, page := f.get(params)
	if resp.StatusCode != http.StatusOK {
		f.t.Fatalf("sign-in page: %d %s", resp.StatusCode, page)
	}
	if !strings.Contains(page, `value="`+account+`"`) {
		f.t.Fatalf("the page does not offer %s", account)
	}
	form := url.Values{}
	post := page[strings.Index(page, `<form method="post">`):]
	for _, m := range hiddenRe.FindAllStringSubmatch(post, -1) {
		form.Set(m[1], htmlUnescape(m[2]))
	}
	form.Set("account", account)
	resp, body := f.post(form, f.base)
	if resp.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("sign-in: %d %s", resp.StatusCode, body)
	}
	return f.redirect(resp, params.Get("redirect_uri"))
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(s)
}

type tokens struct {
	AccessToken string `json:"access_token"`
	IDToken     string `json:"id_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func (f *codeFlow) redeem(form url.Values) (int, tokens) {
	f.t.Helper()
	resp, err := http.PostForm(f.base+"/token", form)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		f.t.Errorf("token response Cache-Control %q", cc)
	}
	var tk tokens
	if err := json.NewDecoder(resp.Body).Decode(&tk); err != nil {
		f.t.Fatal(err)
	}
	return resp.StatusCode, tk
}

func redeemForm(code string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {portal},
		"redirect_uri": {callback}, "code_verifier": {verifier}}
}

// TestAuthorizationCodeFlow signs in as a citizen and as an operator
// through the sign-in page over HTTP, redeems the codes, and verifies both
// tokens through discovery as a relying party would: the access token for
// the API (the chosen person, issued to the portal), the ID token for the
// portal (its audience, the request's nonce).
func TestAuthorizationCodeFlow(t *testing.T) {
	f := newCodeFlow(t)
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, f.base)
	if err != nil {
		t.Fatal(err)
	}
	var disco struct {
		Authorization string   `json:"authorization_endpoint"`
		Methods       []string `json:"code_challenge_methods_supported"`
		Grants        []string `json:"grant_types_supported"`
	}
	if err := provider.Claims(&disco); err != nil || disco.Authorization != f.base+"/authorize" ||
		!slices.Equal(disco.Methods, []string{"S256"}) || !slices.Contains(disco.Grants, "authorization_code") {
		t.Fatalf("discovery %+v %v", disco, err)
	}
	api, err := auth.NewVerifier(ctx, f.base, "citizengraph")
	if err != nil {
		t.Fatal(err)
	}
	idv := provider.Verifier(&oidc.Config{ClientID: portal})
	for _, c := range []struct {
		account string
		check   func(p *auth.Principal) bool
		sub     string
	}{
		{"cf-RSSMRA85T10A562S", func(p *auth.Principal) bool {
			return p.FiscalCode == "RSSMRA85T10A562S" && p.Name == "Mario Rossi" && p.Has(auth.RoleCitizen) && !p.Has(auth.RoleOperator) &&
				p.Client == portal && p.FirstParty
		}, "dev-rssmra85t10a562s"},
		{"op-015146", func(p *auth.Principal) bool {
			return p.Has(auth.RoleOperator) && p.OperatesIn("015146") && !p.OperatesIn("015002") && p.FiscalCode == "" && p.Client == portal
		}, "dev-operator-015146"},
	} {
		t.Run(c.account, func(t *testing.T) {
			q := f.signIn(authParams(), c.account)
			if q.Get("state") != "st-123" || q.Get("code") == "" || q.Get("error") != "" {
				t.Fatalf("callback %v", q)
			}
			status, tk := f.redeem(redeemForm(q.Get("code")))
			if status != http.StatusOK || tk.TokenType != "Bearer" || tk.AccessToken == "" || tk.IDToken == "" {
				t.Fatalf("%d %+v", status, tk)
			}
			p, err := api.Verify(ctx, tk.AccessToken)
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(p) || p.Subject != c.sub {
				t.Fatalf("principal %+v", p)
			}
			id, err := idv.Verify(ctx, tk.IDToken)
			if err != nil {
				t.Fatal(err)
			}
			if id.Nonce != "n-456" || id.Subject != c.sub {
				t.Fatalf("id token nonce %q sub %q", id.Nonce, id.Subject)
			}
			// The ID token is the portal's, not a key to the API.
			if _, err := api.Verify(ctx, tk.IDToken); err == nil {
				t.Fatal("the API accepted an ID token")
			}
		})
	}
}

// TestSignInPage checks what the page shows: the development marker, the
// seeded accounts by kind, a labelled search that narrows them, and the
// request carried along.
func TestSignInPage(t *testing.T) {
	f := newCodeFlow(t)
	resp, page := f.get(authParams())
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Error("the page may be framed")
	}
	for _, want := range []string{`<html lang="it">`, "SOLO PER SVILUPPO", "DEVELOPMENT ONLY", `<label for="q">`, `id="q"`,
		`<h2 id="h-cittadini">Cittadini</h2>`, `<h2 id="h-operatori">Operatori</h2>`, "Mario Rossi", "Giuseppina Verdi",
		"Operatore del Comune di Milano", `name="nonce" value="n-456"`, `name="state" value="st-123"`, `name="viewport"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// Every visible input has a label.
	for _, m := range regexp.MustCompile(`<input ([^>]*)>`).FindAllStringSubmatch(page, -1) {
		if strings.Contains(m[1], `type="hidden"`) {
			continue
		}
		id := regexp.MustCompile(`id="([^"]+)"`).FindStringSubmatch(m[1])
		if id == nil || !strings.Contains(page, `<label for="`+id[1]+`">`) {
			t.Errorf("input without a label: %s", m[0])
		}
	}
	q := authParams()
	q.Set("q", "verdi")
	_, page = f.get(q)
	if !strings.Contains(page, "Giuseppina Verdi") || strings.Contains(page, "Mario Rossi") || strings.Contains(page, `id="h-operatori"`) {
		t.Error("the search did not narrow the list")
	}
	q.Set("q", "<script>")
	_, page = f.get(q)
	if strings.Contains(page, "<script>") {
		t.Error("the query is not escaped")
	}
}

// TestAuthorizationRequestRefusals are the requests the authorization
// endpoint refuses: before the client and redirect URI are known good, on
// its own page (nobody is redirected); after, back to the client with the
// error and the state — never with a code.
func TestAuthorizationRequestRefusals(t *testing.T) {
	f := newCodeFlow(t)
	shown := map[string]func(url.Values){
		"unknown client":                      func(q url.Values) { q.Set("client_id", "evil-app") },
		"unregistered redirect_uri":           func(q url.Values) { q.Set("redirect_uri", "https://evil.example/") },
		"redirect_uri prefix of a registered": func(q url.Values) { q.Set("redirect_uri", "https://portale.example.it/x") },
		"redirect_uri with a query":           func(q url.Values) { q.Set("redirect_uri", callback+"?next=evil") },
		"another client's redirect_uri":       func(q url.Values) { q.Set("redirect_uri", "https://other.example.it/cb") },
		"no redirect_uri":                     func(q url.Values) { q.Del("redirect_uri") },
		"repeated redirect_uri":               func(q url.Values) { q.Add("redirect_uri", "https://evil.example/") },
	}
	for name, mutate := range shown {
		q := authParams()
		mutate(q)
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			var resp *http.Response
			var page string
			if method == http.MethodGet {
				resp, page = f.get(q)
			} else {
				q.Set("account", "cf-RSSMRA85T10A562S")
				resp, page = f.post(q, f.base)
			}
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(page, "SOLO PER SVILUPPO") {
				t.Errorf("%s (%s): %d Location %q", name, method, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	}
	redirected := map[string]struct {
		mutate func(url.Values)
		code   string
	}{
		"missing state":             {func(q url.Values) { q.Del("state") }, "invalid_request"},
		"missing nonce":             {func(q url.Values) { q.Del("nonce") }, "invalid_request"},
		"plain PKCE":                {func(q url.Values) { q.Set("code_challenge_method", "plain"); q.Set("code_challenge", verifier) }, "invalid_request"},
		"no PKCE method":            {func(q url.Values) { q.Del("code_challenge_method") }, "invalid_request"},
		"no PKCE challenge":         {func(q url.Values) { q.Del("code_challenge") }, "invalid_request"},
		"challenge not a SHA-256":   {func(q url.Values) { q.Set("code_challenge", "short") }, "invalid_request"},
		"challenge not base64url":   {func(q url.Values) { q.Set("code_challenge", strings.Repeat("+", 43)) }, "invalid_request"},
		"implicit flow":             {func(q url.Values) { q.Set("response_type", "token") }, "unsupported_response_type"},
		"hybrid flow":               {func(q url.Values) { q.Set("response_type", "code id_token") }, "unsupported_response_type"},
		"no openid scope":           {func(q url.Values) { q.Set("scope", "profile") }, "invalid_scope"},
		"unknown scope":             {func(q url.Values) { q.Set("scope", "openid everything") }, "invalid_scope"},
		"repeated code_challenge":   {func(q url.Values) { q.Add("code_challenge", pkce("another verifier of enough length 0123456789")) }, "invalid_request"},
		"state longer than allowed": {func(q url.Values) { q.Set("state", strings.Repeat("s", 1025)) }, "invalid_request"},
	}
	for name, c := range redirected {
		q := authParams()
		c.mutate(q)
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			var resp *http.Response
			if method == http.MethodGet {
				resp, _ = f.get(q)
			} else {
				q.Set("account", "cf-RSSMRA85T10A562S")
				resp, _ = f.post(q, f.base)
			}
			back := f.redirect(resp, callback)
			if back.Get("error") != c.code || back.Get("code") != "" || back.Get("error_description") == "" {
				t.Errorf("%s (%s): %v, want error %s", name, method, back, c.code)
			}
			if want := q.Get("state"); len(want) <= 1024 && back.Get("state") != want {
				t.Errorf("%s (%s): state %q, want %q", name, method, back.Get("state"), want)
			}
		}
	}

	// Cancelling says access_denied; an account the directory does not
	// know re-shows the page; a form posted by another site is refused.
	q := authParams()
	q.Set("cancel", "1")
	resp, _ := f.post(q, f.base)
	if back := f.redirect(resp, callback); back.Get("error") != "access_denied" || back.Get("state") != "st-123" || back.Get("code") != "" {
		t.Errorf("cancel: %v", back)
	}
	q = authParams()
	q.Set("account", "cf-XXXXXXXXXXXXXXXX")
	if resp, page := f.post(q, f.base); resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(page, "Scegli una delle persone") {
		t.Errorf("unknown account: %d", resp.StatusCode)
	}
	q.Set("account", "cf-RSSMRA85T10A562S")
	if resp, _ := f.post(q, "https://evil.example"); resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("cross-site post: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestCodeRedemptionRefusals attacks the token endpoint with stolen or
// mismatched codes: each attempt spends the code, so a code that was
// refused once is refused after, even with the right verifier.
func TestCodeRedemptionRefusals(t *testing.T) {
	f := newCodeFlow(t)
	code := func() string { return f.signIn(authParams(), "cf-RSSMRA85T10A562S").Get("code") }
	cases := map[string]struct {
		mutate func(url.Values)
		status int
		err    string
	}{
		"wrong verifier":            {func(v url.Values) { v.Set("code_verifier", "x"+verifier[1:]) }, 400, "invalid_grant"},
		"verifier is the challenge": {func(v url.Values) { v.Set("code_verifier", pkce(verifier)) }, 400, "invalid_grant"},
		"no verifier":               {func(v url.Values) { v.Del("code_verifier") }, 400, "invalid_grant"},
		"verifier too short":        {func(v url.Values) { v.Set("code_verifier", "abc") }, 400, "invalid_grant"},
		"wrong redirect_uri":        {func(v url.Values) { v.Set("redirect_uri", "https://portale.example.it/operatore/") }, 400, "invalid_grant"},
		"no redirect_uri":           {func(v url.Values) { v.Del("redirect_uri") }, 400, "invalid_grant"},
		"another registered client": {func(v url.Values) { v.Set("client_id", "other-app") }, 400, "invalid_grant"},
		"unknown client":            {func(v url.Values) { v.Set("client_id", "evil-app") }, 401, "invalid_client"},
		"no client":                 {func(v url.Values) { v.Del("client_id") }, 401, "invalid_client"},
		"forged code":               {func(v url.Values) { v.Set("code", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") }, 400, "invalid_grant"},
		"no code":                   {func(v url.Values) { v.Del("code") }, 400, "invalid_request"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			cd := code()
			form := redeemForm(cd)
			c.mutate(form)
			status, tk := f.redeem(form)
			if status != c.status || tk.Error != c.err || tk.AccessToken != "" || tk.IDToken != "" {
				t.Fatalf("%d %+v, want %d %s", status, tk, c.status, c.err)
			}
			if c.err == "invalid_grant" && form.Get("code") == cd {
				// The attempt spent the code: the right request now fails too.
				if status, tk := f.redeem(redeemForm(cd)); status != 400 || tk.Error != "invalid_grant" || tk.AccessToken != "" {
					t.Fatalf("after a refused attempt the code still works: %d %+v", status, tk)
				}
			}
		})
	}
	t.Run("reused code", func(t *testing.T) {
		cd := code()
		if status, tk := f.redeem(redeemForm(cd)); status != 200 || tk.AccessToken == "" {
			t.Fatalf("first: %d %+v", status, tk)
		}
		if status, tk := f.redeem(redeemForm(cd)); status != 400 || tk.Error != "invalid_grant" || tk.AccessToken != "" {
			t.Fatalf("second: %d %+v", status, tk)
		}
	})
	t.Run("a code of one request with another's verifier", func(t *testing.T) {
		other := "another-verifier-of-sufficient-length-0123456789abcdef"
		p := authParams()
		p.Set("code_challenge", pkce(other))
		cd := f.signIn(p, "cf-RSSMRA85T10A562S").Get("code")
		if status, tk := f.redeem(redeemForm(cd)); status != 400 || tk.Error != "invalid_grant" {
			t.Fatalf("%d %+v", status, tk)
		}
	})
}
