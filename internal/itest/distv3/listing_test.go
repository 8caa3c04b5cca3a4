package distv3

import (
	"testing"

	"github.com/registrytest/registrytest/internal/distv3"
	"github.com/registrytest/registrytest/internal/itest"
)

func TestListing(t *testing.T) {
	itest.RunListing(t, distv3.Start)
}
