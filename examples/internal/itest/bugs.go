package itest

import (
	"regexp"
	"strings"
	"testing"

	"github.com/registrytest/registrytest/conformance"
)

// A Bug is a registry's deviation from the spec that the suite must keep
// finding: what it is, and the scenarios (ID or ID/param) that report it.
type Bug struct {
	What      string
	Scenarios []string
}

// CheckBugsFound runs the scenarios of bugs against target and fails t for
// every bug one of whose scenarios the suite no longer reports as failed:
// each must come out as a known deviation (the target's Known lists it, and
// the scenario failed). A scenario that passes, is skipped for another
// reason, or fails without being listed is an error naming the bug. An ID
// with parameters reports the bug when one of its parameters does.
func CheckBugsFound(t *testing.T, target *conformance.Target, bugs []Bug) {
	t.Helper()
	var names []string
	for _, b := range bugs {
		for _, s := range b.Scenarios {
			names = append(names, regexp.QuoteMeta(s))
		}
	}
	re := regexp.MustCompile("^(" + strings.Join(names, "|") + ")(/|$)")
	rep := conformance.Check(t.Context(), target, conformance.Match(re), conformance.Parallel(2))
	// A name is an ID/param, or an ID, which reports the bug when any of
	// its parameters does (the others may be skipped for a capability the
	// target lacks).
	results := map[string]conformance.Result{}
	for _, r := range rep.Results {
		results[r.Name()] = r
		if prev, ok := results[r.ID]; !ok || (!found(prev) && found(r)) {
			results[r.ID] = r
		}
	}
	for _, b := range bugs {
		for _, s := range b.Scenarios {
			r, ok := results[s]
			switch {
			case !ok:
				t.Errorf("%s: scenario %s did not run (no such scenario)", b.What, s)
			case !found(r):
				t.Errorf("%s: scenario %s = %s %q, want it reported as a known deviation (failed)", b.What, r.Name(), r.Outcome, r.Detail)
			}
		}
	}
}

// found reports whether r is a failure recorded as a known deviation.
func found(r conformance.Result) bool {
	return r.Outcome == conformance.Skipped && strings.HasPrefix(r.Detail, "known deviation: ") && r.Err != nil
}
