package perf_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/registrytest/registrytest/examples/internal/distv3"
	"github.com/registrytest/registrytest/examples/internal/perf"
	"github.com/registrytest/registrytest/examples/internal/testreg"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

// The images of the benchmarks are built once per test binary, in one
// directory (on tmpfs where there is one), removed by TestMain.
var (
	imagesMu  sync.Mutex
	imagesDir string
	images    = map[string]*perf.Image{}
)

func TestMain(m *testing.M) {
	code := m.Run()
	if imagesDir != "" {
		os.RemoveAll(imagesDir)
	}
	os.Exit(code)
}

// A shape is an image of n layers of size bytes of random content each
// (fixtures.Chain: a tar in a stored-blocks gzip, a few bytes longer).
type shape struct {
	n    int
	size int64
}

func (s shape) String() string { return fmt.Sprintf("%dx%s", s.n, sizeText(s.size)) }

func sizeText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// imageOf returns the image of s, built on first use.
func imageOf(tb testing.TB, s shape) *perf.Image {
	tb.Helper()
	imagesMu.Lock()
	defer imagesMu.Unlock()
	if img := images[s.String()]; img != nil {
		return img
	}
	if imagesDir == "" {
		parent := ""
		if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
			parent = "/dev/shm"
		}
		d, err := os.MkdirTemp(parent, "registrytest-perf-")
		if err != nil {
			tb.Fatal(err)
		}
		imagesDir = d
	}
	dir := filepath.Join(imagesDir, s.String())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	img, err := perf.NewImage(dir, fixtures.Chain(uint64(s.n)<<32|uint64(s.size>>20), s.n, fixtures.WithLayerSize(s.size)))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Logf("image %s: %d blobs, %d bytes, built in %v", s, len(img.Blobs()), img.Size(), time.Since(start).Round(time.Millisecond))
	images[s.String()] = img
	return img
}

// startRegistry starts distribution v3 in-process with its default
// options: no auth, filesystem storage on tmpfs (/dev/shm).
func startRegistry(tb testing.TB) *testreg.Registry {
	tb.Helper()
	return distv3.Start(tb, testreg.Options{})
}

// repoSeq makes repository names unique within the test binary: each
// push goes to a repository of its own, so that no client finds blobs
// already linked there (blobs are stored once per registry, whoever
// pushes them; a repository's links are its own).
var repoSeq atomic.Int64

func newRepo(client string) string {
	return fmt.Sprintf("perf/%s-%d", client, repoSeq.Add(1))
}

// A client pushes and pulls an image.
type client struct {
	name string
	// push pushes img to repo:v1; nil for a client that only pulls (it
	// pulls what pushFrom pushed). pull pulls it; nil for a client that
	// only pushes.
	push func(ctx context.Context, repo string, img *perf.Image) error
	pull func(ctx context.Context, repo string, img *perf.Image) error
	// pushFrom names the client whose push a pull-only client reads.
	pushFrom string
}

const tag = "v1"

