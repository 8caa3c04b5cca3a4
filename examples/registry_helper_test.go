package examples_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/distribution/distribution/v3/configuration"
	_ "github.com/distribution/distribution/v3/registry/auth/token"
	"github.com/distribution/distribution/v3/registry/handlers"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
	"github.com/sirupsen/logrus"

	"github.com/registrytest/registrytest/fixtures"
)

// This file starts the registry under test the way a registry project's own
// tests start it: its HTTP handler (here distribution v3's handlers.NewApp)
// served by net/http/httptest on 127.0.0.1, with filesystem storage in a
// temporary directory. It imports the registry, the registrytest library
// and the standard library only, so the examples of this package can be
// copied into another module as they are: replace newApp with the handler
// of your registry, and its token auth configuration with yours.

// registry is distribution v3 served in-process.
type registry struct {
	// URL is the registry's base URL, http://127.0.0.1:PORT.
	URL string
	// Issuer is the token server the registry trusts, nil without token
	// auth. Its users and grants may be changed while it serves.
	Issuer *fixtures.TokenIssuer

	dir      string
	auth     configuration.Auth
	srv      *httptest.Server
	tokenSrv *httptest.Server

	mu  sync.Mutex
	app *handlers.App
}

// startRegistry starts a registry for the test and stops it when the test
// ends: with token auth for users when users is not nil (see newRegistry),
// open to anyone when it is nil.
func startRegistry(t testing.TB, users []fixtures.TokenUser) *registry {
	t.Helper()
	r, err := newRegistry(users)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("closing the registry: %v", err)
		}
	})
	return r
}

// newRegistry starts distribution v3 with storage in a new temporary
// directory and delete enabled. When users is not nil, the registry has
// token auth: a fixtures.TokenIssuer holding users (nothing granted to
// anonymous) serves tokens on its own httptest server, and the registry
// trusts the issuer's certificate. The caller must Close the registry.
func newRegistry(users []fixtures.TokenUser) (_ *registry, err error) {
	// Distribution logs through the global logrus logger.
	logrus.SetOutput(io.Discard)
	dir, err := os.MkdirTemp("", "registry-")
	if err != nil {
		return nil, err
	}
	r := &registry{dir: dir}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	if users != nil {
		r.Issuer, err = fixtures.NewTokenIssuer(fixtures.TokenIssuerOptions{
			KeyMode: fixtures.TokenKeyThumbprintKID, // the key ID distribution v3 trusts
			Users:   users,
		})
		if err != nil {
			return nil, err
		}
		bundle := filepath.Join(dir, "token-ca.pem")
		if err := r.Issuer.WriteCABundle(bundle); err != nil {
			return nil, err
		}
		r.tokenSrv = httptest.NewServer(r.Issuer)
		r.auth = configuration.Auth{"token": configuration.Parameters{
			"realm":          r.tokenSrv.URL + "/token",
			"service":        r.Issuer.Service(),
			"issuer":         r.Issuer.Issuer(),
			"rootcertbundle": bundle,
		}}
	}
	if r.app, err = r.newApp(false); err != nil {
		return nil, err
	}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		app := r.app
		r.mu.Unlock()
		app.ServeHTTP(w, req)
	}))
	r.URL = r.srv.URL
	return r, nil
}

// newApp builds the registry's handler, in its read-only maintenance mode
// when readOnly is true.
func (r *registry) newApp(readOnly bool) (app *handlers.App, err error) {
	cfg := &configuration.Configuration{
		Storage: configuration.Storage{
			"filesystem": configuration.Parameters{"rootdirectory": filepath.Join(r.dir, "storage")},
			"delete":     configuration.Parameters{"enabled": true},
			"maintenance": configuration.Parameters{
				"uploadpurging": map[any]any{"enabled": false},
				"readonly":      map[any]any{"enabled": readOnly},
			},
		},
		Auth: r.auth,
	}
	cfg.HTTP.Secret = "example-secret" // the same on every start, so upload sessions survive SetReadOnly
	cfg.Catalog.MaxEntries = 1000      // the defaults configuration.Parse sets
	cfg.Tags.MaxTags = 1000
	defer func() { // NewApp panics on a configuration it cannot use
		if p := recover(); p != nil {
			app, err = nil, fmt.Errorf("handlers.NewApp: %v", p)
		}
	}()
	return handlers.NewApp(context.Background(), cfg), nil
}

// SetReadOnly restarts the registry, on the same URL and storage, in its
// read-only maintenance mode (storage.maintenance.readonly) or out of it.
func (r *registry) SetReadOnly(readOnly bool) error {
	app, err := r.newApp(readOnly)
	if err != nil {
		return err
	}
	r.mu.Lock()
	old := r.app
	r.app = app
	r.mu.Unlock()
	return old.Shutdown()
}

// Close stops the registry and its token server and removes its storage.
func (r *registry) Close() error {
	if r.srv != nil {
		r.srv.Close()
	}
	if r.tokenSrv != nil {
		r.tokenSrv.Close()
	}
	var err error
	if r.app != nil {
		err = r.app.Shutdown()
	}
	if rmErr := os.RemoveAll(r.dir); err == nil {
		err = rmErr
	}
	return err
}
