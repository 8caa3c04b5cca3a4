// Package dist28 runs docker/distribution v2.8.3 (github.com/docker/distribution)
// in-process for the project's tests and examples: handlers.NewApp behind an
// httptest server on 127.0.0.1, filesystem storage in a temporary directory
// (on /dev/shm when there is one), delete enabled, upload purging off,
// schema1 enabled (unless Options.DisableSchema1) with a signing key the
// registry generates at each start, configured from the YAML document
// testreg.Setup.Config writes.
//
// Its token auth trusts a token whose header names the signing key by "kid"
// = the libtrust key ID of a certificate of its rootcertbundle
// (fixtures.TokenKeyLibtrustKID), or by an "x5c" chain to such a
// certificate (fixtures.TokenKeyX5C); "aud" must be a JSON string.
//
// The registry logs through the global logrus logger, which New silences
// (output discarded, level error) unless testreg.LogEnv is set. Do not
// import this package together with internal/distv3 (both register
// /debug/health at init).
package dist28

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/docker/distribution/configuration"
	"github.com/docker/distribution/registry/handlers"

	_ "github.com/docker/distribution/registry/auth/htpasswd"
	_ "github.com/docker/distribution/registry/auth/token"
	_ "github.com/docker/distribution/registry/storage/driver/filesystem"

	"github.com/registrytest/registrytest/examples/internal/testreg"
	"github.com/registrytest/registrytest/fixtures"
)

// Name is the Info.Name of the registries this package starts.
const Name = "docker-distribution-v2.8.3"

// Flavor is what testreg.Prepare needs to know about docker/distribution 2.8.
var Flavor = testreg.Flavor{Name: Name, KeyMode: fixtures.TokenKeyLibtrustKID, Schema1: true}

// Start starts a registry configured by o and stops it when the test ends
// (t.Cleanup). It fails the test if the registry cannot start.
func Start(t testing.TB, o testreg.Options) *testreg.Registry {
	t.Helper()
	return testreg.StartForTest(t, "dist28", o, New)
}

// New starts a registry configured by o, for use outside tests. The caller
// must Close it.
func New(o testreg.Options) (*testreg.Registry, error) {
	return testreg.NewInProcess(o, Flavor, newApp)
}

func newApp(config []byte) (http.Handler, func() error, error) {
	cfg, err := configuration.Parse(bytes.NewReader(config))
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	app := handlers.NewApp(ctx, cfg)
	return app, func() error { cancel(); return nil }, nil
}
