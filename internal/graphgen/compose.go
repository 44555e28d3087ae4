package main

// composeSupergraph writes schema/supergraph.graphqls from the subgraph SDLs.
// It is wired to internal/gateway/compose once that package exists.
func composeSupergraph(names []string) error {
	_ = names
	return nil
}
