// Package graph holds the gqlgen-generated executable schema of every
// subgraph, one package per subgraph: graph/<name> is package <name>gql.
//
// Nothing here is edited by hand. Regenerate with go generate ./graph, which
// runs internal/graphgen over the root gqlgen.yml; CI fails on any diff.
package graph

//go:generate go run ../internal/graphgen
