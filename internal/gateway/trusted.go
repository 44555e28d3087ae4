package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodeNotTrusted refuses an operation outside the trusted documents.
const CodeNotTrusted = "PERSISTED_QUERY_NOT_IN_LIST"

// TrustedDocuments is a safelist of operations, as registered by the
// portal and the civic apps at build time: document id — the hex SHA-256
// of its text — to text.
type TrustedDocuments map[string]string

// ParseTrustedDocuments reads Apollo's persisted query manifest
// ({"format":"apollo-persisted-query-manifest","operations":[{"id","body"}]})
// or a plain JSON object of id to text. Every id must be the SHA-256 of its
// text, which is how clients refer to it.
func ParseTrustedDocuments(b []byte) (TrustedDocuments, error) {
	var manifest struct {
		Format     string `json:"format"`
		Operations []struct {
			ID   string `json:"id"`
			Body string `json:"body"`
		} `json:"operations"`
	}
	docs := TrustedDocuments{}
	if err := json.Unmarshal(b, &manifest); err == nil && manifest.Format != "" {
		if manifest.Format != "apollo-persisted-query-manifest" {
			return nil, fmt.Errorf("trusted documents: unknown manifest format %q", manifest.Format)
		}
		for _, op := range manifest.Operations {
			docs[op.ID] = op.Body
		}
	} else if err := json.Unmarshal(b, &docs); err != nil {
		return nil, fmt.Errorf("trusted documents: want a persisted query manifest or an object of id to text: %w", err)
	}
	if len(docs) == 0 {
		return nil, errors.New("trusted documents: none")
	}
	for id, body := range docs {
		if documentID(body) != id {
			return nil, fmt.Errorf("trusted documents: id %s is not the SHA-256 of its text", id)
		}
	}
	return docs, nil
}

func documentID(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// trusted resolves persisted-query ids from the trusted documents and,
// when required, refuses any other operation.
type trusted struct {
	docs    TrustedDocuments
	require bool
}

func (trusted) ExtensionName() string                   { return "TrustedDocuments" }
func (trusted) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters implements graphql.OperationParameterMutator.
func (t trusted) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	var id string
	if pq, ok := p.Extensions["persistedQuery"].(map[string]any); ok {
		id, _ = pq["sha256Hash"].(string)
	}
	if body, ok := t.docs[id]; ok && id != "" {
		if p.Query == "" {
			p.Query = body
		}
		if p.Query == body {
			return nil
		}
	}
	if !t.require {
		return nil
	}
	if _, ok := t.docs[documentID(p.Query)]; ok && p.Query != "" {
		return nil
	}
	err := gqlerror.Errorf("this gateway only runs its trusted documents; the operation is not one of them")
	errcode.Set(err, CodeNotTrusted)
	return err
}
