package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/citizengraph/citizengraph/internal/gateway/compose"
)

// runCompose composes federation subgraphs into a supergraph, like the
// composition step of other federation routers' tooling:
//
//	citizengraph compose [--out FILE] name=URL[=SDLFILE] …
//
// The SDL of each subgraph is read from SDLFILE when given, otherwise
// fetched from the running subgraph with { _service { sdl } }; URL becomes
// its routing URL in the supergraph.
func runCompose(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("compose", flag.ContinueOnError)
	out := fs.String("out", "", "write the supergraph to this file (default: standard output)")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of each _service fetch")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("usage: citizengraph compose [--out FILE] name=URL[=SDLFILE] …")
	}
	client := &http.Client{Timeout: *timeout}
	sgs := make([]compose.Subgraph, 0, fs.NArg())
	for _, arg := range fs.Args() {
		sg, err := subgraphSDL(ctx, client, arg)
		if err != nil {
			return err
		}
		sgs = append(sgs, sg)
	}
	sdl, err := compose.Compose(sgs)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = io.WriteString(os.Stdout, sdl)
		return err
	}
	return os.WriteFile(*out, []byte(sdl), 0o644)
}

// subgraphSDL resolves one name=URL[=SDLFILE] argument.
func subgraphSDL(ctx context.Context, client *http.Client, arg string) (compose.Subgraph, error) {
	name, rest, ok := strings.Cut(arg, "=")
	if !ok || name == "" || rest == "" {
		return compose.Subgraph{}, fmt.Errorf("want name=URL[=SDLFILE], got %q", arg)
	}
	url, file, fromFile := strings.Cut(rest, "=")
	sg := compose.Subgraph{Name: name, URL: url}
	if fromFile {
		b, err := os.ReadFile(file)
		if err != nil {
			return sg, fmt.Errorf("subgraph %s: %w", name, err)
		}
		sg.SDL = string(b)
		return sg, nil
	}
	sdl, err := fetchServiceSDL(ctx, client, url)
	if err != nil {
		return sg, fmt.Errorf("subgraph %s: %w", name, err)
	}
	sg.SDL = sdl
	return sg, nil
}

// fetchServiceSDL asks a federation subgraph for its SDL.
func fetchServiceSDL(ctx context.Context, client *http.Client, url string) (string, error) {
	body := strings.NewReader(`{"query":"{ _service { sdl } }"}`)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, body)
	if err != nil {
		return "", fmt.Errorf("fetch SDL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("fetch SDL: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return "", fmt.Errorf("fetch SDL: %w", err)
	}
	var r struct {
		Data *struct {
			Service *struct {
				SDL string `json:"sdl"`
			} `json:"_service"`
		} `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&r); err != nil {
		return "", fmt.Errorf("fetch SDL: HTTP %d, not a GraphQL response: %w", resp.StatusCode, err)
	}
	if len(r.Errors) > 0 {
		return "", fmt.Errorf("fetch SDL: %s", r.Errors[0].Message)
	}
	if r.Data == nil || r.Data.Service == nil || r.Data.Service.SDL == "" {
		return "", fmt.Errorf("fetch SDL: HTTP %d, no _service.sdl in the answer (not a federation subgraph?)", resp.StatusCode)
	}
	return r.Data.Service.SDL, nil
}
