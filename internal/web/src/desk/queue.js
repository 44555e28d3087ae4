// The work queue: the practices addressed to the operator's comuni, with
// filters, the counts by status and keyset pages.
import { useEffect, useState } from 'react';
import { date } from '../shared/format.js';
import { practiceStatus } from '../shared/format.js';
import { DeskComune, DeskQueue } from './operations.graphql';
import { ErrorAlert, Loading, StatusBadge, useDesk, useQuery, useTitle } from './shell.js';

const openStatuses = ['PAYMENT_PENDING', 'SUBMITTED', 'REGISTERED', 'IN_PROGRESS', 'INTEGRATION_REQUESTED'];
const allStatuses = [...openStatuses, 'COMPLETED', 'REJECTED', 'WITHDRAWN'];

/** useComuneNames resolves the operator's ISTAT codes to names. */
export function useComuneNames(codes) {
  const { client } = useDesk();
  const [names, setNames] = useState({});
  const key = codes.join(',');
  useEffect(() => {
    let live = true;
    Promise.all(codes.map((c) => client.request(DeskComune, { istatCode: c }).then((d) => [c, d.comune?.name ?? c]).catch(() => [c, c])))
      .then((pairs) => live && setNames(Object.fromEntries(pairs)));
    return () => { live = false; };
  }, [client, key]);
  return names;
}

function filterOf(f) {
  const filter = {};
  if (f.status) filter.statuses = [f.status];
  if (f.comune) filter.comune = f.comune;
  if (f.assigned !== 'ANY') filter.assigned = f.assigned;
  if (f.overdue) filter.overdue = true;
  return filter;
}

