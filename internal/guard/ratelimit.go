package guard

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"

	"github.com/citizengraph/citizengraph/internal/auth"
)

// Default rate limits: per client, requests per second sustained and the
// burst above it.
const (
	DefaultRatePerSecond = 50
	DefaultRateBurst     = 100
	// rateClients bounds the clients tracked at once; the least recently
	// seen is forgotten (and starts again with a full bucket).
	rateClients = 1 << 16
)

// RateLimiter limits requests per client with a token bucket each: a
// client is the verified principal's subject (or its OAuth client, for a
// token naming no subject), and anonymous callers their remote address.
// A request over the limit is answered 429 with Retry-After and
// RATE_LIMITED.
type RateLimiter struct {
	every   rate.Limit
	burst   int
	key     func(*http.Request) string
	mu      sync.Mutex
	clients *lru.Cache[string, *rate.Limiter]
}

// NewRateLimiter returns a limiter of perSecond requests sustained with
// bursts of burst (at least 1); nil when perSecond is not positive.
func NewRateLimiter(perSecond float64, burst int) *RateLimiter {
	if perSecond <= 0 {
		return nil
	}
	c, _ := lru.New[string, *rate.Limiter](rateClients)
	return &RateLimiter{every: rate.Limit(perSecond), burst: max(burst, 1), key: ClientKey, clients: c}
}

// WithKey returns a limiter of l's rate that names clients with key
// instead of ClientKey (nil for a nil l).
func (l *RateLimiter) WithKey(key func(*http.Request) string) *RateLimiter {
	if l == nil {
		return nil
	}
	c, _ := lru.New[string, *rate.Limiter](rateClients)
	return &RateLimiter{every: l.every, burst: l.burst, key: key, clients: c}
}

// VerifiedKey names the client of a request by its bearer token, verified
// with v: "sub:" and the subject, or "app:" and the OAuth client of a
// token naming no subject — so that one token is one client from any
// address, and the people behind one address are each their own. A
// request without a token, or whose token v refuses (forged, expired, or
// while the issuer is unreachable), is named by ClientKey: by address,
// never by anything it could choose. For a server that forwards tokens
// without verifying them (the gateway command).
func VerifiedKey(v auth.TokenVerifier) func(*http.Request) string {
	return func(r *http.Request) string {
		if a := r.Header.Get("Authorization"); a != "" && auth.FromContext(r.Context()) == nil {
			if p, err := auth.VerifyAuthorization(r.Context(), v, a); err == nil && p != nil {
				switch {
				case p.Subject != "":
					return "sub:" + p.Subject
				case p.Client != "":
					return "app:" + p.Client
				}
			}
		}
		return ClientKey(r)
	}
}

// ClientKey names the client of r for the rate limit: "sub:" and the
// subject of the verified principal, "app:" and its OAuth client, or
// "addr:" and the remote IP of an anonymous caller. Tokens are never read
// unverified here: a forged subject would buy a fresh bucket.
func ClientKey(r *http.Request) string {
	if p := auth.FromContext(r.Context()); p != nil {
		if p.Subject != "" {
			return "sub:" + p.Subject
		}
		if p.Client != "" {
			return "app:" + p.Client
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "addr:" + host
}

func (l *RateLimiter) limiter(key string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.clients.Get(key)
	if !ok {
		lim = rate.NewLimiter(l.every, l.burst)
		l.clients.Add(key, lim)
	}
	return lim
}

// Wrap limits next; a nil limiter limits nothing.
func (l *RateLimiter) Wrap(next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res := l.limiter(l.key(r)).Reserve()
		if d := res.Delay(); d > 0 {
			res.Cancel()
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
			WriteError(w, http.StatusTooManyRequests, CodeRateLimited, "too many requests: retry after "+w.Header().Get("Retry-After")+"s")
			return
		}
		next.ServeHTTP(w, r)
	})
}
