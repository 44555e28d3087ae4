package auth

import (
	"context"
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	lru "github.com/hashicorp/golang-lru/v2"
)

// MaxTokenBytes bounds the size of a bearer token: larger ones are refused
// before any parsing. Real access tokens are a few kilobytes.
const MaxTokenBytes = 16 << 10

// clockSkew is how far in the future a token's iat or nbf may lie.
const clockSkew = 5 * time.Minute

// VerifierOptions tune a Verifier. The zero value is usable.
type VerifierOptions struct {
	// KeyRefreshInterval is the least time between two fetches of the
	// issuer's key set caused by tokens whose key id is not in the cached
	// one (default 1 minute): a stream of tokens naming unknown keys costs
	// at most one fetch per interval, and a rotated key is picked up at the
	// first token that uses it once the interval has passed.
	KeyRefreshInterval time.Duration
	// RetryMin and RetryMax bound the exponential backoff between attempts
	// to reach an issuer that is down at start-up (default 1s and 1min).
	RetryMin, RetryMax time.Duration
	// HTTPClient reaches the issuer (default: a client with a 10s timeout).
	HTTPClient *http.Client
	// Logger receives the failed attempts; nil means slog.Default().
	Logger *slog.Logger
	// TokenCacheSize bounds the cache of verified tokens (default
	// DefaultTokenCacheSize; negative: no cache). A token is verified
	// once and then answered from the cache, by the SHA-256 of its text,
	// until its exp; the cache is emptied when the issuer's key set
	// changes, so a withdrawn key takes its tokens with it.
	TokenCacheSize int
}

// DefaultTokenCacheSize is the default number of verified tokens kept.
const DefaultTokenCacheSize = 10000

