package dist28

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/itest"
)

// TestConformance runs the conformance suite against docker/distribution
// v2.8.3 in a child process (see itest.RunConformanceServe28).
func TestConformance(t *testing.T) {
	itest.RunConformanceServe28(t)
}
