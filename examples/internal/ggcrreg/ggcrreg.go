// Package ggcrreg runs go-containerregistry's pkg/registry
// (github.com/google/go-containerregistry v0.22.1) in-process for the
// project's tests and examples: an in-memory registry of the OCI
// distribution API, written for tests, behind an httptest server on
// 127.0.0.1, with the referrers API enabled and without auth.
//
// Its lineage differs from distribution's: manifests are kept per
// repository but blobs in one store shared by every repository, and it has
// no auth, no read-only mode and no configuration file.
package ggcrreg

import (
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/registrytest/registrytest/examples/internal/testreg"
)

// Name is the Info.Name of the registries this package starts.
const Name = "go-containerregistry-v0.22.1"

// Options configure the registry New starts. The zero value is an
// in-memory registry with the referrers API that logs nothing.
type Options struct {
	// Log, if not nil, receives one line per request (pkg/registry logs
	// every request to standard error unless told otherwise).
	Log *log.Logger
}

// Start starts a registry configured by o and stops it when the test ends
// (t.Cleanup). It fails the test if the registry cannot start.
func Start(t testing.TB, o Options) *testreg.Registry {
	t.Helper()
	return testreg.StartForTest(t, "ggcrreg", testreg.Options{}, func(testreg.Options) (*testreg.Registry, error) { return New(o) })
}

// New starts a registry configured by o, for use outside tests: its Info
// has Name, URL, Host and Auth (testreg.AuthNone); its SetReadOnly returns
// an error (the registry has no read-only mode). The caller must Close it.
func New(o Options) (*testreg.Registry, error) {
	l := o.Log
	if l == nil {
		l = log.New(io.Discard, "", 0)
	}
	srv := httptest.NewServer(registry.New(registry.Logger(l), registry.WithReferrersSupport(true)))
	return testreg.NewRegistry(testreg.Info{Name: Name, URL: srv.URL, Auth: testreg.AuthNone}, false, backend{srv}, nil), nil
}

type backend struct{ srv *httptest.Server }

func (b backend) SetReadOnly(bool) error {
	return errors.New("go-containerregistry's registry has no read-only mode")
}

func (b backend) Close() error {
	b.srv.Close()
	return nil
}
