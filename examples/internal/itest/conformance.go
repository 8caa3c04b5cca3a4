package itest

import (
	"testing"

	"github.com/registrytest/registrytest/conformance"
	"github.com/registrytest/registrytest/examples/internal/conftarget"
	"github.com/registrytest/registrytest/examples/internal/testreg"
)

// RunConformance starts one registry with start and conftarget.Options
// (token auth, users by role) and runs the whole conformance suite against
// it (see RunConformanceOn).
func RunConformance(t *testing.T, start testreg.StartFunc) {
	reg := start(t, conftarget.Options())
	target, err := conftarget.New(t.Context(), reg)
	if err != nil {
		t.Fatal(err)
	}
	RunConformanceOn(t, target)
}

// RunConformanceServe28 runs the whole conformance suite against
// docker/distribution v2.8.3 served by conftarget.StartServe28: a child
// process built without the race detector, since v2.8.3's router compiles
// its regular expressions on every request, which under -race makes the
// suite take minutes (the suite, not the registry, is the code under test
// here; internal/dist28's own tests run it in-process).
func RunConformanceServe28(t *testing.T) {
	target, stop, err := conftarget.StartServe28(t.Context(), testWriter{t})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	RunConformanceOn(t, target)
}

// RunConformanceOn runs the whole conformance suite against target with
// conformance.Run: one subtest per scenario (and parameter), all on that
// registry, each on fresh repository names, logging its exchanges with the
// subtest's t.Logf.
func RunConformanceOn(t *testing.T, target *conformance.Target) {
	conformance.Run(t, func(t *testing.T) *conformance.Target {
		tt := *target
		tt.Logf = t.Logf
		return &tt
	})
}

// testWriter writes to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
