package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/gateway/compose"
)

// TestGatewayCommandServesAndStopsOnSIGTERM builds the binary, runs
// citizengraph gateway over the checked-in supergraph with every subgraph
// pointed at an address nobody listens on, and checks that it answers with
// a coded GraphQL error, then exits cleanly on SIGTERM.
func TestGatewayCommandServesAndStopsOnSIGTERM(t *testing.T) {
	addr := freeAddr(t)
	dead := "http://" + freeAddr(t) + "/graphql"
	args := []string{"gateway", "--supergraph", filepath.Join("..", "..", "schema", "supergraph.graphqls"), "--addr", addr}
	for _, n := range []string{"culture", "identity", "payments", "practices", "territory"} {
		args = append(args, "--subgraph", n+"="+dead)
	}
	gw := startGateway(t, args...)
	base := "http://" + addr
	waitHealthy(t, base)
	res := post(t, base+"/graphql", "", `{ comune(istatCode: "015146") { name } }`)
	if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] == nil {
		t.Fatalf("unreachable subgraph: want a coded error, got %+v", res)
	}
	if code, _ := res.Errors[0].Extensions["code"].(string); !strings.HasPrefix(code, "SUBREQUEST_") {
		t.Errorf("code = %v, want SUBREQUEST_*", res.Errors[0].Extensions["code"])
	}
	if host := strings.TrimPrefix(strings.TrimSuffix(dead, "/graphql"), "http://"); strings.Contains(res.Errors[0].Message, host) {
		t.Errorf("the error tells clients the subgraph's address: %s", res.Errors[0].Message)
	}

	gw.stop(t)
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

// TestGatewayCommandEndsSubscriptionsOnSIGTERM runs citizengraph gateway
// over a subgraph whose subscription never ends, follows it over SSE, and
// expects SIGTERM to end the stream and the process cleanly.
func TestGatewayCommandEndsSubscriptionsOnSIGTERM(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"data":{"now":1}}`)) //nolint:errcheck
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for n := 1; ; n++ {
			fmt.Fprintf(w, "event: next\ndata: {\"data\":{\"ticks\":%d}}\n\n", n)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}))
	defer upstream.Close()
	sdl, err := compose.Compose([]compose.Subgraph{{Name: "clock", URL: upstream.URL, SDL: `
		extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
		type Query { now: Int! }
		type Subscription { ticks: Int! }`}})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "supergraph.graphql")
	if err := os.WriteFile(file, []byte(sdl), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	gw := startGateway(t, "gateway", "--supergraph", file, "--addr", addr)
	waitHealthy(t, "http://"+addr)

	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/graphql", strings.NewReader(`{"query":"subscription { ticks }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	ticks := 0
	for ticks < 3 && sc.Scan() {
		if strings.HasPrefix(sc.Text(), `data: {"data":{"ticks":`) {
			ticks++
		}
	}
	if ticks < 3 {
		t.Fatalf("got %d ticks through the gateway: %v", ticks, sc.Err())
	}
	gw.stop(t)
	for sc.Scan() { // the stream ends too
	}
}

// process is a running citizengraph binary.
type process struct {
	cmd  *exec.Cmd
	done chan error
}

// startGateway builds the binary and starts it with args.
func startGateway(t *testing.T, args ...string) *process {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "citizengraph")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() }) //nolint:errcheck
	return p
}

// stop sends SIGTERM and expects a clean exit within 15s.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("did not stop within 15s of SIGTERM")
	}
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway did not come up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
