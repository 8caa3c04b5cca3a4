// Package conformance is a registry conformance suite that registry
// projects import into their own tests: the V2 scenarios of Quay's
// registry_tests and the checks of the OCI distribution-spec conformance
// program, 110 scenarios written once as data over package v2proto
// (SCENARIOS.md is the catalogue, by ID).
//
// A registry is described by a Target: its URL, users by Role, the
// Capabilities it has, the failures table that says how it answers
// refusals, an optional Control that puts it into states (read-only,
// public repositories, ...; see the interfaces of states.go), and its Known
// deviations. Run adds one subtest per scenario, and per parameter
// (ID/param), to a test, so that go test's -run selects them:
//
//	conformance.Run(t, func(t *testing.T) *conformance.Target { return target })
//
// Check runs the same scenarios outside go test and returns a Report,
// written as a text table (WriteText) or JUnit XML (WriteJUnit).
//
// Every scenario creates what it needs on fresh repository names
// (<namespace of the role>/<scenario>-<random>) and relies on no other
// scenario. A scenario that needs a capability the target lacks, or a
// state its Control cannot set, is skipped with the reason; a refusal the
// target's table does not map is skipped too. A scenario fails with an
// error in the form of v2proto's, such as
//
//	PUT /v2/ns/repo/manifests/latest = 400 MANIFEST_INVALID, want 201 (put-manifest)
//
// and the test names the requirement it checks and the origin test.
package conformance
