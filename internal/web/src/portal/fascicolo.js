// "Il mio fascicolo": the Designers Italia area personale — my practices
// (status timeline live through practiceStatusChanged), a new practice from
// a service card, my payments (pagoPA notice codes, pay), my messages (unread
// count), my data and delegations.
import { useEffect, useRef, useState } from 'react';
import {
  MyAccessLog, UploadDocument, CreatePractice, Fascicolo as FascicoloOp, MarkMessageRead, MyData, MyMessages, MyPayments,
  PayInstallment, PracticeDetail, PracticeStatus, ServiceCard, SubmitPractice, WithdrawPractice, AnswerIntegration,
} from './operations.graphql';
import { Breadcrumb, ErrorAlert, Icon, Loading, SignInRequired, StatusBadge, useApp, useQuery, useTitle } from './app.js';
import {
  actorKind, bytes, date, dateTime, delegationArea, delegationStatus, finalStatuses, installmentStatus, money,
  noticeCode, paymentMethods, positionStatus, practiceStatus,
} from '../shared/format.js';

const sections = [
  ['', 'Panoramica', 'it-pa'],
  ['pratiche', 'Pratiche', 'it-files'],
  ['pagamenti', 'Pagamenti', 'it-card'],
  ['messaggi', 'Messaggi', 'it-mail'],
  ['dati', 'I miei dati', 'it-user'],
];

