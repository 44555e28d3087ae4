// Command graphgen generates the gqlgen code of every subgraph from the one
// root gqlgen.yml, then composes schema/supergraph.graphqls.
//
// Run it through go generate ./graph. With arguments it regenerates only the
// named subgraphs (and skips composition).
package main

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen/config"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("graphgen: ")
	root, err := moduleRoot()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.Chdir(root); err != nil {
		log.Fatal(err)
	}
	names := os.Args[1:]
	all := len(names) == 0
	if all {
		if names, err = subgraphNames(); err != nil {
			log.Fatal(err)
		}
	}
	base, err := os.ReadFile("gqlgen.yml")
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range names {
		if err := generate(base, name); err != nil {
			log.Fatalf("%s: %v", name, err)
		}
	}
	if all {
		if err := composeSupergraph(names); err != nil {
			log.Fatal(err)
		}
	}
}

func generate(base []byte, name string) error {
	cfg, err := config.ReadConfig(bytes.NewReader(bytes.ReplaceAll(base, []byte("{subgraph}"), []byte(name))))
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := api.Generate(cfg); err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	return nil
}

// subgraphNames lists the directories under schema/ that hold SDL files.
func subgraphNames() ([]string, error) {
	entries, err := os.ReadDir("schema")
	if err != nil {
		return nil, fmt.Errorf("read schema dir: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if m, _ := filepath.Glob(filepath.Join("schema", e.Name(), "*.graphqls")); len(m) > 0 {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, errors.New("no subgraph schemas under schema/")
	}
	return names, nil
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found")
		}
		dir = parent
	}
}
