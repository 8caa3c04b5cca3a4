// Package intree runs the conformance suite on every in-tree registry, for
// the compatibility matrix (examples/matrix, and examples/conformance
// -registry all).
package intree

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"time"

	"github.com/registrytest/registrytest/conformance"
	"github.com/registrytest/registrytest/examples/internal/conftarget"
	"github.com/registrytest/registrytest/examples/internal/cuereg"
	"github.com/registrytest/registrytest/examples/internal/debianreg"
	"github.com/registrytest/registrytest/examples/internal/distv3"
	"github.com/registrytest/registrytest/examples/internal/ggcrreg"
	"github.com/registrytest/registrytest/examples/internal/testreg"
)

// A Registry is one in-tree registry: how to start it and get its target.
type Registry struct {
	// Name is its short name, as -registry takes it: "v3", "v2.8", ...
	Name string
	// Start starts the registry and returns its target and the function
	// that stops it; an error wrapping ErrMissing when it is not
	// installed. The registry's log goes to logw.
	Start func(ctx context.Context, logw io.Writer) (*conformance.Target, func(), error)
	// CapNote says how the target's capabilities were found (see
	// conformance.Report.CapabilityNotes).
	CapNote string
}

// ErrMissing reports a registry that is not installed: RunMatrix leaves
// its column out.
var ErrMissing = errors.New("not installed")

const measured = "measured for this registry with the suite (conftarget.Capabilities)"

// All returns the in-tree registries, in the matrix's order: distribution
// v3.1.2 in-process, docker/distribution v2.8.3 in a child process
// (conftarget.StartServe28: the program must run inside the examples
// module's source tree, as go run has it), the Debian docker-registry 2.8.2
// binary (apt-get install docker-registry), go-containerregistry v0.22.1
// and CUE's ociregistry in-process.
func All() []Registry {
	return []Registry{
		{Name: "v3", CapNote: measured, Start: startWith(func() (*testreg.Registry, error) { return distv3.New(conftarget.Options()) })},
		{Name: "v2.8", CapNote: measured, Start: conftarget.StartServe28},
		{Name: "debian", CapNote: measured, Start: func(ctx context.Context, logw io.Writer) (*conformance.Target, func(), error) {
			if _, err := exec.LookPath(debianreg.Binary); err != nil {
				return nil, nil, fmt.Errorf("%w (apt-get install %s)", ErrMissing, debianreg.Package)
			}
			return startWith(func() (*testreg.Registry, error) { return debianreg.New(conftarget.Options()) })(ctx, logw)
		}},
		{Name: "ggcr", CapNote: measured, Start: startWith(func() (*testreg.Registry, error) { return ggcrreg.New(ggcrreg.Options{}) })},
		{Name: "cue", CapNote: measured, Start: startWith(func() (*testreg.Registry, error) { return cuereg.New(cuereg.Options{}) })},
	}
}

// Lookup returns the registry of All named name.
func Lookup(name string) (Registry, bool) {
	for _, r := range All() {
		if r.Name == name {
			return r, true
		}
	}
	return Registry{}, false
}

// startWith returns a Start function that starts a registry in process
// with start and builds its target with conftarget.New.
func startWith(start func() (*testreg.Registry, error)) func(context.Context, io.Writer) (*conformance.Target, func(), error) {
	return func(ctx context.Context, _ io.Writer) (*conformance.Target, func(), error) {
		reg, err := start()
		if err != nil {
			return nil, nil, err
		}
		t, err := conftarget.New(ctx, reg)
		if err != nil {
			reg.Close()
			return nil, nil, err
		}
		return t, func() { reg.Close() }, nil
	}
}

// Names returns the names of All, in order.
func Names() []string {
	var names []string
	for _, r := range All() {
		names = append(names, r.Name)
	}
	return names
}

// Check starts reg, runs the suite on it with opts and stops it. The
// report's CapabilityNotes say how the capabilities were found.
func Check(ctx context.Context, reg Registry, logw io.Writer, opts ...conformance.Option) (*conformance.Report, error) {
	target, stop, err := reg.Start(ctx, logw)
	if err != nil {
		return nil, err
	}
	defer stop()
	rep := conformance.Check(ctx, target, opts...)
	rep.CapabilityNotes = map[conformance.Capability]string{}
	for _, c := range rep.Capabilities {
		rep.CapabilityNotes[c] = reg.CapNote
	}
	return rep, nil
}

// RunMatrix runs the suite on each of regs in turn (see Check) and returns
// the matrix of their reports, with command as its Command. A registry
// that is not installed is left out, with a line on logw; one that cannot
// be run is left out too, and its error is returned (joined with the
// others) beside the matrix of the rest. each, when not nil, is called
// with each report as soon as it is made. It stops early when ctx ends.
func RunMatrix(ctx context.Context, regs []Registry, command string, logw io.Writer, each func(Registry, *conformance.Report), opts ...conformance.Option) (*conformance.Matrix, error) {
	m := &conformance.Matrix{Command: command}
	var errs []error
	for _, reg := range regs {
		if ctx.Err() != nil {
			errs = append(errs, ctx.Err())
			break
		}
		fmt.Fprintf(logw, "matrix: starting %s\n", reg.Name)
		rep, err := Check(ctx, reg, logw, opts...)
		if errors.Is(err, ErrMissing) {
			fmt.Fprintf(logw, "matrix: %s: %v: left out\n", reg.Name, err)
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", reg.Name, err))
			continue
		}
		p, f, s := rep.Counts()
		fmt.Fprintf(logw, "matrix: %s (%s): %d passed, %d failed, %d skipped, %d warnings in %s\n",
			reg.Name, rep.Target, p, f, s, rep.Warnings(), rep.Duration.Round(time.Second))
		m.Reports = append(m.Reports, rep)
		if each != nil {
			each(reg, rep)
		}
	}
	return m, errors.Join(errs...)
}
