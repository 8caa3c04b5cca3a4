package conformance

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"
)

// An Option configures Run and Check.
type Option func(*config)

type config struct {
	match    *regexp.Regexp
	timeout  time.Duration
	parallel int
	progress func(Result)
	list     []Scenario
	strict   bool
}

// DefaultTimeout is the time a scenario may take unless Timeout says
// otherwise.
const DefaultTimeout = 2 * time.Minute

func newConfig(opts []Option) *config {
	cfg := &config{timeout: DefaultTimeout, parallel: 1}
	for _, o := range opts {
		if o != nil {
			o(cfg)
		}
	}
	if cfg.list == nil {
		cfg.list = Scenarios()
	}
	return cfg
}

// Match makes Check run only the scenarios whose name (ID, or ID/param)
// matches re. Run ignores it: use go test's -run flag.
func Match(re *regexp.Regexp) Option { return func(c *config) { c.match = re } }

// Timeout sets how long one scenario (one parameter of it) may take; its
// Env.Ctx ends then. The default is DefaultTimeout.
func Timeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// Parallel makes Check run up to n scenarios at once (scenarios marked
// Alone always run by themselves). The default is 1. Run leaves parallelism
// to go test (-parallel).
func Parallel(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.parallel = n
		}
	}
}

// Progress makes Check call f with each result as soon as it is known, for
// a progress line. f is called from one goroutine at a time.
func Progress(f func(Result)) Option { return func(c *config) { c.progress = f } }

// WithScenarios makes Run and Check run list instead of Scenarios().
func WithScenarios(list []Scenario) Option { return func(c *config) { c.list = list } }

// Strict makes Run and Check fail a scenario that breaks a SHOULD (or
// SHOULD NOT) requirement; by default such a scenario passes with a warning
// (Outcome Warned). A requirement whose source does not bind the target
// (another registry's behaviour, the Docker API for a target without
// capability Docker) stays a warning, and a MAY is never a failure, strict
// or not.
func Strict() Option { return func(c *config) { c.strict = true } }

// Run runs every scenario as an independent subtest of t, named by its ID
// (and ID/param for each parameter), so that go test's -run selects them.
// newTarget is called once per subtest and may start a fresh registry or
// return a shared one: scenarios create their own repositories, with fresh
// names, and never rely on each other. Scenarios run in parallel (t.Parallel)
// except those marked Alone, which run first, one at a time.
//
// Before the subtests, Run calls newTarget once more, with t, to check the
// target: it logs the states the target's Control can set (see
// Target.ControlStates), and when the Control is not nil but cannot set any
// state, or has a method of a state interface with the wrong signature, it
// reports that with t.Error and goes on: the scenarios that need such a
// state are skipped, with the reason, and the others run.
//
// A scenario whose needs the target lacks is skipped with the reason. A
// scenario's error is judged by the requirement it breaks (see Requirement
// and Strict): a failure is reported with t.Error, a warning with t.Log,
// each naming the requirement, its level and its source.
func Run(t *testing.T, newTarget func(t *testing.T) *Target, opts ...Option) {
	t.Helper()
	cfg := newConfig(opts)
	if target := newTarget(t); target == nil {
		t.Errorf("newTarget returned nil")
	} else {
		states, err := target.ControlStates()
		t.Logf("conformance: target %s at %s: Control %T: %s", target.Name, target.URL, target.Control, describeStates(states))
		if err != nil {
			t.Errorf("conformance: %v", err)
		}
	}
	for i := range cfg.list {
		s := &cfg.list[i]
		t.Run(s.ID, func(t *testing.T) {
			if !s.Alone {
				t.Parallel()
			}
			if len(s.Params) == 0 {
				runSubtest(t, cfg, s, "", newTarget)
				return
			}
			for _, p := range s.Params {
				t.Run(p, func(t *testing.T) { runSubtest(t, cfg, s, p, newTarget) })
			}
		})
	}
}

func runSubtest(t *testing.T, cfg *config, s *Scenario, param string, newTarget func(t *testing.T) *Target) {
	t.Helper()
	target := newTarget(t)
	if target == nil {
		t.Fatalf("newTarget returned nil")
	}
	r := runOne(t.Context(), cfg, s, param, target)
	switch r.Outcome {
	case Skipped:
		t.Skip(r.Detail)
	case Warned:
		t.Logf("warning: %s: %s%s\n%s (origin: %s)", r.Name(), r.Detail, requirementLines(r.Requirement), s.Explain, s.Origin)
	case Failed:
		t.Errorf("%s: %s%s\n%s (origin: %s)", r.Name(), r.Detail, requirementLines(r.Requirement), s.Explain, s.Origin)
	}
}

