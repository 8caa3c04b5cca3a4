package examples_test

import (
	"slices"
	"testing"

	"github.com/registrytest/registrytest/conformance"
	"github.com/registrytest/registrytest/examples/internal/conftarget"
	"github.com/registrytest/registrytest/examples/internal/distv3"
)

// TestRegistryConformance is what a registry project's integration test
// looks like: start the registry (here distribution v3 in-process, with
// token auth and a user per role), describe it as a conformance.Target, and
// let conformance.Run add one subtest per scenario, selectable by ID:
//
//	go test ./examples -run 'TestRegistryConformance/blob-'
//
// The target lists what the registry supports (scenarios needing anything
// else are skipped, with the reason), the failures table that says how it
// answers refusals, and a Control through which scenarios make it read-only
// or make a repository public.
//
// A registry project passes no option and gets every scenario; this
// example runs three areas only, because internal/itest runs the whole
// suite against the same registry already.
func TestRegistryConformance(t *testing.T) {
	reg := distv3.Start(t, conftarget.Options()) // stopped by t.Cleanup
	target, err := conftarget.New(t.Context(), reg)
	if err != nil {
		t.Fatal(err)
	}

	// A target of your own is a plain struct, for example:
	//
	//	target := &conformance.Target{
	//		Name:  "myregistry",
	//		URL:   srv.URL,
	//		Table: failures.Distribution,
	//		Users: map[conformance.Role]conformance.User{
	//			conformance.Owner: {Name: "alice", Password: "secret", Namespace: "alice"},
	//		},
	//		Capabilities: []conformance.Capability{conformance.Auth, conformance.Token, conformance.Delete},
	//	}
	conformance.Run(t, func(t *testing.T) *conformance.Target {
		tt := *target // one copy per subtest, logging to it
		tt.Logf = t.Logf
		return &tt
	}, conformance.WithScenarios(slices.DeleteFunc(conformance.Scenarios(), func(s conformance.Scenario) bool {
		return s.Area != "Auth & names" && s.Area != "Blob upload styles" && s.Area != "Registry/repository states"
	})))
}
