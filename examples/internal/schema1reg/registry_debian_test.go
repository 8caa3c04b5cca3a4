package schema1reg_test

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/debianreg"
	"github.com/registrytest/registrytest/examples/internal/testreg"
)

// TestRegistryDebian pushes our schema1 manifests to the Debian
// docker-registry 2.8.2 process (schema1 enabled) and reads them back. It
// is skipped when docker-registry is not installed (apt-get install
// docker-registry), and fails then when CI=true.
func TestRegistryDebian(t *testing.T) {
	testRegistry(t, debianreg.Start(t, testreg.Options{}).URL, "registry-debian-resigned")
}
