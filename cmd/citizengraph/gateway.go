package main

import (
	"context"
	"errors"
)

func runGateway(ctx context.Context, args []string) error {
	_ = ctx
	_ = args
	return errors.New("gateway: not wired yet")
}
