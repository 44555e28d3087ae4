// Composes the subgraphs of compose/testdata/*.txtar fixtures with Apollo's
// composition and prints, per fixture, the section Apollo's answer gives:
// "-- apollo-errors --" with its error codes, or "-- apollo.graphqls --" with
// its supergraph. It writes nothing; paste what a fixture needs.
// usage: node fixture.mjs ../../compose/testdata/NAME.txtar [...]
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parse } from "graphql";
import { composeServices } from "@apollo/composition";

for (const path of process.argv.slice(2)) {
  const text = readFileSync(path, "utf8");
  const services = [];
  const parts = text.split(/^-- (.+) --$/m);
  for (let i = 1; i < parts.length; i += 2) {
    const m = /^subgraphs\/(.+)\.graphqls$/.exec(parts[i]);
    if (m) services.push({ name: m[1], url: `http://${m[1]}.example/graphql`, typeDefs: parse(parts[i + 1]) });
  }
  const result = composeServices(services);
  console.log(`== ${basename(path)}`);
  if (result.errors?.length) {
    const codes = [...new Set(result.errors.map((e) => e.extensions?.code ?? "UNKNOWN"))].sort();
    console.log("-- apollo-errors --\n" + codes.join("\n"));
    for (const e of result.errors) console.log("# " + e.toString().replaceAll("\n", "\n# "));
  } else {
    console.log("-- apollo.graphqls --\n" + result.supergraphSdl.trimEnd());
  }
}
