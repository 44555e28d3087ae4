// Serves ../testdata/supergraph.apollo.graphqls with Apollo Gateway, the
// reference implementation record.mjs asks.
// env: PORT (default 4000), HOST (default 127.0.0.1)
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { ApolloGateway } from "@apollo/gateway";

const here = dirname(fileURLToPath(import.meta.url));
const supergraphSdl = readFileSync(join(here, "..", "testdata", "supergraph.apollo.graphqls"), "utf8");
const gateway = new ApolloGateway({ supergraphSdl });
const server = new ApolloServer({ gateway, includeStacktraceInErrorResponses: false });
const { url } = await startStandaloneServer(server, {
  listen: { port: parseInt(process.env.PORT ?? "4000", 10), host: process.env.HOST ?? "127.0.0.1" },
});
console.log(`apollo-gateway ready at ${url}`);
