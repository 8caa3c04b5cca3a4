package dist28

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/dist28"
	"github.com/registrytest/registrytest/examples/internal/itest"
)

func TestPull(t *testing.T) {
	itest.RunPull(t, dist28.Start)
}
