package distv3_test

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/distv3"
	"github.com/registrytest/registrytest/examples/internal/testreg"
)

func TestSmoke(t *testing.T) {
	testreg.SmokeTest(t, distv3.Flavor, distv3.Start)
}
