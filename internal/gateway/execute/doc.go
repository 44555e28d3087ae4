// Package execute runs query plans: it sends each fetch to its subgraph
// (independent fetches concurrently), collects and deduplicates entity
// representations at the fetch's paths, merges the answers into one
// response tree, re-paths subgraph errors to the client's paths, and writes
// the client's response from the plan's shape with GraphQL's null
// propagation.
//
// Responses are decoded into a compact tree whose scalars keep their raw
// JSON text (custom scalars pass through untouched), and the client
// response is written straight into a byte buffer: no reflection on the
// hot path.
//
// Subgraphs are reached through a Fetcher: HTTPFetcher (pooled keep-alive
// connections, per-subgraph timeouts, Authorization and traceparent
// forwarded) or InProcessFetcher (the same wire contract without a socket;
// the subgraph takes the principal the gateway verified, auth.ForHop, and
// response bodies are recycled once the client's answer is written).
package execute
