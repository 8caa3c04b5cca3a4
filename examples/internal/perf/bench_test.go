package perf_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/registrytest/registrytest/examples/internal/perf"
)

// benchConc is the blobs in flight at once in BenchmarkImage: the default
// of v2proto (DefaultConcurrency) and of
// go-containerregistry (WithJobs).
const benchConc = 4

// clientsFlag restricts BenchmarkImage to some clients, for a closer look
// at them: -perf.clients=ceil,ours.
var clientsFlag = flag.String("perf.clients", "", "comma-separated `clients` BenchmarkImage runs (default ceil,ours,ggcr; also sendfile, oursput, gen, ggcr1m, ceil64k)")

// selected returns the clients -perf.clients names, or nil for all.
func selected() []string {
	if *clientsFlag == "" {
		return nil
	}
	return strings.Split(*clientsFlag, ",")
}

// BenchmarkImage pushes and pulls a 1 GiB single-layer image and a 64 x 16
// MiB image against distribution v3 in-process (filesystem storage on
// tmpfs), with v2proto beside its ceiling (perf.Ceiling:
// the least the protocol allows with the same bytes on the same registry,
// and sha256 over them) and beside go-containerregistry's remote package,
// in interleaved rounds (one per b.Loop iteration: -benchtime 12x runs 12;
// a multiple of 6, the orders of three clients, balances them: orderOf).
// Metrics are medians over the rounds; the ratios pair the samples of a
// round (x/ceil: x's speed over the ceiling's; ours/ggcr: v2proto's over
// go-containerregistry's). Heap figures are the peaks over the rounds
// (perf.Heap, registry included); cpu-s is the process's CPU time during an
// operation, registry included. See clients for who is who. Run:
//
//	go test -run '^$' -bench Image -benchtime 12x -timeout 60m ./internal/perf/
func BenchmarkImage(b *testing.B) {
	for _, s := range []shape{{1, 1 << 30}, {64, 16 << 20}} {
		b.Run(s.String(), func(b *testing.B) {
			img := imageOf(b, s)
			reg := startRegistry(b)
			cs := clients(reg, benchConc, selected()...)
			load := loadavg()
			res := results{}
			i := 0
			for b.Loop() {
				round(b, i, cs, img, res)
				sm, err := measure("sha256", "hash", func() error { return perf.HashBlobs(img) })
				if err != nil {
					b.Fatal(err)
				}
				res["sha256"] = append(res["sha256"], sm)
				i++
			}
			report(b, res, img.Size(), cs)
			b.Logf("%s: %d rounds, load average %s before, %s after", s, i, load, loadavg())
		})
	}
}

// report reports the metrics of res and logs every round.
func report(b *testing.B, res results, size int64, cs []client) {
	for _, op := range []string{"push", "pull"} {
		for _, c := range cs {
			key := c.name + "/" + op
			if len(res[key]) == 0 {
				continue
			}
			b.ReportMetric(mbps(size, res.median(key)), c.name+"-"+op+"-MB/s")
			b.ReportMetric(res.medianCPU(key).Seconds(), c.name+"-"+op+"-cpu-s")
			b.ReportMetric(perf.MiB(res.maxHeap(key).Peak), c.name+"-"+op+"-heap-MiB")
			if c.name != "ceil" && len(res["ceil/"+op]) > 0 {
				b.ReportMetric(res.ratio(key, "ceil/"+op), c.name+"-"+op+"/ceil")
			}
			if (c.name == "ours" || c.name == "gen") && len(res["ggcr/"+op]) > 0 {
				b.ReportMetric(res.ratio(key, "ggcr/"+op), c.name+"-"+op+"/ggcr")
			}
			if c.name == "ours" && len(res["ggcr1m/"+op]) > 0 {
				b.ReportMetric(res.ratio(key, "ggcr1m/"+op), c.name+"-"+op+"/ggcr1m")
			}
		}
	}
	if len(res["sha256"]) > 0 {
		b.ReportMetric(mbps(size, res.median("sha256")), "sha256-MB/s")
	}
	// Every round, for the record: on stdout, as testing keeps only 10
	// lines of a benchmark's log.
	var keys []string
	for _, op := range []string{"push", "pull"} {
		for _, c := range cs {
			if len(res[c.name+"/"+op]) > 0 {
				keys = append(keys, c.name+"/"+op)
			}
		}
	}
	if len(res["sha256"]) > 0 {
		keys = append(keys, "sha256")
	}
	var out strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&out, "    %-13s MB/s:", k)
		for _, s := range res[k] {
			fmt.Fprintf(&out, " %6.1f", mbps(size, s.wall))
		}
		h := res.maxHeap(k)
		fmt.Fprintf(&out, "  median %6.1f", mbps(size, res.median(k)))
		c, op, _ := strings.Cut(k, "/")
		for _, ref := range []string{"ceil", "ggcr"} {
			r := ref + "/" + op
			if c == ref || c == "ceil" && ref == "ggcr" || len(res[r]) == 0 {
				continue
			}
			// The speed of k over ref's, round by round, then the median.
			fmt.Fprintf(&out, "  /%s:", ref)
			for i := range min(len(res[k]), len(res[r])) {
				fmt.Fprintf(&out, " %4.2f", float64(res[r][i].wall)/float64(res[k][i].wall))
			}
			fmt.Fprintf(&out, " median %4.2f", res.ratio(k, r))
		}
		fmt.Fprintf(&out, "  cpu %.2fs  heap peak %.1f MiB (goal %.1f, live %.1f)\n",
			res.medianCPU(k).Seconds(), perf.MiB(h.Peak), perf.MiB(h.PeakGoal), perf.MiB(h.PeakLive))
	}
	fmt.Fprintf(os.Stdout, "--- %s: %d rounds, %d bytes\n%s", b.Name(), len(res[keys[0]]), size, out.String())
}

