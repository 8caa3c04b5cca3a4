package distv3

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/distv3"
	"github.com/registrytest/registrytest/examples/internal/itest"
)

func TestListing(t *testing.T) {
	itest.RunListing(t, distv3.Start)
}
