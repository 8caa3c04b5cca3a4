package schema1reg_test

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/dist28"
	"github.com/registrytest/registrytest/examples/internal/testreg"
)

// TestRegistryDist28 pushes our schema1 manifests to docker/distribution
// v2.8.3 running in-process (schema1 enabled) and reads them back.
func TestRegistryDist28(t *testing.T) {
	testRegistry(t, dist28.Start(t, testreg.Options{}).URL, "registry-dist28-resigned")
}
