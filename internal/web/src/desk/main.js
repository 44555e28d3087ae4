// The operators' desk (Italian, Bootstrap Italia): the work queue of the
// operator's comuni, a practice's detail with its documents and history and
// the transitions with their notes, and the control room — after an OpenID
// Connect sign-in (authorization code + PKCE) with the issuer the server
// names in /web/config.json.
import { createRoot } from 'react-dom/client';
import { useCallback, useMemo, useState } from 'react';
import { config } from '../shared/italia.js';
import { OIDCClient, decodeJWT } from '../shared/oidc.js';
import { createClient } from '../shared/graphql.js';
import { Ctx, Icon, useRoute } from './shell.js';
import { Queue } from './queue.js';
import { PracticePage } from './practice.js';
import { ControlRoom } from './control.js';
import './desk.css';

/** deskStorage keeps the desk's session apart from the portal's in the same tab. */
const deskStorage = {
  getItem: (k) => sessionStorage.getItem(`desk:${k}`),
  setItem: (k, v) => sessionStorage.setItem(`desk:${k}`, v),
  removeItem: (k) => sessionStorage.removeItem(`desk:${k}`),
};

/** operatorOf reads who signed in from the access token: name, roles, comuni. */
function operatorOf(session) {
  if (!session) return null;
  let claims = {};
  try {
    claims = decodeJWT(session.accessToken);
  } catch {
    claims = {};
  }
  const roles = claims.roles ?? session.claims?.roles ?? [];
  return {
    name: claims.name || session.claims?.name || 'Operatore',
    sub: claims.sub ?? session.claims?.sub,
    fiscalCode: claims.fiscal_number ?? null,
    roles,
    comuni: claims.comuni ?? [],
    admin: roles.includes('admin'),
    operator: roles.includes('operator') || roles.includes('admin'),
  };
}

function Header({ cfg, operator, signIn, signOut, route }) {
  const section = route.path[0] ?? '';
  const link = (href, label, key) => (
    <li className="nav-item">
      <a className={`nav-link${section === key ? ' active' : ''}`} href={href} aria-current={section === key ? 'page' : undefined}>
        <span>{label}</span>
      </a>
    </li>
  );
  return (
    <header className="it-header-wrapper">
      <div className="it-header-slim-wrapper">
        <div className="container">
          <div className="it-header-slim-wrapper-content">
            <span className="navbar-brand">
              <span className="d-none d-md-inline">Città metropolitana di Milano — </span>Area riservata
            </span>
            <div className="it-header-slim-right-zone">
              {cfg.devIssuer && <span className="badge bg-danger me-2">SVILUPPO</span>}
              {operator ? (
                <div className="d-flex align-items-center gap-2">
                  <span className="text-white d-none d-md-inline" data-testid="operator-name">{operator.name}</span>
                  <button type="button" className="btn btn-outline-light btn-sm" onClick={signOut}>Esci</button>
                </div>
              ) : (
                <button type="button" className="btn btn-primary btn-sm" onClick={() => signIn()}>Accedi</button>
              )}
            </div>
          </div>
        </div>
      </div>
      <div className="it-nav-wrapper">
        <div className="it-header-center-wrapper">
          <div className="container">
            <div className="it-header-center-content-wrapper">
              <div className="it-brand-wrapper">
                <a href="#/">
                  <Icon name="it-pa" />
                  <div className="it-brand-text">
                    <div className="it-brand-title">Scrivania dell&rsquo;operatore</div>
                    <div className="it-brand-tagline d-none d-md-block">Pratiche dei cittadini dei tuoi comuni</div>
                  </div>
                </a>
              </div>
            </div>
          </div>
        </div>
        {operator?.operator && (
          <div className="desk-navbar">
            <div className="container">
              <nav aria-label="Sezioni della scrivania">
                <ul className="nav">
                  {link('#/', 'Coda di lavoro', '')}
                  {link('#/sala-controllo', 'Sala di controllo', 'sala-controllo')}
                </ul>
              </nav>
            </div>
          </div>
        )}
      </div>
    </header>
  );
}

