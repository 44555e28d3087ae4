package practices

import (
	"slices"
	"testing"
)

// TestDocumentPolicyDefaults: a policy naming no types — nil, or the empty
// list an unset --document-types flag gives — accepts the default types,
// never none.
func TestDocumentPolicyDefaults(t *testing.T) {
	for name, types := range map[string][]string{"nil": nil, "empty": {}} {
		p := DocumentPolicy{Types: types}.withDefaults()
		if len(p.Types) != len(AllowedMediaTypes) || !slices.Contains(p.Types, "application/pdf") || !slices.Contains(p.Types, "image/png") {
			t.Errorf("%s: types %v, want the defaults", name, p.Types)
		}
	}
	if p := (DocumentPolicy{Types: []string{" Application/PDF "}}).withDefaults(); !slices.Equal(p.Types, []string{"application/pdf"}) {
		t.Errorf("given types: %v", p.Types)
	}
}
