package debian

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/debianreg"
	"github.com/registrytest/registrytest/examples/internal/itest"
)

func TestPush(t *testing.T) {
	itest.RunPush(t, debianreg.Start)
}