function Footer() {
  return (
    <footer className="it-footer mt-5">
      <div className="it-footer-small-prints clearfix">
        <div className="container">
          <p className="py-3 mb-0 text-white small">Scrivania degli operatori dei servizi online — Città metropolitana di Milano</p>
        </div>
      </div>
    </footer>
  );
}

function SignIn({ signIn, error }) {
  return (
    <div className="container my-5">
      <h1>Accesso operatori</h1>
      <p className="lead">La scrivania mostra le pratiche dei comuni per cui lavori. Accedi con le credenziali dell&rsquo;ente.</p>
      {error && <div className="alert alert-danger" role="alert">{error}</div>}
      <button type="button" className="btn btn-primary" onClick={() => signIn()}>Accedi alla scrivania</button>
    </div>
  );
}

function NotOperator({ signOut }) {
  return (
    <div className="container my-5">
      <h1>Accesso non consentito</h1>
      <p className="lead">Hai effettuato l&rsquo;accesso, ma non come operatore di un comune: la scrivania è riservata agli operatori.</p>
      <button type="button" className="btn btn-outline-primary" onClick={signOut}>Esci e accedi con un altro profilo</button>
    </div>
  );
}

function App({ cfg, oidc, initialError }) {
  const route = useRoute();
  const [session, setSession] = useState(() => oidc?.session() ?? null);
  const [message, setMessage] = useState('');
  const signIn = useCallback(() => oidc.signIn(location.hash || '#/'), [oidc]);
  const signOut = useCallback(() => oidc.signOut(`${location.origin}/operatore`), [oidc]);
  const client = useMemo(() => createClient({
    url: cfg.graphql || '/graphql',
    token: () => oidc?.token() ?? null,
    onUnauthenticated: () => setSession(oidc?.session() ?? null),
  }), [cfg, oidc]);
  const operator = operatorOf(session);
  const ctx = useMemo(() => ({ client, session, operator, signIn, signOut, route, announce: setMessage }),
    [client, session, operator?.name, signIn, signOut, route]);
  let page;
  if (!session) page = <SignIn signIn={signIn} error={initialError} />;
  else if (!operator.operator) page = <NotOperator signOut={signOut} />;
  else if (route.path[0] === 'pratiche' && route.path[1]) page = <PracticePage id={route.path[1]} />;
  else if (route.path[0] === 'sala-controllo') page = <ControlRoom />;
  else page = <Queue />;
  return (
    <Ctx.Provider value={ctx}>
      <a className="visually-hidden-focusable" href="#main-content" onClick={(e) => { e.preventDefault(); document.getElementById('main-content')?.focus(); }}>Vai al contenuto</a>
      <Header cfg={cfg} operator={operator} signIn={signIn} signOut={signOut} route={route} />
      <main id="main-content" tabIndex={-1}>{page}</main>
      <div className="visually-hidden" role="status" aria-live="polite" data-testid="announcer">{message}</div>
      <Footer />
    </Ctx.Provider>
  );
}

async function start() {
  const root = document.getElementById('app');
  let cfg;
  try {
    cfg = await config();
  } catch (err) {
    root.textContent = `La scrivania non è disponibile: ${err.message}`;
    return;
  }
  const oidc = cfg.issuer
    ? new OIDCClient({ issuer: cfg.issuer, clientId: cfg.clients?.desk ?? 'citizengraph-desk', redirectUri: `${location.origin}/operatore`, storage: deskStorage })
    : null;
  let initialError = oidc ? null : 'Nessun emittente di identità configurato sul server.';
  if (oidc && OIDCClient.isCallback()) {
    try {
      const back = await oidc.handleCallback();
      history.replaceState(null, '', `/operatore${back || '#/'}`);
    } catch (err) {
      initialError = `Accesso non riuscito: ${err.message}`;
      history.replaceState(null, '', '/operatore');
    }
  }
  createRoot(root).render(<App cfg={cfg} oidc={oidc} initialError={initialError} />);
}

start();
