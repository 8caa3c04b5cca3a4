// Package dist28 runs the checks of internal/itest against
// docker/distribution v2.8.3 in-process.
package dist28

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/dist28"
	"github.com/registrytest/registrytest/examples/internal/itest"
)

func TestV2Proto(t *testing.T) {
	itest.Run(t, dist28.Start)
}
