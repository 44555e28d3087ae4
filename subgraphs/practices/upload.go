package practices

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"strings"

	"github.com/gabriel-vasile/mimetype"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/auth"
)

// DocumentPolicy bounds uploaded documents.
type DocumentPolicy struct {
	// MaxSize is the largest document in bytes (0: MaxDocumentSize).
	MaxSize int64
	// Types are the media types accepted, as sniffed from the content
	// (none: the keys of AllowedMediaTypes).
	Types []string
}

// WithDocumentPolicy sets the limits of uploaded documents.
func WithDocumentPolicy(p DocumentPolicy) Option {
	return func(s *Service) { s.docs.policy = p.withDefaults() }
}

// WithContentStore replaces the Postgres store of document contents.
func WithContentStore(c ContentStore) Option { return func(s *Service) { s.docs.content = c } }

// WithLinks sets the signer of download links (without it, a random key
// of the process signs them: links then work only on this process).
func WithLinks(l *Links) Option { return func(s *Service) { s.docs.links = l } }

// documents is the service's configuration of document contents.
type documents struct {
	policy  DocumentPolicy
	content ContentStore
	links   *Links
}

func (p DocumentPolicy) withDefaults() DocumentPolicy {
	if p.MaxSize == 0 {
		p.MaxSize = MaxDocumentSize
	}
	if len(p.Types) == 0 { // none given (nil, or an empty --document-types): the defaults
		for t := range AllowedMediaTypes {
			p.Types = append(p.Types, t)
		}
	}
	for i, t := range p.Types {
		p.Types[i] = strings.ToLower(strings.TrimSpace(t))
	}
	return p
}

// sniffBytes is how much of the content the media type is sniffed from.
const sniffBytes = 3072

// declaredAliases are other names clients give the accepted types.
var declaredAliases = map[string]string{
	"image/jpg":                   "image/jpeg",
	"image/pjpeg":                 "image/jpeg",
	"text/xml":                    "application/xml",
	"application/x-pkcs7-mime":    "application/pkcs7-mime",
	"application/pkcs7-signature": "application/pkcs7-mime",
	"application/x-pdf":           "application/pdf",
}

// sniff returns the accepted media type of a content starting with head,
// or "" with the sniffed type when it is not accepted.
func (p DocumentPolicy) sniff(head []byte) (accepted, sniffed string) {
	m := mimetype.Detect(head)
	for _, t := range p.Types {
		if m.Is(t) {
			return t, m.String()
		}
	}
	// A CAdES-signed file (.p7m) is a CMS SignedData with its content
	// enclosed, which the sniffer names as a detached signature.
	if m.Is("application/pkcs7-signature") {
		for _, t := range p.Types {
			if t == "application/pkcs7-mime" {
				return t, m.String()
			}
		}
	}
	base, _, _ := mime.ParseMediaType(m.String())
	return "", base
}

// consistent reports whether the media type a client declared for a file
// (its part's Content-Type) agrees with the accepted type sniffed; an
// absent or generic declaration agrees with any.
func consistent(declared, accepted string) bool {
	if declared == "" {
		return true
	}
	d, _, err := mime.ParseMediaType(declared)
	if err != nil {
		return false
	}
	if a, ok := declaredAliases[d]; ok {
		d = a
	}
	return d == "application/octet-stream" || d == accepted
}

// Upload is a file to attach to a practice.
type Upload struct {
	// Name is the document's name (the file's when empty).
	Name string
	// Filename and ContentType are the file part's.
	Filename, ContentType string
	// Size is the size announced by the transport (negative: unknown).
	Size int64
	// Content is read to its end once.
	Content io.Reader
}

