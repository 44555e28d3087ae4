// Package supergraph loads a federation supergraph in Apollo's join format
// (join v0.2–v0.5, with link v1.0 and inaccessible v0.2) into the model the
// query planner needs: the client-facing API schema, the subgraphs and their
// routing URLs, and, per type and field, which subgraphs resolve it with
// which keys, requires, provides, external, override and interfaceObject
// metadata.
//
// Parsing is pure: no I/O, no package state. Every list in the model is
// sorted by subgraph name, so nothing downstream depends on the order in
// which the supergraph happens to declare its subgraphs.
package supergraph
