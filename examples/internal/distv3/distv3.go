// Package distv3 runs distribution v3.1.2 (github.com/distribution/distribution/v3)
// in-process for the project's tests and examples: handlers.NewApp behind an
// httptest server on 127.0.0.1, filesystem storage in a temporary directory
// (on /dev/shm when there is one), delete enabled, upload purging off,
// configured from the YAML document testreg.Setup.Config writes.
//
// Distribution v3 has no schema1. Its token auth trusts a token whose
// header names the signing key by "kid" = the JWK thumbprint of a
// certificate of its rootcertbundle (fixtures.TokenKeyThumbprintKID), by an
// "x5c" chain to such a certificate (fixtures.TokenKeyX5C), or by an
// embedded "jwk" whose kid is such a thumbprint; it does not accept the
// libtrust key ID that 2.8 uses. It accepts "aud" as a string or an array.
//
// The registry logs through the global logrus logger, which New silences
// (output discarded, level error) unless testreg.LogEnv is set. Do not
// import this package together with internal/dist28 (both register
// /debug/health at init).
package distv3

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"

	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
	_ "github.com/distribution/distribution/v3/registry/auth/token"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"

	"github.com/registrytest/registrytest/examples/internal/testreg"
	"github.com/registrytest/registrytest/fixtures"
)

// Name is the Info.Name of the registries this package starts.
const Name = "distribution-v3.1.2"

// Flavor is what testreg.Prepare needs to know about distribution v3.
var Flavor = testreg.Flavor{Name: Name, KeyMode: fixtures.TokenKeyThumbprintKID, Schema1: false}

// Start starts a registry configured by o and stops it when the test ends
// (t.Cleanup). It fails the test if the registry cannot start.
func Start(t testing.TB, o testreg.Options) *testreg.Registry {
	t.Helper()
	return testreg.StartForTest(t, "distv3", o, New)
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
	app := handlers.NewApp(context.Background(), cfg)
	return app, app.Shutdown, nil
}
