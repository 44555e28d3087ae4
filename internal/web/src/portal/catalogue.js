// The public service catalogue: by life event, category and comune, and
// the service card (Designers Italia "scheda servizio", C.SI.1.3).
import { useEffect, useMemo, useState } from 'react';
import { Catalogue as CatalogueOp, ComuniNames, ServiceCard } from './operations.graphql';
import { Breadcrumb, ErrorAlert, Icon, Loading, useApp, useQuery, useTitle } from './app.js';
import { channels, money } from '../shared/format.js';

/** useComuni loads the names of the 133 comuni (two pages). */
export function useComuni() {
  const { client } = useApp();
  const [comuni, setComuni] = useState([]);
  useEffect(() => {
    let live = true;
    (async () => {
      const all = [];
      let after = null;
      for (;;) {
        const d = await client.request(ComuniNames, { after });
        all.push(...d.comuni.nodes);
        if (!d.comuni.pageInfo.hasNextPage) break;
        after = d.comuni.pageInfo.endCursor;
      }
      if (live) setComuni(all);
    })().catch(() => {});
    return () => { live = false; };
  }, [client]);
  return comuni;
}

function lifeEventsOf(services) {
  const m = new Map();
  for (const s of services) for (const e of s.lifeEvents) m.set(`${e.scope}-${e.code}`, e);
  return [...m.entries()].sort((a, b) => (a[1].scope === b[1].scope ? a[1].code - b[1].code : a[1].scope < b[1].scope ? -1 : 1));
}

function categoriesOf(services) {
  const m = new Map();
  for (const s of services) m.set(s.category.code, s.category);
  return [...m.values()].sort((a, b) => a.code - b.code);
}

function ServiceCardSummary({ s }) {
  return (
    <div className="col-12 col-md-6 col-lg-4 mb-4">
      <article className="card card-teaser shadow-sm rounded h-100 service-card" data-service={s.id}>
        <div className="card-body">
          <p className="category-top small mb-1">{s.category.name}</p>
          <h3 className="card-title h5"><a href={`#/servizi/${s.id}`}>{s.title}</a></h3>
          <p className="card-text">{s.shortDescription}</p>
          <p className="mb-0 small">
            {s.fullyOnline && <span className="badge bg-success me-1">Online</span>}
            {s.requiresPayment && <span className="badge bg-warning text-dark me-1">A pagamento {s.feeCents ? money(s.feeCents) : ''}</span>}
            {s.state !== 'ACTIVE' && <span className="badge bg-secondary">Non attivo</span>}
          </p>
        </div>
      </article>
    </div>
  );
}

