//go:build unix

package debian

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/debianreg"
	"github.com/registrytest/registrytest/examples/internal/itest"
	"github.com/registrytest/registrytest/examples/internal/testreg"
)

func TestSkopeo(t *testing.T) {
	itest.RunSkopeo(t, debianreg.Start, testreg.AuthToken)
}
