package distv3

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/distv3"
	"github.com/registrytest/registrytest/examples/internal/itest"
)

func TestConformance(t *testing.T) {
	itest.RunConformance(t, distv3.Start)
}