function SideNav({ current }) {
  const { unread } = useApp();
  return (
    <nav className="fascicolo-nav mb-4" aria-label="Area personale">
      <ul className="list-unstyled">
        {sections.map(([k, label, ic]) => (
          <li key={k}>
            <a href={`#/fascicolo${k ? `/${k}` : ''}`} className={current === k ? 'active' : ''} aria-current={current === k ? 'page' : undefined}>
              <Icon name={ic} className="icon-sm me-2" />{label}
              {k === 'messaggi' && unread > 0 && <span className="badge bg-primary ms-2" data-testid="unread-count"><span className="visually-hidden">non letti: </span>{unread}</span>}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function Fascicolo({ path, query }) {
  const [a, b] = path;
  let page;
  if (a === 'pratiche' && b) page = <PracticePage id={b} />;
  else if (a === 'nuova' && b) page = <NewPractice serviceId={b} />;
  else if (a === 'pagamenti') page = <Payments />;
  else if (a === 'messaggi') page = <Messages />;
  else if (a === 'dati') page = <MyDataPage />;
  else page = <Overview onlyPractices={a === 'pratiche'} />;
  const current = a === 'nuova' ? 'pratiche' : a ?? '';
  return (
    <SignInRequired>
      <UnreadCounter />
      <div className="container my-4">
        <div className="row">
          <div className="col-lg-3"><SideNav current={current} /></div>
          <div className="col-lg-9">{page}</div>
        </div>
      </div>
    </SignInRequired>
  );
}

/** UnreadCounter keeps the unread messages count of the header up to date. */
function UnreadCounter() {
  const { client, setUnread } = useApp();
  useEffect(() => {
    let live = true;
    const load = () => client.request(FascicoloOp).then((d) => live && setUnread(d.me?.unread?.totalCount ?? 0)).catch(() => {});
    load();
    const t = setInterval(load, 30000);
    return () => { live = false; clearInterval(t); };
  }, [client, setUnread]);
  return null;
}

/** useLiveStatus follows the practices' status changes; onEvent gets each event. */
function useLiveStatus(ids, onEvent) {
  const { client } = useApp();
  const cb = useRef(onEvent);
  cb.current = onEvent;
  const key = ids.join(',');
  const [state, setState] = useState('connecting');
  useEffect(() => {
    if (!key) return undefined;
    const stops = key.split(',').map((id) => client.subscribe(PracticeStatus, { id, after: null }, {
      next: (d) => { setState('live'); cb.current(d.practiceStatusChanged); },
      error: () => setState('error'),
    }));
    const t = setTimeout(() => setState((s) => (s === 'connecting' ? 'live' : s)), 1500);
    return () => { clearTimeout(t); stops.forEach((s) => s()); };
  }, [client, key]);
  return state;
}

function LiveIndicator({ state }) {
  if (state === 'error') return <span className="badge bg-warning text-dark">Aggiornamenti non disponibili</span>;
  return <span className="live-indicator small" data-state={state}><span className="dot" aria-hidden="true" />Aggiornamenti in tempo reale</span>;
}

function Overview({ onlyPractices }) {
  const { announce, session } = useApp();
  useTitle(onlyPractices ? 'Le mie pratiche' : 'Il mio fascicolo');
  const { data, error, loading, setData } = useQuery(FascicoloOp, {});
  const me = data?.me;
  const practices = me?.practices.nodes ?? [];
  const active = practices.filter((p) => !finalStatuses.has(p.status)).slice(0, 10).map((p) => p.id);
  const live = useLiveStatus(active, (ev) => {
    setData((d) => d && ({
      ...d,
      me: {
        ...d.me,
        practices: {
          ...d.me.practices,
          nodes: d.me.practices.nodes.map((p) => (p.id === ev.practice.id ? { ...p, status: ev.status, protocolNumber: ev.practice.protocolNumber ?? p.protocolNumber, updatedAt: ev.practice.updatedAt } : p)),
        },
      },
    }));
    const p = practices.find((x) => x.id === ev.practice.id);
    announce(`La pratica ${p?.service.title ?? ''} è ora: ${practiceStatus[ev.status]?.label ?? ev.status}`);
  });
  if (loading && !me) return <Loading what="Caricamento del fascicolo" />;
  if (!me) return <ErrorAlert error={error} />;
  const toPay = (me.payments.nodes ?? []).filter((p) => ['VALID', 'PUBLISHED', 'PARTIALLY_PAID'].includes(p.status));
  return (
    <>
      <Breadcrumb items={[['Home', '#/'], ['Il mio fascicolo', '#/fascicolo'], ...(onlyPractices ? [['Pratiche']] : [])]} />
      <h1>{onlyPractices ? 'Le mie pratiche' : `Ciao, ${me.givenName}`}</h1>
      {!onlyPractices && (
        <>
          <p className="lead">Il tuo fascicolo: pratiche, pagamenti e messaggi del Comune e dei comuni della città metropolitana. <span className="small text-muted">Codice fiscale {me.fiscalCode ?? session?.claims?.fiscal_number}</span></p>
          <div className="row mb-4">
            <Counter href="#/fascicolo/pratiche" n={practices.filter((p) => !finalStatuses.has(p.status)).length} label="pratiche in corso" />
            <Counter href="#/fascicolo/pagamenti" n={toPay.length} label="pagamenti da fare" />
            <Counter href="#/fascicolo/messaggi" n={me.unread?.totalCount ?? 0} label="messaggi non letti" testid="unread-counter" />
          </div>
        </>
      )}
      <div className="d-flex justify-content-between align-items-center flex-wrap gap-2">
        <h2 className="h4 mb-0">Pratiche</h2>
        <LiveIndicator state={live} />
      </div>
      <p className="mt-2"><a href="#/servizi">Avvia una nuova pratica dal catalogo dei servizi</a></p>
      {practices.length === 0 ? <p>Non hai pratiche.</p> : (
        <div className="table-responsive">
          <table className="table practices-table">
            <caption className="visually-hidden">Le mie pratiche, le più recenti prima</caption>
            <thead><tr><th scope="col">Servizio</th><th scope="col">Comune</th><th scope="col">Stato</th><th scope="col">Aggiornata</th></tr></thead>
            <tbody>
              {practices.map((p) => (
                <tr key={p.id} data-practice={p.id}>
                  <td><a href={`#/fascicolo/pratiche/${p.id}`}>{p.service.title}</a>{p.protocolNumber && <span className="d-block small text-muted">Prot. {p.protocolNumber}</span>}</td>
                  <td>{p.comune.name}</td>
                  <td><StatusBadge status={p.status} />{p.overdue && <span className="badge bg-danger ms-1">In ritardo</span>}</td>
                  <td><time dateTime={p.updatedAt}>{dateTime(p.updatedAt)}</time></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function Counter({ href, n, label, testid }) {
  return (
    <div className="col-12 col-md-4 mb-2">
      <a className="card card-bg fascicolo-counter text-decoration-none" href={href} data-testid={testid}>
        <div className="card-body"><span className="h2 d-block mb-0">{n}</span><span>{label}</span></div>
      </a>
    </div>
  );
}

const milestones = ['SUBMITTED', 'REGISTERED', 'IN_PROGRESS', 'COMPLETED'];

function Timeline({ history }) {
  return (
    <ol className="practice-timeline list-unstyled" data-testid="timeline">
      {history.map((h, i) => (
        <li key={`${h.at}-${i}`} className="timeline-step" data-status={h.status}>
          <span className="timeline-dot" aria-hidden="true" />
          <div>
            <StatusBadge status={h.status} /> <time className="small" dateTime={h.at}>{dateTime(h.at)}</time>
            <span className="small text-muted d-block">
              {actorKind[h.actor.kind] ?? h.actor.kind}{h.actor.comune ? ` · Comune di ${h.actor.comune.name}` : ''}{h.actor.onBehalfOf ? ` · per conto di ${h.actor.onBehalfOf}` : ''}
            </span>
            {h.note && <p className="mb-0 timeline-note">{h.note}</p>}
          </div>
        </li>
      ))}
    </ol>
  );
}

function PracticePage({ id }) {
  const { client, announce } = useApp();
  const { data, error, loading, reload, setData } = useQuery(PracticeDetail, { id });
  const p = data?.practice;
  useTitle(p ? `Pratica: ${p.service.title}` : 'Pratica');
  const [liveNote, setLiveNote] = useState('');
  const live = useLiveStatus(p && !finalStatuses.has(p.status) ? [id] : [], (ev) => {
    setData((d) => {
      if (!d?.practice) return d;
      const seen = d.practice.history.some((h) => h.at === ev.at && h.status === ev.status);
      return {
        practice: {
          ...d.practice,
          status: ev.status,
          protocolNumber: ev.practice.protocolNumber ?? d.practice.protocolNumber,
          updatedAt: ev.practice.updatedAt,
          history: seen ? d.practice.history : [...d.practice.history, { status: ev.status, at: ev.at, note: ev.note, actor: ev.actor }],
        },
      };
    });
    const text = `Stato aggiornato: ${practiceStatus[ev.status]?.label ?? ev.status}`;
    setLiveNote(text);
    announce(text);
    reload(); // documents, payments and dates that come with the change
  });
  // A fee-bearing practice gets its debt position a moment after it is
  // submitted: look again until it is there.
  const waitingPosition = p && p.status === 'PAYMENT_PENDING' && !(p.payments ?? []).some((x) => x.installments.some((i) => i.noticeNumber));
  useEffect(() => {
    if (!waitingPosition) return undefined;
    const t = setInterval(reload, 1000);
    return () => clearInterval(t);
  }, [waitingPosition, reload]);

  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState(null);
  const act = async (f) => {
    setBusy(true);
    setActionError(null);
    try { await f(); await reload(); } catch (e) { setActionError(e); } finally { setBusy(false); }
  };
  if (loading && !p) return <Loading what="Caricamento della pratica" />;
  if (!p) return <><ErrorAlert error={error} /><h1>Pratica non trovata</h1></>;
  const reached = new Set(p.history.map((h) => h.status));
  return (
    <>
      <Breadcrumb items={[['Home', '#/'], ['Il mio fascicolo', '#/fascicolo'], ['Pratiche', '#/fascicolo/pratiche'], [p.service.title]]} />
      <h1>{p.service.title}</h1>
      <p className="d-flex flex-wrap align-items-center gap-2">
        <span>Stato:</span> <span data-testid="practice-status"><StatusBadge status={p.status} /></span>
        {!finalStatuses.has(p.status) && <LiveIndicator state={live} />}
      </p>
      <p role="status" className="small" data-testid="live-note">{liveNote}</p>
      <dl className="row practice-facts">
        <dt className="col-sm-4">Comune</dt><dd className="col-sm-8">{p.comune.name}</dd>
        <dt className="col-sm-4">Numero di protocollo</dt><dd className="col-sm-8" data-testid="protocol">{p.protocolNumber ? `${p.protocolNumber} del ${date(p.protocolDate)}` : 'non ancora assegnato'}</dd>
        <dt className="col-sm-4">Presentata il</dt><dd className="col-sm-8">{p.submittedAt ? dateTime(p.submittedAt) : '—'}</dd>
        <dt className="col-sm-4">Conclusione entro</dt><dd className="col-sm-8">{p.dueBy ? date(p.dueBy) : `${p.service.maxDays} giorni dalla presentazione`}{p.overdue && <span className="badge bg-danger ms-2">In ritardo</span>}</dd>
        <dt className="col-sm-4">Codice pratica</dt><dd className="col-sm-8 small"><code>{p.id}</code></dd>
      </dl>
      <h2 className="h4">Tappe</h2>
      <ol className="milestones list-unstyled d-flex flex-wrap gap-2" aria-label="Tappe della pratica">
        {milestones.map((m) => (
          <li key={m} className={`milestone${reached.has(m) || p.status === m ? ' done' : ''}`}>
            <Icon name={reached.has(m) || p.status === m ? 'it-check-circle' : 'it-minus-circle'} className="icon-sm me-1" />
            {practiceStatus[m].label}<span className="visually-hidden">{reached.has(m) || p.status === m ? ': raggiunta' : ': non ancora'}</span>
          </li>
        ))}
      </ol>
      <h2 className="h4 mt-4">Cronologia</h2>
      <Timeline history={p.history} />
      <ErrorAlert error={actionError} />
      {p.status === 'DRAFT' && (
        <button type="button" className="btn btn-primary me-2" disabled={busy} onClick={() => act(() => client.request(SubmitPractice, { id }))}>Invia la domanda</button>
      )}
      {p.status === 'INTEGRATION_REQUESTED' && <AnswerIntegrationForm id={id} busy={busy} act={act} />}
      <PracticePayments practice={p} waiting={waitingPosition} onPaid={() => { announce('Pagamento eseguito'); reload(); }} />
      <h2 className="h4 mt-4">Documenti</h2>
      {p.documents.length === 0 ? <p>Nessun documento allegato.</p> : (
        <ul className="documents-list">
          {p.documents.map((d) => (
            <li key={d.id}>
              <Icon name="it-file" className="icon-sm me-1" />
              {d.downloadUrl ? <a href={d.downloadUrl} download={d.name}>{d.name}</a> : d.name}
              {' '}<span className="small text-muted">({bytes(d.size)}, {dateTime(d.uploadedAt)})</span>
            </li>
          ))}
        </ul>
      )}
      {['DRAFT', 'PAYMENT_PENDING', 'INTEGRATION_REQUESTED'].includes(p.status) && <DocumentUpload practiceId={id} onDone={reload} />}
      {!finalStatuses.has(p.status) && !['COMPLETED', 'REJECTED'].includes(p.status) && (
        <details className="mt-4">
          <summary>Ritira la domanda</summary>
          <button type="button" className="btn btn-outline-danger mt-2" disabled={busy} onClick={() => act(() => client.request(WithdrawPractice, { id, note: 'Ritirata dal cittadino' }))}>Conferma il ritiro</button>
        </details>
      )}
    </>
  );
}

function AnswerIntegrationForm({ id, busy, act }) {
  const { client } = useApp();
  const [note, setNote] = useState('');
  return (
    <form className="card card-bg my-3" onSubmit={(e) => { e.preventDefault(); act(() => client.request(AnswerIntegration, { id, note })); }}>
      <div className="card-body">
        <h2 className="h5">Integra la domanda</h2>
        <p>L&rsquo;ufficio ha chiesto un&rsquo;integrazione (vedi la nota nella cronologia). Allega i documenti richiesti qui sotto, poi rispondi.</p>
        <label htmlFor="integration-note" className="form-label">Nota per l&rsquo;ufficio</label>
        <textarea id="integration-note" className="form-control mb-2" rows="3" value={note} onChange={(e) => setNote(e.target.value)} />
        <button type="submit" className="btn btn-primary" disabled={busy}>Invia l&rsquo;integrazione</button>
      </div>
    </form>
  );
}

/** attach uploads files as documents of a practice (the server computes size, SHA-256 and type). */
async function attach(client, practiceId, files) {
  for (const f of files) {
    await client.upload(UploadDocument, { practiceId, file: null, name: f.name }, { file: f });
  }
}

function DocumentUpload({ practiceId, onDone }) {
  const { client } = useApp();
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  const input = useRef(null);
  return (
    <form className="my-3" onSubmit={async (e) => {
      e.preventDefault();
      setBusy(true); setErr(null);
      try { await attach(client, practiceId, [...input.current.files]); input.current.value = ''; onDone(); } catch (x) { setErr(x); } finally { setBusy(false); }
    }}>
      <label htmlFor="doc-upload" className="form-label">Allega documenti (PDF o immagini)</label>
      <div className="d-flex gap-2 flex-wrap">
        <input id="doc-upload" ref={input} type="file" className="form-control upload-input" multiple accept="application/pdf,image/png,image/jpeg" />
        <button type="submit" className="btn btn-outline-primary" disabled={busy}>Allega</button>
      </div>
      <ErrorAlert error={err} />
    </form>
  );
}

function PracticePayments({ practice, waiting, onPaid }) {
  if (!practice.service.requiresPayment && !(practice.payments ?? []).length) return null;
  return (
    <section className="mt-4" aria-labelledby="practice-payments">
      <h2 id="practice-payments" className="h4">Pagamento</h2>
      {waiting && <p role="status"><Loading what="Creazione dell'avviso di pagamento pagoPA" /></p>}
      {(practice.payments ?? []).map((pos) => <Position key={pos.iupd} pos={pos} onPaid={onPaid} />)}
    </section>
  );
}

function Position({ pos, onPaid, level = 3 }) {
  const H = `h${level}`;
  return (
    <div className="card card-bg mb-3 payment-position" data-iupd={pos.iupd}>
      <div className="card-body">
        <H className="h6">{pos.description}</H>
        <p className="small mb-2">Stato: <strong data-testid="position-status">{positionStatus[pos.status] ?? pos.status}</strong> · Totale {money(pos.totalCents)}{pos.paidCents > 0 ? ` · pagati ${money(pos.paidCents)}` : ''}</p>
        {pos.installments.map((i) => <Installment key={i.noticeNumber ?? i.dueDate} inst={i} onPaid={onPaid} />)}
      </div>
    </div>
  );
}

function Installment({ inst, onPaid }) {
  const { client } = useApp();
  const [method, setMethod] = useState('CARD');
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  const [receipt, setReceipt] = useState(inst.receipt);
  // One idempotency key per payment attempt: a retry of the same attempt
  // (a double click, a lost answer) cannot pay twice.
  const key = useRef(crypto.randomUUID());
  const pay = async (e) => {
    e.preventDefault();
    setBusy(true); setErr(null);
    try {
      const d = await client.request(PayInstallment, { noticeNumber: inst.noticeNumber, idempotencyKey: key.current, method });
      setReceipt(d.payInstallment.receipt);
      setOpen(false);
      onPaid?.();
    } catch (x) { setErr(x); } finally { setBusy(false); }
  };
  const payable = inst.status === 'UNPAID' && inst.noticeNumber && !receipt;
  return (
    <div className="installment border-top pt-2 mt-2" data-notice={inst.noticeNumber}>
      <dl className="row mb-1 small">
        <dt className="col-sm-4">Codice avviso</dt><dd className="col-sm-8"><code data-testid="notice-code">{noticeCode(inst.noticeNumber) || 'in emissione'}</code></dd>
        <dt className="col-sm-4">Importo</dt><dd className="col-sm-8">{money(inst.amountCents)}</dd>
        <dt className="col-sm-4">Scadenza</dt><dd className="col-sm-8">{date(inst.dueDate)}</dd>
        <dt className="col-sm-4">Stato</dt><dd className="col-sm-8" data-testid="installment-status">{receipt ? 'Pagata' : installmentStatus[inst.status] ?? inst.status}</dd>
      </dl>
      {receipt && <p className="small text-success mb-1" data-testid="receipt"><Icon name="it-check-circle" className="icon-sm icon-success me-1" />Pagato il {dateTime(receipt.paidAt)} con {paymentMethods[receipt.method] ?? receipt.method} ({receipt.pspName}), ricevuta {receipt.receiptId}</p>}
      {payable && !open && <button type="button" className="btn btn-primary btn-sm" onClick={() => setOpen(true)} data-testid="pay">Paga con pagoPA</button>}
      {payable && open && (
        <form onSubmit={pay} className="pay-form">
          <fieldset>
            <legend className="h6">Come vuoi pagare {money(inst.amountCents)}?</legend>
            {Object.entries(paymentMethods).map(([k, label]) => (
              <div className="form-check" key={k}>
                <input className="form-check-input" type="radio" name={`method-${inst.noticeNumber}`} id={`m-${inst.noticeNumber}-${k}`} checked={method === k} onChange={() => setMethod(k)} />
                <label className="form-check-label" htmlFor={`m-${inst.noticeNumber}-${k}`}>{label}</label>
              </div>
            ))}
          </fieldset>
          <button type="submit" className="btn btn-primary btn-sm me-2" disabled={busy} data-testid="confirm-pay">Paga ora</button>
          <button type="button" className="btn btn-outline-secondary btn-sm" onClick={() => setOpen(false)}>Annulla</button>
        </form>
      )}
      <ErrorAlert error={err}>Pagamento non riuscito.</ErrorAlert>
    </div>
  );
}

function NewPractice({ serviceId }) {
  const { client, session } = useApp();
  const { data, error, loading } = useQuery(ServiceCard, { id: serviceId });
  const s = data?.service;
  useTitle(s ? `Nuova pratica: ${s.title}` : 'Nuova pratica');
  const [comune, setComune] = useState('');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  const [step, setStep] = useState('');
  const files = useRef(null);
  useEffect(() => {
    if (s && !comune) setComune(s.comuni.find((c) => c.istatCode === '015146')?.istatCode ?? s.comuni[0]?.istatCode ?? '');
  }, [s, comune]);
  if (loading && !s) return <Loading />;
  if (!s) return <ErrorAlert error={error} />;
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true); setErr(null);
    try {
      setStep('Creazione della domanda…');
      const created = await client.request(CreatePractice, { input: { serviceId, comune } });
      const id = created.createPractice.id;
      const list = [...(files.current?.files ?? [])];
      if (list.length) { setStep('Invio dei documenti…'); await attach(client, id, list); }
      setStep('Invio della domanda…');
      await client.request(SubmitPractice, { id });
      location.hash = `#/fascicolo/pratiche/${id}`;
    } catch (x) {
      setErr(x);
      setStep('');
    } finally { setBusy(false); }
  };
  return (
    <>
      <Breadcrumb items={[['Home', '#/'], ['Il mio fascicolo', '#/fascicolo'], ['Nuova pratica']]} />
      <h1>{s.title}</h1>
      <p className="lead">{s.shortDescription}</p>
      <form onSubmit={submit} className="new-practice">
        <fieldset className="mb-4">
          <legend className="h5">Richiedente</legend>
          <p className="mb-0">{session?.claims?.name} · <span className="small">Codice fiscale {session?.claims?.fiscal_number}</span></p>
          <p className="small text-muted">I dati anagrafici vengono dall&rsquo;anagrafe (ANPR) e non si modificano qui.</p>
        </fieldset>
        <div className="mb-4">
          <label htmlFor="np-comune" className="form-label">Comune a cui presenti la domanda</label>
          <select id="np-comune" className="form-select" required value={comune} onChange={(e) => setComune(e.target.value)}>
            {s.comuni.map((c) => <option key={c.istatCode} value={c.istatCode}>{c.name}</option>)}
          </select>
        </div>
        <fieldset className="mb-4">
          <legend className="h5">Cosa serve</legend>
          <ul>{s.whatYouNeed.map((w) => <li key={w}>{w}</li>)}</ul>
          <label htmlFor="np-files" className="form-label">Allega i documenti (PDF o immagini)</label>
          <input id="np-files" ref={files} type="file" className="form-control upload-input" multiple accept="application/pdf,image/png,image/jpeg" />
        </fieldset>
        {s.requiresPayment && (
          <div className="alert alert-info" role="note">
            Il servizio costa {s.feeCents ? money(s.feeCents) : 'un importo'}: dopo l&rsquo;invio trovi l&rsquo;avviso pagoPA nella pratica e lo paghi subito online.
          </div>
        )}
        <ErrorAlert error={err} />
        {step && <p role="status">{step}</p>}
        <button type="submit" className="btn btn-primary" disabled={busy || !comune} data-testid="submit-practice">Invia la domanda</button>
        <a className="btn btn-link" href={`#/servizi/${serviceId}`}>Annulla</a>
      </form>
    </>
  );
}

function Payments() {
  useTitle('I miei pagamenti');
  const { data, error, loading, reload } = useQuery(MyPayments, {});
  const nodes = data?.me?.payments.nodes ?? [];
  return (
    <>
      <Breadcrumb items={[['Home', '#/'], ['Il mio fascicolo', '#/fascicolo'], ['Pagamenti']]} />
      <h1>I miei pagamenti</h1>
      <p>Gli avvisi pagoPA intestati a te: paga online o con il codice avviso presso banche, uffici postali ed esercenti convenzionati.</p>
      <ErrorAlert error={error} />
      {loading && !data && <Loading />}
      {data && nodes.length === 0 && <p>Non hai avvisi di pagamento.</p>}
      {nodes.map((pos) => (
        <div key={pos.iupd}>
          <p className="small mb-1 mt-3">{pos.creditor.name} · {pos.comune.name}{pos.practice && <> · <a href={`#/fascicolo/pratiche/${pos.practice.id}`}>pratica {pos.practice.service.title}</a></>}</p>
          <Position pos={pos} onPaid={reload} level={2} />
        </div>
      ))}
    </>
  );
}

/** Markdown renders the messages' simple markdown (paragraphs, **bold**, links) without HTML injection. */
function Markdown({ text }) {
  const inline = (s) => s.split(/(\*\*[^*]+\*\*|\[[^\]]+\]\([^)]+\))/g).map((part, i) => {
    const b = /^\*\*([^*]+)\*\*$/.exec(part);
    if (b) return <strong key={i}>{b[1]}</strong>;
    const l = /^\[([^\]]+)\]\(([^)]+)\)$/.exec(part);
    if (l) {
      const safe = /^(https:\/\/|\/|#)/.test(l[2]);
      const href = l[2].startsWith('/fascicolo') ? `#${l[2]}` : l[2];
      return safe ? <a key={i} href={href}>{l[1]}</a> : l[1];
    }
    return part;
  });
  return text.split(/\n{2,}/).map((p, i) => <p key={i}>{inline(p)}</p>);
}

function Messages() {
  const { client, setUnread } = useApp();
  useTitle('I miei messaggi');
  const { data, error, loading, setData } = useQuery(MyMessages, {});
  const me = data?.me;
  useEffect(() => { if (me) setUnread(me.unread?.totalCount ?? 0); }, [me, setUnread]);
  const open = async (m) => {
    if (m.readAt) return;
    try {
      const d = await client.request(MarkMessageRead, { id: m.id });
      setData((x) => ({
        me: {
          ...x.me,
          unread: { totalCount: Math.max(0, (x.me.unread?.totalCount ?? 1) - 1) },
          messages: { ...x.me.messages, nodes: x.me.messages.nodes.map((n) => (n.id === m.id ? { ...n, readAt: d.markMessageRead.readAt } : n)) },
        },
      }));
    } catch { /* stays unread */ }
  };
  return (
    <>
      <Breadcrumb items={[['Home', '#/'], ['Il mio fascicolo', '#/fascicolo'], ['Messaggi']]} />
      <h1>I miei messaggi</h1>
      <ErrorAlert error={error} />
      {loading && !me && <Loading />}
      {me && <p role="status" data-testid="messages-unread">{me.unread?.totalCount ?? 0} non letti su {me.messages?.totalCount ?? 0}</p>}
      <ul className="list-unstyled messages-list">
        {(me?.messages?.nodes ?? []).map((m) => (
          <li key={m.id} className={`message-item${m.readAt ? '' : ' unread'}`}>
            <details onToggle={(e) => e.target.open && open(m)}>
              <summary>
                {!m.readAt && <span className="badge bg-primary me-2">Nuovo</span>}
                <span className="message-subject">{m.subject}</span>
                <span className="small text-muted d-block"><time dateTime={m.createdAt}>{dateTime(m.createdAt)}</time></span>
              </summary>
              <div className="message-body">
                <Markdown text={m.markdown} />
                {m.paymentNoticeNumber && <p>Codice avviso: <code>{noticeCode(m.paymentNoticeNumber)}</code> · <a href="#/fascicolo/pagamenti">Vai ai pagamenti</a></p>}
                {m.practice && <p><a href={`#/fascicolo/pratiche/${m.practice.id}`}>Apri la pratica {m.practice.service.title}</a></p>}
                {m.dueDate && <p>Scadenza: {date(m.dueDate)}</p>}
              </div>
            </details>
          </li>
        ))}
      </ul>
    </>
  );
}

function Delegations({ title, list, given }) {
  return (
    <section className="mt-4" aria-labelledby={`del-${given ? 'given' : 'received'}`}>
      <h2 id={`del-${given ? 'given' : 'received'}`} className="h4">{title}</h2>
      {(list ?? []).length === 0 ? <p>Nessuna delega.</p> : (
        <div className="table-responsive">
          <table className="table">
            <thead><tr><th scope="col">{given ? 'Delegato' : 'Delegante'}</th><th scope="col">Ambiti</th><th scope="col">Validità</th><th scope="col">Stato</th></tr></thead>
            <tbody>
              {list.map((d) => (
                <tr key={d.id}>
                  <td>{given ? d.delegate.displayName : d.delegator.__typename === 'Person' ? d.delegator.displayName : d.delegator.name}</td>
                  <td>{d.areas.map((a) => delegationArea[a] ?? a).join(', ') || 'Tutti'}{d.services.length > 0 && <span className="small d-block">{d.services.length} servizi</span>}</td>
                  <td>dal {date(d.validFrom)}{d.validTo ? ` al ${date(d.validTo)}` : ''}</td>
                  <td>{delegationStatus[d.status] ?? d.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

const accessRole = { OPERATOR: 'Operatore', ADMIN: 'Amministratore della città metropolitana' };
const accessVia = { FISCAL_CODE_LOOKUP: 'Ricerca per codice fiscale', PERSON: 'Scheda della persona', RELATED: 'Tramite una pratica, una delega o un messaggio' };
const accessedData = { LOOKUP: 'Ricerca', PROFILE: 'Dati anagrafici e contatti', DELEGATIONS: 'Deleghe', MESSAGES: 'Messaggi' };

/** AccessLog is "chi ha consultato i miei dati": operators' and administrators' reads of my data. */
function AccessLog() {
  const { data, error, loading } = useQuery(MyAccessLog, { after: null });
  const log = data?.me?.accessLog;
  return (
    <section className="mt-4" aria-labelledby="access-log">
      <h2 id="access-log" className="h4">Chi ha consultato i miei dati</h2>
      <p>Ogni volta che un operatore di un comune o un amministratore legge i tuoi dati personali, resta traccia qui.</p>
      <ErrorAlert error={error} />
      {loading && !log && <Loading />}
      {log && log.nodes.length === 0 && <p data-testid="access-log-empty">Nessun accesso ai tuoi dati.</p>}
      {log && log.nodes.length > 0 && (
        <div className="table-responsive">
          <table className="table" data-testid="access-log">
            <caption className="visually-hidden">Accessi ai miei dati, i più recenti prima ({log.totalCount})</caption>
            <thead><tr><th scope="col">Quando</th><th scope="col">Chi</th><th scope="col">Come</th><th scope="col">Dati</th><th scope="col">Motivo</th></tr></thead>
            <tbody>
              {log.nodes.map((e) => (
                <tr key={e.id}>
                  <td><time dateTime={e.at}>{dateTime(e.at)}</time></td>
                  <td>{accessRole[e.role] ?? e.role}{e.comuni.length > 0 && <span className="d-block small">{e.comuni.map((c) => `Comune di ${c.name}`).join(', ')}</span>}</td>
                  <td>{accessVia[e.via] ?? e.via}</td>
                  <td>{e.data.map((d) => accessedData[d] ?? d).join(', ')}</td>
                  <td>{e.reason ?? '—'}<span className="d-block small text-muted">Rif. {e.id}</span></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function MyDataPage() {
  useTitle('I miei dati');
  const { data, error, loading } = useQuery(MyData, {});
  const me = data?.me;
  if (loading && !me) return <Loading />;
  if (!me) return <ErrorAlert error={error} />;
  const src = (r) => (r ? <span className="small text-muted d-block">Fonte: {r.source}, verificato il {date(r.verifiedAt)}</span> : null);
  return (
    <>
      <Breadcrumb items={[['Home', '#/'], ['Il mio fascicolo', '#/fascicolo'], ['I miei dati']]} />
      <h1>I miei dati</h1>
      <section aria-labelledby="anagrafica">
        <h2 id="anagrafica" className="h4">Dati anagrafici</h2>
        <dl className="row">
          <dt className="col-sm-4">Nome e cognome</dt><dd className="col-sm-8">{me.givenName} {me.familyName}</dd>
          <dt className="col-sm-4">Codice fiscale</dt><dd className="col-sm-8"><code>{me.fiscalCode}</code></dd>
          <dt className="col-sm-4">Nascita</dt><dd className="col-sm-8">{date(me.birthDate)}{me.birthplace ? `, ${me.birthplace.name} (${me.birthplace.province})` : ''}{src(me.registry)}</dd>
          <dt className="col-sm-4">Residenza</dt><dd className="col-sm-8">{me.residence ? `${me.residence.address ?? ''} ${me.residence.comune.name}` : '—'}{src(me.residence)}</dd>
        </dl>
      </section>
      <section aria-labelledby="contatti">
        <h2 id="contatti" className="h4">Contatti e notifiche</h2>
        <dl className="row">
          <dt className="col-sm-4">Email</dt><dd className="col-sm-8">{me.email ?? '—'}</dd>
          <dt className="col-sm-4">Telefono</dt><dd className="col-sm-8">{me.phone ?? '—'}</dd>
          <dt className="col-sm-4">Avvisi</dt><dd className="col-sm-8">{me.notificationPreferences ? ['io', 'email', 'sms'].filter((k) => me.notificationPreferences[k]).map((k) => ({ io: 'App IO', email: 'Email', sms: 'SMS' })[k]).join(', ') || 'nessuno' : '—'}</dd>
        </dl>
      </section>
      <Delegations title="Deleghe che ho dato" list={me.delegationsGiven} given />
      <Delegations title="Deleghe che ho ricevuto" list={me.delegationsReceived} />
      <AccessLog />
    </>
  );
}
