package identity

import (
	"github.com/99designs/gqlgen/graphql"

	identitygql "github.com/citizengraph/citizengraph/graph/identity"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
)

func accessPageOut(p *identity.AccessPage) *identitygql.AccessLogConnection {
	c := &identitygql.AccessLogConnection{
		Edges:      make([]*identitygql.AccessLogEdge, len(p.Entries)),
		Nodes:      make([]*identitygql.AccessLogEntry, len(p.Entries)),
		PageInfo:   &identitygql.PageInfo{HasNextPage: p.HasNextPage},
		TotalCount: p.Total,
	}
	for i, e := range p.Entries {
		n := &identitygql.AccessLogEntry{ID: e.ID, At: e.At, Role: identitygql.AccessRole(e.ActorRole), Via: identitygql.AccessVia(e.Via),
			Comuni: make([]*identitygql.Comune, len(e.Comuni)), Data: make([]identitygql.AccessedData, len(e.Data))}
		for j, code := range e.Comuni {
			n.Comuni[j] = &identitygql.Comune{IstatCode: code}
		}
		for j, d := range e.Data {
			n.Data[j] = identitygql.AccessedData(d)
		}
		if e.Reason != "" {
			n.Reason = &e.Reason
		}
		c.Nodes[i] = n
		c.Edges[i] = &identitygql.AccessLogEdge{Cursor: p.Cursors[i], Node: n}
	}
	if len(p.Cursors) > 0 {
		c.PageInfo.EndCursor = &p.Cursors[len(p.Cursors)-1]
	}
	return c
}

// accessVia tells how the operation reached the person whose field fc
// resolves: by the root field it is under.
func accessVia(fc *graphql.FieldContext) identity.AccessVia {
	root := ""
	for c := fc; c != nil; c = c.Parent {
		if c.Field.Field != nil {
			root = c.Field.Name
		}
	}
	switch root {
	case "personByFiscalCode":
		return identity.ViaLookup
	case "person":
		return identity.ViaPerson
	default:
		return identity.ViaRelated
	}
}
