// Package quayreg serves Quay (github.com/quay/quay) from its source tree,
// as Quay's own registry tests serve it, for the conformance suite: a live
// Flask server on Quay's SQLite test database (users devtable, reader,
// creator, freshuser, ... with password "password", the buynlarge
// organization and its robots), on a loopback port, with the test fixture's
// /__test/<fn> endpoints mounted so that a Control can set Quay's states.
//
// Quay is not a Go program and cannot be fetched by the go command: the
// tree and a Python virtual environment must be set up beforehand with
// setup.sh of the project's shared Quay scripts (about 6 minutes on a fresh
// machine, Debian packages included), and named by the environment
// variables QUAY_TREE and QUAY_VENV. Without them, SkipUnlessSetUp skips
// the test saying what to set up, even under CI=true: CI cannot reach
// Quay's sources, so CI does not run these tests (the one exception to the
// rule that CI skips nothing).
//
// serve.py, the live-server fixture as one process, is the one beside
// setup.sh in the project's shared Quay scripts: QUAY_SERVE names it, and
// without it the package looks for shared/quay/serve.py beside the
// repository's checkout. bootstrap.py (embedded) starts it with the
// production app's answer to throttled logins (429 with Retry-After)
// instead of the test app's 500.
package quayreg

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The environment variables that name a Quay set up with setup.sh.
const (
	// EnvTree names the Quay work tree (Quay at ffba0c70e was measured).
	EnvTree = "QUAY_TREE"
	// EnvVenv names the virtual environment setup.sh made for it.
	EnvVenv = "QUAY_VENV"
	// EnvServe names serve.py, beside setup.sh in the project's shared
	// Quay scripts; empty means shared/quay/serve.py beside the checkout.
	EnvServe = "QUAY_SERVE"
)

//go:embed bootstrap.py
var bootstrapPy []byte

// SetUp says how to set Quay up for this package, for skip messages.
const SetUp = "set " + EnvTree + " and " + EnvVenv + " to a Quay tree and its virtual environment made by " +
	"setup.sh QUAY_TREE VENV MIRRORS (the project's shared Quay scripts: Debian packages, a venv, " +
	"Quay's Python dependencies from their GitHub sources; about 6 minutes)"

// Options say which Quay to serve and how.
type Options struct {
	// Tree is the Quay work tree; empty means $QUAY_TREE.
	Tree string
	// Venv is its virtual environment; empty means $QUAY_VENV.
	Venv string
	// Serve is the path of serve.py; empty means $QUAY_SERVE, else
	// shared/quay/serve.py beside the repository's checkout.
	Serve string
	// Features are FEATURE_ flags set before serving (serve.py --feature),
	// such as {"SUPERUSERS_FULL_ACCESS": false}.
	Features map[string]bool
	// CacheDir keeps the golden test database (built once per tree, about
	// 20 s); empty means registrytest-quay in os.UserCacheDir (or the
	// temporary folder).
	CacheDir string
	// Log, when not nil, receives serve.py's output.
	Log io.Writer
}

// FromEnv returns the Options of the Quay that QUAY_TREE and QUAY_VENV
// name, or an error saying what to set up when either is unset or does not
// hold what setup.sh makes.
func FromEnv() (Options, error) {
	o := Options{Tree: os.Getenv(EnvTree), Venv: os.Getenv(EnvVenv), Serve: servePath("")}
	if o.Tree == "" || o.Venv == "" {
		return o, errors.New("no Quay: " + SetUp)
	}
	if _, err := os.Stat(filepath.Join(o.Tree, "endpoints", "v2")); err != nil {
		return o, fmt.Errorf("%s=%s is not a Quay tree (%v): %s", EnvTree, o.Tree, err, SetUp)
	}
	if _, err := os.Stat(python(o.Venv)); err != nil {
		return o, fmt.Errorf("%s=%s has no bin/python (%v): %s", EnvVenv, o.Venv, err, SetUp)
	}
	if _, err := os.Stat(o.Serve); err != nil {
		return o, fmt.Errorf("no serve.py (%v): set %s to the serve.py beside setup.sh", err, EnvServe)
	}
	return o, nil
}

