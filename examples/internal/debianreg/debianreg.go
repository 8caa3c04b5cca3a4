// Package debianreg runs the Debian docker-registry 2.8.2 binary
// (/usr/bin/docker-registry, package docker-registry) as a process for the
// project's tests: `docker-registry serve CONFIG` on a free 127.0.0.1 port,
// filesystem storage in a temporary directory (on /dev/shm when there is
// one), delete enabled, upload purging off, schema1 enabled (unless
// Options.DisableSchema1), configured from the YAML document
// testreg.Setup.Config writes.
//
// Token auth behaves as in internal/dist28: "kid" = libtrust key ID
// (fixtures.TokenKeyLibtrustKID) or "x5c"; "aud" must be a JSON string. The
// CA bundle is written before the process starts (2.8.2 reads it once).
//
// The process gets SIGTERM when the process that started it dies (Linux
// parent-death signal). Its stdout and stderr go to a file; Start logs its tail when the
// test has failed, and Registry.LogTail returns it.
package debianreg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/registrytest/registrytest/examples/internal/testreg"
	"github.com/registrytest/registrytest/fixtures"
)

// Name is the Info.Name of the registries this package starts.
const Name = "debian-docker-registry-2.8.2"

// Binary and Package are the executable and the Debian package providing
// it.
const (
	Binary  = "docker-registry"
	Package = "docker-registry"
)

// Flavor is what testreg.Prepare needs to know about docker-registry 2.8.2.
var Flavor = testreg.Flavor{Name: Name, KeyMode: fixtures.TokenKeyLibtrustKID, Schema1: true}

// StartTimeout bounds how long New waits for the process to answer.
const StartTimeout = 15 * time.Second

// Start starts a registry process configured by o and stops it when the
// test ends (t.Cleanup), logging the tail of its log first if the test
// failed. It skips the test when docker-registry is not installed (fails
// instead when CI=true), and fails it if the registry cannot start.
func Start(t testing.TB, o testreg.Options) *testreg.Registry {
	t.Helper()
	bin := testreg.RequireBinary(t, Binary, Package)
	return testreg.StartForTest(t, "debianreg", o, func(o testreg.Options) (*testreg.Registry, error) {
		return NewWithBinary(bin, o)
	})
}

// New starts a registry process configured by o, for use outside tests,
// with the docker-registry found in PATH. The caller must Close it.
func New(o testreg.Options) (*testreg.Registry, error) {
	bin, err := exec.LookPath(Binary)
	if err != nil {
		return nil, fmt.Errorf("debianreg.New: %w; install with: apt-get install %s", err, Package)
	}
	return NewWithBinary(bin, o)
}

// NewWithBinary is New with the executable's path given.
func NewWithBinary(bin string, o testreg.Options) (*testreg.Registry, error) {
	s, err := testreg.Prepare(o, Flavor)
	if err != nil {
		return nil, err
	}
	p := &proc{bin: bin, setup: s, logPath: filepath.Join(s.ConfigDir, "registry.log")}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if p.addr, err = testreg.FreeAddr(); err != nil {
			s.Close()
			return nil, fmt.Errorf("debianreg.New: %v", err)
		}
		if lastErr = p.start(o.ReadOnly); lastErr == nil {
			return testreg.NewRegistry(s.Info("http://"+p.addr), o.ReadOnly, p, s), nil
		}
		if !strings.Contains(p.LogTail(4096), "address already in use") {
			break
		}
	}
	tail := p.LogTail(2048)
	s.Close()
	return nil, fmt.Errorf("debianreg.New: %v\nlog tail:\n%s", lastErr, tail)
}

// proc is one docker-registry process (restarted by SetReadOnly).
type proc struct {
	bin     string
	setup   *testreg.Setup
	addr    string
	logPath string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	werr error         // cmd.Wait's result, set before done closes
}

// start writes the configuration, starts the process and waits until it
// answers.
func (p *proc) start(readOnly bool) error {
	cfg, err := p.setup.WriteConfig(p.addr, readOnly)
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "=== registrytest: %s serve %s (addr %s, read-only %v)\n", p.bin, cfg, p.addr, readOnly)
	cmd := exec.Command(p.bin, "serve", cfg)
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.Env = environ()
	// The registry gets SIGTERM if this process dies first (a test
	// binary killed on timeout), so it never outlives its test.
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("starting %s: %v", p.bin, err)
	}
	logf.Close() // the child holds its own descriptor
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.done = cmd, done
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.werr = err
		p.mu.Unlock()
		close(done)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	err = testreg.WaitReady(ctx, "http://"+p.addr, func() error {
		select {
		case <-done:
			p.mu.Lock()
			defer p.mu.Unlock()
			return fmt.Errorf("%s exited before answering: %v", p.bin, p.werr)
		default:
			return nil
		}
	})
	if err != nil {
		p.stop()
		return err
	}
	return nil
}

// environ is the process' environment without REGISTRY_* variables, which
// would override the configuration file.
func environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REGISTRY_") {
			env = append(env, kv)
		}
	}
	return env
}

// stop sends SIGTERM to the process, waits up to 5 s for it to exit, then
// kills it.
func (p *proc) stop() error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	default:
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-done:
		return nil
	case <-time.After(5 * time.Second):
	}
	cmd.Process.Kill()
	<-done
	return fmt.Errorf("%s (pid %d) did not exit on SIGTERM within 5s; killed", p.bin, cmd.Process.Pid)
}

func (p *proc) SetReadOnly(ro bool) error {
	if err := p.stop(); err != nil {
		return err
	}
	return p.start(ro)
}

func (p *proc) Close() error {
	return p.stop()
}

// LogTail returns the last n bytes of the process' log.
func (p *proc) LogTail(n int) string {
	f, err := os.Open(p.logPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	off := fi.Size() - int64(n)
	if off < 0 {
		off = 0
	}
	b, _ := io.ReadAll(io.NewSectionReader(f, off, fi.Size()-off))
	return string(b)
}
