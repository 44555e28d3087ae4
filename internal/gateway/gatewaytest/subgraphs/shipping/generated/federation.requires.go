package generated

import (
	"context"
	"encoding/json"
	"fmt"
)

// PopulateProductRequires reads every requirement of the Product fields from the representation.
func (ec *executionContext) PopulateProductRequires(ctx context.Context, entity *Product, reps map[string]any) error {
	if entity == nil {
		return nil
	}
	raw, err := json.Marshal(reps)
	if err != nil {
		return fmt.Errorf("product requires: %w", err)
	}
	var req struct {
		Weight       *float64    `json:"weight"`
		Dimensions   *Dimensions `json:"dimensions"`
		PriceIn      *int        `json:"priceIn"`
		CostPrice    *int        `json:"costPrice"`
		Quantity     *int        `json:"quantity"`
		PackageShape *struct {
			Typename string `json:"__typename"`
			Radius   *int   `json:"radius"`
			Side     *int   `json:"side"`
		} `json:"packageShape"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		return fmt.Errorf("product requires: %w", err)
	}
	if req.Weight != nil {
		entity.Weight = *req.Weight
	}
	entity.Dimensions = req.Dimensions
	if req.PriceIn != nil {
		entity.PriceIn = *req.PriceIn
	}
	if req.CostPrice != nil {
		entity.CostPrice = *req.CostPrice
	}
	if req.Quantity != nil {
		entity.Quantity, entity.QuantityKnown = *req.Quantity, true
	}
	if s := req.PackageShape; s != nil {
		entity.ShapeTypename = s.Typename
		switch {
		case s.Typename == "Circle" && s.Radius != nil:
			entity.PackageShape = &Circle{Radius: *s.Radius}
		case s.Typename == "Square" && s.Side != nil:
			entity.PackageShape = &Square{Side: *s.Side}
		}
	}
	return nil
}