// clients returns the clients compared at concurrency conc (blobs in
// flight at once) on reg:
//
//   - ceil: the ceiling, perf.Ceiling's Push (the blob files go to the
//     kernel with sendfile) and Pull (1 MiB reads);
//   - ceil64k: the ceiling's pull in 64 KiB reads;
//   - ours: v2proto as it is by default, PushBlobs of the blob files then
//     PushManifest, and Pull;
//   - sendfile: ours with v2proto.WithSendfile (the blob files go to the
//     kernel, as the ceiling's); it does not pull (that would be ours);
//   - oursput: ours pushing each blob in one PUT (Upload.Style
//     UploadPostPut, as the ceiling does) instead of the default PATCH then
//     PUT; it does not pull;
//   - gen: v2proto's Push of the fixtures chain (the layers produced on
//     the fly, in user space); it does not pull;
//   - ggcr: go-containerregistry's remote.Write and remote.Image (layers
//     read with io.Copy to io.Discard, as its users discard them);
//   - ggcr1m: the same pull reading 1 MiB at a time.
//
// defaultClients are run unless -perf.clients names others. Each v2proto
// client has a transport of its own, so that each keeps its connections
// and a CPU profile's labels (see measure) name the client whose
// connection did the work.
//
// v2proto's checks are all on but the GET that re-reads each blob after
// its upload (BlobChecks.SkipGet): the HEAD before (404) and after (200
// with digest and length) every upload, every answer's status and headers,
// and on pull the digest and length of every blob verified while it
// streams.
func clients(reg *testreg.Registry, conc int, which ...string) []client {
	ceil := &perf.Ceiling{URL: reg.URL, Concurrency: conc}
	ceil64k := &perf.Ceiling{URL: reg.URL, Concurrency: conc, ReadBuffer: 64 << 10, HTTP: perf.NewCeilingClient()}
	newOurs := func(opts ...v2proto.Option) *v2proto.Client {
		hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		c, err := v2proto.New(reg.URL, append([]v2proto.Option{v2proto.WithHTTPClient(hc)}, opts...)...)
		if err != nil {
			panic(err)
		}
		return c
	}
	ours := newOurs()
	pushOpts := []v2proto.CallOption{v2proto.WithLimits(v2proto.Limits{Concurrency: conc}), v2proto.WithBlobChecks(v2proto.BlobChecks{SkipGet: true})}
	pullOpts := []v2proto.CallOption{v2proto.WithLimits(v2proto.Limits{Concurrency: conc})}
	// push pushes the blob files with c's PushBlobs, then the manifest.
	push := func(c *v2proto.Client, opts ...v2proto.CallOption) func(ctx context.Context, repo string, img *perf.Image) error {
		return func(ctx context.Context, repo string, img *perf.Image) error {
			blobs := make([]v2proto.Blob, 0, len(img.Layers)+1)
			for _, b := range img.Blobs() {
				blobs = append(blobs, b)
			}
			if _, err := c.PushBlobs(ctx, repo, blobs, opts...); err != nil {
				return err
			}
			_, err := c.PushManifest(ctx, repo, tag, img.Manifest.MediaType, img.Manifest.Bytes) // opts are the blobs': PushManifest reads none of them
			return err
		}
	}
	pull := func(ctx context.Context, repo string, img *perf.Image) error {
		_, err := ours.Pull(ctx, repo, []string{tag}, img.Chain, pullOpts...)
		return err
	}
	gen := newOurs()
	all := []client{
		{name: "ceil",
			push: func(ctx context.Context, repo string, img *perf.Image) error {
				return ceil.Push(ctx, repo, tag, img)
			},
			pull: func(ctx context.Context, repo string, img *perf.Image) error {
				return ceil.Pull(ctx, repo, tag, img)
			}},
		{name: "ceil64k", pushFrom: "ceil",
			pull: func(ctx context.Context, repo string, img *perf.Image) error {
				return ceil64k.Pull(ctx, repo, tag, img)
			}},
		{name: "ours", push: push(ours, pushOpts...), pull: pull},
		{name: "sendfile", push: push(newOurs(v2proto.WithSendfile()), pushOpts...)},
		{name: "oursput", push: push(newOurs(), append(slices.Clone(pushOpts), v2proto.WithUpload(v2proto.Upload{Style: v2proto.UploadPostPut}))...)},
		{name: "gen",
			push: func(ctx context.Context, repo string, img *perf.Image) error {
				_, err := gen.Push(ctx, repo, []string{tag}, img.Chain, pushOpts...)
				return err
			}},
		{name: "ggcr",
			push: func(ctx context.Context, repo string, img *perf.Image) error {
				return ggcrPush(ctx, reg.Host, repo, tag, img, conc)
			},
			pull: func(ctx context.Context, repo string, img *perf.Image) error {
				return ggcrPull(ctx, reg.Host, repo, tag, conc, 0)
			}},
		{name: "ggcr1m", pushFrom: "ggcr",
			pull: func(ctx context.Context, repo string, img *perf.Image) error {
				return ggcrPull(ctx, reg.Host, repo, tag, conc, 1<<20)
			}},
	}
	if len(which) == 0 {
		which = defaultClients
	}
	var cs []client
	for _, c := range all {
		if slices.Contains(which, c.name) {
			cs = append(cs, c)
		}
	}
	return cs
}

// defaultClients are the clients run unless -perf.clients names others:
// few, so that the samples a round pairs are close in time on a machine
// whose load changes.
var defaultClients = []string{"ceil", "ours", "ggcr"}

// A sample is one timed operation.
type sample struct {
	wall time.Duration
	cpu  time.Duration // process CPU time, registry included
	heap perf.Heap
}

// measure runs op with the heap monitor on, and returns its wall and CPU
// time and heap. op runs with the profiler labels client=name and op=what,
// which the goroutines it starts inherit (net/http's connection
// goroutines included, the registry's handlers not), so that a CPU profile
// tells the client's share from the registry's:
//
//	go tool pprof -tagfocus client=ours -top perf.test cpu.out
func measure(name, what string, op func() error) (sample, error) {
	m := perf.StartHeapMonitor()
	cpu0, _ := perf.CPUTime()
	start := time.Now()
	var err error
	pprof.Do(context.Background(), pprof.Labels("client", name, "op", what), func(context.Context) { err = op() })
	wall := time.Since(start)
	cpu1, _ := perf.CPUTime()
	return sample{wall: wall, cpu: cpu1 - cpu0, heap: m.Stop()}, err
}

