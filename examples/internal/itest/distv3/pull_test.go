package distv3

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/distv3"
	"github.com/registrytest/registrytest/examples/internal/itest"
)

func TestPull(t *testing.T) {
	itest.RunPull(t, distv3.Start)
}