// SkipUnlessSetUp returns the Options FromEnv returns, or skips t with its
// error. It skips under CI=true as well: CI cannot reach Quay's sources.
func SkipUnlessSetUp(t testing.TB) Options {
	t.Helper()
	o, err := FromEnv()
	if err != nil {
		t.Skip(err)
	}
	return o
}

func python(venv string) string { return filepath.Join(venv, "bin", "python") }

// servePath returns the serve.py to run: p, else $QUAY_SERVE, else
// shared/quay/serve.py beside the checkout this package was built from.
func servePath(p string) string {
	if p != "" {
		return p
	}
	if p := os.Getenv(EnvServe); p != "" {
		return p
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		// file is <checkout>/examples/internal/quayreg/quayreg.go.
		return filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "shared", "quay", "serve.py")
	}
	return "serve.py"
}

// A Registry is a Quay served by serve.py in a child process.
type Registry struct {
	// URL is its base URL, http://127.0.0.1:PORT.
	URL string
	// Tree and Venv are the Quay tree and virtual environment it runs from.
	Tree, Venv string
	// DB is the SQLite database the server uses (a fresh copy of the
	// golden test database).
	DB string

	dir  string
	cmd  *exec.Cmd
	done chan struct{}
	log  *tail

	closeOnce sync.Once
	closeErr  error
}

// Start builds the golden test database if the cache lacks it, then serves
// Quay on a free port of 127.0.0.1 on a fresh copy of it, with the test
// endpoints mounted and o.Features set, and returns once /v2/ answers. The
// caller must Close it.
func Start(ctx context.Context, o Options) (*Registry, error) {
	if o.Tree == "" {
		o.Tree = os.Getenv(EnvTree)
	}
	if o.Venv == "" {
		o.Venv = os.Getenv(EnvVenv)
	}
	if o.Tree == "" || o.Venv == "" {
		return nil, errors.New("quayreg.Start: no Quay: " + SetUp)
	}
	tree, err := filepath.Abs(o.Tree)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "quayreg-")
	if err != nil {
		return nil, err
	}
	r := &Registry{Tree: tree, Venv: o.Venv, DB: filepath.Join(dir, "serve.db"), dir: dir, log: &tail{}, done: make(chan struct{})}
	fail := func(err error) (*Registry, error) {
		r.Close()
		return nil, fmt.Errorf("quayreg.Start: %w%s", err, r.log.String())
	}
	serve, err := filepath.Abs(servePath(o.Serve))
	if err != nil {
		return fail(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bootstrap.py"), bootstrapPy, 0o644); err != nil {
		return fail(err)
	}
	golden, err := goldenDB(ctx, o, tree, serve, r.log)
	if err != nil {
		return fail(err)
	}
	if err := os.Symlink(golden, filepath.Join(dir, "golden.db")); err != nil {
		return fail(err)
	}
	port, err := freePort()
	if err != nil {
		return fail(err)
	}
	r.URL = "http://127.0.0.1:" + strconv.Itoa(port)
	args := []string{filepath.Join(dir, "bootstrap.py"), serve,
		"--quay", tree, "--workdir", dir, "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--test-endpoints"}
	for name, on := range o.Features {
		args = append(args, "--feature", name+"="+strconv.FormatBool(on))
	}
	r.cmd = exec.Command(python(o.Venv), args...)
	r.cmd.Dir = tree
	r.cmd.Env = append(os.Environ(), "TEST=true", "PYTHONPATH="+tree, "PYTHONUNBUFFERED=1")
	var out io.Writer = r.log
	if o.Log != nil {
		out = io.MultiWriter(r.log, o.Log)
	}
	r.cmd.Stdout, r.cmd.Stderr = out, out
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := r.cmd.Start(); err != nil {
		return fail(err)
	}
	go func() { r.cmd.Wait(); close(r.done) }()
	if err := r.waitUp(ctx, 3*time.Minute); err != nil {
		return fail(err)
	}
	return r, nil
}

