package dist28

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/dist28"
	"github.com/registrytest/registrytest/examples/internal/itest"
)

func TestListing(t *testing.T) {
	itest.RunListing(t, dist28.Start)
}