export function Queue() {
  useTitle('Coda di lavoro');
  const { operator } = useDesk();
  const names = useComuneNames(operator.comuni);
  const [f, setF] = useState({ status: '', comune: '', assigned: 'ANY', overdue: false, orderBy: 'DUE_DATE' });
  const [pages, setPages] = useState([]);
  const vars = { filter: filterOf(f), orderBy: f.orderBy };
  const first = useQuery(DeskQueue, vars);
  const { client } = useDesk();
  const [more, setMore] = useState({ loading: false, error: null });
  useEffect(() => setPages([]), [JSON.stringify(vars)]);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });
  const q = first.data?.workQueue;
  const lastPage = pages.length ? pages[pages.length - 1] : q;
  const rows = [...(q?.edges ?? []), ...pages.flatMap((p) => p.edges)];
  const loadMore = async () => {
    setMore({ loading: true, error: null });
    try {
      const d = await client.request(DeskQueue, { ...vars, after: lastPage.pageInfo.endCursor });
      setPages([...pages, d.workQueue]);
      setMore({ loading: false, error: null });
    } catch (error) {
      setMore({ loading: false, error });
    }
  };
  return (
    <div className="container my-4">
      <h1>Coda di lavoro</h1>
      <p className="lead">
        Le pratiche dei comuni per cui lavori{operator.admin ? ' (amministratore: tutti i comuni)' : ''}: le più urgenti per prime.
      </p>
      <form className="row g-3 align-items-end mb-3 desk-filters" aria-label="Filtri della coda" onSubmit={(e) => e.preventDefault()}>
        <div className="col-12 col-md-3">
          <label htmlFor="f-status" className="form-label">Stato</label>
          <select id="f-status" className="form-select" value={f.status} onChange={set('status')}>
            <option value="">Tutte le aperte</option>
            {allStatuses.map((s) => <option key={s} value={s}>{practiceStatus[s].label}</option>)}
          </select>
        </div>
        {operator.comuni.length > 1 && (
          <div className="col-12 col-md-3">
            <label htmlFor="f-comune" className="form-label">Comune</label>
            <select id="f-comune" className="form-select" value={f.comune} onChange={set('comune')}>
              <option value="">Tutti i miei comuni</option>
              {operator.comuni.map((c) => <option key={c} value={c}>{names[c] ?? c}</option>)}
            </select>
          </div>
        )}
        <div className="col-12 col-md-2">
          <label htmlFor="f-assigned" className="form-label">Assegnazione</label>
          <select id="f-assigned" className="form-select" value={f.assigned} onChange={set('assigned')}>
            <option value="ANY">Tutte</option>
            <option value="MINE">Mie</option>
            <option value="UNASSIGNED">Da assegnare</option>
          </select>
        </div>
        <div className="col-12 col-md-2">
          <label htmlFor="f-order" className="form-label">Ordine</label>
          <select id="f-order" className="form-select" value={f.orderBy} onChange={set('orderBy')}>
            <option value="DUE_DATE">Scadenza</option>
            <option value="SUBMITTED">Data di invio</option>
          </select>
        </div>
        <div className="col-12 col-md-2">
          <div className="form-check">
            <input id="f-overdue" type="checkbox" className="form-check-input" checked={f.overdue} onChange={set('overdue')} />
            <label htmlFor="f-overdue" className="form-check-label">Solo scadute</label>
          </div>
        </div>
      </form>
      {q && (
        <ul className="list-inline desk-counts" aria-label="Pratiche per stato">
          {q.countsByStatus.map((c) => (
            <li key={c.status} className="list-inline-item mb-2">
              <button type="button" className={`btn btn-sm ${f.status === c.status ? 'btn-primary' : 'btn-outline-primary'}`}
                aria-pressed={f.status === c.status} onClick={() => setF({ ...f, status: f.status === c.status ? '' : c.status })}>
                {practiceStatus[c.status]?.label ?? c.status} <span className="badge bg-white text-primary ms-1">{c.count}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <ErrorAlert error={first.error}>La coda non è disponibile.</ErrorAlert>
      {first.loading && !q ? <Loading what="Caricamento della coda" /> : null}
      {q && (
        <>
          <p aria-live="polite" data-testid="queue-total">{q.totalCount === 1 ? '1 pratica' : `${q.totalCount} pratiche`}</p>
          <div className="table-responsive" tabIndex={0} role="region" aria-label="Pratiche in coda">
            <table className="table table-hover desk-queue">
              <caption className="visually-hidden">Pratiche in coda</caption>
              <thead>
                <tr>
                  <th scope="col">Pratica</th>
                  <th scope="col">Richiedente</th>
                  <th scope="col">Comune</th>
                  <th scope="col">Stato</th>
                  <th scope="col">Scadenza</th>
                  <th scope="col">Assegnata a</th>
                </tr>
              </thead>
              <tbody>
                {rows.map(({ node: p }) => (
                  <tr key={p.id} data-practice={p.id}>
                    <th scope="row">
                      <a href={`#/pratiche/${p.id}`}>{p.service.title}</a>
                      <span className="d-block small text-muted">{p.protocolNumber ? `Prot. ${p.protocolNumber}` : `Inviata il ${date(p.submittedAt) || '—'}`}</span>
                    </th>
                    <td>{p.applicant?.displayName ?? ''}<span className="d-block small font-monospace">{p.applicantFiscalCode}</span></td>
                    <td>{p.comune.name}</td>
                    <td><StatusBadge status={p.status} /></td>
                    <td>
                      {p.dueBy ? date(p.dueBy) : '—'}
                      {p.overdue && <span className="badge bg-danger ms-1">Scaduta</span>}
                    </td>
                    <td>{p.assignment ? p.assignment.operatorName || p.assignment.operatorId : <span className="text-muted">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {rows.length === 0 && <p>Nessuna pratica con questi filtri.</p>}
          <ErrorAlert error={more.error} />
          {lastPage?.pageInfo.hasNextPage && (
            <button type="button" className="btn btn-outline-primary" onClick={loadMore} disabled={more.loading}>
              {more.loading ? 'Caricamento…' : 'Mostra altre pratiche'}
            </button>
          )}
        </>
      )}
    </div>
  );
}
