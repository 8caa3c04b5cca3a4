package debian

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/debianreg"
	"github.com/registrytest/registrytest/examples/internal/itest"
)

func TestListing(t *testing.T) {
	itest.RunListing(t, debianreg.Start)
}
