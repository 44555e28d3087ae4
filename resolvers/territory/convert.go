package territory

import (
	"strconv"

	territorygql "github.com/citizengraph/citizengraph/graph/territory"
	"github.com/citizengraph/citizengraph/subgraphs/territory"
)

func comune(c *territory.Comune) *territorygql.Comune {
	if c == nil {
		return nil
	}
	return &territorygql.Comune{
		IstatCode: c.IstatCode, Name: c.Name, CadastralCode: c.CadastralCode, Province: c.Province,
		Capital: c.Capital, PostalCodes: c.PostalCodes, Population: c.Population2021,
		Population2011: c.Population2011, Location: &territorygql.GeoPoint{Lat: c.Lat, Lon: c.Lon},
	}
}

func comuni(cs []territory.Comune) []*territorygql.Comune {
	out := make([]*territorygql.Comune, len(cs))
	for i := range cs {
		out[i] = comune(&cs[i])
	}
	return out
}

func zona(z *territory.Zona) *territorygql.ZonaOmogenea {
	if z == nil {
		return nil
	}
	return &territorygql.ZonaOmogenea{
		ID: strconv.Itoa(z.ID), Name: z.Name, Theme: z.Theme, DeclaredComuniCount: z.DeclaredComuni,
		DeclaredPopulation: z.DeclaredPopulation, DeclaredAreaKm2: z.DeclaredAreaKm2,
	}
}

func municipio(m *territory.Municipio) *territorygql.Municipio {
	if m == nil {
		return nil
	}
	return &territorygql.Municipio{ID: strconv.Itoa(m.ID), Name: m.Name}
}

func municipi(ms []territory.Municipio) []*territorygql.Municipio {
	out := make([]*territorygql.Municipio, len(ms))
	for i := range ms {
		out[i] = municipio(&ms[i])
	}
	return out
}

func nilArea(n *territory.Nil) *territorygql.Nil {
	if n == nil {
		return nil
	}
	return &territorygql.Nil{
		ID: strconv.Itoa(n.ID), Name: n.Name, AreaKm2: n.AreaKm2,
		Location: &territorygql.GeoPoint{Lat: n.Lat, Lon: n.Lon},
	}
}

func nilAreas(ns []territory.Nil) []*territorygql.Nil {
	out := make([]*territorygql.Nil, len(ns))
	for i := range ns {
		out[i] = nilArea(&ns[i])
	}
	return out
}

// mapAll converts xs with f.
func mapAll[T, U any](xs []*T, f func(*T) *U) []*U {
	out := make([]*U, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

func comuneQuery(filter *territorygql.ComuneFilter, first *int, after *string, withTotal bool) territory.ComuneQuery {
	q := territory.ComuneQuery{First: derefInt(first, 20), After: deref(after), WithTotal: withTotal}
	if filter != nil {
		q.NamePrefix, q.Zona = deref(filter.NamePrefix), deref(filter.Zona)
	}
	return q
}

func comuneConnection(p territory.ComunePage) *territorygql.ComuneConnection {
	conn := &territorygql.ComuneConnection{
		Edges:      make([]*territorygql.ComuneEdge, len(p.Comuni)),
		Nodes:      comuni(p.Comuni),
		PageInfo:   &territorygql.PageInfo{HasNextPage: p.HasNext},
		TotalCount: p.Total,
	}
	for i, n := range conn.Nodes {
		conn.Edges[i] = &territorygql.ComuneEdge{Cursor: p.Cursors[i], Node: n}
	}
	if len(p.Cursors) > 0 {
		conn.PageInfo.EndCursor = &p.Cursors[len(p.Cursors)-1]
	}
	return conn
}

func placeAt(p *territory.Place) *territorygql.PlaceAt {
	if p == nil {
		return nil
	}
	return &territorygql.PlaceAt{
		Location: &territorygql.GeoPoint{Lat: p.Lat, Lon: p.Lon},
		Comune:   comune(&p.Comune), Nil: nilArea(p.Nil), Municipio: municipio(p.Municipio),
	}
}
