// The "Token" panel: how to authenticate, a helper that gets a token from
// the development issuer (serve --dev-issuer) into the Headers tab, and the
// subscription transport.
import { useEffect, useState } from 'react';
import { useHeadersEditorState } from '@graphiql/react';

function setAuthorization(headersText, token) {
  let headers = {};
  try {
    headers = JSON.parse(headersText || '{}') ?? {};
  } catch {
    headers = {};
  }
  for (const k of Object.keys(headers)) if (k.toLowerCase() === 'authorization') delete headers[k];
  if (token) headers.Authorization = `Bearer ${token}`;
  return JSON.stringify(headers, null, 2);
}

function DevToken({ issuer }) {
  const [headers, setHeaders] = useHeadersEditorState();
  const [scopes, setScopes] = useState([]);
  const [form, setForm] = useState({ fiscal_code: '', roles: 'citizen', comuni: '', client_id: '', scope: [] });
  const [status, setStatus] = useState('');
  useEffect(() => {
    fetch(`${issuer}/.well-known/openid-configuration`)
      .then((r) => r.json())
      .then((d) => setScopes(d.scopes_supported ?? []))
      .catch(() => setScopes([]));
  }, [issuer]);
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const toggleScope = (s) => (e) =>
    setForm({ ...form, scope: e.target.checked ? [...form.scope, s] : form.scope.filter((x) => x !== s) });
  const submit = async (e) => {
    e.preventDefault();
    setStatus('Asking the development issuer…');
    const body = new URLSearchParams();
    const app = form.roles === 'app';
    body.set('grant_type', app ? 'client_credentials' : 'urn:citizengraph:dev');
    if (!app) {
      body.set('fiscal_code', form.fiscal_code.trim().toUpperCase());
      body.set('roles', form.roles);
      if (form.roles === 'operator') body.set('comuni', form.comuni.trim());
    }
    if (form.client_id.trim()) body.set('client_id', form.client_id.trim());
    if (form.scope.length) body.set('scope', form.scope.join(' '));
    try {
      const r = await fetch(`${issuer}/token`, { method: 'POST', body });
      const d = await r.json();
      if (!r.ok) {
        setStatus(`Refused: ${d.error_description || d.error || r.status}`);
        return;
      }
      setHeaders(setAuthorization(headers, d.access_token));
      setStatus(`Token set in the Headers tab (valid ${Math.round(d.expires_in / 3600)} h).`);
    } catch (err) {
      setStatus(`The development issuer did not answer: ${err.message}`);
    }
  };
  return (
    <form className="cg-form" onSubmit={submit} aria-label="Development token">
      <p className="cg-warning" role="note">
        Development issuer: it signs a token for anyone, without authentication. Never on a production server.
      </p>
      <label className="cg-label">
        Who
        <select className="cg-input" value={form.roles} onChange={set('roles')} name="roles">
          <option value="citizen">a citizen</option>
          <option value="operator">an operator of some comuni</option>
          <option value="admin">an administrator</option>
          <option value="app">an app on its own (client credentials)</option>
        </select>
      </label>
      {form.roles !== 'app' ? (
        <label className="cg-label">
          Fiscal code
          <input className="cg-input" name="fiscal_code" value={form.fiscal_code} onChange={set('fiscal_code')} placeholder="RSSMRA80A01F205X" autoComplete="off" required={form.roles === 'citizen'} />
        </label>
      ) : null}
      {form.roles === 'operator' ? (
        <label className="cg-label">
          Comuni (ISTAT codes, comma-separated)
          <input className="cg-input" name="comuni" value={form.comuni} onChange={set('comuni')} placeholder="015146" required />
        </label>
      ) : null}
      <label className="cg-label">
        App client id (optional: a third-party app acting for the person)
        <input className="cg-input" name="client_id" value={form.client_id} onChange={set('client_id')} placeholder="my-civic-app" required={form.roles === 'app'} />
      </label>
      {scopes.length ? (
        <fieldset className="cg-scopes">
          <legend>Scopes</legend>
          {scopes.map((s) => (
            <label key={s} className="cg-check">
              <input type="checkbox" checked={form.scope.includes(s)} onChange={toggleScope(s)} /> {s}
            </label>
          ))}
        </fieldset>
      ) : null}
      <button className="graphiql-button cg-button" type="submit">Get a token</button>
      <button className="graphiql-button cg-button" type="button" onClick={() => { setHeaders(setAuthorization(headers, '')); setStatus('Authorization removed.'); }}>
        Remove the token
      </button>
      <p className="cg-status" role="status" aria-live="polite">{status}</p>
    </form>
  );
}

function Transport() {
  const [t, setT] = useState(() => localStorage.getItem('citizengraph:transport') || 'ws');
  const choose = (e) => {
    localStorage.setItem('citizengraph:transport', e.target.value);
    setT(e.target.value);
  };
  return (
    <fieldset className="cg-scopes">
      <legend>Subscriptions stream over</legend>
      <label className="cg-check">
        <input type="radio" name="transport" value="ws" checked={t === 'ws'} onChange={choose} /> WebSocket (graphql-transport-ws)
      </label>
      <label className="cg-check">
        <input type="radio" name="transport" value="sse" checked={t === 'sse'} onChange={choose} /> Server-sent events (GraphQL over SSE)
      </label>
    </fieldset>
  );
}

function TokenPanel({ config }) {
  return (
    <section className="cg-token" aria-label="Authentication">
      <div className="graphiql-doc-explorer-title">Token</div>
      <p className="cg-hint">
        Public data (places, events, the service catalogue) needs no token. Everything else needs a bearer token from
        the city's identity provider, in the Headers tab: <code>{'{"Authorization": "Bearer …"}'}</code>. WebSocket
        subscriptions send it in <code>connection_init</code>.
      </p>
      {config.devIssuer && config.issuer ? <DevToken issuer={config.issuer} /> : null}
      <Transport />
    </section>
  );
}

function Icon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.5">
      <circle cx="8" cy="12" r="4" /><path d="M12 12h9M18 12v3M21 12v3" />
    </svg>
  );
}

export function tokenPlugin(config) {
  return { title: 'Token', icon: Icon, content: () => <TokenPanel config={config} /> };
}
