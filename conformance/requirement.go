package conformance

import (
	"errors"
	"fmt"
)

// A Level is how strongly a requirement binds, in the words of RFC 2119.
// It decides what a violation costs: a MUST (or MUST NOT) fails the
// scenario, a SHOULD (or SHOULD NOT) is a warning unless the run is strict
// (Strict), and a MAY is never checked as a requirement: what a spec leaves
// to the registry is a Capability instead.
type Level string

// The levels.
const (
	Must      Level = "MUST"
	MustNot   Level = "MUST NOT"
	Should    Level = "SHOULD"
	ShouldNot Level = "SHOULD NOT"
	May       Level = "MAY"
)

// binding reports whether a violation of l fails a scenario outside strict
// mode.
func (l Level) binding() bool { return l == Must || l == MustNot }

// A Source names the document or the registry a requirement comes from.
type Source string

// The sources.
const (
	// OCIDistribution is the OCI distribution specification, v1.1.
	OCIDistribution Source = "OCI distribution-spec v1.1"
	// OCIImage is the OCI image specification, v1.1.
	OCIImage Source = "OCI image-spec v1.1"
	// RFC9110 is HTTP semantics (ranges, status codes, headers).
	RFC9110 Source = "RFC 9110"
	// DockerAPI is the Docker Registry HTTP API V2 (docker/distribution's
	// docs/spec/api.md) and Docker's manifest formats: binding only for a
	// target that declares Docker compatibility (Capability Docker).
	DockerAPI Source = "Docker Registry HTTP API V2"
	// QuayBehaviour is what Quay does, as its own registry tests check it:
	// binding only for a target judged by failures.Quay.
	QuayBehaviour Source = "Quay"
	// DistributionBehaviour is what distribution (the CNCF registry) does:
	// binding only for a target judged by failures.Distribution.
	DistributionBehaviour Source = "distribution"
)

// A Requirement is the sentence a check enforces: its level, where it
// stands, and the sentence itself, quoted.
type Requirement struct {
	Level  Level
	Source Source
	// Section names the part of the source, such as "Pushing blobs".
	Section string
	// URL links the section, when it has an address.
	URL string
	// Text is the sentence, quoted from the source (or, for a registry's
	// behaviour, what it does and the test of its own that checks it).
	Text string
}

// String formats r as "MUST (OCI distribution-spec v1.1, Pushing blobs):
// sentence".
// The zero Requirement formats as "", one without Text as its level and
// source alone.
func (r Requirement) String() string {
	if r.Text == "" {
		return r.where()
	}
	return r.where() + ": " + r.Text
}

// where formats r as "MUST (OCI distribution-spec v1.1, Pushing blobs)",
// or "" for the zero Requirement.
func (r Requirement) where() string {
	if r == (Requirement{}) {
		return ""
	}
	where := string(r.Source)
	if r.Section != "" {
		where += ", " + r.Section
	}
	return fmt.Sprintf("%s (%s)", r.Level, where)
}

// A Violation is an error that names the requirement it breaks. A scenario
// returns one (Env.Violates) when what went wrong is a requirement other
// than its own first one, or one of a lower level: the report then judges
// the error by that requirement's level and source.
type Violation struct {
	Requirement Requirement
	Err         error
}

func (v *Violation) Error() string { return v.Err.Error() }

// Unwrap returns the error that broke the requirement.
func (v *Violation) Unwrap() error { return v.Err }

// Violates wraps err (when not nil) as a *Violation of r.
func (e *Env) Violates(r Requirement, err error) error {
	if err == nil {
		return nil
	}
	return &Violation{Requirement: r, Err: err}
}

// violationOf returns the requirement err names, if it is or wraps a
// *Violation.
func violationOf(err error) (Requirement, bool) {
	var v *Violation
	if errors.As(err, &v) {
		return v.Requirement, true
	}
	return Requirement{}, false
}
