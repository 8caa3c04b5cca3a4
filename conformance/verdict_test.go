package conformance

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/registrytest/registrytest/failures"
)

var (
	reqMust   = Requirement{Level: Must, Source: OCIDistribution, Section: "Pushing blobs", URL: "https://example.com/spec#pushing-blobs", Text: "The registry MUST answer 201."}
	reqShould = Requirement{Level: Should, Source: OCIDistribution, Section: "Pulling blobs", Text: "A response SHOULD carry Docker-Content-Digest."}
	reqMay    = Requirement{Level: May, Source: OCIDistribution, Section: "Single POST", Text: "Registries MAY support it."}
	reqDocker = Requirement{Level: Must, Source: DockerAPI, Section: "Initiate Blob Upload", Text: "Docker-Upload-UUID is set."}
	reqQuay   = Requirement{Level: Must, Source: QuayBehaviour, Section: "test_push_reponame", Text: "a 256-character name is refused"}
	reqDist   = Requirement{Level: Must, Source: DistributionBehaviour, Text: "405 UNSUPPORTED"}
)

func TestJudge(t *testing.T) {
	quay := &Target{Table: failures.Quay}
	dist := &Target{Table: failures.Distribution}
	distDerived := &Target{Table: failures.Distribution.WithSuccess(failures.CancelUpload, 202)}
	nilTable := &Target{}
	oci := &Target{Table: failures.OCI}
	ociDocker := &Target{Table: failures.OCI, Capabilities: []Capability{Docker}}
	plain := errors.New("GET /v2/ = 500, want 200 (ping)")

	tests := []struct {
		name     string
		requires []Requirement
		err      error
		target   *Target
		strict   bool
		want     Outcome
		wantReq  Requirement
	}{
		{"no requirement is a MUST", nil, plain, oci, false, Failed, Requirement{}},
		{"MUST fails", []Requirement{reqMust}, plain, oci, false, Failed, reqMust},
		{"MUST NOT fails", []Requirement{{Level: MustNot, Source: OCIImage, Text: "x"}}, plain, oci, false, Failed, Requirement{Level: MustNot, Source: OCIImage, Text: "x"}},
		{"unknown level fails", []Requirement{{Level: "MUTS", Source: OCIImage}}, plain, oci, false, Failed, Requirement{Level: "MUTS", Source: OCIImage}},
		{"SHOULD warns", []Requirement{reqShould}, plain, oci, false, Warned, reqShould},
		{"SHOULD NOT warns", []Requirement{{Level: ShouldNot, Source: OCIDistribution}}, plain, oci, false, Warned, Requirement{Level: ShouldNot, Source: OCIDistribution}},
		{"SHOULD fails when strict", []Requirement{reqShould}, plain, oci, true, Failed, reqShould},
		{"MAY skips", []Requirement{reqMay}, plain, oci, false, Skipped, reqMay},
		{"MAY skips when strict", []Requirement{reqMay}, plain, oci, true, Skipped, reqMay},
		{"first requirement judges", []Requirement{reqShould, reqMust}, plain, oci, false, Warned, reqShould},
		{"violation judges", []Requirement{reqShould}, (&Env{}).Violates(reqMust, plain), oci, false, Failed, reqMust},
		{"wrapped violation judges", []Requirement{reqMust}, fmt.Errorf("push: %w", (&Env{}).Violates(reqShould, plain)), oci, false, Warned, reqShould},
		{"Docker warns on OCI", []Requirement{reqDocker}, plain, oci, false, Warned, reqDocker},
		{"Docker warns on OCI, strict too", []Requirement{reqDocker}, plain, oci, true, Warned, reqDocker},
		{"Docker fails on docker capability", []Requirement{reqDocker}, plain, ociDocker, false, Failed, reqDocker},
		{"Docker fails on Distribution", []Requirement{reqDocker}, plain, dist, false, Failed, reqDocker},
		{"Docker fails on nil table", []Requirement{reqDocker}, plain, nilTable, false, Failed, reqDocker},
		{"Docker warns on Quay", []Requirement{reqDocker}, plain, quay, false, Warned, reqDocker},
		{"Quay fails on Quay", []Requirement{reqQuay}, plain, quay, false, Failed, reqQuay},
		{"Quay warns on Distribution", []Requirement{reqQuay}, plain, dist, false, Warned, reqQuay},
		{"Quay warns on docker capability", []Requirement{reqQuay}, plain, ociDocker, false, Warned, reqQuay},
		{"distribution fails on Distribution", []Requirement{reqDist}, plain, dist, false, Failed, reqDist},
		{"distribution fails on a table derived from Distribution", []Requirement{reqDist}, plain, distDerived, false, Failed, reqDist},
		{"distribution warns on Quay", []Requirement{reqDist}, plain, quay, false, Warned, reqDist},
		{"Quay SHOULD warns on Quay", []Requirement{{Level: Should, Source: QuayBehaviour}}, plain, quay, false, Warned, Requirement{Level: Should, Source: QuayBehaviour}},
		{"Quay MAY skips on OCI", []Requirement{{Level: May, Source: QuayBehaviour}}, plain, oci, false, Skipped, Requirement{Level: May, Source: QuayBehaviour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Scenario{ID: "x", Requires: tt.requires}
			v := judge(s, tt.err, tt.target, tt.strict)
			if v.outcome != tt.want {
				t.Errorf("judge(%v, %v, table %q, strict %v) outcome = %s, want %s", tt.requires, tt.err, tt.target.tableName(), tt.strict, v.outcome, tt.want)
			}
			if diff := cmp.Diff(tt.wantReq, v.requirement); diff != "" {
				t.Errorf("judge requirement mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// levelScenarios return an error judged by each kind of requirement.
func levelScenarios() []Scenario {
	fail := func(e *Env) error { return errors.New("PUT /v2/r/blobs/uploads/x = 202, want 201 (finish-upload)") }
	return []Scenario{
		{ID: "must", Area: "A", Requires: []Requirement{reqMust}, Run: fail},
		{ID: "should", Area: "A", Requires: []Requirement{reqShould}, Run: fail},
		{ID: "may", Area: "A", Requires: []Requirement{reqMay}, Run: fail},
		{ID: "quay", Area: "A", Requires: []Requirement{reqQuay}, Run: fail},
		{ID: "violation", Area: "B", Requires: []Requirement{reqMust}, Run: func(e *Env) error {
			return e.Violates(reqShould, errors.New("HEAD /v2/r/blobs/d = 200 without Docker-Content-Digest"))
		}},
		{ID: "ok", Area: "B", Requires: []Requirement{reqMust}, Run: func(e *Env) error { return nil }},
		{ID: "known-should", Area: "B", Requires: []Requirement{reqShould}, Run: fail},
		{ID: "needs", Area: "B", Requires: []Requirement{reqMust}, Needs: []Capability{Referrers}, Run: fail},
	}
}

type levelRow struct {
	Name        string
	Outcome     Outcome
	Detail      string
	Requirement Requirement
}

func levelRows(rep *Report) []levelRow {
	var rows []levelRow
	for _, r := range rep.Results {
		rows = append(rows, levelRow{r.Name(), r.Outcome, r.Detail, r.Requirement})
	}
	return rows
}

func TestCheckLevels(t *testing.T) {
	const fin = "PUT /v2/r/blobs/uploads/x = 202, want 201 (finish-upload)"
	target := &Target{Name: "fake", URL: "http://127.0.0.1:1", Table: failures.Distribution,
		Known: map[string]string{"known-should": "sends no digest"}}
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprintf("strict=%v", strict), func(t *testing.T) {
			opts := []Option{WithScenarios(levelScenarios())}
			shouldOutcome := Warned
			if strict {
				opts = append(opts, Strict())
				shouldOutcome = Failed
			}
			rep := Check(context.Background(), target, opts...)
			want := []levelRow{
				{"must", Failed, fin, reqMust},
				{"should", shouldOutcome, fin, reqShould},
				{"may", Skipped, "optional (MAY): " + fin, reqMay},
				{"quay", Warned, "Quay's behaviour, and the target is not judged by failures.Quay: " + fin, reqQuay},
				{"violation", shouldOutcome, "HEAD /v2/r/blobs/d = 200 without Docker-Content-Digest", reqShould},
				{"ok", Passed, "", reqMust},
				{"known-should", Skipped, "known deviation: sends no digest: " + fin, reqShould},
				{"needs", Skipped, "the target lacks capability referrers", reqMust},
			}
			if diff := cmp.Diff(want, levelRows(rep)); diff != "" {
				t.Errorf("Check(strict %v) mismatch (-want +got):\n%s", strict, diff)
			}
			wantCounts := [4]int{4, 1, 3, 3}
			if strict {
				wantCounts = [4]int{2, 3, 3, 1}
			}
			p, f, s := rep.Counts()
			if got := [4]int{p, f, s, rep.Warnings()}; got != wantCounts {
				t.Errorf("Counts(), Warnings() = %v, want %v", got, wantCounts)
			}
			if got := rep.Failed(); !got {
				t.Errorf("Failed() = false, want true")
			}
			for _, r := range rep.Results {
				if r.Outcome != Passed && r.ID != "needs" && r.Err == nil {
					t.Errorf("%s: Err = nil, want the scenario's error", r.Name())
				}
			}
		})
	}
}

// TestCheckWarningsOnly checks that a scenario whose target is wrong (a URL
// Check cannot use) fails whatever its level, judged by no requirement.
func TestCheckWarningsOnly(t *testing.T) {
	list := []Scenario{{ID: "should", Area: "A", Requires: []Requirement{reqShould}, Run: func(e *Env) error { return errors.New("no digest") }}}
	bad := Check(context.Background(), &Target{Name: "fake", URL: "ftp://x"}, WithScenarios(list))
	if got := bad.Results[0]; got.Outcome != Failed || got.Requirement != (Requirement{}) {
		t.Errorf("Check(URL ftp://x) = %s judged by %v (%s), want FAIL judged by no requirement", got.Outcome, got.Requirement, got.Detail)
	}
}

// TestCheckWarnings checks that a report whose scenarios only warn has not
// failed, and keeps the scenario's error.
func TestCheckWarnings(t *testing.T) {
	list := []Scenario{{ID: "should", Area: "A", Requires: []Requirement{reqShould}, Run: func(e *Env) error { return errors.New("no digest") }}}
	rep := Check(context.Background(), &Target{Name: "fake", URL: "http://127.0.0.1:1"}, WithScenarios(list))
	if rep.Failed() {
		t.Errorf("Failed() = true for %+v, want false", rep.Results)
	}
	if err := rep.Results[0].Err; err == nil || err.Error() != "no digest" {
		t.Errorf("Results[0].Err = %v, want no digest", err)
	}
}
