package web

import (
	"fmt"
	"io/fs"

	"github.com/citizengraph/citizengraph/internal/gateway"
)

// trustedFile is the manifest of the apps' operations in dist: every
// operation of src/**/*.graphql, written by build.mjs (operations.mjs) as an
// Apollo persisted query manifest.
const trustedFile = "dist/trusted-documents.json"

// TrustedDocuments are the operations of the faces (the portal's and the
// desk's .graphql files), which serve registers with the gateway: the pages
// send only their ids.
func TrustedDocuments() (gateway.TrustedDocuments, error) {
	b, err := fs.ReadFile(dist, trustedFile)
	if err != nil {
		return nil, fmt.Errorf("web: %s: %w (go generate ./internal/web)", trustedFile, err)
	}
	docs, err := gateway.ParseTrustedDocuments(b)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	return docs, nil
}
