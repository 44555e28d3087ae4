package practices

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/citizengraph/citizengraph/internal/apperr"
)

// catalogueCache holds the service catalogue in memory with the version
// of practices.catalogue_version it was read at. Every statement that
// changes practices.service bumps that version (a trigger); a caller that
// read the version in the same snapshot as the practices it serves asks
// for the cards at that version, and a copy of another version is read
// again. Cards are handed out as copies: nothing of the cache is shared
// with a request.
type catalogueCache struct {
	mu      sync.RWMutex
	version int64
	cards   map[string]*ServiceCard // by id; nil until read
}

// at returns the catalogue when it was read at version v.
func (c *catalogueCache) at(v int64) (map[string]*ServiceCard, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.cards, c.cards != nil && c.version == v
}

// keep stores cards read at version v unless a newer version is kept.
func (c *catalogueCache) keep(v int64, cards map[string]*ServiceCard) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cards == nil || v >= c.version {
		c.version, c.cards = v, cards
	}
}

// Catalogue returns every service card and the catalogue's version, read
// by one statement.
func (s *Store) Catalogue(ctx context.Context) ([]ServiceCard, int64, error) {
	rows, err := s.pool.Query(ctx, `select `+serviceCols+`, (select version from practices.catalogue_version) from practices.service s`)
	if err != nil {
		return nil, 0, fmt.Errorf("catalogue: %w", err)
	}
	defer rows.Close()
	var out []ServiceCard
	var version int64
	for rows.Next() {
		c, err := scanService(rows, &version)
		if err != nil {
			return nil, 0, fmt.Errorf("scan catalogue: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("catalogue: %w", err)
	}
	if len(out) == 0 {
		// No row to carry the version: read it alone.
		if err := s.pool.QueryRow(ctx, `select version from practices.catalogue_version`).Scan(&version); err != nil {
			return nil, 0, fmt.Errorf("catalogue version: %w", err)
		}
	}
	return out, version, nil
}

// ServiceCardsAt answers as [Service.ServiceCardsByIDs], from the
// catalogue held in memory when it was read at version v — the version
// the caller read with the practices naming the services
// (PagesExtras.Catalogue) — else after reading the whole catalogue again
// (one statement), which is then kept for the next callers.
func (s *Service) ServiceCardsAt(ctx context.Context, v int64, ids []string) ([]*ServiceCard, []error) {
	const op = "practices.ServiceCardsByIDs"
	out := make([]*ServiceCard, len(ids))
	errs := make([]error, len(ids))
	cards, ok := s.catalogue.at(v)
	if !ok {
		list, version, err := s.store.Catalogue(ctx)
		if err != nil {
			err = apperr.Wrap(op, err)
			for i := range errs {
				errs[i] = err
			}
			return out, errs
		}
		cards = make(map[string]*ServiceCard, len(list))
		for i := range list {
			cards[list[i].ID] = &list[i]
		}
		s.catalogue.keep(version, cards)
	}
	for i, id := range ids {
		if c, ok := cards[strings.ToLower(id)]; ok && validUUID(id) {
			out[i] = c.clone()
		} else {
			errs[i] = apperr.E(op, apperr.NotFound, "service not found")
		}
	}
	return out, errs
}

// clone returns a copy of c sharing nothing with it.
func (c *ServiceCard) clone() *ServiceCard {
	d := *c
	d.WhatYouNeed = cloneSlice(c.WhatYouNeed)
	d.Channels = cloneSlice(c.Channels)
	d.LifeEvents = cloneSlice(c.LifeEvents)
	d.Comuni = cloneSlice(c.Comuni)
	if c.FeeCents != nil {
		fee := *c.FeeCents
		d.FeeCents = &fee
	}
	return &d
}

// cloneSlice copies s, keeping nil nil and empty empty.
func cloneSlice[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}
