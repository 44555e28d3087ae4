package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/sync/singleflight"
)

// asymmetric are the signature algorithms a token may use.
var asymmetric = map[string]jose.SignatureAlgorithm{
	"RS256": jose.RS256, "RS384": jose.RS384, "RS512": jose.RS512,
	"PS256": jose.PS256, "PS384": jose.PS384, "PS512": jose.PS512,
	"ES256": jose.ES256, "ES384": jose.ES384, "ES512": jose.ES512,
	"EdDSA": jose.EdDSA,
}

func asymmetricAlgs() []jose.SignatureAlgorithm {
	out := make([]jose.SignatureAlgorithm, 0, len(asymmetric))
	for _, a := range asymmetric {
		out = append(out, a)
	}
	return out
}

// maxJWKSBytes bounds the issuer's key set document.
const maxJWKSBytes = 1 << 20

// errUnknownKey: the token names a key the issuer does not publish.
var errUnknownKey = errors.New("the token's key id is not in the issuer's key set")

// keySet is the issuer's JSON Web Key Set, cached. A token whose key id is
// unknown triggers a refetch — key rotation — but at most one per interval
// (concurrent ones share it); in between, unknown key ids are refused from
// the cache. go-oidc's RemoteKeySet would refetch for every such token.
type keySet struct {
	url      string
	client   *http.Client
	interval time.Duration
	changed  func() // called when a fetch changes the set of key ids
	fetches  atomic.Int64
	flight   singleflight.Group

	mu      sync.RWMutex
	keys    []jose.JSONWebKey
	fetched time.Time // the last attempt, successful or not
}

func newKeySet(url string, client *http.Client, interval time.Duration) *keySet {
	return &keySet{url: url, client: client, interval: interval}
}

// VerifySignature implements oidc.KeySet.
func (k *keySet) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	jws, err := jose.ParseSigned(raw, asymmetricAlgs())
	if err != nil {
		return nil, fmt.Errorf("malformed jwt: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("a token carries exactly one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	keys := k.lookup(kid)
	if len(keys) == 0 && k.mayRefresh() {
		if err := k.refresh(ctx); err != nil {
			return nil, err
		}
		keys = k.lookup(kid)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w (kid %q)", errUnknownKey, kid)
	}
	for _, key := range keys {
		if payload, err := jws.Verify(key); err == nil {
			return payload, nil
		}
	}
	return nil, errors.New("failed to verify the token's signature")
}

// lookup returns the signing keys matching kid (every key when the token
// names none).
func (k *keySet) lookup(kid string) []jose.JSONWebKey {
	k.mu.RLock()
	defer k.mu.RUnlock()
	var out []jose.JSONWebKey
	for _, key := range k.keys {
		if (kid == "" || key.KeyID == kid) && key.Use != "enc" {
			out = append(out, key)
		}
	}
	return out
}

func (k *keySet) mayRefresh() bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return time.Since(k.fetched) >= k.interval
}

// refresh fetches the key set, once for all concurrent callers; the
// fetch outlives a caller that goes away.
func (k *keySet) refresh(ctx context.Context) error {
	ch := k.flight.DoChan("", func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		k.mu.Lock()
		k.fetched = time.Now()
		k.mu.Unlock()
		keys, err := k.fetch(ctx)
		if err != nil {
			return nil, err
		}
		k.mu.Lock()
		changed := !sameKeyIDs(k.keys, keys)
		k.keys = keys
		k.mu.Unlock()
		if changed && k.changed != nil {
			k.changed()
		}
		return nil, nil
	})
	select {
	case r := <-ch:
		return r.Err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (k *keySet) fetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	k.fetches.Add(1)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, fmt.Errorf("auth: key set: %w", err)
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("auth: key set: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes))
	if err != nil {
		return nil, fmt.Errorf("auth: key set: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("auth: key set %s answered %s", k.url, resp.Status)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("auth: key set %s: %w", k.url, err)
	}
	return set.Keys, nil
}

func sameKeyIDs(a, b []jose.JSONWebKey) bool {
	if len(a) != len(b) {
		return false
	}
	ids := make(map[string]int, len(a))
	for _, k := range a {
		ids[k.KeyID]++
	}
	for _, k := range b {
		if ids[k.KeyID]--; ids[k.KeyID] < 0 {
			return false
		}
	}
	return true
}
