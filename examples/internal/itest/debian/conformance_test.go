package debian

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/debianreg"
	"github.com/registrytest/registrytest/examples/internal/itest"
)

func TestConformance(t *testing.T) {
	itest.RunConformance(t, debianreg.Start)
}