export function Home() {
  useTitle('Servizi online');
  const { data, error, loading } = useQuery(CatalogueOp, { filter: null });
  const services = data?.services.nodes ?? [];
  const events = lifeEventsOf(services);
  const cats = categoriesOf(services);
  return (
    <>
      <section className="portal-hero">
        <div className="container py-5">
          <h1 className="display-5">Servizi online</h1>
          <p className="lead">Richiedi documenti, paga, segui le tue pratiche: i servizi del Comune di Milano e dei comuni della città metropolitana, in un unico posto.</p>
          <form className="portal-search" role="search" onSubmit={(e) => { e.preventDefault(); location.hash = `#/servizi?q=${encodeURIComponent(new FormData(e.target).get('q'))}`; }}>
            <label htmlFor="home-search" className="form-label">Cerca un servizio</label>
            <div className="input-group">
              <input type="search" className="form-control" id="home-search" name="q" placeholder="Es. carta d'identità, mensa scolastica" />
              <div className="input-group-append"><button className="btn btn-primary" type="submit">Cerca</button></div>
            </div>
          </form>
        </div>
      </section>
      <div className="container my-5">
        <ErrorAlert error={error} />
        {loading && !data && <Loading what="Caricamento dei servizi" />}
        <section aria-labelledby="life-events">
          <h2 id="life-events">Eventi della vita</h2>
          <p>I servizi che ti servono quando succede qualcosa di importante.</p>
          <ul className="life-events list-unstyled row">
            {events.map(([k, e]) => (
              <li key={k} className="col-12 col-md-6 col-lg-4 mb-2">
                <a className="life-event-link" href={`#/servizi?evento=${k}`}>
                  <Icon name="it-star-outline" className="icon-primary icon-sm me-2" />
                  {e.name}
                  <span className="visually-hidden"> ({e.scope === 'CITIZEN' ? 'cittadini' : 'imprese'})</span>
                </a>
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="categories" className="mt-5">
          <h2 id="categories">Categorie di servizio</h2>
          <ul className="list-unstyled row">
            {cats.map((c) => (
              <li key={c.code} className="col-12 col-md-6 col-lg-4 mb-2">
                <a href={`#/servizi?categoria=${c.code}`}>{c.name}</a>
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="events-near" className="mt-5">
          <h2 id="events-near">Eventi vicino a te</h2>
          <p>Biblioteche, archivi e luoghi della cultura: gli eventi dei prossimi giorni sulla mappa dei comuni e dei quartieri (NIL).</p>
          <a className="btn btn-outline-primary" href="#/eventi">Vedi la mappa degli eventi</a>
        </section>
      </div>
    </>
  );
}

export function Catalogue({ query }) {
  useTitle('Tutti i servizi');
  const category = query.get('categoria') ?? '';
  const comune = query.get('comune') ?? '';
  const text = query.get('q') ?? '';
  const lifeEvent = query.get('evento') ?? '';
  const filter = { category: category ? Number(category) : null, comune: comune || null, text: text || null };
  const all = useQuery(CatalogueOp, { filter: null });
  const { data, error, loading } = useQuery(CatalogueOp, { filter });
  const comuni = useComuni();
  const services = useMemo(() => (data?.services.nodes ?? []).filter((s) => !lifeEvent || s.lifeEvents.some((e) => `${e.scope}-${e.code}` === lifeEvent)), [data, lifeEvent]);
  const allServices = all.data?.services.nodes ?? [];
  const set = (k, v) => {
    const q = new URLSearchParams(query);
    if (v) q.set(k, v); else q.delete(k);
    location.hash = `#/servizi?${q}`;
  };
  return (
    <div className="container my-4">
      <Breadcrumb items={[['Home', '#/'], ['Servizi']]} />
      <h1>Servizi</h1>
      <form className="row g-3 catalogue-filters" aria-label="Filtra i servizi" onSubmit={(e) => { e.preventDefault(); set('q', new FormData(e.target).get('q')); }}>
        <div className="col-12 col-lg-3">
          <label htmlFor="f-text" className="form-label">Cerca</label>
          <input type="search" id="f-text" name="q" className="form-control" defaultValue={text} key={text} />
        </div>
        <div className="col-12 col-md-4 col-lg-3">
          <label htmlFor="f-event" className="form-label">Evento della vita</label>
          <select id="f-event" className="form-select" value={lifeEvent} onChange={(e) => set('evento', e.target.value)}>
            <option value="">Tutti</option>
            {lifeEventsOf(allServices).map(([k, e]) => <option key={k} value={k}>{e.name}{e.scope === 'BUSINESS' ? ' (imprese)' : ''}</option>)}
          </select>
        </div>
        <div className="col-12 col-md-4 col-lg-3">
          <label htmlFor="f-cat" className="form-label">Categoria</label>
          <select id="f-cat" className="form-select" value={category} onChange={(e) => set('categoria', e.target.value)}>
            <option value="">Tutte</option>
            {categoriesOf(allServices).map((c) => <option key={c.code} value={c.code}>{c.name}</option>)}
          </select>
        </div>
        <div className="col-12 col-md-4 col-lg-3">
          <label htmlFor="f-comune" className="form-label">Comune</label>
          <select id="f-comune" className="form-select" value={comune} onChange={(e) => set('comune', e.target.value)}>
            <option value="">Tutti i comuni</option>
            {comuni.map((c) => <option key={c.istatCode} value={c.istatCode}>{c.name}</option>)}
          </select>
        </div>
        <div className="col-12"><button type="submit" className="btn btn-primary btn-sm">Cerca</button></div>
      </form>
      <ErrorAlert error={error} />
      {loading && <Loading what="Ricerca dei servizi" />}
      <h2 className="visually-hidden">Risultati</h2>
      <p className="mt-4" role="status" data-testid="results-count">{services.length} {services.length === 1 ? 'servizio trovato' : 'servizi trovati'}</p>
      <div className="row">
        {services.map((s) => <ServiceCardSummary key={s.id} s={s} />)}
      </div>
    </div>
  );
}

export function ServicePage({ id }) {
  const { session, signIn } = useApp();
  const { data, error, loading } = useQuery(ServiceCard, { id });
  const s = data?.service;
  useTitle(s?.title ?? 'Servizio');
  if (loading && !s) return <div className="container my-4"><Loading /></div>;
  if (!s) return <div className="container my-4"><ErrorAlert error={error} /><h1>Servizio non trovato</h1></div>;
  const start = () => {
    const to = `#/fascicolo/nuova/${s.id}`;
    if (session) location.hash = to; else signIn(to);
  };
  const section = (id2, title, body) => (
    <section className="service-section mb-4" aria-labelledby={id2}>
      <h2 id={id2} className="h4">{title}</h2>
      {body}
    </section>
  );
  return (
    <div className="container my-4">
      <Breadcrumb items={[['Home', '#/'], ['Servizi', '#/servizi'], [s.category.name, `#/servizi?categoria=${s.category.code}`], [s.title]]} />
      <div className="row">
        <div className="col-lg-8">
          <p className="category-top">{s.category.name}</p>
          <h1 data-element="service-title">{s.title}</h1>
          <p>
            <span className={`badge ${s.state === 'ACTIVE' ? 'bg-success' : 'bg-secondary'}`} data-element="service-status">
              {s.state === 'ACTIVE' ? 'Servizio attivo' : 'Servizio non attivo'}
            </span>
            {s.stateReason && <span className="ms-2">{s.stateReason}</span>}
          </p>
          <p className="lead" data-element="service-description">{s.shortDescription}</p>
          {s.state === 'ACTIVE' && s.channels.includes('ONLINE') && (
            <div className="mb-4">
              <button type="button" className="btn btn-primary" onClick={start} data-testid="start-practice">
                {session ? 'Avvia la pratica online' : 'Accedi e avvia la pratica online'}
              </button>
              {!s.fullyOnline && <p className="small mt-2 mb-0">La domanda si presenta online; per concluderla serve poi un passaggio allo sportello.</p>}
            </div>
          )}
          {section('a-chi', 'A chi è rivolto', <p>{s.audience}</p>)}
          {section('come-fare', 'Come fare', <p>{s.howTo}</p>)}
          {section('cosa-serve', 'Cosa serve', <ul>{s.whatYouNeed.map((w) => <li key={w}>{w}</li>)}</ul>)}
          {section('cosa-si-ottiene', 'Cosa si ottiene', <p>{s.whatYouGet}</p>)}
          {section('tempi', 'Tempi e scadenze', <p>La pratica si conclude entro <strong>{s.maxDays} giorni</strong> dalla presentazione della domanda.</p>)}
          {s.requiresPayment && section('costi', 'Quanto costa', <p>{s.feeCents ? money(s.feeCents) : 'A pagamento'}, con pagoPA. L&rsquo;avviso di pagamento arriva nel tuo fascicolo dopo l&rsquo;invio della domanda.</p>)}
          {section('accedi', 'Accedi al servizio', <ul>{s.channels.map((c) => <li key={c}>{channels[c] ?? c}</li>)}</ul>)}
          {section('condizioni', 'Condizioni di servizio', <p>{s.conditions}</p>)}
        </div>
        <aside className="col-lg-4">
          <div className="card card-bg mb-4">
            <div className="card-body">
              <h2 className="h5">Contatti</h2>
              <p className="mb-1">{s.contacts.office}</p>
              {s.contacts.email && <p className="mb-1"><a href={`mailto:${s.contacts.email}`}>{s.contacts.email}</a></p>}
              {s.contacts.phone && <p className="mb-1">Tel. {s.contacts.phone}</p>}
              {s.contacts.pec && <p className="mb-1">PEC {s.contacts.pec}</p>}
            </div>
          </div>
          <div className="card card-bg">
            <div className="card-body">
              <h2 className="h5">Dove è disponibile</h2>
              <p className="small mb-1">{s.comuni.length} {s.comuni.length === 1 ? 'comune' : 'comuni'}</p>
              <ul className="small comuni-list">{s.comuni.slice(0, 30).map((c) => <li key={c.istatCode}>{c.name}</li>)}</ul>
            </div>
          </div>
        </aside>
      </div>
    </div>
  );
}
