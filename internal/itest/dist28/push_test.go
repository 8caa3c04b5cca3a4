package dist28

import (
	"testing"

	"github.com/registrytest/registrytest/internal/dist28"
	"github.com/registrytest/registrytest/internal/itest"
)

func TestPush(t *testing.T) {
	itest.RunPush(t, dist28.Start)
}
