//go:build unix

package distv3

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/distv3"
	"github.com/registrytest/registrytest/examples/internal/itest"
	"github.com/registrytest/registrytest/examples/internal/testreg"
)

func TestSkopeo(t *testing.T) {
	itest.RunSkopeo(t, distv3.Start, testreg.AuthNone)
}
