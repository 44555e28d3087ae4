// Package loader builds the per-operation dataloaders of the subgraphs.
//
// A subgraph resolves the fields of sibling objects concurrently; each
// field asks its loader for one key, and the loader turns every key asked
// within its wait window into one batch (one SQL query). The window is the
// one tuning knob: the time a batch may wait for stragglers. [DefaultWait]
// suits a server with idle cores; a saturated machine, where sibling
// goroutines can be scheduled further apart than the window, splits a
// batch in two — more queries, never a wrong answer — and a longer window
// (gqlserver.Options.LoaderWait) trades a little latency for fewer queries.
package loader
