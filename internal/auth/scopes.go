package auth

import "slices"

// The scope vocabulary: OAuth scopes a token grants a third-party app over
// the data of the person it was issued for. Each area has a read and a
// write scope; write does not imply read. Public data (territory, culture,
// the service catalogue) needs no token and no scope. Operators' and
// administrators' powers come from roles, never from scopes, and only
// first-party tokens carry them.
const (
	// ScopeProfileRead: the person's registry data, residence, contacts
	// and notification preferences.
	ScopeProfileRead = "profile:read"
	// ScopeProfileWrite: changing contacts and notification preferences.
	ScopeProfileWrite = "profile:write"
	// ScopePracticesRead: the person's practices, their history and
	// documents, and their live status.
	ScopePracticesRead = "practices:read"
	// ScopePracticesWrite: filing, submitting, withdrawing practices and
	// attaching documents.
	ScopePracticesWrite = "practices:write"
	// ScopePaymentsRead: the person's debt positions, installments and
	// receipts.
	ScopePaymentsRead = "payments:read"
	// ScopePaymentsWrite: paying installments.
	ScopePaymentsWrite = "payments:write"
	// ScopeMessagesRead: the person's IO-style messages.
	ScopeMessagesRead = "messages:read"
	// ScopeMessagesWrite: marking messages read.
	ScopeMessagesWrite = "messages:write"
	// ScopeDelegationsRead: delegations given and received.
	ScopeDelegationsRead = "delegations:read"
	// ScopeDelegationsWrite: granting and revoking delegations.
	ScopeDelegationsWrite = "delegations:write"
)

// Scopes lists the vocabulary, read before write, area by area.
func Scopes() []string {
	return []string{
		ScopeProfileRead, ScopeProfileWrite,
		ScopePracticesRead, ScopePracticesWrite,
		ScopePaymentsRead, ScopePaymentsWrite,
		ScopeMessagesRead, ScopeMessagesWrite,
		ScopeDelegationsRead, ScopeDelegationsWrite,
	}
}

// FirstPartyClients are the OAuth clients of citizengraph itself (the
// API's own audience, the citizens' portal and the operators' desk): their tokens act with the full
// powers of the signed-in person, without scopes.
func FirstPartyClients() []string {
	return []string{"citizengraph", "citizengraph-portal", "citizengraph-desk"}
}

// IsFirstPartyClient reports whether client is a first-party client. An
// empty client is first party: a token without azp was issued to its
// audience, which is citizengraph itself (OpenID Connect Core §2).
func IsFirstPartyClient(client string) bool {
	return client == "" || slices.Contains(FirstPartyClients(), client)
}

// Allows reports whether p may use scope: never for anonymous callers,
// always for first-party tokens, and for third-party apps when their token
// carries the scope.
func (p *Principal) Allows(scope string) bool {
	if p == nil {
		return false
	}
	if p.FirstParty {
		return true
	}
	return slices.Contains(p.Scopes, scope)
}