// UploadDocument attaches a file to a practice, computing its size,
// SHA-256 and media type from the content, under the rules of
// [Service.AddDocument]: the applicant (or a person acting for them or
// their organization on the service) while drafting, waiting for payment
// or answering an integration request, an operator of the comune while it
// is handled. The content and the row are written in one transaction:
// nothing is stored when the upload is refused.
func (s *Service) UploadDocument(ctx context.Context, practiceID string, up Upload) (*Document, error) {
	const op = "practices.UploadDocument"
	p, err := principal(ctx, op)
	if err != nil {
		return nil, err
	}
	if err := requireScope(op, p, auth.ScopePracticesWrite); err != nil {
		return nil, err
	}
	name := up.Name
	if strings.TrimSpace(name) == "" {
		name = up.Filename
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > MaxNameLength || strings.ContainsAny(name, "/\\\x00") || strings.ContainsFunc(name, isControl) {
		return nil, apperr.Errorf(op, apperr.Invalid, "the document name must be 1 to %d characters, without path separators or control characters", MaxNameLength)
	}
	policy := s.docs.policy
	if up.Size > policy.MaxSize {
		return nil, tooLarge(op, policy.MaxSize)
	}
	pr, err := s.Practice(ctx, practiceID)
	if err != nil {
		return nil, err
	}
	open, err := s.documentStatuses(ctx, p, pr)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	if !containsStatus(open, pr.Status) {
		return nil, apperr.Errorf(op, apperr.Conflict, "documents cannot be added to this practice now (status %s)", pr.Status)
	}
	// The media type from the first bytes, before anything is written.
	head := make([]byte, sniffBytes)
	n, err := io.ReadFull(up.Content, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, apperr.Wrap(op, fmt.Errorf("read the upload: %w", err))
	}
	head = head[:n]
	accepted, sniffed := policy.sniff(head)
	switch {
	case accepted == "":
		return nil, apperr.Errorf(op, apperr.Invalid, "the content is %s, which is not accepted (accepted: %s)", sniffed, strings.Join(policy.Types, ", "))
	case !consistent(up.ContentType, accepted):
		return nil, apperr.Errorf(op, apperr.Invalid, "the content is %s, not what the file part declares", accepted)
	}
	sum := sha256.New()
	body := &limitedHash{r: io.MultiReader(bytes.NewReader(head), up.Content), h: sum, left: policy.MaxSize}
	d := Document{ID: uuid.NewString(), PracticeID: pr.ID, Name: name, MediaType: accepted, UploadedAt: s.Now(), Stored: true}
	ok, err := s.store.InsertDocumentContent(ctx, &d, open, func(tx pgx.Tx) (int64, string, error) {
		size, err := s.docs.content.Put(ctx, tx, d.ID, body)
		if err != nil {
			return 0, "", err
		}
		return size, hex.EncodeToString(sum.Sum(nil)), nil
	})
	switch {
	case errors.Is(err, errTooLarge):
		return nil, tooLarge(op, policy.MaxSize)
	case err != nil:
		return nil, apperr.Wrap(op, err)
	case !ok:
		return nil, apperr.Errorf(op, apperr.Conflict, "documents cannot be added to this practice now")
	}
	return &d, nil
}

func tooLarge(op string, max int64) error {
	return apperr.Errorf(op, apperr.TooLarge, "the document is larger than %d bytes", max)
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func containsStatus(list []Status, st Status) bool {
	for _, s := range list {
		if s == st {
			return true
		}
	}
	return false
}

// documentStatuses are the statuses of pr in which the caller may attach
// documents: the applicant's, an operator's of the comune, both or none.
func (s *Service) documentStatuses(ctx context.Context, p *auth.Principal, pr *Practice) ([]Status, error) {
	var open []Status
	_, applicant, err := s.caller(p).actsAsApplicant(ctx, pr)
	if err != nil {
		return nil, err
	}
	if applicant {
		open = append(open, applicantDocumentStatuses...)
	}
	if p.OperatesIn(pr.Comune) {
		open = append(open, operatorDocumentStatuses...)
	}
	return open, nil
}

var errTooLarge = errors.New("the content is larger than the limit")

// limitedHash reads r into h, failing with errTooLarge past left bytes.
type limitedHash struct {
	r    io.Reader
	h    hash.Hash
	left int64
}

func (l *limitedHash) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if n > 0 {
		l.h.Write(p[:n])
		l.left -= int64(n)
		if l.left < 0 {
			return 0, errTooLarge
		}
	}
	return n, err
}

// InsertDocumentContent writes a document with its content in one
// transaction, if its practice is still in one of open (reported false
// otherwise, with nothing written): put stores the content in tx and
// returns its size and SHA-256, which d receives before its row is
// inserted.
func (s *Store) InsertDocumentContent(ctx context.Context, d *Document, open []Status, put func(pgx.Tx) (int64, string, error)) (bool, error) {
	statuses := make([]string, len(open))
	for i, st := range open {
		statuses[i] = string(st)
	}
	inserted := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// The practice's status holds until commit (a transition waits).
		var ok bool
		if err := tx.QueryRow(ctx, `select status = any($2::text[]) from practices.practice where id = $1 for share`, d.PracticeID, statuses).Scan(&ok); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			return fmt.Errorf("lock practice: %w", err)
		}
		if !ok {
			return nil
		}
		size, sum, err := put(tx)
		if err != nil {
			return err
		}
		d.Size, d.SHA256 = size, sum
		if _, err := tx.Exec(ctx, `insert into practices.document (id, practice_id, name, media_type, size_bytes, sha256, uploaded_at, stored)
			values ($1, $2, $3, $4, $5, $6, $7, true)`, d.ID, d.PracticeID, d.Name, d.MediaType, d.Size, d.SHA256, d.UploadedAt); err != nil {
			return fmt.Errorf("insert document: %w", err)
		}
		inserted = true
		return nil
	})
	if err != nil || !inserted {
		return false, err
	}
	return true, nil
}
