package dist28_test

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/dist28"
	"github.com/registrytest/registrytest/examples/internal/testreg"
)

func TestSmoke(t *testing.T) {
	testreg.SmokeTest(t, dist28.Flavor, dist28.Start)
}
