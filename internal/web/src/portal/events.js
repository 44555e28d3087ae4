// Events near me: the real boundaries of the comuni (and of Milan's NIL)
// from the territory subgraph, drawn as SVG (no tile server), and the
// events nearest the chosen place from the culture subgraph.
import { useEffect, useMemo, useState } from 'react';
import { ComuniMap, EventsNear, NilMap, PlaceAt } from './operations.graphql';
import { Breadcrumb, ErrorAlert, Loading, useApp, useQuery, useTitle } from './app.js';
import { dateTime, distance, money } from '../shared/format.js';

const DUOMO = { lat: 45.4642, lon: 9.19 };
const MILANO = '015146';

/** polygons yields the rings of a GeoJSON Polygon or MultiPolygon. */
function* rings(geometry) {
  if (!geometry) return;
  const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.type === 'MultiPolygon' ? geometry.coordinates : [];
  for (const p of polys) for (const r of p) yield r;
}

/** projection fits the features' bounding box into a width-wide SVG (equirectangular, scaled by the cosine of the mean latitude). */
function projection(features, width = 800) {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const f of features) for (const r of rings(f.geometry)) for (const [x, y] of r) {
    minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
  }
  const k = Math.cos(((minY + maxY) / 2) * Math.PI / 180);
  const scale = width / ((maxX - minX) * k || 1);
  const height = Math.max(1, (maxY - minY) * scale);
  const p = ([lon, lat]) => [(lon - minX) * k * scale, (maxY - lat) * scale];
  return { p, width, height };
}

function pathOf(geometry, p) {
  let d = '';
  for (const r of rings(geometry)) {
    r.forEach((pt, i) => {
      const [x, y] = p(pt);
      d += `${i ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`;
    });
    d += 'Z';
  }
  return d;
}

/** AreaMap draws the areas, the selected one highlighted, and the events as numbered points. */
function AreaMap({ features, selected, onSelect, points, label }) {
  const proj = useMemo(() => projection(features), [features]);
  const paths = useMemo(() => features.map((f) => ({ ...f, d: pathOf(f.geometry, proj.p) })), [features, proj]);
  return (
    <svg className="area-map" viewBox={`0 0 ${proj.width.toFixed(0)} ${proj.height.toFixed(0)}`} role="img" aria-labelledby="map-title" data-testid="area-map">
      <title id="map-title">{label}</title>
      {paths.map((f) => (
        <path key={f.id} d={f.d} className={`area${f.id === selected ? ' selected' : ''}`} data-id={f.id} onClick={() => onSelect(f.id)}>
          <title>{f.name}</title>
        </path>
      ))}
      {points.map((pt, i) => {
        const [x, y] = proj.p([pt.lon, pt.lat]);
        return (
          <g key={pt.id} className="event-point" transform={`translate(${x.toFixed(1)} ${y.toFixed(1)})`}>
            <circle r="9" />
            <text textAnchor="middle" dy="4">{i + 1}</text>
            <title>{pt.title}</title>
          </g>
        );
      })}
    </svg>
  );
}

async function allComuni(client) {
  const out = [];
  let after = null;
  for (;;) {
    const d = await client.request(ComuniMap, { after });
    out.push(...d.comuni.nodes);
    if (!d.comuni.pageInfo.hasNextPage) return out;
    after = d.comuni.pageInfo.endCursor;
  }
}

