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
//
// The window is idle time on the critical path: the keys of a level are
// known microseconds after its parents resolve. A resolver that holds
// every parent of a level at once (an _entities batch, a connection's
// nodes) therefore prefetches the children the operation selects
// ([Batched.Prefetch], with gqlserver.SelectedFields telling which): one
// batch per kind, run now, priming the loaders so that the children's
// Loads answer from the cache; a key already cached is not asked again.
// [Batched.PrefetchWith] answers the keys through another batch function,
// one that reads a level below on the way (with the same statement) and
// primes that level's loader too. The window remains for the shapes no
// parent prefetches for.
//
// [Memo] computes a per-operation value (such as whom the caller may act
// for) once, however many resolvers ask concurrently.
package loader
