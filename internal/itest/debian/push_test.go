package debian

import (
	"testing"

	"github.com/registrytest/registrytest/internal/debianreg"
	"github.com/registrytest/registrytest/internal/itest"
)

func TestPush(t *testing.T) {
	itest.RunPush(t, debianreg.Start)
}
