//go:build unix

package debian

import (
	"testing"

	"github.com/registrytest/registrytest/internal/debianreg"
	"github.com/registrytest/registrytest/internal/itest"
	"github.com/registrytest/registrytest/internal/testreg"
)

func TestSkopeo(t *testing.T) {
	itest.RunSkopeo(t, debianreg.Start, testreg.AuthToken)
}
