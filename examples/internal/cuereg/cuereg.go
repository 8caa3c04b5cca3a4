// Package cuereg runs CUE's OCI registry (cuelabs.dev/go/oci/ociregistry at
// v0.0.0-20251212221603-3adeb8663819) in-process for the project's tests
// and examples: the HTTP front end ociserver over the in-memory backend
// ocimem, behind an httptest server on 127.0.0.1, without auth.
//
// Its lineage differs from distribution's: ociserver translates the OCI
// distribution API into calls of the ociregistry.Interface, which ocimem
// implements with per-repository maps of tags, manifests, blobs and
// upload sessions. It has no auth, no read-only mode and no
// configuration file.
package cuereg

import (
	"errors"
	"net/http/httptest"
	"testing"

	"cuelabs.dev/go/oci/ociregistry/ocimem"
	"cuelabs.dev/go/oci/ociregistry/ociserver"

	"github.com/registrytest/registrytest/examples/internal/testreg"
)

// Name is the Info.Name of the registries this package starts.
const Name = "cue-ociregistry-v0.0.0-20251212221603-3adeb8663819"

// Options configure the registry New starts. The zero value is an
// in-memory registry with the server's defaults (referrers API on,
// single-POST uploads allowed, Link headers on list pages) and mutable
// tags, whose manifests' blobs and children must exist.
type Options struct {
	// Server are the options of the HTTP front end; nil means the
	// defaults.
	Server *ociserver.Options
	// Backend configures the in-memory store; nil means the defaults.
	Backend *ocimem.Config
}

// Start starts a registry configured by o and stops it when the test ends
// (t.Cleanup). It fails the test if the registry cannot start.
func Start(t testing.TB, o Options) *testreg.Registry {
	t.Helper()
	return testreg.StartForTest(t, "cuereg", testreg.Options{}, func(testreg.Options) (*testreg.Registry, error) { return New(o) })
}

// New starts a registry configured by o, for use outside tests: its Info
// has Name, URL, Host and Auth (testreg.AuthNone); its SetReadOnly returns
// an error (the registry has no read-only mode). The caller must Close it.
func New(o Options) (*testreg.Registry, error) {
	srv := httptest.NewServer(ociserver.New(ocimem.NewWithConfig(o.Backend), o.Server))
	return testreg.NewRegistry(testreg.Info{Name: Name, URL: srv.URL, Auth: testreg.AuthNone}, false, backend{srv}, nil), nil
}

type backend struct{ srv *httptest.Server }

func (b backend) SetReadOnly(bool) error {
	return errors.New("CUE's ociregistry has no read-only mode")
}

func (b backend) Close() error {
	b.srv.Close()
	return nil
}
