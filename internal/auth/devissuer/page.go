package devissuer

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/citizengraph/citizengraph/internal/auth"
)

// pageLimit is how many accounts of each search the sign-in page lists.
const pageLimit = 40

// authParams are the authorization request's parameters, carried by the
// sign-in page's forms as hidden fields.
var authParams = []string{"client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge", "code_challenge_method"}

type hidden struct{ Name, Value string }

type pageData struct {
	Client  string
	Query   string
	Hidden  []hidden
	Error   string
	Groups  []group
	Results int
}

type group struct {
	ID, Title, Help string
	Accounts        []Account
}

// securityHeaders keeps the page from being framed or loading anything.
func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
}

func (i *Issuer) renderSignIn(w http.ResponseWriter, r *http.Request, f url.Values, problem string, status int) {
	d := pageData{Client: f.Get("client_id"), Query: f.Get("q"), Error: problem}
	for _, p := range authParams {
		d.Hidden = append(d.Hidden, hidden{p, f.Get(p)})
	}
	var accounts []Account
	if i.directory != nil {
		var err error
		if accounts, err = i.directory.Accounts(r.Context(), d.Query, pageLimit); err != nil {
			i.renderError(w, &authError{"server_error", "the accounts could not be read", false})
			return
		}
	}
	d.Results = len(accounts)
	for _, g := range []group{
		{ID: "cittadini", Title: "Cittadini", Help: "Persone dell'anagrafe generata (seed): accedono al proprio fascicolo."},
		{ID: "operatori", Title: "Operatori", Help: "Operatori dei comuni: lavorano le pratiche dei comuni indicati."},
		{ID: "amministratori", Title: "Amministratori", Help: "Tutti i comuni."},
	} {
		for _, a := range accounts {
			if kindGroup(a.Kind) == g.ID {
				g.Accounts = append(g.Accounts, a)
			}
		}
		if len(g.Accounts) > 0 {
			d.Groups = append(d.Groups, g)
		}
	}
	securityHeaders(w)
	w.WriteHeader(status)
	signInPage.Execute(w, d) //nolint:errcheck
}

func kindGroup(kind string) string {
	switch kind {
	case auth.RoleOperator:
		return "operatori"
	case auth.RoleAdmin:
		return "amministratori"
	}
	return "cittadini"
}

func (i *Issuer) renderError(w http.ResponseWriter, e *authError) {
	securityHeaders(w)
	status := http.StatusBadRequest
	if e.code == "server_error" {
		status = http.StatusInternalServerError
	}
	w.WriteHeader(status)
	errorPage.Execute(w, map[string]string{"Code": e.code, "Desc": e.desc}) //nolint:errcheck
}

const pageStyle = `<style>
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;font-family:"Titillium Web",system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f5f5f0;line-height:1.5}
.dev{background:#8a1c1c;color:#fff;padding:.75rem 1rem;font-weight:700;text-align:center;border-bottom:4px solid #5c0f0f}
.dev span{display:block;font-weight:400;font-size:.95rem}
main{max-width:46rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:1rem 0 .25rem}
h2{font-size:1.25rem;margin:1.5rem 0 .25rem}
p{margin:.25rem 0 .75rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
.search{display:flex;gap:.5rem;flex-wrap:wrap}
input[type=search]{flex:1 1 14rem;font:inherit;padding:.5rem;border:2px solid #5c6f82;border-radius:4px;min-height:44px}
button{font:inherit;min-height:44px;border-radius:4px;cursor:pointer}
.primary{background:#0066cc;color:#fff;border:2px solid #0066cc;padding:.5rem 1rem}
.secondary{background:#fff;color:#0066cc;border:2px solid #0066cc;padding:.5rem 1rem}
ul{list-style:none;padding:0;margin:0}
li{margin:.4rem 0}
.account{display:flex;justify-content:space-between;align-items:center;gap:1rem;width:100%;text-align:left;background:#fff;color:#1a1a1a;border:1px solid #5c6f82;padding:.6rem .9rem}
.account:hover{background:#e6f0fa}
.detail{font-family:ui-monospace,Menlo,Consolas,monospace;color:#3d4955;font-size:.9rem}
:focus-visible{outline:3px solid #ff9900;outline-offset:2px}
.error{background:#fde8e8;border-left:6px solid #8a1c1c;padding:.5rem 1rem}
footer{margin:2rem 0 1rem}
</style>`

var signInPage = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="it">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Accesso di sviluppo — SOLO PER SVILUPPO</title>
` + pageStyle + `
</head>
<body>
<header class="dev">SOLO PER SVILUPPO — DEVELOPMENT ONLY
<span>Nessuna autenticazione: chiunque può entrare come chiunque. Mai in produzione, dove l'accesso è con SPID o CIE.</span></header>
<main>
<h1>Accedi come una persona di prova</h1>
<p>Il servizio <strong>{{.Client}}</strong> chiede di sapere chi sei. Scegli una persona: riceverai un token firmato dall'emittente di sviluppo.</p>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="get" role="search">
{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<label for="q">Cerca per nome, cognome, codice fiscale o comune</label>
<div class="search"><input type="search" id="q" name="q" value="{{.Query}}" autocomplete="off">
<button type="submit" class="secondary">Cerca</button></div>
</form>
<form method="post">
{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}{{range .Groups}}<section aria-labelledby="h-{{.ID}}">
<h2 id="h-{{.ID}}">{{.Title}}</h2>
<p>{{.Help}}</p>
<ul>
{{range .Accounts}}<li><button type="submit" class="account" name="account" value="{{.ID}}" data-kind="{{.Kind}}"><span>Entra come <strong>{{.Label}}</strong></span> <span class="detail">{{.Detail}}</span></button></li>
{{end}}</ul>
</section>
{{else}}<p role="status">Nessuna persona trovata{{if .Query}} per «{{.Query}}»{{end}}.</p>
{{end}}<footer><button type="submit" name="cancel" value="1" class="secondary">Annulla e torna al servizio</button></footer>
</form>
</main>
</body>
</html>
`))

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="it">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Richiesta di accesso non valida — SOLO PER SVILUPPO</title>
` + pageStyle + `
</head>
<body>
<header class="dev">SOLO PER SVILUPPO — DEVELOPMENT ONLY</header>
<main>
<h1>Richiesta di accesso non valida</h1>
<p class="error" role="alert"><strong>{{.Code}}</strong>: {{.Desc}}</p>
<p>Il servizio che ti ha mandato qui non è registrato o ha chiesto un indirizzo di ritorno non registrato: per sicurezza non ti rimandiamo indietro.</p>
</main>
</body>
</html>
`))
