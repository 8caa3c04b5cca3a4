package debian

import (
	"testing"

	"github.com/registrytest/registrytest/internal/debianreg"
	"github.com/registrytest/registrytest/internal/itest"
)

func TestListing(t *testing.T) {
	itest.RunListing(t, debianreg.Start)
}