func (o *VerifierOptions) defaults() {
	if o.KeyRefreshInterval <= 0 {
		o.KeyRefreshInterval = time.Minute
	}
	if o.RetryMin <= 0 {
		o.RetryMin = time.Second
	}
	if o.RetryMax < o.RetryMin {
		o.RetryMax = max(time.Minute, o.RetryMin)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.TokenCacheSize == 0 {
		o.TokenCacheSize = DefaultTokenCacheSize
	}
}

// Verifier checks bearer tokens issued by one OpenID Connect issuer. Until
// the issuer has been discovered and its keys fetched, the verifier is not
// ready: Verify answers ErrUnavailable.
type Verifier struct {
	issuer, audience string
	opts             VerifierOptions
	v                atomic.Pointer[oidc.IDTokenVerifier]
	keys             *keySet // nil for static verifiers
	ready            chan struct{}
	cache            *lru.Cache[[sha256.Size]byte, *Principal] // nil: no cache
	verifications    atomic.Int64
}

// NewVerifier discovers issuer now and returns a verifier for tokens whose
// audience is audience; it fails when the issuer cannot be reached.
func NewVerifier(ctx context.Context, issuer, audience string) (*Verifier, error) {
	v := newVerifier(issuer, audience, VerifierOptions{})
	if err := v.discover(ctx); err != nil {
		return nil, err
	}
	return v, nil
}

// StartVerifier returns a verifier at once and discovers issuer in the
// background, retrying with exponential backoff (opts.RetryMin doubling up
// to opts.RetryMax, with jitter) until it succeeds or ctx is done. Until
// then the verifier is not ready ([Verifier.Ready]) and every token is
// answered with ErrUnavailable: never served anonymously.
func StartVerifier(ctx context.Context, issuer, audience string, opts VerifierOptions) *Verifier {
	v := newVerifier(issuer, audience, opts)
	go v.discoverWithBackoff(ctx)
	return v
}

func newVerifier(issuer, audience string, opts VerifierOptions) *Verifier {
	opts.defaults()
	v := &Verifier{issuer: issuer, audience: audience, opts: opts, ready: make(chan struct{})}
	if opts.TokenCacheSize > 0 {
		v.cache, _ = lru.New[[sha256.Size]byte, *Principal](opts.TokenCacheSize) // only fails for a size <= 0
	}
	return v
}

// NewStaticVerifierWith is NewStaticVerifier with options (the token
// cache's size; the rest concerns discovery and does not apply).
func NewStaticVerifierWith(issuer, audience string, opts VerifierOptions, keys ...crypto.PublicKey) *Verifier {
	v := newVerifier(issuer, audience, opts)
	ks := &oidc.StaticKeySet{PublicKeys: keys}
	v.v.Store(oidc.NewVerifier(issuer, ks, &oidc.Config{ClientID: audience}))
	close(v.ready)
	return v
}

func (v *Verifier) discoverWithBackoff(ctx context.Context) {
	delay := v.opts.RetryMin
	for attempt := 1; ; attempt++ {
		err := v.discover(ctx)
		if err == nil {
			if attempt > 1 {
				v.opts.Logger.Info("token issuer reached", "issuer", v.issuer, "attempts", attempt)
			}
			return
		}
		// Full jitter in [delay/2, delay): restarts do not hit the issuer in step.
		wait := delay/2 + rand.N(delay/2+1)
		v.opts.Logger.Warn("token issuer unreachable: not ready, retrying", "issuer", v.issuer, "attempt", attempt, "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		delay = min(2*delay, v.opts.RetryMax)
	}
}

// discover reads the issuer's discovery document and fetches its key set;
// on success the verifier becomes ready.
func (v *Verifier) discover(ctx context.Context) error {
	ctx = oidc.ClientContext(ctx, v.opts.HTTPClient)
	provider, err := oidc.NewProvider(ctx, v.issuer)
	if err != nil {
		return fmt.Errorf("auth: discover %s: %w", v.issuer, err)
	}
	var meta struct {
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := provider.Claims(&meta); err != nil || meta.JWKSURI == "" {
		return fmt.Errorf("auth: discover %s: no jwks_uri", v.issuer)
	}
	ks := newKeySet(meta.JWKSURI, v.opts.HTTPClient, v.opts.KeyRefreshInterval)
	if v.cache != nil {
		ks.changed = v.cache.Purge
	}
	if err := ks.refresh(ctx); err != nil {
		return err
	}
	v.keys = ks
	v.v.Store(oidc.NewVerifier(v.issuer, ks, &oidc.Config{ClientID: v.audience, SupportedSigningAlgs: supportedAlgs(meta.Algs)}))
	close(v.ready)
	return nil
}

// supportedAlgs keeps the asymmetric algorithms of those the issuer
// announces (RS256 when it announces none): never "none", never HMAC.
func supportedAlgs(announced []string) []string {
	var out []string
	for _, a := range announced {
		if _, ok := asymmetric[a]; ok {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		out = []string{oidc.RS256}
	}
	return out
}

// NewStaticVerifier verifies tokens of issuer signed by one of keys, without
// discovery; used when the issuer runs in the same process (the development
// issuer of citizengraph serve). It is ready at once.
func NewStaticVerifier(issuer, audience string, keys ...crypto.PublicKey) *Verifier {
	return NewStaticVerifierWith(issuer, audience, VerifierOptions{}, keys...)
}

// Ready reports whether the verifier has reached its issuer and can verify
// tokens.
func (v *Verifier) Ready() bool {
	select {
	case <-v.ready:
		return true
	default:
		return false
	}
}

// WaitReady blocks until the verifier is ready or ctx is done.
func (v *Verifier) WaitReady(ctx context.Context) error {
	select {
	case <-v.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// CachedTokens is the number of verified tokens in the cache.
func (v *Verifier) CachedTokens() int {
	if v.cache == nil {
		return 0
	}
	return v.cache.Len()
}

// KeyFetches is the number of times the issuer's key set was fetched.
func (v *Verifier) KeyFetches() int64 {
	if !v.Ready() || v.keys == nil {
		return 0
	}
	return v.keys.fetches.Load()
}

// Verifications is the number of tokens Verify was asked to check
// (answered from the cache or not).
func (v *Verifier) Verifications() int64 { return v.verifications.Load() }

// Verify checks raw and returns its principal. Errors wrap ErrUnavailable
// (not ready), ErrTokenTooLarge, ErrTokenExpired or ErrInvalidToken.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Principal, error) {
	v.verifications.Add(1)
	if len(raw) > MaxTokenBytes {
		return nil, ErrTokenTooLarge
	}
	iv := v.v.Load()
	if iv == nil {
		return nil, ErrUnavailable
	}
	var key [sha256.Size]byte
	if v.cache != nil {
		key = sha256.Sum256([]byte(raw))
		if p, ok := v.cache.Get(key); ok {
			if time.Now().Before(p.Expiry) {
				return clonePrincipal(p), nil
			}
			v.cache.Remove(key) // expired: verifying says so
		}
	}
	p, err := v.verify(ctx, iv, raw)
	if err != nil {
		return nil, err
	}
	if v.cache != nil {
		v.cache.Add(key, clonePrincipal(p))
	}
	return p, nil
}

// clonePrincipal copies p deeply enough that a caller changing its copy,
// slices included, cannot change the cached one.
func clonePrincipal(p *Principal) *Principal {
	cp := *p
	cp.Roles = slices.Clone(p.Roles)
	cp.Comuni = slices.Clone(p.Comuni)
	cp.Scopes = slices.Clone(p.Scopes)
	return &cp
}

// verify checks raw with iv, without the cache.
func (v *Verifier) verify(ctx context.Context, iv *oidc.IDTokenVerifier, raw string) (*Principal, error) {
	tok, err := iv.Verify(ctx, raw)
	if err != nil {
		var expired *oidc.TokenExpiredError
		if errors.As(err, &expired) {
			return nil, fmt.Errorf("%w: %w", ErrTokenExpired, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if tok.IssuedAt.After(time.Now().Add(clockSkew)) {
		return nil, fmt.Errorf("%w: issued in the future (iat %s)", ErrInvalidToken, tok.IssuedAt.UTC().Format(time.RFC3339))
	}
	var c Claims
	if err := tok.Claims(&c); err != nil {
		return nil, fmt.Errorf("%w: claims: %w", ErrInvalidToken, err)
	}
	p := c.Principal()
	p.Issuer, p.Expiry = tok.Issuer, tok.Expiry
	return p, nil
}
