package guard

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
)

// RequiredPreflightHeaders are the headers that mark a request as one a
// browser could only send after a CORS preflight, as Apollo Router and
// Apollo Server accept them: a request without one of them, and without a content
// type other than the three a form can send, is refused (CSRF prevention).
var RequiredPreflightHeaders = []string{"Apollo-Require-Preflight", "X-Apollo-Operation-Name"}

// simpleContentTypes are the content types a browser sends cross-site
// without a preflight (an HTML form, fetch in no-cors mode).
var simpleContentTypes = map[string]bool{
	"application/x-www-form-urlencoded": true,
	"multipart/form-data":               true,
	"text/plain":                        true,
}

// FrontOptions configure Front.
type FrontOptions struct {
	// MaxBodyBytes bounds the body (0: the default; negative: none).
	MaxBodyBytes int64
	// MaxUploadBytes, when not 0, admits multipart/form-data POSTs (the
	// GraphQL multipart request spec, served by the Multipart transport)
	// with a body of at most MaxUploadBytes plus twice MaxBodyBytes (the
	// files, the operations and the map) and 64 KiB of part headers;
	// negative: no limit. 0: multipart POSTs are refused like any other
	// content type but JSON.
	MaxUploadBytes int64
	// AllowedOrigins are the browser origins (scheme://host[:port]) allowed
	// to open WebSockets across origins; "*" allows any. Same-host origins
	// are always allowed.
	AllowedOrigins []string
}

// Front is the HTTP front of a GraphQL endpoint, in this order: methods
// (GET, POST, OPTIONS: else 405 METHOD_NOT_ALLOWED), upgrades (WebSocket
// only, from an allowed origin, scheme included: else
// TRANSPORT_NOT_SUPPORTED or 403 CSRF_PREVENTION), CSRF prevention (a GET
// or POST a browser may send cross-site without a preflight must carry a
// content type other than a form's or one of RequiredPreflightHeaders:
// else 400 CSRF_PREVENTION), content types (POST bodies are JSON, or
// multipart uploads when MaxUploadBytes admits them: else 415
// UNSUPPORTED_MEDIA_TYPE), then the body limit (the upload limit for
// multipart bodies).
func Front(opts FrontOptions, next http.Handler) http.Handler {
	upload := uploadFront(opts, next)
	next = LimitBody(opts.MaxBodyBytes, next)
	allowed := map[string]bool{}
	any := false
	for _, o := range opts.AllowedOrigins {
		if o == "*" {
			any = true
		}
		allowed[strings.ToLower(strings.TrimSuffix(o, "/"))] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		case http.MethodGet, http.MethodPost:
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			WriteError(w, http.StatusMethodNotAllowed, CodeMethodNotAllowed, "method "+r.Method+" is not allowed: use POST (or GET for queries)")
			return
		}
		if up := r.Header.Get("Upgrade"); up != "" {
			if !strings.EqualFold(up, "websocket") || r.Method != http.MethodGet {
				WriteError(w, http.StatusBadRequest, CodeTransportRejected, "only WebSocket upgrades (graphql-transport-ws) are supported")
				return
			}
			if !originAllowed(r, allowed, any) {
				WriteError(w, http.StatusForbidden, CodeCSRF, "WebSocket connections from origin "+r.Header.Get("Origin")+" are not allowed")
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		ct := r.Header.Get("Content-Type")
		mt, _, err := mime.ParseMediaType(ct)
		if ct != "" && err != nil {
			WriteError(w, http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "malformed Content-Type")
			return
		}
		if (ct == "" || simpleContentTypes[mt]) && !hasPreflightHeader(r) {
			WriteError(w, http.StatusBadRequest, CodeCSRF, "this operation has been blocked as a potential Cross-Site Request Forgery (CSRF): send Content-Type: application/json, or a non-empty header "+strings.Join(RequiredPreflightHeaders, " or "))
			return
		}
		if r.Method == http.MethodPost && mt == "multipart/form-data" && upload != nil {
			upload.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodPost && mt != "application/json" {
			WriteError(w, http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "POST bodies must be application/json GraphQL requests")
			return
		}
		if r.Method == http.MethodPost && strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			// gqlgen's SSE transport quotes a malformed body back: check
			// it here, within the body limit.
			r = checkedBody(w, r, limitOf(opts.MaxBodyBytes))
			if r == nil {
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// uploadFront is next behind the body limit of multipart requests, nil
// when they are not admitted.
func uploadFront(opts FrontOptions, next http.Handler) http.Handler {
	if opts.MaxUploadBytes == 0 {
		return nil
	}
	body := limitOf(opts.MaxBodyBytes)
	if opts.MaxUploadBytes < 0 || body < 0 {
		return LimitBody(-1, next)
	}
	return LimitBody(opts.MaxUploadBytes+2*body+64<<10, next)
}

func hasPreflightHeader(r *http.Request) bool {
	for _, h := range RequiredPreflightHeaders {
		if r.Header.Get(h) != "" {
			return true
		}
	}
	return false
}

// originAllowed: no Origin (not a browser), a listed origin with its
// scheme, or an origin on the request's own host served over https or
// over the request's own scheme (an http page may not reach an https
// endpoint's streams).
func originAllowed(r *http.Request, allowed map[string]bool, any bool) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || any {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	o := strings.ToLower(u.Scheme + "://" + u.Host)
	if allowed[o] {
		return true
	}
	if !strings.EqualFold(u.Host, r.Host) {
		return false
	}
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return strings.EqualFold(u.Scheme, "https") || strings.EqualFold(u.Scheme, scheme)
}

func limitOf(max int64) int64 {
	if max == 0 {
		return DefaultMaxBodyBytes
	}
	return max
}

// checkedBody reads r's body (up to max bytes, when positive) and answers
// the coded error of a body that is not one JSON object, returning nil;
// otherwise it returns r with the body to read again.
func checkedBody(w http.ResponseWriter, r *http.Request, max int64) *http.Request {
	var body io.Reader = r.Body
	if max > 0 {
		body = http.MaxBytesReader(w, r.Body, max)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			WriteError(w, http.StatusRequestEntityTooLarge, CodeBodyTooLarge, "the request body is larger than "+itoa(tooLarge.Limit)+" bytes")
		} else {
			WriteError(w, http.StatusBadRequest, CodeBadRequest, "could not read the request body")
		}
		return nil
	}
	var params graphql.RawParams
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&params); err != nil {
		WriteError(w, http.StatusBadRequest, CodeBadRequest, "the body is not a GraphQL request in JSON: "+jsonProblem(err))
		return nil
	}
	if dec.More() {
		WriteError(w, http.StatusBadRequest, CodeBadRequest, "the body holds more than one JSON value")
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return r
}
