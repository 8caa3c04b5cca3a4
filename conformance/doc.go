// Package conformance is a registry conformance suite that registry
// projects import into their own tests: the V2 scenarios of Quay's
// registry_tests and the checks of the OCI distribution-spec conformance
// program (110 scenarios) and 7 of its own, written once as data over
// package v2proto, each naming the requirements it enforces.
// SCENARIOS.md, at the root of the repository, is the catalogue, by ID:
// what each scenario checks, the requirements it enforces (quoted, with
// level and source), its capabilities, states and origin. It is generated
// from Scenarios() (go test ./conformance -run TestScenariosMD -update).
//
// A registry is described by a Target: its URL, users by Role, the
// Capabilities it has, the failures table that says how it answers
// refusals, an optional Control that puts it into states (read-only,
// public repositories, ...; see AllStates and the interfaces of states.go),
// and its Known deviations. Run adds one subtest per scenario, and per
// parameter (ID/param), to a test, so that go test's -run selects them:
//
//	conformance.Run(t, func(t *testing.T) *conformance.Target { return target })
//
// Check runs the same scenarios outside go test and returns a Report,
// written as a text table (WriteText) or JUnit XML (WriteJUnit). Both say
// first which states the Control can set, and report a non-nil Control that
// can set none (or has a state method with the wrong signature) as an error
// (Target.ControlStates).
//
// Every scenario creates what it needs on fresh repository names
// (<namespace of the role>/<scenario>-<random>) and relies on no other
// scenario. A scenario that needs a capability the target lacks, or a
// state its Control cannot set, is skipped with the reason; a refusal the
// target's table does not map is skipped too. A scenario reports what went
// wrong with an error in the form of v2proto's, such as
//
//	PUT /v2/ns/repo/manifests/latest = 400 MANIFEST_INVALID, want 201 (put-manifest)
//
// and the error is judged by the Requirement it breaks (the one a
// *Violation names, else the scenario's first): a MUST fails the scenario;
// a SHOULD passes it with a warning (Outcome Warned), unless the run is
// Strict; a MAY skips it, since what the spec leaves to the registry is a
// Capability. The Docker Registry HTTP API and a named registry's behaviour
// (Quay, distribution) bind only a target that claims that compatibility
// (capability Docker) or is judged by that registry's table; elsewhere
// they warn. Failures and warnings name the requirement, its level, its
// source and the sentence.
package conformance
