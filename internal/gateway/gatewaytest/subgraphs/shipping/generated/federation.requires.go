package generated

import (
	"context"
	"encoding/json"
	"fmt"
)

// PopulateProductRequires is the requires populator for the Product entity.
func (ec *executionContext) PopulateProductRequires(ctx context.Context, entity *Product, reps map[string]any) error {
	if entity == nil {
		return nil
	}
	raw, err := json.Marshal(reps)
	if err != nil {
		return fmt.Errorf("product requires: %w", err)
	}
	var req struct {
		Weight     *float64    `json:"weight"`
		Dimensions *Dimensions `json:"dimensions"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		return fmt.Errorf("product requires: %w", err)
	}
	if req.Weight != nil {
		entity.Weight = *req.Weight
	}
	entity.Dimensions = req.Dimensions
	return nil
}