// results are the samples of a benchmark's rounds, by key ("ours/push").
type results map[string][]sample

func (r results) median(key string) time.Duration {
	ss := r[key]
	d := make([]time.Duration, len(ss))
	for i, s := range ss {
		d[i] = s.wall
	}
	return medianOf(d)
}

func (r results) medianCPU(key string) time.Duration {
	ss := r[key]
	d := make([]time.Duration, len(ss))
	for i, s := range ss {
		d[i] = s.cpu
	}
	return medianOf(d)
}

func (r results) maxHeap(key string) perf.Heap {
	var h perf.Heap
	for _, s := range r[key] {
		h.Peak = max(h.Peak, s.heap.Peak)
		h.PeakGoal = max(h.PeakGoal, s.heap.PeakGoal)
		h.PeakLive = max(h.PeakLive, s.heap.PeakLive)
	}
	return h
}

// ratio returns the median over rounds of key a's speed over key b's
// (time of b over time of a), pairing the samples of one round.
func (r results) ratio(a, b string) float64 {
	as, bs := r[a], r[b]
	var q []float64
	for i := range min(len(as), len(bs)) {
		q = append(q, float64(bs[i].wall)/float64(as[i].wall))
	}
	return medianF(q)
}

func medianOf(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	d = slices.Clone(d)
	slices.Sort(d)
	if len(d)%2 == 1 {
		return d[len(d)/2]
	}
	return (d[len(d)/2-1] + d[len(d)/2]) / 2
}

func medianF(q []float64) float64 {
	if len(q) == 0 {
		return 0
	}
	q = slices.Clone(q)
	slices.Sort(q)
	if len(q)%2 == 1 {
		return q[len(q)/2]
	}
	return (q[len(q)/2-1] + q[len(q)/2]) / 2
}

// mbps returns bytes over d in MB/s (10^6 bytes per second).
func mbps(bytes int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(bytes) / d.Seconds() / 1e6
}

// loadavg returns the 1-minute load average of the machine, "" where
// unknown: the machine is shared, and a benchmark notes how loaded it was.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// round runs round i of clients on img and adds its samples to res, by
// "client/push" and "client/pull": every client pushes (in an order
// permutation i of cs, see orderOf), then every client pulls (same order).
func round(b *testing.B, i int, cs []client, img *perf.Image, res results) {
	ctx := context.Background()
	order := orderOf(cs, i)
	repos := map[string]string{}
	for _, c := range order {
		if c.push == nil {
			continue
		}
		repo := newRepo(c.name)
		s, err := measure(c.name, "push", func() error { return c.push(ctx, repo, img) })
		if err != nil {
			b.Fatalf("round %d: %s push: %v", i, c.name, err)
		}
		repos[c.name] = repo
		res[c.name+"/push"] = append(res[c.name+"/push"], s)
	}
	for _, c := range order {
		if c.pull == nil {
			continue
		}
		repo := repos[c.name]
		if c.pushFrom != "" {
			repo = repos[c.pushFrom]
		}
		s, err := measure(c.name, "pull", func() error { return c.pull(ctx, repo, img) })
		if err != nil {
			b.Fatalf("round %d: %s pull: %v", i, c.name, err)
		}
		res[c.name+"/pull"] = append(res[c.name+"/pull"], s)
	}
}

// orderOf returns permutation i mod len(cs)! of cs, in lexicographic order
// of the indexes: over len(cs)! rounds every client takes every place
// equally often and follows every other client equally often. A client's
// speed depends on what ran just before it on a shared machine (the
// registry's freed upload, the host's load), so a plain rotation, where
// with three clients one of them follows a given other in two rounds of
// three, biases the ratios paired by round; all orders do not.
func orderOf(cs []client, i int) []client {
	fact := make([]int, len(cs)+1) // fact[k] = k!
	fact[0] = 1
	for k := 1; k <= len(cs); k++ {
		fact[k] = fact[k-1] * k
	}
	i %= fact[len(cs)]
	rest := slices.Clone(cs)
	out := make([]client, 0, len(cs))
	for len(rest) > 0 {
		f := fact[len(rest)-1] // the orders of rest that share a first client
		j := i / f
		i %= f
		out = append(out, rest[j])
		rest = slices.Delete(rest, j, j+1)
	}
	return out
}
