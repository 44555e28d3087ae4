// A practice at the desk: its data, documents and history, taking it, and
// the transitions an operator makes with their notes. The page follows the
// practice's status live (practiceStatusChanged).
import { useEffect, useRef, useState } from 'react';
import { date, dateTime, practiceStatus } from '../shared/format.js';
import {
  DeskComplete, DeskConfirmPayment, DeskPractice, DeskPracticeStatus, DeskRegister, DeskReject, DeskRelease,
  DeskRequestIntegration, DeskTake, DeskTakeInCharge,
} from './operations.graphql';
import { Breadcrumb, ErrorAlert, Loading, StatusBadge, errorText, useDesk, useQuery, useTitle } from './shell.js';

/**
 * The transitions an operator may make from each status: the mutation, the
 * button, whether a note is required (false: optional; undefined: none).
 */
const transitions = {
  PAYMENT_PENDING: [{ doc: DeskConfirmPayment, label: 'Conferma il pagamento', note: false, tone: 'primary' }],
  SUBMITTED: [{ doc: DeskRegister, label: 'Protocolla', tone: 'primary' }],
  REGISTERED: [
    { doc: DeskTakeInCharge, label: 'Avvia la lavorazione', tone: 'primary' },
    { doc: DeskReject, label: 'Respingi', note: true, tone: 'danger' },
  ],
  IN_PROGRESS: [
    { doc: DeskComplete, label: 'Concludi', note: false, tone: 'success' },
    { doc: DeskRequestIntegration, label: 'Richiedi integrazione', note: true, tone: 'warning' },
    { doc: DeskReject, label: 'Respingi', note: true, tone: 'danger' },
  ],
};

const actorKind = { CITIZEN: 'Cittadino', OPERATOR: 'Operatore', SYSTEM: 'Sistema' };

