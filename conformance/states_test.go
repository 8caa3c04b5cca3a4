package conformance

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readOnlyControl sets the registry-readonly and preloaded states.
type readOnlyControl struct{}

func (readOnlyControl) SetRegistryReadOnly(ctx context.Context, readOnly bool) error { return nil }
func (readOnlyControl) Preloaded() PreloadedContent                                  { return PreloadedContent{} }

// wrongControl means to set registry-readonly but forgot the context.
type wrongControl struct{}

func (wrongControl) SetRegistryReadOnly(readOnly bool) error { return nil }

// halfControl sets make-public, and means to set anonymous-off with a
// wrong signature.
type halfControl struct{}

func (halfControl) MakePublic(ctx context.Context, repo string) error { return nil }
func (halfControl) SetAnonymousAccess(ctx context.Context, on string) error {
	return nil
}

// ptrControl has its methods on the pointer.
type ptrControl struct{}

func (*ptrControl) SetPublicCatalog(ctx context.Context, public bool) error { return nil }

func TestControlStates(t *testing.T) {
	tests := []struct {
		name    string
		control any
		want    []State
		wantErr []string // substrings of the error, nil for no error
	}{
		{"nil", nil, nil, nil},
		{"two states", readOnlyControl{}, []State{StateRegistryReadOnly, StatePreloaded}, nil},
		{"pointer", &ptrControl{}, []State{StateCatalogVisibility}, nil},
		{"none", struct{}{}, nil, []string{"Control struct {} implements none of the state interfaces (RegistryReadOnly, PublicRepos,"}},
		{"wrong signature", wrongControl{}, nil, []string{
			"Control conformance.wrongControl implements none of the state interfaces",
			"Control conformance.wrongControl does not implement conformance.RegistryReadOnly (state registry-readonly): its method SetRegistryReadOnly is func(bool) error, want func(context.Context, bool) error",
		}},
		{"half", halfControl{}, []State{StateMakePublic}, []string{
			"its method SetAnonymousAccess is func(context.Context, string) error, want func(context.Context, bool) error",
		}},
		{"pointer receiver", ptrControl{}, nil, []string{
			"its method SetPublicCatalog has a pointer receiver: set Control to a *conformance.ptrControl",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := &Target{Control: tt.control}
			got, err := target.ControlStates()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ControlStates() states mismatch (-want +got):\n%s", diff)
			}
			switch {
			case tt.wantErr == nil && err != nil:
				t.Errorf("ControlStates() error = %v, want nil", err)
			case tt.wantErr != nil && err == nil:
				t.Errorf("ControlStates() error = nil, want one saying %q", tt.wantErr)
			case err != nil:
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("ControlStates() error = %q, want it to say %q", err, w)
					}
				}
			}
		})
	}
}

// TestCheckControl checks that Check reports the Control's states, fails
// the report on a Control that sets none, and skips a scenario needing a
// state with the reason the Control cannot set it.
func TestCheckControl(t *testing.T) {
	list := []Scenario{{ID: "ro", Area: "A", States: []State{StateRegistryReadOnly}, Run: func(e *Env) error { return nil }}}
	good := Check(context.Background(), &Target{Name: "fake", URL: "http://127.0.0.1:1", Control: readOnlyControl{}}, WithScenarios(list))
	if good.Err != nil || good.Failed() {
		t.Errorf("Check(readOnlyControl) Err = %v, Failed() = %v, want nil, false", good.Err, good.Failed())
	}
	if diff := cmp.Diff([]State{StateRegistryReadOnly, StatePreloaded}, good.States); diff != "" {
		t.Errorf("Check(readOnlyControl).States mismatch (-want +got):\n%s", diff)
	}
	if got := good.Results[0].Outcome; got != Passed {
		t.Errorf("Check(readOnlyControl) ro = %s, want pass", got)
	}

	bad := Check(context.Background(), &Target{Name: "fake", URL: "http://127.0.0.1:1", Control: wrongControl{}}, WithScenarios(list))
	if bad.Err == nil || !bad.Failed() {
		t.Errorf("Check(wrongControl) Err = %v, Failed() = %v, want an error, true", bad.Err, bad.Failed())
	}
	wantSkip := "the target's Control cannot set state registry-readonly: Control conformance.wrongControl does not implement " +
		"conformance.RegistryReadOnly (state registry-readonly): its method SetRegistryReadOnly is func(bool) error, want func(context.Context, bool) error"
	if got := bad.Results[0]; got.Outcome != Skipped || got.Detail != wantSkip {
		t.Errorf("Check(wrongControl) ro = %s %q, want skip %q", got.Outcome, got.Detail, wantSkip)
	}
	if p, f, s := bad.Counts(); p != 0 || f != 0 || s != 1 {
		t.Errorf("Check(wrongControl).Counts() = %d, %d, %d, want 0, 0, 1 (the target's error is not a scenario's)", p, f, s)
	}
	var text strings.Builder
	if err := bad.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "FAIL target\n    Control conformance.wrongControl implements none") {
		t.Errorf("WriteText = %q, want a FAIL target paragraph", text.String())
	}
}

