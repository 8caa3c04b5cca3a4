package conformance

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeScenarios exercise the runner without a registry: they never touch
// the network.
func fakeScenarios(order *[]string) []Scenario {
	note := func(s string) { *order = append(*order, s) }
	return []Scenario{
		{ID: "ok", Area: "A", Run: func(e *Env) error { note("ok"); return nil }},
		{ID: "bad", Area: "A", Run: func(e *Env) error { note("bad"); return errors.New("GET /v2/ = 500, want 200 (ping)") }},
		{ID: "skips", Area: "A", Run: func(e *Env) error { note("skips"); return e.Skip("unsupported: %s", "post-digest") }},
		{ID: "needs", Area: "B", Needs: []Capability{Referrers}, Run: func(e *Env) error { note("needs"); return nil }},
		{ID: "state", Area: "B", States: []State{StateRegistryReadOnly}, Run: func(e *Env) error { note("state"); return nil }},
		{ID: "panics", Area: "B", Run: func(e *Env) error { note("panics"); panic("boom") }},
		{ID: "params", Area: "B", Params: []string{"x", "y"}, Run: func(e *Env) error {
			note("params/" + e.Param)
			if e.Param == "y" {
				return errors.New("y is wrong")
			}
			return nil
		}},
		{ID: "alone", Area: "C", Alone: true, Run: func(e *Env) error { note("alone"); return nil }},
	}
}

func TestCheck(t *testing.T) {
	var order []string
	target := &Target{Name: "fake", URL: "http://127.0.0.1:1"}
	rep := Check(context.Background(), target, WithScenarios(fakeScenarios(&order)))
	type row struct{ Name, Outcome, Detail string }
	var got []row
	for _, r := range rep.Results {
		got = append(got, row{r.Name(), string(r.Outcome), r.Detail})
	}
	want := []row{
		{"ok", "pass", ""},
		{"bad", "FAIL", "GET /v2/ = 500, want 200 (ping)"},
		{"skips", "skip", "unsupported: post-digest"},
		{"needs", "skip", "the target lacks capability referrers"},
		{"state", "skip", "the target's Control cannot set state registry-readonly"},
		{"panics", "FAIL", "panic: boom"},
		{"params/x", "pass", ""},
		{"params/y", "FAIL", "y is wrong"},
		{"alone", "pass", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Check results mismatch (-want +got):\n%s", diff)
	}
	// The Alone scenario runs first; needs-skipped ones never run.
	wantOrder := []string{"alone", "ok", "bad", "skips", "panics", "params/x", "params/y"}
	if diff := cmp.Diff(wantOrder, order); diff != "" {
		t.Errorf("Check run order mismatch (-want +got):\n%s", diff)
	}
	if p, f, s := rep.Counts(); p != 3 || f != 3 || s != 3 {
		t.Errorf("Counts() = %d, %d, %d, want 3, 3, 3", p, f, s)
	}

	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if last := lastLine(text.String()); last != "3 passed, 3 failed, 3 skipped" {
		t.Errorf("WriteText last line = %q, want %q", last, "3 passed, 3 failed, 3 skipped")
	}
	if !strings.Contains(text.String(), "params/y") {
		t.Errorf("WriteText = %q, want a row for params/y", text.String())
	}

	var junit bytes.Buffer
	if err := rep.WriteJUnit(&junit); err != nil {
		t.Fatal(err)
	}
	var back junitSuites
	if err := xml.Unmarshal(junit.Bytes(), &back); err != nil {
		t.Fatalf("xml.Unmarshal(WriteJUnit output): %v\n%s", err, junit.String())
	}
	if len(back.Suites) != 1 || back.Suites[0].Tests != 9 || back.Suites[0].Failures != 3 || back.Suites[0].Skipped != 3 || len(back.Suites[0].Cases) != 9 {
		t.Errorf("WriteJUnit = %+v, want one suite of 9 cases, 3 failures, 3 skipped", back.Suites)
	}
}

func TestCheckMatch(t *testing.T) {
	var order []string
	rep := Check(context.Background(), &Target{Name: "fake"}, WithScenarios(fakeScenarios(&order)), Match(regexp.MustCompile(`^params/y$`)))
	if len(rep.Results) != 1 || rep.Results[0].Name() != "params/y" {
		t.Errorf("Check(Match(^params/y$)) ran %v, want only params/y", order)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	kebab := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	for _, s := range Scenarios() {
		if !kebab.MatchString(s.ID) {
			t.Errorf("scenario ID %q is not kebab-case", s.ID)
		}
		if seen[s.ID] {
			t.Errorf("scenario ID %q appears twice", s.ID)
		}
		seen[s.ID] = true
		if s.Area == "" || s.Explain == "" || s.Origin == "" || s.Run == nil {
			t.Errorf("scenario %q lacks an Area, Explain, Origin or Run", s.ID)
		}
		for _, p := range s.Params {
			if !kebab.MatchString(p) {
				t.Errorf("scenario %q: param %q is not kebab-case", s.ID, p)
			}
		}
	}
}
