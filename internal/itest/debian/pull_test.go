package debian

import (
	"testing"

	"github.com/registrytest/registrytest/internal/debianreg"
	"github.com/registrytest/registrytest/internal/itest"
)

func TestPull(t *testing.T) {
	itest.RunPull(t, debianreg.Start)
}
