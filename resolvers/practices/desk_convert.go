package practices

import (
	practicesgql "github.com/citizengraph/citizengraph/graph/practices"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

// queueFilter converts the work queue's filter.
func queueFilter(f *practicesgql.WorkQueueFilter) practices.QueueFilter {
	out := practices.QueueFilter{Overdue: f.Overdue, DueWithinDays: f.DueWithinDays}
	for _, s := range f.Statuses {
		out.Statuses = append(out.Statuses, practices.Status(s))
	}
	if f.Service != nil {
		out.ServiceID = *f.Service
	}
	if f.Comune != nil {
		out.Comune = *f.Comune
	}
	if f.Assigned != nil {
		switch *f.Assigned {
		case practicesgql.WorkQueueAssignmentMine:
			out.Assigned = practices.AssignedToMe
		case practicesgql.WorkQueueAssignmentUnassigned:
			out.Assigned = practices.AssignedNobody
		}
	}
	return out
}

func (r *Resolver) workQueueConnection(pg practices.QueuePage) *practicesgql.WorkQueueConnection {
	now := r.svc.Now()
	out := &practicesgql.WorkQueueConnection{
		Edges:          make([]*practicesgql.WorkQueueEdge, len(pg.Practices)),
		Nodes:          make([]*practicesgql.Practice, len(pg.Practices)),
		PageInfo:       &practicesgql.PageInfo{HasNextPage: pg.HasNextPage},
		TotalCount:     pg.Total,
		CountsByStatus: make([]*practicesgql.StatusCount, len(pg.Counts)),
	}
	for i := range pg.Practices {
		n := r.practice(&pg.Practices[i], now)
		cur := pg.Cursors[i]
		out.Edges[i] = &practicesgql.WorkQueueEdge{Cursor: cur, Node: n}
		out.Nodes[i] = n
		out.PageInfo.EndCursor = &cur
	}
	for i, c := range pg.Counts {
		out.CountsByStatus[i] = &practicesgql.StatusCount{Status: practicesgql.PracticeStatus(c.Status), Count: c.Count}
	}
	return out
}

// assignment converts who took p, or nil.
func assignment(p *practices.Practice) *practicesgql.PracticeAssignment {
	if p.Assignee == "" || p.AssignedAt == nil {
		return nil
	}
	return &practicesgql.PracticeAssignment{OperatorID: p.Assignee, OperatorName: p.AssigneeName, At: *p.AssignedAt}
}

// scopeOf is the scope the control room's root resolver authorized: its
// figures are reached only through it.
func scopeOf(cr *practicesgql.ControlRoom) practices.ControlRoomScope {
	sc := practices.ControlRoomScope{Comuni: make([]string, len(cr.Scope.Comuni)), From: cr.Scope.From, To: cr.Scope.To}
	for i, c := range cr.Scope.Comuni {
		sc.Comuni[i] = c.IstatCode
	}
	if cr.Scope.Service != nil {
		sc.ServiceID = cr.Scope.Service.ID
	}
	return sc
}

// share is part / whole, or nil without a whole.
func share(part, whole int) *float64 {
	if whole == 0 {
		return nil
	}
	v := float64(part) / float64(whole)
	return &v
}
