package main

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestGatewayCommandServesAndStopsOnSIGTERM builds the binary, runs
// citizengraph gateway over the checked-in supergraph with every subgraph
// pointed at an address nobody listens on, and checks that it answers with
// a coded GraphQL error, then exits cleanly on SIGTERM.
func TestGatewayCommandServesAndStopsOnSIGTERM(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "citizengraph")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	dead := "http://" + freeAddr(t) + "/graphql"
	args := []string{"gateway", "--supergraph", filepath.Join("..", "..", "schema", "supergraph.graphqls"), "--addr", addr}
	for _, n := range []string{"culture", "identity", "payments", "practices", "territory"} {
		args = append(args, "--subgraph", n+"="+dead)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() }) //nolint:errcheck

	base := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway did not come up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	res := post(t, base+"/graphql", "", `{ comune(istatCode: "015146") { name } }`)
	if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] == nil {
		t.Fatalf("unreachable subgraph: want a coded error, got %+v", res)
	}
	if code, _ := res.Errors[0].Extensions["code"].(string); !strings.HasPrefix(code, "SUBREQUEST_") {
		t.Errorf("code = %v, want SUBREQUEST_*", res.Errors[0].Extensions["code"])
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("gateway did not stop within 15s of SIGTERM")
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
