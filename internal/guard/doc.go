// Package guard protects the GraphQL endpoints of the gateway and the
// subgraphs from requests that would cost more than they may: limits on the
// body, the tokens, depth, aliases, fragments and cost of a document,
// checked in linear time before gqlgen validates it (Extension); a
// validation rule set whose field-merging rule is linear rather than
// quadratic (Rules); the HTTP front (Front): body size, methods and
// content types, CSRF prevention, and per-client rate limits, all refused
// with a GraphQL error carrying extensions.code.
package guard
