package perf_test

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/registrytest/registrytest/examples/internal/perf"
	"github.com/registrytest/registrytest/fixtures"
)

// smallImage builds a 3-layer image of 100 KiB layers in a test's
// temporary directory.
func smallImage(t *testing.T) *perf.Image {
	t.Helper()
	img, err := perf.NewImage(t.TempDir(), fixtures.Chain(5, 3, fixtures.WithLayerSize(100<<10)))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestNewImage(t *testing.T) {
	img := smallImage(t)
	if len(img.Layers) != 3 {
		t.Fatalf("len(Layers) = %d, want 3", len(img.Layers))
	}
	var size int64
	for i, l := range img.Layers {
		want := img.Chain[i].Layer
		if l.Digest() != want.Digest() || l.Size() != want.Size() || l.MediaType() != want.DockerMediaType() {
			t.Errorf("Layers[%d] = %s %d %s, want %s %d %s", i, l.Digest(), l.Size(), l.MediaType(), want.Digest(), want.Size(), want.DockerMediaType())
		}
		fi, err := os.Stat(l.Path())
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() != l.Size() {
			t.Errorf("file of Layers[%d]: %d bytes, want %d", i, fi.Size(), l.Size())
		}
		size += l.Size()
	}
	if img.Config.Digest() != img.Manifest.Config {
		t.Errorf("Config.Digest() = %s, want the manifest's %s", img.Config.Digest(), img.Manifest.Config)
	}
	if got, want := img.Size(), size+img.Config.Size(); got != want {
		t.Errorf("Size() = %d, want %d", got, want)
	}
	if err := perf.HashBlobs(img); err != nil {
		t.Fatal(err)
	}
	// HashBlobs checks what it reads.
	if err := os.WriteFile(img.Layers[1].Path(), []byte("other bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := perf.HashBlobs(img); err == nil || !strings.Contains(err.Error(), "digest") {
		t.Errorf("HashBlobs of a changed file = %v, want a digest mismatch", err)
	}
	if err := img.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(img.Layers[0].Path()); !os.IsNotExist(err) {
		t.Errorf("after Remove: Stat = %v, want not exist", err)
	}
}

// TestClients runs every client of the benchmarks once on a small image:
// each push must be pullable by every client.
func TestClients(t *testing.T) {
	img := smallImage(t)
	reg := startRegistry(t)
	ctx := context.Background()
	cs := clients(reg, 2, "ceil", "ceil64k", "ours", "sendfile", "oursput", "gen", "ggcr", "ggcr1m")
	for _, pusher := range cs {
		if pusher.push == nil {
			continue
		}
		repo := newRepo(pusher.name)
		if err := pusher.push(ctx, repo, img); err != nil {
			t.Fatalf("%s push: %v", pusher.name, err)
		}
		for _, puller := range cs {
			if puller.pull == nil {
				continue
			}
			if err := puller.pull(ctx, repo, img); err != nil {
				t.Errorf("%s pull of %s's push: %v", puller.name, pusher.name, err)
			}
		}
	}
}

// TestCeilingPullChecks shows that the ceiling's pull checks what it reads:
// a repository without the image, and a blob whose stored bytes changed,
// fail.
func TestCeilingPullChecks(t *testing.T) {
	img := smallImage(t)
	reg := startRegistry(t)
	ctx := context.Background()
	c := &perf.Ceiling{URL: reg.URL, Concurrency: 2}
	if err := c.Pull(ctx, "perf/none", "v1", img); err == nil {
		t.Errorf("Ceiling.Pull of a repository never pushed = nil, want an error")
	}
	if err := c.Push(ctx, "perf/raw", "v1", img); err != nil {
		t.Fatal(err)
	}
	if err := c.Pull(ctx, "perf/raw", "v1", img); err != nil {
		t.Fatal(err)
	}
	// Distribution's filesystem layout: blobs/sha256/<2 hex>/<hex>/data.
	l := img.Layers[2]
	hex := l.Digest().Encoded()
	data := filepath.Join(reg.StorageDir, "docker/registry/v2/blobs/sha256", hex[:2], hex, "data")
	if err := os.WriteFile(data, make([]byte, l.Size()), 0o644); err != nil {
		t.Fatal(err)
	}
	err := c.Pull(ctx, "perf/raw", "v1", img)
	if err == nil || !strings.Contains(err.Error(), "digest") {
		t.Errorf("Ceiling.Pull of a blob whose bytes changed = %v, want a digest mismatch", err)
	}
}

var sink []byte

// TestHeapMonitor shows the monitor sees what is held while it runs: a 64
// MiB buffer shows in the peak (and the goal), and is gone from the next
// monitor's figures once dropped.
func TestHeapMonitor(t *testing.T) {
	m := perf.StartHeapMonitor()
	sink = make([]byte, 64<<20)
	for i := range sink {
		sink[i] = byte(i)
	}
	time.Sleep(5 * perf.HeapSampleInterval)
	h := m.Stop()
	if h.Peak < 64<<20 || h.PeakGoal < 64<<20 || h.Samples < 2 {
		t.Errorf("with 64 MiB held: %+v, want Peak and PeakGoal >= 64 MiB, Samples >= 2", h)
	}
	sink = nil
	m = perf.StartHeapMonitor()
	h = m.Stop()
	if h.Peak >= 32<<20 {
		t.Errorf("after dropping it: Peak = %.1f MiB, want under 32 MiB", perf.MiB(h.Peak))
	}
}

func TestCPUTime(t *testing.T) {
	before, ok := perf.CPUTime()
	if !ok {
		t.Skip("CPUTime: not available on this system")
	}
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for range 64 {
		h.Write(buf)
	}
	after, _ := perf.CPUTime()
	if after <= before {
		t.Errorf("CPUTime after hashing 64 MiB = %v, want more than before (%v)", after, before)
	}
}

// TestOrderOf checks that the rounds' orders are the permutations of the
// clients: over n! rounds, each exactly once.
func TestOrderOf(t *testing.T) {
	for n := 1; n <= 5; n++ {
		cs := make([]client, n)
		for i := range cs {
			cs[i].name = string(rune('a' + i))
		}
		fact := 1
		for k := 2; k <= n; k++ {
			fact *= k
		}
		seen := map[string]int{}
		for i := range 2 * fact {
			var names []string
			for _, c := range orderOf(cs, i) {
				names = append(names, c.name)
			}
			key := strings.Join(names, "")
			if len(key) != n {
				t.Fatalf("orderOf(%d clients, %d) = %q, want %d clients", n, i, key, n)
			}
			seen[key]++
		}
		if len(seen) != fact {
			t.Errorf("orderOf over %d rounds of %d clients: %d distinct orders, want %d: %v", 2*fact, n, len(seen), fact, seen)
		}
		for k, v := range seen {
			if v != 2 {
				t.Errorf("orderOf over %d rounds of %d clients: %q %d times, want 2", 2*fact, n, k, v)
			}
		}
	}
}
