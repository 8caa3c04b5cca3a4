package perf

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// HeapSampleInterval is how often a HeapMonitor reads the heap figures.
const HeapSampleInterval = 500 * time.Microsecond

// Heap is what a HeapMonitor saw of the heap, in bytes: figures the Go
// runtime keeps (runtime/metrics), for the whole process, registry
// included when it runs in-process.
type Heap struct {
	// Peak is the largest heap seen: the bytes of heap objects, live or
	// not yet collected (runtime.MemStats.HeapAlloc), at the samples.
	Peak uint64
	// PeakGoal is the largest heap goal the collector set meanwhile: twice
	// the heap live after a collection (at GOGC=100), at least 4 MiB. It
	// holds from one collection to the next, so no sample misses it.
	PeakGoal uint64
	// PeakLive is the largest heap live after a collection meanwhile.
	PeakLive uint64
	// Samples is the number of samples taken.
	Samples int
}

// MiB returns b in mebibytes.
func MiB(b uint64) float64 { return float64(b) / (1 << 20) }

// A HeapMonitor samples the heap from its start to its Stop.
type HeapMonitor struct {
	stop chan struct{}
	wg   sync.WaitGroup
	heap Heap
}

var heapMetrics = []string{
	"/memory/classes/heap/objects:bytes",
	"/gc/heap/goal:bytes",
	"/gc/heap/live:bytes",
}

// StartHeapMonitor runs a garbage collection, so that garbage made before
// does not count, and starts sampling the heap every HeapSampleInterval
// until Stop.
func StartHeapMonitor() *HeapMonitor {
	runtime.GC()
	m := &HeapMonitor{stop: make(chan struct{})}
	samples := make([]metrics.Sample, len(heapMetrics))
	for i, name := range heapMetrics {
		samples[i].Name = name
	}
	m.sample(samples)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		t := time.NewTicker(HeapSampleInterval)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				m.sample(samples)
				return
			case <-t.C:
				m.sample(samples)
			}
		}
	}()
	return m
}

func (m *HeapMonitor) sample(s []metrics.Sample) {
	metrics.Read(s)
	val := func(i int) uint64 {
		if s[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return s[i].Value.Uint64()
	}
	m.heap.Peak = max(m.heap.Peak, val(0))
	m.heap.PeakGoal = max(m.heap.PeakGoal, val(1))
	m.heap.PeakLive = max(m.heap.PeakLive, val(2))
	m.heap.Samples++
}

// Stop stops the sampling and returns what it saw. Call it once.
func (m *HeapMonitor) Stop() Heap {
	close(m.stop)
	m.wg.Wait()
	return m.heap
}
