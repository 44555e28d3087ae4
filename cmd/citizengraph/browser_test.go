package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/db"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// browserResult is one scenario's outcome as internal/web/browsertest
// writes it.
type browserResult struct {
	Name        string   `json:"name"`
	OK          bool     `json:"ok"`
	Error       string   `json:"error"`
	Steps       []string `json:"steps"`
	Screenshots []string `json:"screenshots"`
	Problems    []string `json:"problems"`
	MS          int      `json:"ms"`
	Axe         []struct {
		Page       string `json:"page"`
		URL        string `json:"url"`
		Violations []struct {
			ID     string `json:"id"`
			Impact string `json:"impact"`
			Help   string `json:"help"`
			Nodes  []struct {
				Target  string `json:"target"`
				Summary string `json:"summary"`
			} `json:"nodes"`
		} `json:"violations"`
	} `json:"axe"`
}

// browserTool finds a program the browser tests need: missing, it fails
// the test under CI and skips it elsewhere (scripts/test installs them).
func browserTool(t *testing.T, env, def string) string {
	t.Helper()
	name := os.Getenv(env)
	if name == "" {
		name = def
	}
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is needed for the browser tests (scripts/test installs it): %v", name, err)
		}
		t.Skipf("%s not found (scripts/test installs it): %v", name, err)
	}
	return p
}

// browserFixture is the seeded data the scenarios use, read from the
// database.
type browserFixture struct {
	// Submitted is a practice awaiting registration, its applicant and
	// comune (the portal's live scenario moves it). Each scenario that
	// changes a practice has a practice of its own: they share a database.
	Submitted struct {
		ID         string `json:"id"`
		FiscalCode string `json:"fiscalCode"`
		Comune     string `json:"comune"`
	} `json:"submitted"`
	// Citizen is the person with the most practices.
	Citizen struct {
		FiscalCode string `json:"fiscalCode"`
		Name       string `json:"name"`
	} `json:"citizen"`
	// DeskPractice is another submitted practice, the one an operator
	// moves through the desk.
	DeskPractice struct {
		ID         string `json:"id"`
		FiscalCode string `json:"fiscalCode"`
		Comune     string `json:"comune"`
		ComuneName string `json:"comuneName"`
	} `json:"deskPractice"`
	// ExplorerPractice is a third submitted practice, the one the explorer
	// follows while an operator registers it.
	ExplorerPractice struct {
		ID         string `json:"id"`
		FiscalCode string `json:"fiscalCode"`
		Comune     string `json:"comune"`
	} `json:"explorerPractice"`
	// Operator is the comune with the most practices awaiting the desk.
	Operator struct {
		Comune string `json:"comune"`
		Name   string `json:"name"`
	} `json:"operator"`
}

