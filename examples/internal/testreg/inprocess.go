package testreg

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sirupsen/logrus"
)

// AppFunc builds an in-process registry from a configuration document (see
// Setup.Config) and returns its handler and the function that shuts it
// down. A panic in it (distribution's NewApp panics on bad configuration)
// is turned into an error.
type AppFunc func(config []byte) (h http.Handler, shutdown func() error, err error)

// StartInProcess serves the registry newApp builds for s on an httptest
// server on 127.0.0.1 and returns it as a Registry whose SetReadOnly
// rebuilds the registry (same storage) behind the same URL, and whose Close
// stops the server, shuts the registry down and closes s. On error, s is
// closed.
func StartInProcess(s *Setup, readOnly bool, newApp AppFunc) (*Registry, error) {
	b := &inProcess{setup: s, newApp: newApp}
	a, err := b.build(readOnly)
	if err != nil {
		s.Close()
		return nil, err
	}
	b.cur.Store(a)
	b.srv = httptest.NewServer(b)
	return NewRegistry(s.Info(b.srv.URL), readOnly, b, s), nil
}

// NewInProcess is the New of the in-process registry packages (distv3,
// dist28): it silences the global logrus logger the registries log through
// (QuietLogrus), prepares the setup of flavor f configured by o (Prepare)
// and serves the registry newApp builds for it (StartInProcess). The caller
// must Close the result.
func NewInProcess(o Options, f Flavor, newApp AppFunc) (*Registry, error) {
	QuietLogrus()
	s, err := Prepare(o, f)
	if err != nil {
		return nil, err
	}
	return StartInProcess(s, o.ReadOnly, newApp)
}

// StartForTest is the Start of the registry packages: it returns the
// registry newReg makes from o and closes it when the test ends
// (t.Cleanup), logging first the tail of the registry's log (LogTail) when
// the test has failed and the registry keeps one. It fails the test with
// "PKG.Start: ERR" if the registry cannot start.
func StartForTest(t testing.TB, pkg string, o Options, newReg func(Options) (*Registry, error)) *Registry {
	t.Helper()
	r, err := newReg(o)
	if err != nil {
		t.Fatalf("%s.Start: %v", pkg, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			if tail := r.LogTail(4096); tail != "" {
				t.Logf("%s log (tail):\n%s", r.Name, tail)
			}
		}
		if err := r.Close(); err != nil {
			t.Errorf("%s: Close: %v", pkg, err)
		}
	})
	return r
}

var quietOnce sync.Once

// QuietLogrus discards the output of the global logrus logger (and sets its
// level to error), once per process, unless LogEnv is set.
func QuietLogrus() {
	quietOnce.Do(func() {
		if os.Getenv(LogEnv) == "" {
			logrus.SetOutput(io.Discard)
			logrus.SetLevel(logrus.ErrorLevel)
		}
	})
}

type app struct {
	h        http.Handler
	shutdown func() error
}

type inProcess struct {
	setup  *Setup
	newApp AppFunc
	srv    *httptest.Server
	cur    atomic.Pointer[app]
}

func (b *inProcess) build(readOnly bool) (a *app, err error) {
	defer func() {
		if p := recover(); p != nil {
			a, err = nil, fmt.Errorf("starting %s: panic: %v", b.setup.Flavor.Name, p)
		}
	}()
	h, shutdown, err := b.newApp(b.setup.Config("127.0.0.1:0", readOnly))
	if err != nil {
		return nil, fmt.Errorf("starting %s: %v", b.setup.Flavor.Name, err)
	}
	return &app{h: h, shutdown: shutdown}, nil
}

func (b *inProcess) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.cur.Load().h.ServeHTTP(w, r)
}

func (b *inProcess) SetReadOnly(ro bool) error {
	a, err := b.build(ro)
	if err != nil {
		return err
	}
	old := b.cur.Swap(a)
	return old.shutdown()
}

func (b *inProcess) Close() error {
	b.srv.Close()
	return b.cur.Load().shutdown()
}