// requirementLines formats req for a test log: a new line with the
// requirement and one with its URL, or nothing for the zero Requirement.
func requirementLines(req Requirement) string {
	if req == (Requirement{}) {
		return ""
	}
	s := "\nrequirement: " + req.String()
	if req.URL != "" {
		s += "\n" + req.URL
	}
	return s
}

// Check runs the scenarios against target and returns the report: a pure
// checker for use outside go test (a CI job, a program, a benchmark). It
// never panics on a scenario's failure; a scenario that panics is reported
// as failed. Before any scenario it records the states the target's Control
// can set (Report.States) and what is wrong with the Control (Report.Err,
// which fails the report; see Target.ControlStates); the scenarios run
// either way. Errors are judged as Run's are (see Requirement and Strict).
func Check(ctx context.Context, target *Target, opts ...Option) *Report {
	cfg := newConfig(opts)
	rep := &Report{Target: target.Name, URL: target.URL, Start: time.Now(), Table: target.tableName(),
		Capabilities: slices.Clone(target.Capabilities), Strict: cfg.strict}
	rep.States, rep.Err = target.ControlStates()
	type job struct {
		s     *Scenario
		param string
		index int
	}
	var jobs []job
	for i := range cfg.list {
		s := &cfg.list[i]
		params := s.Params
		if len(params) == 0 {
			params = []string{""}
		}
		for _, p := range params {
			name := s.ID
			if p != "" {
				name += "/" + p
			}
			if cfg.match != nil && !cfg.match.MatchString(name) {
				continue
			}
			jobs = append(jobs, job{s, p, len(jobs)})
		}
	}
	rep.Results = make([]Result, len(jobs))
	var mu sync.Mutex
	record := func(j job, r Result) {
		mu.Lock()
		defer mu.Unlock()
		rep.Results[j.index] = r
		if cfg.progress != nil {
			cfg.progress(r)
		}
	}
	// Scenarios marked Alone first, by themselves; then the rest, up to
	// cfg.parallel at once.
	for _, j := range jobs {
		if j.s.Alone {
			record(j, runOne(ctx, cfg, j.s, j.param, target))
		}
	}
	sem := make(chan struct{}, cfg.parallel)
	var wg sync.WaitGroup
	for _, j := range jobs {
		if j.s.Alone {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			record(j, runOne(ctx, cfg, j.s, j.param, target))
		}()
	}
	wg.Wait()
	rep.Duration = time.Since(rep.Start)
	return rep
}

// runOne runs one scenario (one parameter of it) and says how it went.
func runOne(ctx context.Context, cfg *config, s *Scenario, param string, target *Target) (r Result) {
	r = Result{ID: s.ID, Param: param, Area: s.Area, Requirement: mainRequirement(s)}
	start := time.Now()
	rec := &recorder{}
	defer func() {
		r.Duration = time.Since(start)
		if p := recover(); p != nil {
			r.Outcome, r.Detail, r.Requirement = Failed, fmt.Sprintf("panic: %v", p), Requirement{}
		}
		if r.Outcome == Failed || r.Outcome == Warned || r.Known != "" {
			r.Transcript, r.TranscriptDropped = rec.transcript()
		}
	}()
	if reason := needsMet(s, target); reason != "" {
		r.Outcome, r.Detail = Skipped, reason
		return r
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	env, err := newEnv(ctx, target, s.ID, param, rec)
	if err != nil {
		// The target itself is wrong (its URL, say): no requirement of
		// the scenario's judges that.
		r.Outcome, r.Detail, r.Err, r.Requirement = Failed, err.Error(), err, Requirement{}
		return r
	}
	err = s.Run(env)
	if reason, ok := isSkip(err); ok {
		r.Outcome, r.Detail = Skipped, reason
		return r
	}
	dev, isKnown := target.known(s.ID, param)
	if err != nil {
		v := judge(s, err, target, cfg.strict)
		r.Requirement, r.Err = v.requirement, err
		switch {
		case isKnown:
			r.Outcome, r.Detail, r.Known = Skipped, "known deviation: "+dev+": "+err.Error(), dev
		case v.why != "":
			r.Outcome, r.Detail = v.outcome, v.why+": "+err.Error()
		default:
			r.Outcome, r.Detail = v.outcome, err.Error()
		}
		return r
	}
	if isKnown {
		r.Outcome, r.Detail = Failed, "passed, but the target lists it as a known deviation (update Target.Known): "+dev
		return r
	}
	r.Outcome = Passed
	return r
}