export function EventsPage() {
  useTitle('Eventi vicino a te');
  const { client } = useApp();
  const [mode, setMode] = useState('nil'); // 'nil': Milan's NIL; 'comuni': the metropolitan city
  const [comuni, setComuni] = useState(null);
  const [nils, setNils] = useState(null);
  const [loadError, setLoadError] = useState(null);
  const [selected, setSelected] = useState(null);
  const [center, setCenter] = useState(DUOMO);
  const [locating, setLocating] = useState('');

  useEffect(() => {
    let live = true;
    allComuni(client).then((c) => live && setComuni(c)).catch((e) => live && setLoadError(e));
    client.request(NilMap).then((d) => live && setNils(d.nil)).catch((e) => live && setLoadError(e));
    return () => { live = false; };
  }, [client]);

  // Start where the Duomo is.
  useEffect(() => {
    if (nils && selected === null) {
      client.request(PlaceAt, DUOMO).then((d) => d.placeAt?.nil && setSelected(d.placeAt.nil.id)).catch(() => {});
    }
  }, [nils, selected, client]);

  const features = useMemo(() => {
    if (mode === 'nil') return (nils ?? []).map((n) => ({ id: n.id, name: n.name, geometry: n.boundary, location: n.location }));
    return (comuni ?? []).map((c) => ({ id: c.istatCode, name: c.name, geometry: c.boundary, location: c.location }));
  }, [mode, nils, comuni]);
  const area = features.find((f) => f.id === selected);

  const choose = (id) => {
    setSelected(id);
    const f = features.find((x) => x.id === id);
    if (f) setCenter(f.location);
  };
  const switchMode = (m) => {
    setMode(m);
    setSelected(m === 'comuni' ? MILANO : null);
    setCenter(DUOMO);
  };
  const nearMe = () => {
    if (!navigator.geolocation) { setLocating('Il browser non permette di conoscere la tua posizione.'); return; }
    setLocating('Ricerca della tua posizione…');
    navigator.geolocation.getCurrentPosition(async (pos) => {
      const pt = { lat: pos.coords.latitude, lon: pos.coords.longitude };
      try {
        const d = await client.request(PlaceAt, pt);
        if (!d.placeAt) { setLocating('Sei fuori dalla città metropolitana di Milano.'); return; }
        setCenter(pt);
        if (d.placeAt.nil) { setMode('nil'); setSelected(d.placeAt.nil.id); } else { setMode('comuni'); setSelected(d.placeAt.comune.istatCode); }
        setLocating(`Sei a ${d.placeAt.nil ? `${d.placeAt.nil.name}, ` : ''}${d.placeAt.comune.name}.`);
      } catch (e) {
        setLocating(e.message);
      }
    }, () => setLocating('Posizione non disponibile.'));
  };

  const vars = mode === 'nil'
    ? { lat: center.lat, lon: center.lon, radius: 3000, comune: null, nil: null }
    : { lat: center.lat, lon: center.lon, radius: 20000, comune: selected, nil: null };
  const events = useQuery(EventsNear, vars, { skip: !selected });
  const edges = events.data?.eventsNear.edges ?? [];
  const points = edges.map((e) => ({ id: e.node.id, title: e.node.title, ...(e.node.location ?? e.node.venue?.location ?? center) }));

  return (
    <div className="container my-4">
      <Breadcrumb items={[['Home', '#/'], ['Eventi vicino a te']]} />
      <h1>Eventi vicino a te</h1>
      <p>Scegli una zona sulla mappa o dall&rsquo;elenco: vedrai gli eventi in programma più vicini.</p>
      <ErrorAlert error={loadError} />
      <div className="row g-3 align-items-end mb-3">
        <fieldset className="col-12 col-md-4">
          <legend className="form-label h6">Mappa</legend>
          <div className="form-check form-check-inline">
            <input className="form-check-input" type="radio" name="map-mode" id="mode-nil" checked={mode === 'nil'} onChange={() => switchMode('nil')} />
            <label className="form-check-label" htmlFor="mode-nil">Quartieri di Milano (NIL)</label>
          </div>
          <div className="form-check form-check-inline">
            <input className="form-check-input" type="radio" name="map-mode" id="mode-comuni" checked={mode === 'comuni'} onChange={() => switchMode('comuni')} />
            <label className="form-check-label" htmlFor="mode-comuni">Comuni</label>
          </div>
        </fieldset>
        <div className="col-12 col-md-5">
          <label htmlFor="area-select" className="form-label">{mode === 'nil' ? 'Quartiere' : 'Comune'}</label>
          <select id="area-select" className="form-select" value={selected ?? ''} onChange={(e) => choose(e.target.value)}>
            <option value="" disabled>Scegli…</option>
            {[...features].sort((a, b) => a.name.localeCompare(b.name, 'it')).map((f) => <option key={f.id} value={f.id}>{f.name}</option>)}
          </select>
        </div>
        <div className="col-12 col-md-3">
          <button type="button" className="btn btn-outline-primary w-100" onClick={nearMe}>Usa la mia posizione</button>
        </div>
      </div>
      {locating && <p role="status">{locating}</p>}
      <div className="row">
        <div className="col-lg-7 mb-4">
          {features.length ? (
            <AreaMap features={features} selected={selected} onSelect={choose} points={points}
              label={`Mappa ${mode === 'nil' ? 'dei quartieri di Milano' : 'dei comuni della città metropolitana'}${area ? `, selezionato: ${area.name}` : ''}`} />
          ) : <Loading what="Caricamento della mappa" />}
          <p className="small text-muted mt-1">Confini: ISTAT (comuni) e Comune di Milano (NIL), dai dati aperti.</p>
        </div>
        <section className="col-lg-5" aria-labelledby="events-list" aria-busy={events.loading}>
          <h2 id="events-list" className="h4">{area ? `Eventi vicino a ${area.name}` : 'Eventi'}</h2>
          <ErrorAlert error={events.error} />
          {events.loading && <Loading what="Ricerca degli eventi" />}
          {!events.loading && selected && edges.length === 0 && <p>Nessun evento in programma qui vicino.</p>}
          <ol className="events-list list-unstyled">
            {edges.map((e, i) => (
              <li key={e.node.id} className="card card-bg mb-3 event-item">
                <div className="card-body">
                  <p className="small mb-1"><span className="event-number" aria-hidden="true">{i + 1}</span> {e.node.category?.name} · {distance(e.distanceMeters)}</p>
                  <h3 className="h6 mb-1">{e.node.title}</h3>
                  <p className="small mb-1"><time dateTime={e.node.startsAt}>{dateTime(e.node.startsAt)}</time></p>
                  <p className="small mb-0">{e.node.venue ? `${e.node.venue.name}, ${e.node.venue.address}` : e.node.comune.name} · {e.node.free ? 'Gratuito' : money(e.node.priceCents)}</p>
                </div>
              </li>
            ))}
          </ol>
        </section>
      </div>
    </div>
  );
}
