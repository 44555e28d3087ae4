// The desk's shell: the session, the GraphQL client, the hash router and
// the small components every page uses.
import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { icon } from '../shared/italia.js';
import { practiceStatus } from '../shared/format.js';

export const Ctx = createContext(null);

/** useDesk is {client, session, operator, signIn, signOut, route, announce}. */
export function useDesk() {
  return useContext(Ctx);
}

/** parseRoute splits location.hash ("#/a/b?x=1") into {path, query}. */
export function parseRoute(hash) {
  const h = hash.replace(/^#/, '') || '/';
  const [p, q = ''] = h.split('?');
  return { path: p.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(q), hash: `#${h}` };
}

export function useRoute() {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** useQuery runs doc with vars whenever they change: {data, error, loading, reload, setData}. */
export function useQuery(doc, vars, { skip = false } = {}) {
  const { client } = useDesk();
  const [state, setState] = useState({ data: null, error: null, loading: !skip });
  const key = JSON.stringify(vars ?? {});
  const seq = useRef(0);
  const run = useCallback(async () => {
    if (skip) return;
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await client.request(doc, JSON.parse(key));
      if (n === seq.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (n === seq.current) setState((s) => ({ data: error.data ?? s.data, error, loading: false }));
    }
  }, [client, doc, key, skip]);
  useEffect(() => { run(); }, [run]);
  const setData = useCallback((f) => setState((s) => ({ ...s, data: typeof f === 'function' ? f(s.data) : f })), []);
  return { ...state, reload: run, setData };
}

/** useTitle sets the document title. */
export function useTitle(title) {
  useEffect(() => {
    document.title = `${title} — Scrivania dell'operatore`;
  }, [title]);
}

export function Icon({ name, className = '', title }) {
  return (
    <svg className={`icon ${className}`} aria-hidden={title ? undefined : 'true'} role={title ? 'img' : undefined} aria-label={title}>
      <use href={icon(name)} />
    </svg>
  );
}

export function StatusBadge({ status }) {
  const s = practiceStatus[status] ?? { label: status, tone: 'secondary' };
  return <span className={`badge bg-${s.tone} status-badge`} data-status={status}>{s.label}</span>;
}

export function Loading({ what = 'Caricamento in corso' }) {
  return (
    <div className="d-flex align-items-center gap-2 my-3" role="status">
      <div className="progress-spinner progress-spinner-active size-sm"><span className="visually-hidden">{what}…</span></div>
      <span aria-hidden="true">{what}…</span>
    </div>
  );
}

/** errorText is a GraphQL error in words an operator can act on. */
export function errorText(error) {
  switch (error?.code) {
    case 'CONFLICT': return 'Un altro operatore ha già preso in carico questa pratica.';
    case 'ILLEGAL_TRANSITION': return 'La pratica è cambiata nel frattempo: questa operazione non è più possibile. Ricarica la pagina.';
    case 'FORBIDDEN': return 'Non hai i permessi per questa operazione.';
    case 'NOT_FOUND': return 'Pratica non trovata, o non di un tuo comune.';
    case 'UNAUTHENTICATED': return 'La sessione è scaduta: accedi di nuovo.';
    case 'BAD_USER_INPUT': return `Dati non validi: ${error.message}`;
    default: return error?.message ?? '';
  }
}

export function ErrorAlert({ error, children }) {
  if (!error) return null;
  return (
    <div className="alert alert-danger" role="alert">
      {children ?? 'Non è stato possibile completare l\u2019operazione.'} <span className="d-block">{errorText(error)}</span>
    </div>
  );
}

export function Breadcrumb({ items }) {
  return (
    <nav className="breadcrumb-container" aria-label="Percorso di navigazione">
      <ol className="breadcrumb p-0">
        {items.map(([label, href], i) => (
          <li key={label} className={`breadcrumb-item${i === items.length - 1 ? ' active' : ''}`} aria-current={i === items.length - 1 ? 'page' : undefined}>
            {href && i < items.length - 1 ? <a href={href}>{label}</a> : label}
            {i < items.length - 1 && <span className="separator">/</span>}
          </li>
        ))}
      </ol>
    </nav>
  );
}
