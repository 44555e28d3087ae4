package practices

import (
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

// NewDownloadHandler serves the signed download links of documents
// (Document.downloadUrl) at practices.DocumentsPath on the public
// listener: GET and HEAD, with ranges and conditional requests
// (http.ServeContent). The link is the permission: no token is read. A
// malformed, tampered or expired link is 403 and a document that is gone
// 404, with nothing more said. The content is served as an attachment
// under its sniffed media type, never sniffed again by the browser
// (nosniff), and under a Content-Security-Policy that runs nothing, so a
// file cannot act in the origin's name.
func NewDownloadHandler(svc *practices.Service, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "private, no-store")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		token, ok := strings.CutPrefix(r.URL.Path, practices.DocumentsPath)
		if !ok || token == "" || strings.Contains(token, "/") {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		d, content, err := svc.Download(r.Context(), token)
		switch {
		case apperr.Is(apperr.Permission, err):
			http.Error(w, "this link is not valid or has expired", http.StatusForbidden)
			return
		case apperr.Is(apperr.NotFound, err):
			http.Error(w, "not found", http.StatusNotFound)
			return
		case err != nil:
			log.ErrorContext(r.Context(), "document download", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		defer content.Close()
		h.Set("Content-Type", d.MediaType)
		h.Set("Content-Disposition", attachment(d.Name))
		h.Set("ETag", `"`+d.SHA256+`"`)
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		http.ServeContent(w, r, "", d.UploadedAt, content)
	})
}

// attachment is the Content-Disposition of a download named name: control
// characters, quotes and path separators replaced; a name beyond ASCII in
// RFC 2231's filename* form.
func attachment(name string) string {
	safe := strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f, r == '"', r == '\\', r == '/', r == ';':
			return '_'
		}
		return r
	}, name)
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": safe}); v != "" {
		return v
	}
	return `attachment; filename="document"`
}
