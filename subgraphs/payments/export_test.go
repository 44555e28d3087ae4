package payments

import "github.com/citizengraph/citizengraph/internal/codicefiscale"

func codicefiscaleCheck(s string) byte { return codicefiscale.CheckChar(s) }
