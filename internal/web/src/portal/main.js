// The citizens' portal (Italian, Bootstrap Italia): the public service
// catalogue and events, and "Il mio fascicolo" (the area personale) after
// an OpenID Connect sign-in (authorization code + PKCE) with the issuer the
// server names in /web/config.json.
import { createRoot } from 'react-dom/client';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { config } from '../shared/italia.js';
import { OIDCClient } from '../shared/oidc.js';
import { createClient } from '../shared/graphql.js';
import { Ctx, Icon, useRoute } from './app.js';
import { Home, Catalogue, ServicePage } from './catalogue.js';
import { EventsPage } from './events.js';
import { Fascicolo } from './fascicolo.js';
import './portal.css';

function Header({ cfg, session, signIn, signOut, unread, route }) {
  const section = route.path[0] ?? '';
  const link = (href, label, key, extra) => (
    <li className="nav-item">
      <a className={`nav-link${section === key ? ' active' : ''}`} href={href} aria-current={section === key ? 'page' : undefined}>
        <span>{label}</span>{extra}
      </a>
    </li>
  );
  return (
    <header className="it-header-wrapper">
      <div className="it-header-slim-wrapper">
        <div className="container">
          <div className="it-header-slim-wrapper-content">
            <span className="d-lg-block navbar-brand">Città metropolitana di Milano</span>
            <div className="it-header-slim-right-zone">
              {cfg.devIssuer && <span className="badge bg-danger me-2 dev-badge" title="Accesso di sviluppo: nessuna autenticazione reale">SVILUPPO</span>}
              {session ? (
                <div className="d-flex align-items-center gap-2">
                  <a className="btn btn-primary btn-sm btn-icon" href="#/fascicolo" data-testid="user-menu">
                    <Icon name="it-user" className="icon-white" />
                    <span className="visually-hidden">Il mio fascicolo: </span>
                    <span className="d-none d-md-inline">{session.claims?.name}</span>
                    <span className="d-md-none visually-hidden">{session.claims?.name}</span>
                  </a>
                  <button type="button" className="btn btn-outline-light btn-sm btn-icon" onClick={signOut}>
                    <Icon name="it-logout" className="icon-white d-md-none" />
                    <span className="d-none d-md-inline">Esci</span><span className="d-md-none visually-hidden">Esci</span>
                  </button>
                </div>
              ) : (
                <button type="button" className="btn btn-primary btn-sm btn-icon btn-full" onClick={() => signIn()}>
                  <span className="rounded-icon"><Icon name="it-user" className="icon-primary" /></span>
                  <span className="d-none d-lg-block">Accedi all&rsquo;area personale</span>
                  <span className="d-lg-none">Accedi</span>
                </button>
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
                    <div className="it-brand-title">Servizi online</div>
                    <div className="it-brand-tagline d-none d-md-block">Comune di Milano e i 133 comuni della città metropolitana</div>
                  </div>
                </a>
              </div>
            </div>
          </div>
        </div>
        <div className="it-header-navbar-wrapper">
          <div className="container">
            <nav className="portal-nav" aria-label="Navigazione principale">
              <ul className="nav">
                {link('#/servizi', 'Servizi', 'servizi')}
                {link('#/eventi', 'Eventi vicino a te', 'eventi')}
                {link('#/fascicolo', 'Il mio fascicolo', 'fascicolo',
                  unread > 0 ? <span className="badge bg-white text-primary ms-2" data-testid="unread-badge"><span className="visually-hidden">messaggi non letti: </span>{unread}</span> : null)}
              </ul>
            </nav>
          </div>
        </div>
      </div>
    </header>
  );
}

function Footer() {
  return (
    <footer className="it-footer">
      <div className="it-footer-main">
        <div className="container py-4">
          <h2 className="h5 text-white">Servizi online della Città metropolitana di Milano</h2>
          <p className="text-white mb-1">I dati pubblici (servizi, luoghi, eventi, confini di comuni e NIL) vengono dai dataset aperti del Comune di Milano e di ISTAT.</p>
          <ul className="list-inline mb-0">
            <li className="list-inline-item"><a className="text-white" href="#/servizi">Tutti i servizi</a></li>
            <li className="list-inline-item"><a className="text-white" href="#/eventi">Eventi</a></li>
            <li className="list-inline-item"><a className="text-white" href="/explorer">API per sviluppatori</a></li>
          </ul>
        </div>
      </div>
    </footer>
  );
}

function Page({ route }) {
  const [a, b] = route.path;
  if (!a) return <Home />;
  if (a === 'servizi' && b) return <ServicePage id={b} />;
  if (a === 'servizi') return <Catalogue query={route.query} />;
  if (a === 'eventi') return <EventsPage />;
  if (a === 'fascicolo') return <Fascicolo path={route.path.slice(1)} query={route.query} />;
  return (
    <div className="container my-5">
      <h1>Pagina non trovata</h1>
      <p><a href="#/">Torna alla pagina iniziale</a></p>
    </div>
  );
}

function App({ cfg, oidc, initialError }) {
  const route = useRoute();
  const [session, setSession] = useState(() => oidc?.session() ?? null);
  const [unread, setUnread] = useState(0);
  const [message, setMessage] = useState('');
  const [signInError, setSignInError] = useState(initialError);
  const tokenRef = useRef(session?.accessToken ?? null);
  tokenRef.current = session?.accessToken ?? null;
  const client = useMemo(() => createClient({
    url: cfg.graphql,
    token: () => tokenRef.current,
    onUnauthenticated: () => { oidc?.forget(); setSession(null); },
  }), [cfg.graphql, oidc]);
  useEffect(() => () => client.close(), [client]);

  const signIn = useCallback(async (returnTo) => {
    if (!oidc) {
      setSignInError(new Error('Nessun emittente di identità configurato su questo server.'));
      return;
    }
    try {
      await oidc.signIn(returnTo ?? (location.hash || '#/fascicolo'));
    } catch (e) {
      setSignInError(e);
    }
  }, [oidc]);
  const signOut = useCallback(() => {
    setSession(null);
    client.close();
    oidc?.signOut(location.origin + '/');
  }, [oidc, client]);
  const announce = useCallback((text) => { setMessage(''); setTimeout(() => setMessage(text), 50); }, []);
  const value = { cfg, client, session, signIn, signOut, route, unread, setUnread, announce };
  return (
    <Ctx.Provider value={value}>
      <a className="visually-hidden-focusable skiplink" href="#main-content" onClick={(e) => { e.preventDefault(); document.getElementById('main-content')?.focus(); }}>Vai al contenuto</a>
      <Header cfg={cfg} session={session} signIn={signIn} signOut={signOut} unread={unread} route={route} />
      <main id="main-content" tabIndex={-1}>
        {signInError && (
          <div className="container mt-3">
            <div className="alert alert-danger" role="alert">
              Accesso non riuscito: {signInError.message}
              <button type="button" className="btn btn-link" onClick={() => setSignInError(null)}>Chiudi</button>
            </div>
          </div>
        )}
        <Page route={route} />
      </main>
      <div className="visually-hidden" aria-live="polite" data-testid="live-region">{message}</div>
      <Footer />
    </Ctx.Provider>
  );
}

async function start() {
  const cfg = await config().catch(() => ({ graphql: '/graphql' }));
  cfg.graphql ??= '/graphql';
  let oidc = null;
  if (cfg.issuer) {
    oidc = new OIDCClient({ issuer: cfg.issuer, clientId: cfg.clients?.portal ?? 'citizengraph-portal', redirectUri: `${location.origin}/` });
  }
  let initialError = null;
  if (oidc && OIDCClient.isCallback()) {
    let back = '#/fascicolo';
    try {
      back = await oidc.handleCallback();
    } catch (e) {
      initialError = e;
    }
    history.replaceState(null, '', `/${back}`);
  }
  createRoot(document.getElementById('app')).render(<App cfg={cfg} oidc={oidc} initialError={initialError} />);
}

start();
