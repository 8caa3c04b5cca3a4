package hostile_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/registrytest/registrytest/examples/internal/testreg"
	"github.com/registrytest/registrytest/failures"
	. "github.com/registrytest/registrytest/v2proto"

	"github.com/registrytest/registrytest/examples/internal/faultreg"
)

// flatHeap is how far the heap may grow while TagPages walks a tag list
// that never ends, up to the page limit.
const flatHeap = 32 << 20

// endlessTags answers every tags page with perPage new tags and a Link to
// the next page, forever.
func endlessTags(perPage int) faultreg.Fault {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		var i int
		fmt.Sscan(r.URL.Query().Get("page"), &i)
		var b strings.Builder
		fmt.Fprintf(&b, `{"name":%q,"tags":[`, hostileRepo)
		for j := range perPage {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"tag-%07d-%03d"`, i, j)
		}
		b.WriteString("]}")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Link", fmt.Sprintf(`</v2/%s/tags/list?page=%d>; rel="next"`, hostileRepo, i+1))
		fmt.Fprint(w, b.String())
	}
}

// heapObjects returns the bytes of heap objects, live or not yet swept
// (runtime/metrics /memory/classes/heap/objects:bytes).
func heapObjects(s []metrics.Sample) uint64 {
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestTagPagesFlat walks an endless tag list (100 new tags a page, a next
// Link on every page) with TagPages and the default bounds: 10000 pages
// (DefaultMaxPages) of 100 tags, 1e6 tags, within DefaultMaxEntries.
// The walk must end at the page limit, and the heap, read from
// runtime/metrics at every page without forcing a collection, must stay
// within flatHeap of where it started (the registry and the fault front
// run in this process too, and are counted).
func TestTagPagesFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("10000 pages")
	}
	e := newHostile(t, testreg.AuthNone)
	e.f.Add(faultreg.Rule{Step: failures.ListTags, Fault: endlessTags(100)})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	runtime.GC()
	base := heapObjects(s)
	peak := base
	var pages, tags int
	var walkErr error
	start := time.Now()
	for pg, err := range e.c.TagPages(ctx, hostileRepo) {
		if err != nil {
			walkErr = err
			break
		}
		pages++
		tags += len(pg.Tags)
		peak = max(peak, heapObjects(s))
	}
	e.note(walkErr)
	t.Logf("%d pages, %d tags in %v; heap objects %d MiB at the start, peak %d MiB (+%.1f MiB)",
		pages, tags, time.Since(start).Round(time.Millisecond), base>>20, peak>>20, float64(peak-base)/(1<<20))
	want := fmt.Sprintf(`GET /v2/%s/tags/list?page=REDACTED = 200, Link to a page after %d pages, want at most %d pages (Limits.MaxPages) (list-tags)`,
		hostileRepo, DefaultMaxPages, DefaultMaxPages)
	if walkErr == nil || walkErr.Error() != want {
		t.Errorf("TagPages ended with %v, want %s", walkErr, want)
	}
	if pages != DefaultMaxPages || tags != 100*DefaultMaxPages {
		t.Errorf("walked %d pages of %d tags, want %d pages of %d", pages, tags, DefaultMaxPages, 100*DefaultMaxPages)
	}
	if grew := peak - base; grew > flatHeap {
		t.Errorf("the heap grew by %d bytes during the walk, want at most %d", grew, flatHeap)
	}
}
