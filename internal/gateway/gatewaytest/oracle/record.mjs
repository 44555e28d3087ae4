// Records the gatewaytest goldens from a running reference gateway.
// It starts nothing: see README.md for the servers it expects.
//
// For every ../testdata/queries/<case>.graphql (with optional
// <case>.vars.json) it resets the test subgraphs, posts the operation to the
// gateway and writes <case>.json: the response's data and its errors reduced
// to message, path and extensions.{code,serviceName}. Cases whose file has a
// "# manual:" header line keep their hand-written golden.
//
// usage: node record.mjs [case-name-substring]
// env: GATEWAY_URL (default http://127.0.0.1:4000/),
//      SUBGRAPHS_URL (default http://127.0.0.1:4300)
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dir = join(here, "..", "testdata", "queries");
const gatewayURL = process.env.GATEWAY_URL ?? "http://127.0.0.1:4000/";
const subgraphsURL = process.env.SUBGRAPHS_URL ?? "http://127.0.0.1:4300";
const filter = process.argv[2] ?? "";

const cases = readdirSync(dir)
  .filter((f) => f.endsWith(".graphql"))
  .map((f) => f.slice(0, -".graphql".length))
  .filter((c) => c.includes(filter))
  .sort();

let recorded = 0;
for (const name of cases) {
  const query = readFileSync(join(dir, `${name}.graphql`), "utf8");
  if (/^#\s*manual:/m.test(query)) {
    console.log(`skip   ${name} (manual golden)`);
    continue;
  }
  const varsFile = join(dir, `${name}.vars.json`);
  const variables = existsSync(varsFile) ? JSON.parse(readFileSync(varsFile, "utf8")) : undefined;
  const reset = await fetch(`${subgraphsURL}/reset`, { method: "POST" });
  if (!reset.ok) throw new Error(`reset: HTTP ${reset.status}`);
  const res = await fetch(gatewayURL, {
    method: "POST",
    headers: { "content-type": "application/json", "apollo-require-preflight": "true" },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(normalize(body), null, 2) + "\n");
  console.log(`record ${name} (HTTP ${res.status}${body.errors ? `, ${body.errors.length} error(s)` : ""})`);
  recorded++;
}
console.log(`${recorded} recorded`);

// normalize keeps the parts of a response the Go harness compares.
function normalize(body) {
  const out = {};
  if (body.errors) {
    out.errors = body.errors.map((e) => {
      const o = { message: e.message };
      if (e.path) o.path = e.path;
      const ext = {};
      if (e.extensions?.code) ext.code = e.extensions.code;
      if (e.extensions?.serviceName) ext.serviceName = e.extensions.serviceName;
      if (Object.keys(ext).length) o.extensions = ext;
      return o;
    });
  }
  if ("data" in body) out.data = body.data;
  return out;
}
