// The control room: the backlog of the operator's comuni by status, the
// overdue practices and the deadlines coming up, and twelve months of
// turnaround (median and 90th percentile days to a decision) and lateness
// (share decided after the legal term), from workQueue and serviceStats.
import { useEffect, useState } from 'react';
import { practiceStatus } from '../shared/format.js';
import { DeskControlRoom } from './operations.graphql';
import { BarChart, ColumnChart } from './charts.js';
import { useComuneNames } from './queue.js';
import { ErrorAlert, Loading, useDesk, useQuery, useTitle } from './shell.js';

const MONTHS = 12;
const monthName = new Intl.DateTimeFormat('it-IT', { month: 'short', timeZone: 'UTC' });
const oneDecimal = (v) => (Math.round(v * 10) / 10).toLocaleString('it-IT');

/** windows are the last MONTHS calendar months (UTC), the current one last. */
function windows(now) {
  const out = [];
  for (let i = MONTHS - 1; i >= 0; i--) {
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
    const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i + 1, 1));
    out.push({ from: from.toISOString(), to: to.toISOString(), label: monthName.format(from) });
  }
  return out;
}

const REFRESH_MS = 60000;

export function ControlRoom() {
  useTitle('Sala di controllo');
  const { operator } = useDesk();
  const names = useComuneNames(operator.comuni);
  const [comune, setComune] = useState('');
  const [now] = useState(() => new Date());
  const win = windows(now);
  const vars = { comune: comune || null };
  win.forEach((w, i) => { vars[`f${i}`] = w.from; vars[`t${i}`] = w.to; });
  const { data, error, loading, reload } = useQuery(DeskControlRoom, vars);
  const [updated, setUpdated] = useState(null);
  useEffect(() => { if (data) setUpdated(new Date()); }, [data]);
  useEffect(() => {
    const t = setInterval(reload, REFRESH_MS);
    return () => clearInterval(t);
  }, [reload]);
  const months = data ? win.map((w, i) => ({ ...w, s: data[`m${i}`] })) : [];
  return (
    <div className="container my-4">
      <h1>Sala di controllo</h1>
      <p className="lead">Arretrato, scadenze e tempi di risposta dei tuoi comuni. Si aggiorna da sola ogni minuto.</p>
      <div className="row g-3 align-items-end mb-3">
        {operator.comuni.length > 1 && (
          <div className="col-12 col-md-4">
            <label htmlFor="cr-comune" className="form-label">Comune</label>
            <select id="cr-comune" className="form-select" value={comune} onChange={(e) => setComune(e.target.value)}>
              <option value="">Tutti i miei comuni</option>
              {operator.comuni.map((c) => <option key={c} value={c}>{names[c] ?? c}</option>)}
            </select>
          </div>
        )}
        <div className="col-12 col-md-4">
          <button type="button" className="btn btn-outline-primary" onClick={reload} disabled={loading}>Aggiorna ora</button>
          {updated && <span className="small ms-2" aria-live="polite">Aggiornata alle {updated.toLocaleTimeString('it-IT', { hour: '2-digit', minute: '2-digit' })}</span>}
        </div>
      </div>
      <ErrorAlert error={error}>I dati della sala di controllo non sono disponibili.</ErrorAlert>
      {loading && !data && <Loading what="Caricamento degli indicatori" />}
      {data && (
        <>
          <div className="row g-3 mb-4" data-testid="kpis">
            {[
              ['Pratiche aperte', data.backlog.totalCount, 'primary'],
              ['Scadute', data.overdue.totalCount, 'danger'],
              ['In scadenza entro 7 giorni', data.dueSoon.totalCount, 'warning'],
              ['Da assegnare', data.unassigned.totalCount, 'secondary'],
            ].map(([label, n, tone]) => (
              <div key={label} className="col-6 col-lg-3">
                <div className={`card shadow-sm desk-kpi border-start border-4 border-${tone}`}>
                  <div className="card-body">
                    <p className="desk-kpi-value mb-0">{n}</p>
                    <p className="mb-0">{label}</p>
                  </div>
                </div>
              </div>
            ))}
          </div>
          <div className="row g-4">
            <section className="col-12 col-xl-6" aria-labelledby="h-backlog">
              <h2 id="h-backlog" className="h4">Arretrato per stato</h2>
              <BarChart title="Pratiche aperte per stato" data={data.backlog.countsByStatus.map((c) => ({
                label: practiceStatus[c.status]?.label ?? c.status, value: c.count, tone: practiceStatus[c.status]?.tone,
              }))} />
            </section>
            <section className="col-12 col-xl-6" aria-labelledby="h-turnaround">
              <h2 id="h-turnaround" className="h4">Tempi di risposta</h2>
              <p className="small mb-1">Giorni dall&rsquo;invio alla decisione delle pratiche inviate in ogni mese: la colonna è la mediana, il segno il 90° percentile.</p>
              <ColumnChart title="Giorni mediani alla decisione per mese" markLabel="90° percentile" unit=" gg" format={oneDecimal}
                data={months.map((m) => ({ label: m.label, value: m.s.medianDaysToDecision, mark: m.s.p90DaysToDecision }))} />
            </section>
            <section className="col-12 col-xl-6" aria-labelledby="h-late">
              <h2 id="h-late" className="h4">Ritardi</h2>
              <p className="small mb-1">Quota delle pratiche decise oltre il termine di legge, per mese di invio.</p>
              <ColumnChart title="Quota decisa oltre il termine per mese" unit="%" format={(v) => String(Math.round(v))}
                data={months.map((m) => ({ label: m.label, value: m.s.shareDecidedAfterDue === null ? null : m.s.shareDecidedAfterDue * 100 }))} />
            </section>
            <section className="col-12 col-xl-6" aria-labelledby="h-volume">
              <h2 id="h-volume" className="h4">Pratiche inviate e decise</h2>
              <ColumnChart title="Pratiche inviate per mese (segno: decise)" markLabel="decise"
                data={months.map((m) => ({ label: m.label, value: m.s.count, mark: m.s.decided }))} />
            </section>
          </div>
          <div className="table-responsive mt-4" tabIndex={0} role="region" aria-label="Tabella dei numeri dei grafici">
            <table className="table table-sm desk-stats">
              <caption>I numeri dei grafici, per mese di invio</caption>
              <thead><tr><th scope="col">Mese</th><th scope="col">Inviate</th><th scope="col">Decise</th><th scope="col">Giorni (mediana)</th><th scope="col">Giorni (90° percentile)</th><th scope="col">Decise oltre il termine</th></tr></thead>
              <tbody>
                {months.map((m) => (
                  <tr key={m.from}>
                    <th scope="row">{new Date(m.from).toLocaleDateString('it-IT', { month: 'long', year: 'numeric', timeZone: 'UTC' })}</th>
                    <td>{m.s.count}</td><td>{m.s.decided}</td>
                    <td>{m.s.medianDaysToDecision === null ? '—' : oneDecimal(m.s.medianDaysToDecision)}</td>
                    <td>{m.s.p90DaysToDecision === null ? '—' : oneDecimal(m.s.p90DaysToDecision)}</td>
                    <td>{m.s.shareDecidedAfterDue === null ? '—' : `${Math.round(m.s.shareDecidedAfterDue * 100)}%`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
