package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadTrusted(t *testing.T) {
	if docs, err := loadTrusted("", false); docs != nil || err != nil {
		t.Errorf("no file: %v %v", docs, err)
	}
	if _, err := loadTrusted("", true); err == nil || !strings.Contains(err.Error(), "needs --trusted-documents") {
		t.Errorf("required without a file: %v", err)
	}
	if _, err := loadTrusted(filepath.Join(t.TempDir(), "none.json"), false); err == nil {
		t.Error("a missing file was accepted")
	}
	const q = `{ comuni(first: 1) { nodes { name } } }`
	sum := sha256.Sum256([]byte(q))
	file := filepath.Join(t.TempDir(), "manifest.json")
	manifest, _ := json.Marshal(map[string]any{"format": "apollo-persisted-query-manifest", "version": 1,
		"operations": []map[string]any{{"id": hex.EncodeToString(sum[:]), "name": "C", "type": "query", "body": q}}})
	if err := os.WriteFile(file, manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	if docs, err := loadTrusted(file, true); err != nil || docs[hex.EncodeToString(sum[:])] != q {
		t.Errorf("manifest: %v %v", docs, err)
	}
}