// TestRunControlLog checks that Run calls newTarget once more before the
// scenarios, to check the target (what it logs then is TestRunReports'),
// on a target whose Control is right.
func TestRunControlLog(t *testing.T) {
	calls := 0
	Run(t, func(t *testing.T) *Target {
		calls++
		return &Target{Name: "fake", URL: "http://127.0.0.1:1", Control: readOnlyControl{}}
	}, WithScenarios([]Scenario{{ID: "ok", Area: "A", Alone: true, Run: func(e *Env) error { return nil }}}))
	if calls != 2 {
		t.Errorf("Run called newTarget %d times, want 2 (once to check the target, once for the subtest)", calls)
	}
}

func TestHasUntagged(t *testing.T) {
	tests := []struct {
		caps []Capability
		want bool
	}{
		{nil, true},
		{[]Capability{Untagged}, true},
		{[]Capability{HidesUntagged}, false},
		{[]Capability{Untagged, HidesUntagged}, false},
	}
	for _, tt := range tests {
		target := &Target{Capabilities: tt.caps}
		if got := target.Has(Untagged); got != tt.want {
			t.Errorf("Target{Capabilities: %v}.Has(Untagged) = %v, want %v", tt.caps, got, tt.want)
		}
		if got := target.Has(HidesUntagged); got == tt.want {
			t.Errorf("Target{Capabilities: %v}.Has(HidesUntagged) = %v, want %v", tt.caps, got, !tt.want)
		}
	}
}

// TestRunReports runs Run in a child test process (so that its failures do
// not fail this test) and checks what it reports: a wrong Control as an
// error of the parent test, a SHOULD as a logged warning, or as a failure
// under Strict.
func TestRunReports(t *testing.T) {
	if os.Getenv("CONFORMANCE_RUN_CHILD") != "" {
		t.Skip("the child's own test")
	}
	for _, tt := range []struct {
		mode      string
		wantFail  bool
		wantLines []string
	}{
		{"lenient", true, []string{
			"conformance: target fake at http://127.0.0.1:1: Control conformance.wrongControl: sets no state",
			"conformance: Control conformance.wrongControl implements none of the state interfaces",
			"warning: should: no Docker-Content-Digest",
			"requirement: SHOULD (OCI distribution-spec v1.1, Pulling blobs): A response SHOULD carry Docker-Content-Digest.",
			"--- PASS: TestRunChild/should",
			"--- FAIL: TestRunChild (",
		}},
		{"strict", true, []string{
			"--- FAIL: TestRunChild/should",
			"should: no Docker-Content-Digest",
		}},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestRunChild$", "-test.v")
			cmd.Env = append(os.Environ(), "CONFORMANCE_RUN_CHILD="+tt.mode)
			out, err := cmd.CombinedOutput()
			if failed := err != nil; failed != tt.wantFail {
				t.Errorf("child test failed = %v (%v), want %v\n%s", failed, err, tt.wantFail, out)
			}
			for _, l := range tt.wantLines {
				if !strings.Contains(string(out), l) {
					t.Errorf("child test output lacks %q:\n%s", l, out)
				}
			}
		})
	}
}

// TestRunChild is the child of TestRunReports.
func TestRunChild(t *testing.T) {
	mode := os.Getenv("CONFORMANCE_RUN_CHILD")
	if mode == "" {
		t.Skip("run by TestRunReports")
	}
	var opts []Option
	if mode == "strict" {
		opts = append(opts, Strict())
	}
	control := any(wrongControl{})
	if mode == "strict" {
		control = readOnlyControl{}
	}
	opts = append(opts, WithScenarios([]Scenario{{ID: "should", Area: "A", Requires: []Requirement{reqShould},
		Run: func(e *Env) error { return errors.New("no Docker-Content-Digest") }}}))
	Run(t, func(t *testing.T) *Target {
		return &Target{Name: "fake", URL: "http://127.0.0.1:1", Control: control}
	}, opts...)
}