// BenchmarkScaling pushes and pulls 512 MiB split into 1, 4, 16 and 64
// layers, with at most 1, 2, 4 and 8 blobs in flight, v2proto beside the
// ceiling at the same concurrency, in interleaved rounds. Run:
//
//	go test -run '^$' -bench Scaling -benchtime 4x -timeout 60m ./internal/perf/
func BenchmarkScaling(b *testing.B) {
	const total = 512 << 20
	for _, n := range []int{1, 4, 16, 64} {
		s := shape{n, total / int64(n)}
		for _, conc := range []int{1, 2, 4, 8} {
			b.Run(fmt.Sprintf("layers=%d/conc=%d", n, conc), func(b *testing.B) {
				img := imageOf(b, s)
				reg := startRegistry(b)
				cs := clients(reg, conc, "ceil", "ours")
				load := loadavg()
				res := results{}
				i := 0
				for b.Loop() {
					round(b, i, cs, img, res)
					i++
				}
				report(b, res, img.Size(), cs)
				b.Logf("%s conc=%d: %d rounds, load average %s before, %s after", s, conc, i, load, loadavg())
			})
		}
	}
}

// BenchmarkOne runs one client's push or pull alone, for profiling (the
// figures are for BenchmarkImage, whose rounds interleave the clients).
// The operations carry profiler labels (see measure), so that the client's
// CPU is told from the registry's:
//
//	go test -run '^$' -bench 'One/64x16MiB/ours/pull' -benchtime 3x -cpuprofile cpu.out -o perf.test ./internal/perf/
//	go tool pprof -tagfocus client=ours -top perf.test cpu.out
func BenchmarkOne(b *testing.B) {
	for _, s := range []shape{{1, 1 << 30}, {64, 16 << 20}} {
		b.Run(s.String(), func(b *testing.B) {
			for _, name := range []string{"ceil", "ceil64k", "ours", "sendfile", "oursput", "gen", "ggcr", "ggcr1m"} {
				for _, op := range []string{"push", "pull"} {
					b.Run(name+"/"+op, func(b *testing.B) {
						img := imageOf(b, s)
						reg := startRegistry(b)
						all := clients(reg, benchConc, name)
						var c, pusher client
						for _, x := range all {
							if x.name == name {
								c = x
							}
						}
						pusher = c
						if c.pushFrom != "" {
							pusher = clients(reg, benchConc, c.pushFrom)[0]
						}
						if (op == "push" && c.push == nil) || (op == "pull" && c.pull == nil) {
							b.Skipf("%s does not %s", name, op)
						}
						ctx := context.Background()
						repo := newRepo(pusher.name)
						if op == "pull" {
							if err := pusher.push(ctx, repo, img); err != nil {
								b.Fatal(err)
							}
						}
						b.SetBytes(img.Size())
						for b.Loop() {
							_, err := measure(name, op, func() error {
								if op == "push" {
									return c.push(ctx, newRepo(c.name), img)
								}
								return c.pull(ctx, repo, img)
							})
							if err != nil {
								b.Fatal(err)
							}
						}
					})
				}
			}
		})
	}
}
