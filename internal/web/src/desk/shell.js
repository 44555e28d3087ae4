// The desk's shell: the session, the GraphQL client, the hash router and
// the small components every page uses.
import { createContext, useContext, useEffect } from 'react';
import { icon } from '../shared/italia.js';
import { queryHook, useRoute } from '../shared/hooks.js';
import { practiceStatus } from '../shared/format.js';

export const Ctx = createContext(null);

/** useDesk is {client, session, operator, signIn, signOut, route, announce}. */
export function useDesk() {
  return useContext(Ctx);
}

export { useRoute };

/** useQuery runs doc with vars when they change: {data, error, loading, reload, setData}. */
export const useQuery = queryHook(useDesk);

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
