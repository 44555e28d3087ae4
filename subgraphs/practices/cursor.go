package practices

import (
	"github.com/citizengraph/citizengraph/internal/keyset"

	"time"

	"github.com/google/uuid"
)

// Cursors are opaque to clients: base64url of a small JSON array.

// EncodePracticeCursor is the cursor of p in newest-first order.
func EncodePracticeCursor(p Practice) string {
	return keyset.Encode(p.CreatedAt.UTC().Format(time.RFC3339Nano), p.ID)
}

// DecodePracticeCursor parses a practice cursor.
func DecodePracticeCursor(s string) (PracticeCursor, bool) {
	parts, ok := keyset.Decode(s, 2)
	if !ok {
		return PracticeCursor{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, parts[0])
	if err != nil || !validUUID(parts[1]) {
		return PracticeCursor{}, false
	}
	return PracticeCursor{CreatedAt: t, ID: parts[1]}, true
}

// EncodeServiceCursor is the cursor of s in title order.
func EncodeServiceCursor(s ServiceCard) string { return keyset.Encode(s.Title, s.ID) }

// DecodeServiceCursor parses a service cursor.
func DecodeServiceCursor(s string) (ServiceCursor, bool) {
	parts, ok := keyset.Decode(s, 2)
	if !ok || !validUUID(parts[1]) {
		return ServiceCursor{}, false
	}
	return ServiceCursor{Title: parts[0], ID: parts[1]}, true
}

func validUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}
