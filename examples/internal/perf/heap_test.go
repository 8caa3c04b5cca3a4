package perf_test

import (
	"context"
	"testing"
	"time"

	"github.com/registrytest/registrytest/examples/internal/perf"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

// maxHeap is the most heap a push or a pull of any size may need, the
// in-process registry's included.
const maxHeap = 32 << 20

// heapTestSize is the layer TestPeakHeap pushes and pulls: 1 GiB, or 256
// MiB under -race or -short. The race detector slows the registry's Go code
// (its copy loops and file writes) several times, and 1 GiB would take
// most of a minute; a client that held what it moves would show at 256
// MiB as at 1 GiB, 8 times over the bound. BenchmarkImage reports the 1
// GiB figures whatever the mode.
func heapTestSize() int64 {
	if raceEnabled || testing.Short() {
		return 256 << 20
	}
	return 1 << 30
}

// TestPeakHeap pushes an image of one large layer with v2proto's Push
// (the layer produced on the fly; every check on, the GET that re-reads
// the blob included) and pulls it back with Pull, both against
// distribution v3 in-process, and holds the heap's peak during each under
// maxHeap: memory stays flat whatever the blob size. The figures are the
// runtime's (perf.Heap): the largest heap sampled and the largest heap goal
// the collector set.
func TestPeakHeap(t *testing.T) {
	size := heapTestSize()
	chain := fixtures.Chain(42, 1, fixtures.WithLayerSize(size))
	// The digests are computed once per layer (one pass each over the
	// bytes); do it before measuring, as NewImage does for the benchmarks.
	chain[0].Layer.Digest()
	chain[0].Layer.DiffID()
	reg := startRegistry(t)
	c, err := v2proto.New(reg.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	check := func(what string, op func() error) {
		t.Helper()
		start := time.Now()
		m := perf.StartHeapMonitor()
		err := op()
		h := m.Stop()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		t.Logf("%s of %d bytes: peak heap %.1f MiB (goal %.1f MiB, live %.1f MiB; %d samples; %v)",
			what, chain[0].Layer.Size(), perf.MiB(h.Peak), perf.MiB(h.PeakGoal), perf.MiB(h.PeakLive), h.Samples, time.Since(start).Round(time.Millisecond))
		if h.Peak >= maxHeap || h.PeakGoal >= maxHeap {
			t.Errorf("%s of %d bytes: peak heap %.1f MiB, heap goal %.1f MiB, want both under %d MiB",
				what, chain[0].Layer.Size(), perf.MiB(h.Peak), perf.MiB(h.PeakGoal), maxHeap>>20)
		}
	}
	check("Push", func() error {
		res, err := c.Push(ctx, "perf/heap", []string{"v1"}, chain)
		if err == nil && !res.Complete {
			t.Errorf("Push: Complete = false, want true")
		}
		return err
	})
	check("Pull", func() error {
		_, err := c.Pull(ctx, "perf/heap", []string{"v1"}, chain)
		return err
	})
}
