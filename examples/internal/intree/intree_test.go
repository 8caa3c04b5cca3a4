package intree

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/registrytest/registrytest/conformance"
)

// TestRunMatrix checks that RunMatrix runs each registry, leaves out one
// that is not installed with a note, and returns the error of one that
// cannot start beside the matrix of the others.
func TestRunMatrix(t *testing.T) {
	fake := func(name string, err error) Registry {
		return Registry{Name: name, CapNote: "declared by the test", Start: func(ctx context.Context, logw io.Writer) (*conformance.Target, func(), error) {
			if err != nil {
				return nil, nil, err
			}
			return &conformance.Target{Name: "fake-" + name, URL: "http://127.0.0.1:1", Capabilities: []conformance.Capability{conformance.Delete}}, func() {}, nil
		}}
	}
	list := []conformance.Scenario{{ID: "ok", Area: "A", Run: func(e *conformance.Env) error { return nil }}}
	regs := []Registry{
		fake("a", nil),
		fake("missing", fmt.Errorf("%w (apt-get install x)", ErrMissing)),
		fake("broken", errors.New("no port")),
		fake("b", nil),
	}
	var log bytes.Buffer
	var each []string
	m, err := RunMatrix(context.Background(), regs, "cmd", &log, func(r Registry, rep *conformance.Report) { each = append(each, r.Name) }, conformance.WithScenarios(list))
	if err == nil || !strings.Contains(err.Error(), "broken: no port") {
		t.Errorf("RunMatrix error = %v, want broken's", err)
	}
	var got []string
	for _, rep := range m.Reports {
		got = append(got, rep.Target+" "+rep.CapabilityNotes[conformance.Delete])
	}
	if diff := cmp.Diff([]string{"fake-a declared by the test", "fake-b declared by the test"}, got); diff != "" {
		t.Errorf("RunMatrix reports (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a", "b"}, each); diff != "" {
		t.Errorf("RunMatrix called each with (-want +got):\n%s", diff)
	}
	if !strings.Contains(log.String(), "matrix: missing: not installed (apt-get install x): left out") {
		t.Errorf("RunMatrix log = %q, want a note on the missing registry", log.String())
	}
	if m.Command != "cmd" {
		t.Errorf("Command = %q, want cmd", m.Command)
	}
}

func TestNames(t *testing.T) {
	if diff := cmp.Diff([]string{"v3", "v2.8", "debian"}, Names()[:3]); diff != "" {
		t.Errorf("Names() (-want +got):\n%s", diff)
	}
}
