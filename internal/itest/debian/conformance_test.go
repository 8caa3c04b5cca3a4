package debian

import (
	"testing"

	"github.com/registrytest/registrytest/internal/debianreg"
	"github.com/registrytest/registrytest/internal/itest"
)

func TestConformance(t *testing.T) {
	itest.RunConformance(t, debianreg.Start)
}
