package identity

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/citizengraph/citizengraph/internal/apperr"
)

// messageCursor is the keyset position of a message in the newest-first
// order: (created_at, id).
type messageCursor struct {
	CreatedAt time.Time
	ID        string
}

func (c messageCursor) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte("m|" + strconv.FormatInt(c.CreatedAt.UnixMicro(), 10) + "|" + c.ID))
}

func decodeMessageCursor(op, s string) (*messageCursor, error) {
	bad := apperr.E(op, apperr.Invalid, "malformed cursor")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 3 || parts[0] != "m" {
		return nil, bad
	}
	us, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return nil, bad
	}
	if _, err := uuid.Parse(parts[2]); err != nil {
		return nil, bad
	}
	return &messageCursor{CreatedAt: time.UnixMicro(us).UTC(), ID: parts[2]}, nil
}
