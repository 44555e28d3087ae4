package practices

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/auth"
)

// Download links: GET <base>/documents/<token>. The token seals, with
// AES-256-GCM under a key derived from the link key, the document id, an
// expiry and the link's subject: the standing of the caller it was given
// to (fiscal code, admin, operator's comuni). A browser following the link
// sends no bearer token, so the link is the permission — but only while
// its subject may still see the document: the download asks again, at
// that moment, whether the subject can read the document's practice (a
// revoked or expired delegation stops its delegate's links at once). The
// subject is sealed, not merely signed, so that no fiscal code shows in a
// URL, a server log or the browser's history. A link never outlives the
// sign-in it was given under (the token's expiry) nor its TTL.
const (
	// DocumentsPath is the path of the download route.
	DocumentsPath = "/documents/"
	// DefaultLinkTTL is how long a download link works.
	DefaultLinkTTL = 5 * time.Minute
	// MinLinkKey is the shortest signing key accepted.
	MinLinkKey = 32
	// MaxLinkComuni bounds the operator's comuni a link carries: an
	// operator of more comuni gets links that rest on their other
	// standing only (fiscal code, admin).
	MaxLinkComuni = 1024
)

// linkVersion is the first byte of every token (and the sealed data's
// associated data): tokens of another layout are refused.
const linkVersion = 2

// linkKeyDomain separates the links' cipher key from any other use of the
// link key.
const linkKeyDomain = "citizengraph document link v2 key\x00"

// maxTokenChars bounds what Verify decodes: a token with every comune an
// operator may carry, and no more.
const maxTokenChars = 4 * (1 + 12 + 16 + 8 + 1 + 1 + 255 + 2 + MaxLinkComuni*(1+maxComuneLen) + 16) / 3

// maxComuneLen bounds a comune's code in a link (ISTAT codes have six
// digits).
const maxComuneLen = 16

// Subject is whom a download link was given to: the standing that let
// them see the document, asked again at download time.
type Subject struct {
	FiscalCode string   // the caller's fiscal code ("" for none)
	Admin      bool     // an administrator
	Comuni     []string // an operator's comuni
}

// SubjectOf is the standing of p a link carries.
func SubjectOf(p *auth.Principal) Subject {
	if p == nil {
		return Subject{}
	}
	s := Subject{FiscalCode: strings.ToUpper(p.FiscalCode), Admin: p.Has(auth.RoleAdmin)}
	if p.Has(auth.RoleOperator) && len(p.Comuni) <= MaxLinkComuni {
		for _, c := range p.Comuni {
			if c != "" && len(c) <= maxComuneLen {
				s.Comuni = append(s.Comuni, c)
			}
		}
	}
	if len(s.FiscalCode) > 255 {
		s.FiscalCode = ""
	}
	return s
}

// principal is the subject as a principal of this subgraph, for the
// practice's access rules (the scope was checked when the link was given).
func (s Subject) principal() *auth.Principal {
	p := &auth.Principal{FiscalCode: s.FiscalCode, FirstParty: true}
	if s.Admin {
		p.Roles = append(p.Roles, auth.RoleAdmin)
	}
	if len(s.Comuni) > 0 {
		p.Roles, p.Comuni = append(p.Roles, auth.RoleOperator), s.Comuni
	}
	return p
}

// Links seals and opens download links.
type Links struct {
	aead cipher.AEAD
	ttl  time.Duration
	base string
}

// NewLinks returns a signer with key (at least MinLinkKey bytes; nil: a
// random one, good for this process only), links valid for ttl (0:
// DefaultLinkTTL), under base (the public listener's URL as clients reach
// it, e.g. https://servizi.comune.milano.it; empty: the links are paths).
func NewLinks(key []byte, ttl time.Duration, base string) (*Links, error) {
	if key == nil {
		key = make([]byte, MinLinkKey)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("download links: %w", err)
		}
	}
	if len(key) < MinLinkKey {
		return nil, fmt.Errorf("download links: the key must be at least %d bytes", MinLinkKey)
	}
	if ttl <= 0 {
		ttl = DefaultLinkTTL
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(linkKeyDomain))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("download links: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("download links: %w", err)
	}
	return &Links{aead: aead, ttl: ttl, base: strings.TrimSuffix(base, "/")}, nil
}

// TTL is how long a link works.
func (l *Links) TTL() time.Duration { return l.ttl }

// URL returns the link to document id for sub, valid from now for the
// TTL, and never past notAfter (the sign-in's end; zero: no bound).
func (l *Links) URL(id string, sub Subject, now, notAfter time.Time) string {
	exp := now.Add(l.ttl)
	if !notAfter.IsZero() && notAfter.Before(exp) {
		exp = notAfter
	}
	return l.base + DocumentsPath + l.Token(id, sub, exp)
}

// Token seals document id for sub until exp.
func (l *Links) Token(id string, sub Subject, exp time.Time) string {
	u, _ := uuid.Parse(id) // ids are the store's UUIDs
	msg := make([]byte, 0, 16+8+1+1+len(sub.FiscalCode)+2+len(sub.Comuni)*7)
	msg = append(msg, u[:]...)
	msg = binary.BigEndian.AppendUint64(msg, uint64(exp.Unix()))
	var flags byte
	if sub.Admin {
		flags |= 1
	}
	msg = append(msg, flags, byte(len(sub.FiscalCode)))
	msg = append(msg, sub.FiscalCode...)
	msg = binary.BigEndian.AppendUint16(msg, uint16(len(sub.Comuni)))
	for _, c := range sub.Comuni {
		msg = append(append(msg, byte(len(c))), c...)
	}
	out := make([]byte, 1+l.aead.NonceSize(), 1+l.aead.NonceSize()+len(msg)+l.aead.Overhead())
	out[0] = linkVersion
	if _, err := rand.Read(out[1:]); err != nil {
		panic(err) // the system's random source failed
	}
	out = l.aead.Seal(out, out[1:], msg, out[:1])
	return base64.RawURLEncoding.EncodeToString(out)
}

