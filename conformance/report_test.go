package conformance

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// levelReport is a report with one result of each outcome.
func levelReport() *Report {
	return &Report{
		Target: "fake", URL: "http://127.0.0.1:1", Start: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Duration: 1500 * time.Millisecond,
		States: []State{StateRegistryReadOnly},
		Results: []Result{
			{ID: "ok", Area: "Blob upload styles", Outcome: Passed, Requirement: reqMust, Duration: time.Millisecond},
			{ID: "must", Area: "Blob upload styles", Outcome: Failed, Requirement: reqMust, Detail: "PUT /v2/r/blobs/uploads/x = 202, want 201 (finish-upload)", Duration: 2 * time.Millisecond},
			{ID: "should", Param: "s2", Area: "Blob upload styles", Outcome: Warned, Requirement: reqShould, Detail: "HEAD /v2/r/blobs/d: no Docker-Content-Digest"},
			{ID: "may", Area: "Blob upload styles", Outcome: Skipped, Requirement: reqMay, Detail: "optional (MAY): POST ?digest= = 202, want 201"},
			{ID: "needs", Area: "Referrers", Outcome: Skipped, Detail: "the target lacks capability referrers"},
			{ID: "panics", Area: "Referrers", Outcome: Failed, Detail: "panic: boom"},
		},
	}
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := levelReport().WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `Control: sets registry-readonly (RegistryReadOnly)

SCENARIO   RESULT  TIME  REQUIREMENT                                         DETAIL
ok         pass    1ms   MUST (OCI distribution-spec v1.1, Pushing blobs)
must       FAIL    2ms   MUST (OCI distribution-spec v1.1, Pushing blobs)    PUT /v2/r/blobs/uploads/x = 202, want 201 (finish-upload)
should/s2  WARN    0s    SHOULD (OCI distribution-spec v1.1, Pulling blobs)  HEAD /v2/r/blobs/d: no Docker-Content-Digest
may        skip    0s    MAY (OCI distribution-spec v1.1, Single POST)       optional (MAY): POST ?digest= = 202, want 201
needs      skip    0s    -                                                   the target lacks capability referrers
panics     FAIL    0s    -                                                   panic: boom

FAIL must
    requirement: MUST (OCI distribution-spec v1.1, Pushing blobs): The registry MUST answer 201.
    https://example.com/spec#pushing-blobs
    PUT /v2/r/blobs/uploads/x = 202, want 201 (finish-upload)

FAIL panics
    panic: boom

WARN should/s2
    requirement: SHOULD (OCI distribution-spec v1.1, Pulling blobs): A response SHOULD carry Docker-Content-Digest.
    HEAD /v2/r/blobs/d: no Docker-Content-Digest

2 passed, 2 failed, 2 skipped, 1 warnings
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteText mismatch (-want +got):\n%s", diff)
	}
}

// TestWriteTextClosingLine checks that the closing line keeps its old form
// when nothing warned, and names the target's error.
func TestWriteTextClosingLine(t *testing.T) {
	rep := &Report{Results: []Result{{ID: "a", Outcome: Passed}}, Err: errors.New("Control struct {} implements none of the state interfaces")}
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if got, want := lastLine(b.String()), "1 passed, 0 failed, 0 skipped"; got != want {
		t.Errorf("WriteText last line = %q, want %q", got, want)
	}
	if !strings.Contains(b.String(), "\nFAIL target\n    Control struct {} implements none of the state interfaces\n") {
		t.Errorf("WriteText = %q, want a FAIL target paragraph with the error", b.String())
	}
	if !rep.Failed() {
		t.Errorf("Failed() = false with Err set, want true")
	}
}

func TestWriteJUnit(t *testing.T) {
	var b bytes.Buffer
	rep := levelReport()
	rep.Err = errors.New("Control x implements none of the state interfaces")
	if err := rep.WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("xml.Unmarshal(WriteJUnit output): %v\n%s", err, b.String())
	}
	mustBody := "MUST (OCI distribution-spec v1.1, Pushing blobs): The registry MUST answer 201.\nhttps://example.com/spec#pushing-blobs\n\n"
	want := junitSuites{
		XMLName: xml.Name{Local: "testsuites"},
		Suites: []junitSuite{{
			Name: "registrytest conformance: fake", Tests: 7, Failures: 3, Skipped: 2, Time: "1.500", Timestamp: "2026-01-02T03:04:05Z",
			Props: []junitProp{{"url", "http://127.0.0.1:1"}, {"control", "sets registry-readonly (RegistryReadOnly)"}},
			Cases: []junitCase{
				{Name: "ok", Classname: "conformance.blob-upload-styles", Time: "0.001"},
				{Name: "must", Classname: "conformance.blob-upload-styles", Time: "0.002", Failure: &junitMessage{
					Message: "PUT /v2/r/blobs/uploads/x = 202, want 201 (finish-upload)", Type: "MUST",
					Text: mustBody + "PUT /v2/r/blobs/uploads/x = 202, want 201 (finish-upload)"}},
				{Name: "should/s2", Classname: "conformance.blob-upload-styles", Time: "0.000",
					SystemOut: "WARNING: SHOULD (OCI distribution-spec v1.1, Pulling blobs): A response SHOULD carry Docker-Content-Digest.\n\nHEAD /v2/r/blobs/d: no Docker-Content-Digest"},
				{Name: "may", Classname: "conformance.blob-upload-styles", Time: "0.000", Skipped: &junitMessage{
					Message: "optional (MAY): POST ?digest= = 202, want 201",
					Text:    "MAY (OCI distribution-spec v1.1, Single POST): Registries MAY support it.\n\noptional (MAY): POST ?digest= = 202, want 201"}},
				{Name: "needs", Classname: "conformance.referrers", Time: "0.000", Skipped: &junitMessage{Message: "the target lacks capability referrers"}},
				{Name: "panics", Classname: "conformance.referrers", Time: "0.000", Failure: &junitMessage{Message: "panic: boom", Type: "MUST", Text: "panic: boom"}},
				{Name: "target", Classname: "conformance.target", Time: "0.000", Failure: &junitMessage{
					Message: "Control x implements none of the state interfaces", Type: "target", Text: "Control x implements none of the state interfaces"}},
			},
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("WriteJUnit mismatch (-want +got):\n%s", diff)
	}
}
