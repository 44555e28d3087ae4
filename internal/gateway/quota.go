package gateway

import "sync"

// clientQuota counts the open subscriptions of each client (auth.ClientOf)
// so that one client cannot take every slot. The zero value is ready.
type clientQuota struct {
	mu   sync.Mutex
	open map[string]int
}

// acquire takes a slot of client unless it already holds max (max <= 0:
// no limit).
func (q *clientQuota) acquire(client string, max int) bool {
	if max <= 0 {
		return true
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.open[client] >= max {
		return false
	}
	if q.open == nil {
		q.open = map[string]int{}
	}
	q.open[client]++
	return true
}

// release gives back a slot acquire took.
func (q *clientQuota) release(client string, max int) {
	if max <= 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.open[client]--; q.open[client] <= 0 {
		delete(q.open, client)
	}
}
