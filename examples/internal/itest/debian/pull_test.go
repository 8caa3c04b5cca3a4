package debian

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/debianreg"
	"github.com/registrytest/registrytest/examples/internal/itest"
)

func TestPull(t *testing.T) {
	itest.RunPull(t, debianreg.Start)
}
