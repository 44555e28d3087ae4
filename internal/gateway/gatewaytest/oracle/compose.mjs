// Composes the gatewaytest subgraphs with Apollo's composition and writes
// ../testdata/supergraph.apollo.graphqls.
// usage: node compose.mjs [base-url]   (default http://127.0.0.1:4300)
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "graphql";
import { composeServices } from "@apollo/composition";

const here = dirname(fileURLToPath(import.meta.url));
const base = process.argv[2] ?? "http://127.0.0.1:4300";
const dir = join(here, "..", "subgraphs");
const names = readdirSync(dir, { withFileTypes: true })
  .filter((e) => e.isDirectory() && e.name !== "serve")
  .map((e) => e.name)
  .sort();
const services = names.map((name) => ({
  name,
  url: `${base}/${name}`,
  typeDefs: parse(readFileSync(join(dir, name, "schema.graphqls"), "utf8")),
}));
const result = composeServices(services);
if (result.errors?.length) {
  for (const e of result.errors) console.error(e.toString());
  process.exit(1);
}
for (const h of result.hints ?? []) console.error("hint:", h.toString());
const out = join(here, "..", "testdata", "supergraph.apollo.graphqls");
writeFileSync(out, result.supergraphSdl.endsWith("\n") ? result.supergraphSdl : result.supergraphSdl + "\n");
console.error(`wrote ${out} (${names.join(", ")})`);
