package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

func runVersion(_ context.Context, _ []string) error {
	v := version
	if info, ok := debug.ReadBuildInfo(); ok && v == "dev" {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v = "dev-" + s.Value[:12]
			}
		}
	}
	fmt.Println("citizengraph", v)
	return nil
}
