package practices

import (
	"context"
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
)

// Download links: GET <base>/documents/<token>, where the token is the
// document id and an expiry signed with HMAC-SHA256. The link is the
// permission (a browser following it sends no bearer token), given only to
// callers who may see the document, and only for a short while.
const (
	// DocumentsPath is the path of the download route.
	DocumentsPath = "/documents/"
	// DefaultLinkTTL is how long a download link works.
	DefaultLinkTTL = 5 * time.Minute
	// MinLinkKey is the shortest signing key accepted.
	MinLinkKey = 32
)

// linkDomain separates the links' MACs from any other use of the key.
const linkDomain = "citizengraph document link v1\x00"

// Links signs and verifies download links.
type Links struct {
	key  []byte
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
	return &Links{key: append([]byte(nil), key...), ttl: ttl, base: strings.TrimSuffix(base, "/")}, nil
}

// TTL is how long a link works.
func (l *Links) TTL() time.Duration { return l.ttl }

// URL returns the link to document id, valid from now for the TTL.
func (l *Links) URL(id string, now time.Time) string {
	return l.base + DocumentsPath + l.Token(id, now.Add(l.ttl))
}

// Token signs document id until exp.
func (l *Links) Token(id string, exp time.Time) string {
	u, _ := uuid.Parse(id) // ids are the store's UUIDs
	var msg [24]byte
	copy(msg[:16], u[:])
	binary.BigEndian.PutUint64(msg[16:], uint64(exp.Unix()))
	return base64.RawURLEncoding.EncodeToString(append(msg[:], l.mac(msg[:])...))
}

func (l *Links) mac(msg []byte) []byte {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(linkDomain))
	m.Write(msg)
	return m.Sum(nil)
}

// Errors of Verify, which callers answer alike.
var (
	ErrLinkInvalid = errors.New("download link invalid")
	ErrLinkExpired = errors.New("download link expired")
)

// Verify returns the document id of token if its MAC is right (compared
// in constant time) and it has not expired at now.
func (l *Links) Verify(token string, now time.Time) (string, error) {
	if len(token) != base64.RawURLEncoding.EncodedLen(24+sha256.Size) {
		return "", ErrLinkInvalid
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(raw) != 24+sha256.Size {
		return "", ErrLinkInvalid
	}
	msg, sig := raw[:24], raw[24:]
	if !hmac.Equal(sig, l.mac(msg)) {
		return "", ErrLinkInvalid
	}
	if exp := int64(binary.BigEndian.Uint64(msg[16:])); now.Unix() >= exp {
		return "", ErrLinkExpired
	}
	u, err := uuid.FromBytes(msg[:16])
	if err != nil {
		return "", ErrLinkInvalid
	}
	return u.String(), nil
}

// DownloadURL is the signed link to d's content, or nil when d has no
// content stored. Callers have authorized the practice of d.
func (s *Service) DownloadURL(d Document) *string {
	if !d.Stored {
		return nil
	}
	u := s.docs.links.URL(d.ID, s.now())
	return &u
}

// Download returns the document a link names and its content. A link
// that is malformed, tampered with or expired is Permission, a document
// that is gone or has no content NotFound; the messages say no more.
func (s *Service) Download(ctx context.Context, token string) (*Document, io.ReadSeekCloser, error) {
	const op = "practices.Download"
	id, err := s.docs.links.Verify(token, s.now())
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
	content, err := s.docs.content.Open(ctx, d.ID, d.Size)
	if err != nil {
		return nil, nil, apperr.Wrap(op, err)
	}
	return d, content, nil
}

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