// TestBrowser runs `citizengraph serve --dev-issuer` over a seeded database
// (and a second serve without the development issuer nor introspection)
// and the browser scenarios of internal/web/browsertest against it, in
// Debian's headless chromium driven by Playwright: every scenario must
// pass, with no page error, no console error, no Content Security Policy
// violation, and no serious or critical axe-core violation on any page it
// checks. Screenshots are kept under results/browser/screenshots
// (CG_BROWSER_OUT elsewhere); CG_UPDATE_SCREENSHOTS=1 copies them to
// docs/screenshots for the README.
func TestBrowser(t *testing.T) {
	chromium := browserTool(t, "CHROMIUM", "chromium")
	node := browserTool(t, "NODE", "node")
	web, err := filepath.Abs(filepath.Join("..", "..", "internal", "web"))
	if err != nil {
		t.Fatal(err)
	}
	ensure := exec.Command(node, "-e", "import('./build.mjs').then((m) => m.ensureModules())")
	ensure.Dir = web
	if out, err := ensure.CombinedOutput(); err != nil {
		t.Fatalf("installing the web modules: %v\n%s", err, out)
	}

	ctx := context.Background()
	dbURL := devdb.TestURL(t, migrations(registry())...)
	pool, err := db.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for _, s := range registry() {
		if err := s.seed(ctx, pool, seedgen.Params{People: 500, Seed: 1}); err != nil {
			t.Fatalf("seed %s: %v", s.name, err)
		}
	}
	var fx browserFixture
	if err := pool.QueryRow(ctx, `select id::text, applicant_fiscal_code, comune from practices.practice
		where status = 'SUBMITTED' order by submitted_at, id limit 1`).Scan(&fx.Submitted.ID, &fx.Submitted.FiscalCode, &fx.Submitted.Comune); err != nil {
		t.Fatalf("a submitted practice: %v", err)
	}
	if err := pool.QueryRow(ctx, `select p.id::text, p.applicant_fiscal_code, p.comune, c.name from practices.practice p
		join territory.comune c on c.istat_code = p.comune
		where p.status = 'SUBMITTED' and p.id <> $1 order by p.submitted_at, p.id limit 1`, fx.Submitted.ID).Scan(
		&fx.DeskPractice.ID, &fx.DeskPractice.FiscalCode, &fx.DeskPractice.Comune, &fx.DeskPractice.ComuneName); err != nil {
		t.Fatalf("a second submitted practice: %v", err)
	}
	if err := pool.QueryRow(ctx, `select id::text, applicant_fiscal_code, comune from practices.practice
		where status = 'SUBMITTED' and id <> $1 and id <> $2 order by submitted_at, id limit 1`, fx.Submitted.ID, fx.DeskPractice.ID).Scan(
		&fx.ExplorerPractice.ID, &fx.ExplorerPractice.FiscalCode, &fx.ExplorerPractice.Comune); err != nil {
		t.Fatalf("a third submitted practice: %v", err)
	}
	if err := pool.QueryRow(ctx, `select p.fiscal_code, p.given_name || ' ' || p.family_name from identity.person p
		join practices.practice x on x.applicant_id = p.id group by p.id order by count(*) desc, p.fiscal_code limit 1`).Scan(&fx.Citizen.FiscalCode, &fx.Citizen.Name); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `select c.istat_code, c.name from practices.practice p join territory.comune c on c.istat_code = p.comune
		where p.status in ('SUBMITTED', 'REGISTERED', 'IN_PROGRESS', 'INTEGRATION_REQUESTED')
		group by c.istat_code, c.name order by count(*) desc, c.istat_code limit 1`).Scan(&fx.Operator.Comune, &fx.Operator.Name); err != nil {
		t.Fatal(err)
	}
	fixture, err := json.Marshal(fx)
	if err != nil {
		t.Fatal(err)
	}

	t.Setenv("DATABASE_URL", dbURL)
	addr, subgraphsAddr := freeAddr(t), freeAddr(t)
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- runServe(sctx, []string{"--addr", addr, "--subgraphs-addr", subgraphsAddr, "--dev-issuer", "--rate-limit", "0"})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	base := "http://" + addr
	waitHealthy(t, base)
	// A second server as production runs it: no development issuer, no
	// introspection (the explorer's closed mode).
	closedAddr := freeAddr(t)
	closedDone := make(chan error, 1)
	go func() {
		closedDone <- runServe(sctx, []string{"--addr", closedAddr, "--subgraphs-addr", "", "--rate-limit", "0"})
	}()
	defer func() {
		cancel()
		if err := <-closedDone; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve (closed): %v", err)
		}
	}()
	waitHealthy(t, "http://"+closedAddr)

	out := os.Getenv("CG_BROWSER_OUT")
	if out == "" {
		out = filepath.Join("..", "..", "results", "browser")
	}
	if out, err = filepath.Abs(out); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(out); err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(ctx, 10*time.Minute)
	defer rcancel()
	cmd := exec.CommandContext(rctx, node, "browsertest/run.mjs")
	cmd.Dir = web
	cmd.Env = append(os.Environ(), "CG_BASE="+base, "CG_BASE_CLOSED=http://"+closedAddr, "CG_FIXTURE="+string(fixture), "CG_OUT="+out, "CHROMIUM="+chromium)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("browser run: %v\n%s", err, stderr.String())
	}
	t.Logf("browser run:\n%s", stderr.String())
	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var results []browserResult
	if err := json.Unmarshal(b, &results); err != nil {
		t.Fatal(err)
	}
	if len(results) == 0 {
		t.Fatal("no browser scenario ran")
	}
	for _, r := range results {
		t.Run(r.Name, func(t *testing.T) {
			if !r.OK {
				t.Errorf("failed after steps %s:\n%s", strings.Join(r.Steps, " → "), r.Error)
			}
			for _, p := range r.Problems {
				t.Errorf("problem: %s", p)
			}
			for _, a := range r.Axe {
				for _, v := range a.Violations {
					msg := fmt.Sprintf("axe on %s (%s): %s [%s] %s", a.Page, a.URL, v.ID, v.Impact, v.Help)
					for _, n := range v.Nodes {
						msg += fmt.Sprintf("\n\t%s: %s", n.Target, n.Summary)
					}
					if v.Impact == "serious" || v.Impact == "critical" {
						t.Error(msg)
					} else {
						t.Log(msg)
					}
				}
			}
			if len(r.Axe) == 0 {
				t.Error("the scenario checked no page with axe-core")
			}
			for _, s := range r.Screenshots {
				if st, err := os.Stat(filepath.Join(out, s)); err != nil || st.Size() == 0 {
					t.Errorf("screenshot %s: %v", s, err)
				}
			}
		})
	}
	if os.Getenv("CG_UPDATE_SCREENSHOTS") != "" {
		copyScreenshots(t, out, filepath.Join("..", "..", "docs", "screenshots"))
	}
}

// readmeScreenshots are the screenshots the README shows.
func readmeScreenshots() []string {
	return []string{
		"desk-queue.png", "desk-practice.png", "desk-control-room-control-room.png", "desk-phone-queue.png",
		"explorer-subgraphs.png", "explorer-subscription.png",
		"portal-public-home.png", "portal-public-events-comuni.png", "portal-live-dev-sign-in.png",
		"portal-live-practice-live.png", "portal-pay-pay-form.png", "portal-phone-home.png",
	}
}

// copyScreenshots copies the README's screenshots of the run to docs.
func copyScreenshots(t *testing.T, out, docs string) {
	t.Helper()
	if err := os.MkdirAll(docs, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range readmeScreenshots() {
		b, err := os.ReadFile(filepath.Join(out, "screenshots", name))
		if err != nil {
			t.Errorf("screenshot for the README: %v", err)
			continue
		}
		if err := os.WriteFile(filepath.Join(docs, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
