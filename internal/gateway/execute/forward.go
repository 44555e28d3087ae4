package execute

import "slices"

// ForwardedHeaders returns the incoming headers the fetcher passes on to
// subgraphs.
func (f *HTTPFetcher) ForwardedHeaders() []string { return slices.Clone(f.opts.ForwardHeaders) }

// ForwardedHeaders returns the incoming headers the fetcher passes on to
// subgraphs.
func (f *InProcessFetcher) ForwardedHeaders() []string { return DefaultForwardHeaders() }
