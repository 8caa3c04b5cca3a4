package distv3

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/distv3"
	"github.com/registrytest/registrytest/examples/internal/itest"
)

func TestPush(t *testing.T) {
	itest.RunPush(t, distv3.Start)
}

// TestPushMemory pushes a 256 MiB streamed layer and checks the heap stays
// flat: at most 16 MiB above where it started, the in-process registry's
// buffers included.
func TestPushMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("pushes 256 MiB")
	}
	itest.PushMemory(t, distv3.Start, 256<<20, 16<<20)
}
