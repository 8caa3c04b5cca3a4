// Package distv3 runs the checks of internal/itest against distribution
// v3.1.2 in-process.
package distv3

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/distv3"
	"github.com/registrytest/registrytest/examples/internal/itest"
)

func TestV2Proto(t *testing.T) {
	itest.Run(t, distv3.Start)
}
