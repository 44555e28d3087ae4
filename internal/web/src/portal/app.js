// The portal's shell: the session, the GraphQL client, the hash router and
// the small components every page uses.
import { createContext, useContext, useEffect } from 'react';
import { icon } from '../shared/italia.js';
import { queryHook, useRoute } from '../shared/hooks.js';
import { practiceStatus } from '../shared/format.js';

export const Ctx = createContext(null);

/** useApp is {client, session, signIn, signOut, route, navigate, unread, setUnread, announce}. */
export function useApp() {
  return useContext(Ctx);
}

export { useRoute };

/** useQuery runs doc with vars when they change: {data, error, loading, reload, setData}. */
export const useQuery = queryHook(useApp);

/** useTitle sets the document title and moves focus to the page's h1 on navigation. */
export function useTitle(title) {
  useEffect(() => {
    document.title = `${title} — Servizi online della Città metropolitana di Milano`;
    const h1 = document.querySelector('main h1');
    if (h1 && document.activeElement?.closest?.('header, main nav, .it-footer, a[href^="#/"]')) {
      h1.setAttribute('tabindex', '-1');
      h1.focus({ preventScroll: false });
    }
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

export function ErrorAlert({ error, children }) {
  if (!error) return null;
  return (
    <div className="alert alert-danger" role="alert">
      {children ?? 'Non è stato possibile completare l\u2019operazione.'} <span className="d-block small">{error.message}</span>
    </div>
  );
}

export function Breadcrumb({ items }) {
  return (
    <nav className="breadcrumb-container" aria-label="Percorso di navigazione">
      <ol className="breadcrumb p-0" data-element="breadcrumb">
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

/** SignInRequired asks to sign in before showing children. */
export function SignInRequired({ children }) {
  const { session, signIn } = useApp();
  if (session) return children;
  return (
    <div className="container my-5">
      <h1>Accedi all&rsquo;area personale</h1>
      <p className="lead">Per vedere il tuo fascicolo e avviare una pratica online accedi con la tua identità digitale.</p>
      <button type="button" className="btn btn-primary btn-icon" onClick={() => signIn()}>
        <span className="rounded-icon"><Icon name="it-user" className="icon-primary" /></span>
        <span>Accedi con SPID o CIE</span>
      </button>
    </div>
  );
}
