// Package web serves the faces of citizengraph from assets embedded in the
// binary: the citizens' portal at /, the operators' desk at /operatore and
// the developers' explorer (GraphiQL) at /explorer, their bundles and
// shared assets (Bootstrap Italia's fonts and icons) under /static/.
//
// The sources are under src/<app>/ (index.html and a main entry; shared
// code in src/shared/), bundled with esbuild by build.mjs into dist/, which
// is committed: `go build` needs no Node, and `go generate ./internal/web`
// rebuilds dist (installing node_modules with npm ci from package-lock.json
// when they are missing or stale). The build is deterministic and the CI's
// staleness check for generated code covers it.
//
// Bundles and assets carry a content hash in their names and are served
// with a year-long immutable cache lifetime; the pages themselves are
// revalidated on every load. Every response carries a strict Content
// Security Policy: scripts, styles, fonts and images from the same origin
// only (no inline script), connections to the same origin (the gateway's
// /graphql over HTTP, SSE and WebSocket) and to the configured OIDC issuer.
package web

//go:generate node build.mjs
