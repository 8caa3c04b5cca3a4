package dist28

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/dist28"
	"github.com/registrytest/registrytest/examples/internal/itest"
)

func TestPush(t *testing.T) {
	itest.RunPush(t, dist28.Start)
}
