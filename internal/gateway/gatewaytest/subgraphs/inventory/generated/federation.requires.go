package generated

import (
	"context"
)

// PopulateProductRequires reads the zone (pickingSlot's requirement) from the representation when it carries one.
func (ec *executionContext) PopulateProductRequires(ctx context.Context, entity *Product, reps map[string]any) error {
	if entity == nil {
		return nil
	}
	if z, ok := reps["zone"].(string); ok {
		entity.Zone = z
	}
	return nil
}
