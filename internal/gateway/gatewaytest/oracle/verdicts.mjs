// Composes every DIR/*.txtar fixture (its subgraphs/*.graphqls files) with
// Apollo's composition and prints one line per fixture: its name, then the
// sorted error codes when Apollo refuses it. Used to record
// compose/testdata/apollo-random-verdicts.txt (see TestRandomAgainstApollo).
// usage: node verdicts.mjs DIR
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "graphql";
import { composeServices } from "@apollo/composition";

const dir = process.argv[2];
console.log("# Apollo composition 2.14 verdicts on TestRandomAgainstApollo's fixtures: name [error codes]");
for (const file of readdirSync(dir).filter((f) => f.endsWith(".txtar")).sort()) {
  const parts = readFileSync(join(dir, file), "utf8").split(/^-- (.+) --$/m);
  const services = [];
  for (let i = 1; i < parts.length; i += 2) {
    const m = /^subgraphs\/(.+)\.graphqls$/.exec(parts[i]);
    if (m) services.push({ name: m[1], url: `http://${m[1]}.example/graphql`, typeDefs: parse(parts[i + 1]) });
  }
  let codes;
  try {
    const result = composeServices(services);
    codes = result.errors?.length ? [...new Set(result.errors.map((e) => e.extensions?.code ?? "UNKNOWN"))].sort() : [];
  } catch (e) {
    codes = ["CRASH"]; // Apollo's composition threw (e.g. a stack overflow): no verdict
  }
  console.log([file.slice(0, -".txtar".length), ...codes].join(" "));
}
