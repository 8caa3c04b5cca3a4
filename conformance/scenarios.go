package conformance

import "slices"

// Scenarios returns the scenarios of the suite in the order of the
// catalogue (SCENARIOS.md), a fresh slice each call.
func Scenarios() []Scenario {
	auth, more := authScenarios(), moreAuthScenarios()
	// auth-credential-kinds comes after auth-login-bad in the catalogue.
	i := slices.IndexFunc(auth, func(s Scenario) bool { return s.ID == "auth-login-bad" }) + 1
	auth = slices.Concat(auth[:i], more[:1], auth[i:])
	list := slices.Concat(
		auth,
		more[1:],
		blobScenarios(),
		chunkScenarios(),
		mountScenarios(),
		manifestScenarios(),
		ociScenarios(),
		listScenarios(),
		negotiationScenarios(),
		validationScenarios(),
		deleteScenarios(),
		tagScenarios(),
		catalogScenarios(),
		referrersScenarios(),
		stateScenarios(),
		dockerScenarios(),
	)
	slices.SortStableFunc(list, func(a, b Scenario) int {
		return slices.Index(Areas(), a.Area) - slices.Index(Areas(), b.Area)
	})
	return list
}

// Areas returns the areas of the catalogue, in its order.
func Areas() []string {
	return []string{
		areaAuth, areaBlobs, areaChunks, areaMount, areaCancel, areaReads, areaSchema2, areaSchema1, areaOCI,
		areaLists, areaNegotiation, areaUnicode, areaValidation, areaDelete, areaTags, areaCatalog, areaReferrers,
		areaStates, areaSHA512, areaDocker,
	}
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
