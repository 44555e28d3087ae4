// The developers' explorer: GraphiQL over the gateway's /graphql, with a
// schema browser that tells which subgraph owns each field, a token helper
// for the development issuer, and subscriptions streaming over WebSocket or
// SSE.
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import './explorer.css';
import { createFetcher } from './fetcher.js';
import { ownersPlugin } from './owners.jsx';
import { tokenPlugin } from './token.jsx';
import { patchA11y } from './a11y.js';

const defaultQuery = `# The citizengraph explorer: one schema
# composed from five subgraphs. The
# Subgraphs panel (left) tells which one
# resolves each field.
#
# Public data needs no token. For your own
# data put {"Authorization": "Bearer …"}
# in Headers (in development, the Token
# panel gets one). Subscriptions stream
# here too, over WebSocket or SSE.

query Places($lat: Float!, $lon: Float!) {
  placeAt(latitude: $lat, longitude: $lon) {
    comune { istatCode name population }
    municipio { name }
    nil { name }
  }
  eventsNear(near: { lat: $lat, lon: $lon, radiusMeters: 1500 }, first: 3) {
    edges { distanceMeters node { title startsAt venue { name } } }
  }
}
`;

const defaultVariables = `{ "lat": 45.4642, "lon": 9.19 }`;

async function json(url) {
  const r = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

// GraphiQL shows the default tab's variables only when it has no stored
// tabs: on a first visit, pass them.
const firstVisit = !localStorage.getItem('graphiql:tabState');

function Explorer({ config, owners }) {
  const transport = () => localStorage.getItem('citizengraph:transport') || 'ws';
  const fetcher = createFetcher(config.graphql || '/graphql', transport);
  const plugins = [ownersPlugin(owners, config), tokenPlugin(config)];
  return (
    <GraphiQL
      fetcher={fetcher}
      plugins={plugins}
      defaultQuery={defaultQuery}
      defaultHeaders={'{}'}
      defaultEditorToolsVisibility="variables"
      variables={firstVisit ? defaultVariables : undefined}
      schema={config.introspection ? undefined : null}
      shouldPersistHeaders={false}
    >
      <GraphiQL.Logo>
        <span className="cg-logo">citizengraph</span>
        {config.introspection ? null : (
          <span className="cg-nointrospection" role="status">
            Introspection is off on this server: no schema browser, autocompletion or validation here; operations still run.
          </span>
        )}
      </GraphiQL.Logo>
    </GraphiQL>
  );
}

async function start() {
  const root = document.getElementById('explorer-root');
  let config;
  try {
    config = await json('/web/config.json');
  } catch (err) {
    root.textContent = `The explorer could not load its settings: ${err.message}`;
    return;
  }
  const owners = config.introspection ? await json('/explorer/owners.json').catch(() => null) : null;
  patchA11y(root);
  createRoot(root).render(<Explorer config={config} owners={owners} />);
}

start();
