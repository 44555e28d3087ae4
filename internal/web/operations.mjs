// operations.mjs: the GraphQL operations of the faces, as trusted documents.
//
// The apps write their operations in .graphql files under src/ (one or more
// named operations and the fragments they use). Importing such a file from
// JavaScript yields one export per operation, {id, name, kind, text}: text
// is the operation with the fragments it spreads (transitively), printed
// canonically by graphql-js, and id the hex SHA-256 of text — what a client
// sends in extensions.persistedQuery.sha256Hash. writeManifest collects
// every operation of every .graphql file under src/ into an Apollo
// persisted query manifest, which the Go package embeds and serve
// registers as trusted documents.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** operations parses a .graphql source into its operations. */
export function operations(graphql, source, file) {
  const { parse, print, visit, Kind } = graphql;
  const doc = parse(source, { noLocation: true });
  const fragments = new Map();
  for (const d of doc.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) {
      if (fragments.has(d.name.value)) throw new Error(`${file}: fragment ${d.name.value} defined twice`);
      fragments.set(d.name.value, d);
    }
  }
  const spreads = (node) => {
    const names = new Set();
    visit(node, { FragmentSpread: (s) => { names.add(s.name.value); } });
    return names;
  };
  const out = [];
  const seen = new Set();
  for (const d of doc.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    if (!d.name) throw new Error(`${file}: every operation needs a name`);
    const name = d.name.value;
    if (seen.has(name)) throw new Error(`${file}: operation ${name} defined twice`);
    seen.add(name);
    // The fragments the operation needs, transitively, in source order.
    const need = new Set();
    const queue = [...spreads(d)];
    while (queue.length) {
      const f = queue.shift();
      if (need.has(f)) continue;
      if (!fragments.has(f)) throw new Error(`${file}: ${name} spreads unknown fragment ${f}`);
      need.add(f);
      queue.push(...spreads(fragments.get(f)));
    }
    const defs = [d, ...[...fragments.values()].filter((f) => need.has(f.name.value))];
    const text = print({ kind: Kind.DOCUMENT, definitions: defs });
    const id = createHash('sha256').update(text).digest('hex');
    out.push({ id, name, kind: d.operation, text });
  }
  return out;
}

/** graphqlFiles lists the .graphql files under dir, sorted. */
export function graphqlFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.graphql')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** graphqlPlugin is the esbuild plugin that loads .graphql files as modules. */
export function graphqlPlugin(graphql) {
  return {
    name: 'citizengraph-graphql',
    setup(build) {
      build.onLoad({ filter: /\.graphql$/ }, (args) => {
        const ops = operations(graphql, readFileSync(args.path, 'utf8'), args.path);
        const lines = ops.map((o) => `export const ${o.name} = ${JSON.stringify({ id: o.id, name: o.name, kind: o.kind, text: o.text })};`);
        return { contents: lines.join('\n') + '\n', loader: 'js' };
      });
    },
  };
}

/**
 * writeManifest writes every operation of the .graphql files under src to
 * out as an Apollo persisted query manifest (sorted by name; names are
 * unique across the apps so a manifest entry names one operation).
 */
export function writeManifest(graphql, src, out) {
  const all = [];
  const byName = new Map();
  for (const f of graphqlFiles(src)) {
    for (const o of operations(graphql, readFileSync(f, 'utf8'), f)) {
      const other = byName.get(o.name);
      if (other && other.id !== o.id) throw new Error(`operation ${o.name} is defined differently in ${other.file} and ${relative(src, f)}`);
      if (other) continue;
      byName.set(o.name, { ...o, file: relative(src, f) });
      all.push(o);
    }
  }
  all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const manifest = {
    format: 'apollo-persisted-query-manifest',
    version: 1,
    operations: all.map((o) => ({ id: o.id, name: o.name, type: o.kind, body: o.text })),
  };
  writeFileSync(out, JSON.stringify(manifest, null, 2) + '\n');
  return all.length;
}
