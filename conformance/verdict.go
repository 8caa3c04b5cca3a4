package conformance

import (
	"github.com/registrytest/registrytest/failures"
)

// A verdict is how the error of a scenario is judged: the outcome it costs
// and the requirement that decided it.
type verdict struct {
	outcome     Outcome
	requirement Requirement
	// why, when not empty, says why the error does not fail the scenario
	// although its requirement's level alone would not say so ("optional
	// (MAY)", or why the source does not bind the target); the result's
	// detail starts with it.
	why string
}

// mainRequirement returns the requirement a result of s is reported with
// when its error names none: the first of s.Requires, or the zero
// Requirement when s has none.
func mainRequirement(s *Scenario) Requirement {
	if len(s.Requires) > 0 {
		return s.Requires[0]
	}
	return Requirement{}
}

// judge decides what err, returned by scenario s against target, costs.
// The requirement is the one err names (a *Violation), else the first of
// s.Requires; a scenario without requirements is judged as a MUST.
//
//   - MUST, MUST NOT (and a scenario without requirements): Failed, when
//     the source binds the target.
//   - SHOULD, SHOULD NOT: Warned; Failed in strict mode when the source
//     binds the target.
//   - MAY: Skipped (what the spec leaves to the registry is a capability,
//     and a registry that does not take it is not wrong).
//   - A source that does not bind the target (see sourceBinds): Warned,
//     whatever the level and strict mode, except MAY, which stays Skipped.
func judge(s *Scenario, err error, target *Target, strict bool) verdict {
	req, ok := violationOf(err)
	if !ok {
		req = mainRequirement(s)
	}
	v := verdict{requirement: req}
	level := req.Level
	if level == "" {
		level = Must
	}
	switch {
	case level == May:
		v.outcome, v.why = Skipped, "optional (MAY)"
	case !sourceBinds(req.Source, target):
		v.outcome, v.why = Warned, sourceWhy(req.Source)
	case level.binding():
		v.outcome = Failed
	case level == Should || level == ShouldNot:
		if strict {
			v.outcome = Failed
		} else {
			v.outcome = Warned
		}
	default:
		// A level this package does not define: judge it as a MUST, so
		// that a typo never hides a failure.
		v.outcome = Failed
	}
	return v
}

// sourceBinds reports whether a requirement from source binds target:
// DockerAPI for a target that lists Docker or is judged by
// failures.Distribution, QuayBehaviour for a target judged by failures.Quay,
// DistributionBehaviour for one judged by failures.Distribution, and every
// other source (the OCI specifications, RFCs, an empty source) always.
func sourceBinds(src Source, t *Target) bool {
	switch src {
	case DockerAPI:
		return t.Has(Docker) || t.tableName() == failures.Distribution.Name()
	case QuayBehaviour:
		return t.tableName() == failures.Quay.Name()
	case DistributionBehaviour:
		return t.tableName() == failures.Distribution.Name()
	}
	return true
}

// sourceWhy says why a requirement of src does not bind a target.
func sourceWhy(src Source) string {
	switch src {
	case DockerAPI:
		return "Docker Registry HTTP API, and the target neither lists capability docker nor is judged by failures.Distribution"
	case QuayBehaviour:
		return "Quay's behaviour, and the target is not judged by failures.Quay"
	case DistributionBehaviour:
		return "distribution's behaviour, and the target is not judged by failures.Distribution"
	}
	return ""
}

// tableName is the name of the table the target is judged by
// (failures.Distribution's when Table is nil).
func (t *Target) tableName() string {
	if t.Table == nil {
		return failures.Distribution.Name()
	}
	return t.Table.Name()
}
