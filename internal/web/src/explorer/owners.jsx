// The "Subgraphs" panel: which subgraph resolves each field of the schema,
// for the type open in the documentation explorer and for any search.
import { useMemo, useState } from 'react';
import { useDocExplorer } from '@graphiql/plugin-doc-explorer';
import { isNamedType } from 'graphql';

const palette = ['#0066cc', '#008055', '#a65c00', '#7a3db8', '#cc334d', '#2f7a8a', '#5c6f82'];

function Badge({ graph, index }) {
  return (
    <span className="cg-badge" style={{ '--cg-badge': palette[index % palette.length] }} data-subgraph={graph}>
      {graph}
    </span>
  );
}

function Owners({ graphs, all }) {
  return graphs.map((g) => <Badge key={g} graph={g} index={all.indexOf(g)} />);
}

/** currentType is the type the documentation explorer shows, and its field if one is open. */
function currentType(stack) {
  let type = null;
  let field = null;
  for (const item of stack) {
    if (item.def && isNamedType(item.def)) {
      type = item.def.name;
      field = null;
    } else if (item.def && 'args' in item.def && type) {
      field = item.def.name;
    }
  }
  return { type, field };
}

function OwnersPanel({ owners }) {
  const stack = useDocExplorer();
  const [search, setSearch] = useState('');
  const { type, field } = currentType(stack);
  const matches = useMemo(() => {
    const q = search.trim().toLowerCase();
    if (!q) return [];
    const out = [];
    for (const [t, info] of Object.entries(owners.types).sort()) {
      for (const [f, graphs] of Object.entries(info.fields).sort()) {
        const coord = `${t}.${f}`;
        if (coord.toLowerCase().includes(q) || graphs.some((g) => g === q)) out.push([coord, graphs]);
      }
    }
    return out.slice(0, 200);
  }, [owners, search]);
  const current = type ? owners.types[type] : null;
  return (
    <section className="cg-owners" aria-label="Subgraph ownership">
      <div className="graphiql-doc-explorer-title">Subgraphs</div>
      <p className="cg-legend">
        <Owners graphs={owners.subgraphs} all={owners.subgraphs} />
      </p>
      <label className="cg-label">
        Search fields (Type.field or a subgraph)
        <input className="cg-input" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="Person.payments" />
      </label>
      {search.trim() ? (
        <table className="cg-table" aria-label="Matching fields">
          <tbody>
            {matches.map(([coord, graphs]) => (
              <tr key={coord}>
                <th scope="row">{coord}</th>
                <td><Owners graphs={graphs} all={owners.subgraphs} /></td>
              </tr>
            ))}
            {matches.length === 0 ? <tr><td>No field matches.</td></tr> : null}
          </tbody>
        </table>
      ) : current ? (
        <>
          <h2 className="cg-h">
            {type} <small>declared by</small> <Owners graphs={current.subgraphs} all={owners.subgraphs} />
          </h2>
          <table className="cg-table" aria-label={`Owners of the fields of ${type}`}>
            <tbody>
              {Object.entries(current.fields).map(([f, graphs]) => (
                <tr key={f} className={f === field ? 'cg-current' : undefined} data-field={`${type}.${f}`}>
                  <th scope="row">{f}</th>
                  <td><Owners graphs={graphs} all={owners.subgraphs} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <p className="cg-hint">Open a type in the Documentation Explorer (or search above) to see which subgraph resolves each of its fields.</p>
      )}
    </section>
  );
}

function Unavailable() {
  return (
    <section className="cg-owners">
      <div className="graphiql-doc-explorer-title">Subgraphs</div>
      <p className="cg-hint">The schema is not published by this server (introspection is off), so the subgraph of each field is not shown.</p>
    </section>
  );
}

function Icon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.5">
      <circle cx="6" cy="6" r="3" /><circle cx="18" cy="6" r="3" /><circle cx="12" cy="18" r="3" />
      <path d="M8 8l3 7M16 8l-3 7M9 6h6" />
    </svg>
  );
}

export function ownersPlugin(owners) {
  return {
    title: 'Subgraphs',
    icon: Icon,
    content: owners ? () => <OwnersPanel owners={owners} /> : Unavailable,
  };
}

