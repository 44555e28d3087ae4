package generated

import (
	"context"
)

// PopulateMediaRequires reads the title (headline's requirement) from the representation when it carries one.
func (ec *executionContext) PopulateMediaRequires(ctx context.Context, entity *Media, reps map[string]any) error {
	if entity == nil {
		return nil
	}
	if t, ok := reps["title"].(string); ok {
		entity.Title = t
	}
	return nil
}