function size(n) {
  return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} kB` : `${(n / 1048576).toFixed(1)} MB`;
}

function Transitions({ practice, onDone }) {
  const { client, announce } = useDesk();
  const [note, setNote] = useState('');
  const [state, setState] = useState({ busy: null, error: null, invalid: null });
  const list = transitions[practice.status] ?? [];
  const noteRef = useRef(null);
  if (list.length === 0) {
    return (
      <p className="mb-0">
        {practice.status === 'INTEGRATION_REQUESTED'
          ? 'In attesa dell\u2019integrazione del cittadino.'
          : 'Nessuna operazione possibile: la pratica è chiusa o in attesa del cittadino.'}
      </p>
    );
  }
  const withNote = list.some((t) => t.note !== undefined);
  const run = async (t) => {
    if (t.note === true && !note.trim()) {
      setState({ busy: null, error: null, invalid: `Scrivi una nota: per «${t.label}» è obbligatoria.` });
      noteRef.current?.focus();
      return;
    }
    setState({ busy: t.label, error: null, invalid: null });
    try {
      const vars = { id: practice.id };
      if (t.note !== undefined && note.trim()) vars.note = note.trim();
      const data = await client.request(t.doc, vars);
      const updated = Object.values(data)[0];
      setNote('');
      setState({ busy: null, error: null, invalid: null });
      announce(`Pratica aggiornata: ${practiceStatus[updated.status]?.label ?? updated.status}.`);
      onDone(updated);
    } catch (error) {
      setState({ busy: null, error, invalid: null });
    }
  };
  return (
    <form onSubmit={(e) => e.preventDefault()} aria-label="Operazioni sulla pratica">
      {withNote && (
        <div className="mb-3">
          <label htmlFor="transition-note" className="form-label">Nota per il cittadino</label>
          <textarea id="transition-note" ref={noteRef} className={`form-control${state.invalid ? ' is-invalid' : ''}`} rows={3}
            value={note} onChange={(e) => setNote(e.target.value)} aria-describedby="transition-note-help"
            aria-invalid={state.invalid ? 'true' : undefined} />
          <div id="transition-note-help" className="form-text">Obbligatoria per respingere e per richiedere un&rsquo;integrazione; resta nello storico della pratica.</div>
          {state.invalid && <div className="invalid-feedback d-block" role="alert">{state.invalid}</div>}
        </div>
      )}
      <div className="d-flex flex-wrap gap-2">
        {list.map((t) => (
          <button key={t.label} type="button" className={`btn btn-${t.tone}`} disabled={!!state.busy} onClick={() => run(t)}>
            {state.busy === t.label ? 'Attendere…' : t.label}
          </button>
        ))}
      </div>
      <ErrorAlert error={state.error} />
    </form>
  );
}

function Assignment({ practice, onDone }) {
  const { client, operator, announce } = useDesk();
  const [state, setState] = useState({ busy: false, error: null });
  const a = practice.assignment;
  const closed = ['COMPLETED', 'REJECTED', 'WITHDRAWN', 'DRAFT'].includes(practice.status);
  const run = async (doc, msg) => {
    setState({ busy: true, error: null });
    try {
      const data = await client.request(doc, { id: practice.id });
      setState({ busy: false, error: null });
      announce(msg);
      onDone(Object.values(data)[0]);
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  const mine = a && ((operator.fiscalCode && a.operatorId === operator.fiscalCode) || a.operatorId === `sub:${operator.sub}` || operator.admin);
  return (
    <div>
      <p className="mb-2" data-testid="assignment">
        {a ? <>Assegnata a <strong>{a.operatorName || a.operatorId}</strong> dal {dateTime(a.at)}</> : 'Non assegnata'}
      </p>
      {!closed && !a && (
        <button type="button" className="btn btn-outline-primary btn-sm" disabled={state.busy} onClick={() => run(DeskTake, 'Pratica assegnata a te.')}>Assegna a me</button>
      )}
      {!closed && a && mine && (
        <button type="button" className="btn btn-outline-secondary btn-sm" disabled={state.busy} onClick={() => run(DeskRelease, 'Pratica rilasciata.')}>Rilascia</button>
      )}
      <ErrorAlert error={state.error} />
    </div>
  );
}

/** useLiveStatus follows the practice's status changes; onChange gets each new one. */
function useLiveStatus(id, onChange) {
  const { client } = useDesk();
  const [live, setLive] = useState('connecting');
  const cb = useRef(onChange);
  cb.current = onChange;
  useEffect(() => {
    let last = null;
    const stop = client.subscribe(DeskPracticeStatus, { id }, {
      next: (d) => {
        setLive('live');
        const e = d.practiceStatusChanged;
        if (last !== null && e.status !== last) cb.current(e);
        last = e.status;
      },
      error: () => setLive('error'),
    });
    return stop;
  }, [client, id]);
  return live;
}

export function PracticePage({ id }) {
  const { announce } = useDesk();
  const { data, error, loading, setData, reload } = useQuery(DeskPractice, { id });
  const p = data?.practice;
  useTitle(p ? `Pratica: ${p.service.title}` : 'Pratica');
  const live = useLiveStatus(id, (e) => {
    announce(`La pratica è ora: ${practiceStatus[e.status]?.label ?? e.status}.`);
    reload();
  });
  const update = (updated) => setData({ practice: updated });
  if (loading && !p) return <div className="container my-4"><Loading what="Caricamento della pratica" /></div>;
  if (!p) {
    return (
      <div className="container my-4">
        <h1>Pratica</h1>
        <ErrorAlert error={error ?? { message: 'Pratica non trovata, o non di un tuo comune.' }}>La pratica non è disponibile.</ErrorAlert>
        <a href="#/">Torna alla coda di lavoro</a>
      </div>
    );
  }
  return (
    <div className="container my-4">
      <Breadcrumb items={[['Coda di lavoro', '#/'], [p.service.title]]} />
      <div className="d-flex flex-wrap align-items-center gap-3">
        <h1 className="mb-0">{p.service.title}</h1>
        <span data-testid="practice-status"><StatusBadge status={p.status} /></span>
        {p.overdue && <span className="badge bg-danger">Scaduta</span>}
        <span className={`small ${live === 'live' ? 'text-success' : 'text-muted'}`} data-testid="live">
          {live === 'live' ? '● aggiornamento in tempo reale' : live === 'error' ? 'aggiornamento in tempo reale non disponibile' : 'collegamento…'}
        </span>
      </div>
      <ErrorAlert error={error} />
      <div className="row mt-4 g-4">
        <div className="col-12 col-lg-8">
          <section aria-labelledby="h-dati" className="mb-4">
            <h2 id="h-dati" className="h4">Dati della pratica</h2>
            <dl className="row desk-dl">
              <dt className="col-sm-4">Richiedente</dt>
              <dd className="col-sm-8">{p.applicant?.displayName ?? ''} <span className="font-monospace">{p.applicantFiscalCode}</span></dd>
              <dt className="col-sm-4">Comune</dt><dd className="col-sm-8">{p.comune.name}</dd>
              <dt className="col-sm-4">Protocollo</dt>
              <dd className="col-sm-8" data-testid="protocol">{p.protocolNumber ? `${p.protocolNumber} del ${date(p.protocolDate)}` : 'Non ancora protocollata'}</dd>
              <dt className="col-sm-4">Inviata</dt><dd className="col-sm-8">{dateTime(p.submittedAt) || '—'}</dd>
              <dt className="col-sm-4">Termine</dt>
              <dd className="col-sm-8">{p.dueBy ? `${date(p.dueBy)} (${p.service.maxDays} giorni)` : '—'}</dd>
              <dt className="col-sm-4">Presa in carico</dt><dd className="col-sm-8">{dateTime(p.takenInChargeAt) || '—'}</dd>
              <dt className="col-sm-4">Decisa</dt><dd className="col-sm-8">{dateTime(p.decidedAt) || '—'}</dd>
            </dl>
          </section>
          <section aria-labelledby="h-doc" className="mb-4">
            <h2 id="h-doc" className="h4">Documenti</h2>
            {p.documents.length === 0 ? <p>Nessun documento allegato.</p> : (
              <div className="table-responsive" tabIndex={0} role="region" aria-label="Documenti allegati">
                <table className="table">
                  <caption className="visually-hidden">Documenti allegati</caption>
                  <thead><tr><th scope="col">Nome</th><th scope="col">Tipo</th><th scope="col">Dimensione</th><th scope="col">Caricato</th><th scope="col">Impronta SHA-256</th></tr></thead>
                  <tbody>
                    {p.documents.map((d) => (
                      <tr key={d.id}>
                        <th scope="row">{d.downloadUrl ? <a href={d.downloadUrl} download={d.name}>{d.name}</a> : d.name}</th><td>{d.mediaType}</td><td>{size(d.size)}</td><td>{dateTime(d.uploadedAt)}</td>
                        <td className="font-monospace small text-break">{d.sha256.slice(0, 16)}…</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          <section aria-labelledby="h-storia">
            <h2 id="h-storia" className="h4">Storico</h2>
            <ol className="desk-history" data-testid="history">
              {[...p.history].reverse().map((h, i) => (
                <li key={`${h.at}-${i}`}>
                  <StatusBadge status={h.status} /> <time dateTime={h.at}>{dateTime(h.at)}</time>
                  <span className="d-block small">
                    {actorKind[h.actor.kind] ?? h.actor.kind}
                    {h.actor.id ? ` ${h.actor.id}` : ''}
                    {h.actor.comune ? ` — Comune di ${h.actor.comune.name}` : ''}
                    {h.actor.onBehalfOf ? ` per conto di ${h.actor.onBehalfOf}` : ''}
                  </span>
                  {h.note && <blockquote className="mb-0 small desk-note">{h.note}</blockquote>}
                </li>
              ))}
            </ol>
          </section>
        </div>
        <div className="col-12 col-lg-4">
          <section aria-labelledby="h-ops" className="card shadow-sm p-3 mb-4">
            <h2 id="h-ops" className="h4">Operazioni</h2>
            <Transitions practice={p} onDone={update} />
          </section>
          <section aria-labelledby="h-assign" className="card shadow-sm p-3">
            <h2 id="h-assign" className="h4">Assegnazione</h2>
            <Assignment practice={p} onDone={update} />
          </section>
        </div>
      </div>
    </div>
  );
}

export { errorText };
