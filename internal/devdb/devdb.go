package devdb

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// Server is a running throwaway cluster.
type Server struct {
	Dir  string // cluster root: data/, socket/, log
	Port int
	bin  string
}

// URL is the libpq URL of the cluster's postgres database.
func (s *Server) URL() string {
	return socketURL(filepath.Join(s.Dir, "socket"), s.Port, "postgres")
}

func socketURL(socketDir string, port int, dbname string) string {
	q := url.Values{}
	q.Set("host", socketDir)
	q.Set("port", fmt.Sprint(port))
	q.Set("user", "postgres")
	q.Set("sslmode", "disable")
	return "postgres:///" + dbname + "?" + q.Encode()
}

// DefaultDir is where [Ensure] keeps its shared cluster.
func DefaultDir() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("citizengraph-devdb-%d", os.Getuid()))
}

// Ensure returns a server URL: DATABASE_URL when set, otherwise the URL of
// the shared throwaway cluster in [DefaultDir], started if needed.
func Ensure(ctx context.Context) (string, error) {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u, nil
	}
	s, err := Start(ctx, DefaultDir(), 0)
	if err != nil {
		return "", err
	}
	return s.URL(), nil
}

// Start starts the cluster in dir, creating it when dir holds none, or
// returns the one already running there. port 0 picks 5432+n for the first
// free n. Concurrent callers (parallel test packages) are serialised with a
// lock file.
func Start(ctx context.Context, dir string, port int) (*Server, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("devdb: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("devdb: lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, fmt.Errorf("devdb: lock: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck

	bin, err := binDir(ctx)
	if err != nil {
		return nil, err
	}
	if err := ensurePostGIS(ctx, bin); err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, bin: bin}
	data := filepath.Join(dir, "data")
	if p, ok := s.running(ctx); ok {
		s.Port = p
		return s, nil
	}
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); err != nil {
		if err := s.initdb(ctx); err != nil {
			return nil, err
		}
	}
	if port == 0 {
		port = freePort(dir)
	}
	s.Port = port
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Stop stops the cluster in dir.
func Stop(ctx context.Context, dir string) error {
	bin, err := binDir(ctx)
	if err != nil {
		return err
	}
	s := &Server{Dir: dir, bin: bin}
	return s.pgctl(ctx, "stop", "-m", "fast", "-D", filepath.Join(dir, "data"))
}

func (s *Server) running(ctx context.Context) (int, bool) {
	pid, err := os.ReadFile(filepath.Join(s.Dir, "data", "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	if err := s.pgctl(ctx, "status", "-D", filepath.Join(s.Dir, "data")); err != nil {
		return 0, false
	}
	// postmaster.pid line 4 is the port.
	lines := strings.Split(string(pid), "\n")
	if len(lines) < 4 {
		return 0, false
	}
	var p int
	if _, err := fmt.Sscan(lines[3], &p); err != nil {
		return 0, false
	}
	return p, true
}

func (s *Server) initdb(ctx context.Context) error {
	data := filepath.Join(s.Dir, "data")
	for _, d := range []string{data, filepath.Join(s.Dir, "socket")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("devdb: %w", err)
		}
	}
	if err := s.chown(); err != nil {
		return err
	}
	cmd := s.command(ctx, filepath.Join(s.bin, "initdb"), "-D", data, "-U", "postgres",
		"-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("devdb: initdb: %w: %s", err, out)
	}
	conf := "\nlisten_addresses = ''\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n" +
		"max_connections = 300\nshared_buffers = 256MB\n"
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("devdb: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(conf); err != nil {
		return fmt.Errorf("devdb: %w", err)
	}
	return nil
}

func (s *Server) start(ctx context.Context) error {
	opts := fmt.Sprintf("-p %d -k %s", s.Port, filepath.Join(s.Dir, "socket"))
	return s.pgctl(ctx, "start", "-w", "-t", "60", "-D", filepath.Join(s.Dir, "data"),
		"-l", filepath.Join(s.Dir, "postgres.log"), "-o", opts)
}

func (s *Server) pgctl(ctx context.Context, args ...string) error {
	cmd := s.command(ctx, filepath.Join(s.bin, "pg_ctl"), args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("devdb: pg_ctl %s: %w: %s", args[0], err, strings.TrimSpace(string(out)))
	}
	return nil
}

// command runs name as the postgres user when we are root.
func (s *Server) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	if os.Getuid() == 0 {
		return exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	return exec.CommandContext(ctx, name, args...)
}

func (s *Server) chown() error {
	if os.Getuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("devdb: running as root needs the postgres user: %w", err)
	}
	var uid, gid int
	fmt.Sscan(u.Uid, &uid) //nolint:errcheck
	fmt.Sscan(u.Gid, &gid) //nolint:errcheck
	return filepath.Walk(s.Dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

func freePort(dir string) int {
	// Unix sockets only: a port is just a socket name, so any number works
	// unless another cluster uses the same socket dir, which ours never do.
	_ = dir
	return 5432
}

// binDir finds Debian's PostgreSQL server binaries, installing the package
// when they are missing and we are root.
func binDir(ctx context.Context) (string, error) {
	if d := find(); d != "" {
		return d, nil
	}
	if os.Getuid() != 0 {
		return "", errors.New("devdb: PostgreSQL server binaries not found; install Debian's postgresql package or set DATABASE_URL")
	}
	if err := aptInstall(ctx, "postgresql"); err != nil {
		return "", err
	}
	if d := find(); d != "" {
		return d, nil
	}
	return "", errors.New("devdb: postgresql installed but initdb not found")
}

// aptInstall runs apt-get update then installs pkgs, keeping apt from
// starting the packages' own clusters (the usual policy-rc.d convention,
// restoring any policy already there).
func aptInstall(ctx context.Context, pkgs ...string) error {
	const policy = "/usr/sbin/policy-rc.d"
	if _, err := os.Stat(policy); errors.Is(err, os.ErrNotExist) {
		if err := os.WriteFile(policy, []byte("#!/bin/sh\nexit 101\n"), 0o755); err == nil {
			defer os.Remove(policy)
		}
	}
	install := append([]string{"install", "-y", "--no-install-recommends"}, pkgs...)
	for _, args := range [][]string{{"update"}, install} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("devdb: apt-get %s: %w: %s", args[0], err, tail(out))
		}
	}
	return nil
}