// goldenDB returns the path of the golden test database of tree in the
// cache, building it first (under a lock, with serve.py
// --print-robot-token, which builds it) when it is missing.
func goldenDB(ctx context.Context, o Options, tree, serve string, log io.Writer) (string, error) {
	cache := o.CacheDir
	if cache == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		cache = filepath.Join(base, "registrytest-quay")
	}
	// One golden database per tree (initdb fills it from the tree's code).
	cache = filepath.Join(cache, strings.Trim(strings.ReplaceAll(tree, string(filepath.Separator), "_"), "_"))
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	golden := filepath.Join(cache, "golden.db")
	lock, err := os.OpenFile(filepath.Join(cache, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(golden); err == nil {
		return golden, nil
	}
	cmd := exec.CommandContext(ctx, python(o.Venv), serve, "--quay", tree, "--workdir", cache,
		"--print-robot-token", "buynlarge+ownerbot")
	cmd.Dir = tree
	cmd.Env = append(os.Environ(), "TEST=true", "PYTHONPATH="+tree)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building the golden test database in %s: %v", cache, err)
	}
	return golden, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (r *Registry) waitUp(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, r.URL+"/v2/", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-r.done:
			return fmt.Errorf("serve.py exited (%v) before %s/v2/ answered", r.cmd.ProcessState, r.URL)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s/v2/ did not answer within %v", r.URL, limit)
		}
	}
}

// Log returns the last lines serve.py wrote.
func (r *Registry) Log() string { return r.log.String() }

// Close stops the server (SIGTERM to its process, SIGKILL after 10 s) and
// removes its database. It is safe to call more than once.
func (r *Registry) Close() error {
	r.closeOnce.Do(func() {
		if r.cmd != nil && r.cmd.Process != nil {
			r.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-r.done:
			case <-time.After(10 * time.Second):
				r.cmd.Process.Kill()
				<-r.done
			}
		}
		r.closeErr = os.RemoveAll(r.dir)
	})
	return r.closeErr
}

// Call invokes the test fixture's function fn in the server's process
// (POST /__test/<fn> with {"args": args}, as test/registry's
// LiveServerExecutor does) and returns the answer's body. The functions are
// those of test/registry/fixtures.py registry_server_executor:
// set_feature(name, value), set_config_key(key, value),
// disable_namespace(namespace), generate_csrf(), ...
func (r *Registry) Call(ctx context.Context, fn string, args ...any) ([]byte, error) {
	return r.call(ctx, http.DefaultClient, fn, args...)
}

func (r *Registry) call(ctx context.Context, c *http.Client, fn string, args ...any) ([]byte, error) {
	if args == nil {
		args = []any{}
	}
	body, err := json.Marshal(map[string]any{"args": args})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL+"/__test/"+fn, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("quayreg: /__test/%s: %v", fn, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("quayreg: /__test/%s: %v", fn, err)
	}
	if resp.StatusCode != http.StatusOK {
		return b, fmt.Errorf("quayreg: /__test/%s%s = %d %q, want 200", fn, args, resp.StatusCode, truncate(b))
	}
	return b, nil
}

// SetUserEnabled sets the enabled column of the user or organization
// called name in the server's database. The test endpoints can disable a
// namespace (disable_namespace) but not enable it again; Quay's tests never
// need to, since each runs on a fresh database.
func (r *Registry) SetUserEnabled(ctx context.Context, name string, enabled bool) error {
	const script = `import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=30)
n = c.execute('UPDATE user SET enabled = ? WHERE username = ?', (sys.argv[3] == 'true', sys.argv[2])).rowcount
c.commit()
sys.exit(0 if n == 1 else 3)
`
	cmd := exec.CommandContext(ctx, python(r.Venv), "-c", script, r.DB, name, strconv.FormatBool(enabled))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("quayreg: SetUserEnabled(%q, %v): %v %s", name, enabled, err, out)
	}
	return nil
}

func truncate(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// tail keeps the last 64 KiB written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if n := len(t.buf) - 64<<10; n > 0 {
		t.buf = t.buf[n:]
	}
	return len(p), nil
}

// String returns the last 40 lines, after a newline, or "".
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimRight(string(t.buf), "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	s := strings.Join(lines, "\n")
	if s == "" {
		return ""
	}
	return "\nserve.py:\n" + s
}