// Errors of Verify, which callers answer alike.
var (
	ErrLinkInvalid = errors.New("download link invalid")
	ErrLinkExpired = errors.New("download link expired")
)

// Verify returns the document id and subject of token if it opens under
// the key (AES-GCM authenticates it: a changed byte, another key or
// another layout is ErrLinkInvalid) and has not expired at now.
func (l *Links) Verify(token string, now time.Time) (string, Subject, error) {
	if len(token) > maxTokenChars {
		return "", Subject{}, ErrLinkInvalid
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	ns := l.aead.NonceSize()
	if err != nil || len(raw) < 1+ns+l.aead.Overhead() || raw[0] != linkVersion {
		return "", Subject{}, ErrLinkInvalid
	}
	msg, err := l.aead.Open(nil, raw[1:1+ns], raw[1+ns:], raw[:1])
	if err != nil {
		return "", Subject{}, ErrLinkInvalid
	}
	id, exp, sub, ok := parseLink(msg)
	if !ok {
		return "", Subject{}, ErrLinkInvalid
	}
	if now.Unix() >= exp {
		return "", Subject{}, ErrLinkExpired
	}
	return id, sub, nil
}

// parseLink reads the sealed fields of a link.
func parseLink(msg []byte) (id string, exp int64, sub Subject, ok bool) {
	if len(msg) < 16+8+2 {
		return "", 0, Subject{}, false
	}
	u, err := uuid.FromBytes(msg[:16])
	if err != nil {
		return "", 0, Subject{}, false
	}
	exp = int64(binary.BigEndian.Uint64(msg[16:24]))
	sub.Admin = msg[24]&1 != 0
	n := int(msg[25])
	rest := msg[26:]
	if len(rest) < n+2 {
		return "", 0, Subject{}, false
	}
	sub.FiscalCode, rest = string(rest[:n]), rest[n:]
	count := int(binary.BigEndian.Uint16(rest))
	rest = rest[2:]
	for range count {
		if len(rest) < 1 || len(rest) < 1+int(rest[0]) {
			return "", 0, Subject{}, false
		}
		n := int(rest[0])
		sub.Comuni, rest = append(sub.Comuni, string(rest[1:1+n])), rest[1+n:]
	}
	if len(rest) != 0 {
		return "", 0, Subject{}, false
	}
	return u.String(), exp, sub, true
}

// DownloadURL is the link to d's content for the caller, or nil when d has
// no content stored or there is no caller. Callers have authorized the
// practice of d for the caller of ctx.
func (s *Service) DownloadURL(ctx context.Context, d Document) *string {
	p := auth.FromContext(ctx)
	if !d.Stored || p == nil {
		return nil
	}
	u := s.docs.links.URL(d.ID, SubjectOf(p), s.now(), p.Expiry)
	return &u
}

// Download returns the document a link names and its content, if the
// link's subject may still see the document's practice now. A link that
// is malformed, tampered with or expired, and one whose subject may no
// longer see the practice, are Permission alike (nothing tells whether the
// document exists); a document that is gone or has no content NotFound.
func (s *Service) Download(ctx context.Context, token string) (*Document, io.ReadSeekCloser, error) {
	const op = "practices.Download"
	id, sub, err := s.docs.links.Verify(token, s.now())
	if err != nil {
		return nil, nil, apperr.E(op, apperr.Permission, "the link is not valid", err)
	}
	d, err := s.store.DocumentByID(ctx, id)
	if err != nil {
		return nil, nil, apperr.Wrap(op, err)
	}
	if d == nil || !d.Stored {
		return nil, nil, apperr.E(op, apperr.NotFound, "not found")
	}
	// The subject's standing now: applicant, delegate under a mandate
	// valid now, operator of the comune, admin.
	if _, err := s.Practice(auth.WithPrincipal(ctx, sub.principal()), d.PracticeID); err != nil {
		if apperr.Is(apperr.NotFound, err) || apperr.Is(apperr.Permission, err) {
			return nil, nil, apperr.E(op, apperr.Permission, "the link is not valid", errLinkRevoked)
		}
		return nil, nil, apperr.Wrap(op, err)
	}
	content, err := s.docs.content.Open(ctx, d.ID, d.Size)
	if err != nil {
		return nil, nil, apperr.Wrap(op, err)
	}
	return d, content, nil
}

// errLinkRevoked: the link's subject may no longer see the document.
var errLinkRevoked = errors.New("download link: its subject may no longer see the document")

// DocumentByID returns one document, nil when there is none.
func (s *Store) DocumentByID(ctx context.Context, id string) (*Document, error) {
	var d Document
	err := s.pool.QueryRow(ctx, `select id, practice_id, name, media_type, size_bytes, sha256, uploaded_at, stored
		from practices.document where id = $1`, id).Scan(&d.ID, &d.PracticeID, &d.Name, &d.MediaType, &d.Size, &d.SHA256, &d.UploadedAt, &d.Stored)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("document: %w", err)
	}
	return &d, nil
}