// PostGISPackage is the Debian package holding PostGIS for the PostgreSQL
// whose server binaries are in bin (/usr/lib/postgresql/<major>/bin).
func PostGISPackage(bin string) string {
	return "postgresql-" + majorOf(bin) + "-postgis-3"
}

func majorOf(bin string) string {
	// /usr/lib/postgresql/15/bin → 15; elsewhere, ask pg_config's layout.
	if filepath.Base(bin) == "bin" {
		if v := filepath.Base(filepath.Dir(bin)); v != "" && strings.Trim(v, "0123456789") == "" {
			return v
		}
	}
	return "15"
}

// postGISInstalled reports whether the PostgreSQL of bin has the postgis
// extension available.
func postGISInstalled(bin string) bool {
	m, _ := filepath.Glob(filepath.Join("/usr/share/postgresql", majorOf(bin), "extension", "postgis.control"))
	return len(m) > 0
}

// ensurePostGIS installs Debian's PostGIS package for the cluster's
// PostgreSQL when it is missing and we are root; otherwise it says what to
// install. The territory and culture schemas need it.
func ensurePostGIS(ctx context.Context, bin string) error {
	if postGISInstalled(bin) {
		return nil
	}
	pkg := PostGISPackage(bin)
	if os.Getuid() != 0 {
		return fmt.Errorf("devdb: PostGIS not found for %s; install Debian's %s (as root) or set DATABASE_URL to a server with PostGIS", bin, pkg)
	}
	if err := aptInstall(ctx, pkg); err != nil {
		return err
	}
	if !postGISInstalled(bin) {
		return fmt.Errorf("devdb: %s installed but postgis.control not found", pkg)
	}
	return nil
}

func find() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
