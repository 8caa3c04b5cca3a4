package conformance

import "slices"

// Scenarios returns the scenarios of the suite in the order of the
// catalogue (SCENARIOS.md), a fresh slice each call.
func Scenarios() []Scenario {
	return slices.Concat(
		authScenarios(),
	)
}

// Lookup returns the scenario with the given ID.
func Lookup(id string) (Scenario, bool) {
	for _, s := range Scenarios() {
		if s.ID == id {
			return s, true
		}
	}
	return Scenario{}, false
}
