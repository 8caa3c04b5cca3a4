// Package debian runs the checks of internal/itest against the Debian
// docker-registry 2.8.2 process (skipped when it is not installed, failed
// when CI=true).
package debian

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/debianreg"
	"github.com/registrytest/registrytest/examples/internal/itest"
)

func TestV2Proto(t *testing.T) {
	itest.Run(t, debianreg.Start)
}
