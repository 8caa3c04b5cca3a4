package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/registrytest/registrytest/v2proto"
)

// A Scenario is one check of the suite, written once as data over v2proto.
// SCENARIOS.md is the catalogue, by ID.
type Scenario struct {
	// ID is short, stable and kebab-case; its prefix names the area.
	ID string
	// Area is the section of the catalogue, such as "Auth & names".
	Area string
	// Explain says what the scenario does and what a spec-compliant
	// registry answers, and points at the requirement: a spec section or
	// the original test it comes from.
	Explain string
	// Origin names the original tests and checks it covers (Quay's
	// registry_tests, the OCI conformance suite).
	Origin string
	// Requires are the requirements the scenario enforces, the main one
	// first: an error the scenario returns is judged by the first one's
	// level and source, unless it is a *Violation naming another.
	Requires []Requirement
	// Needs are the capabilities the target must list; States the states
	// its Control must be able to set. Otherwise the scenario is skipped.
	Needs  []Capability
	States []State
	// Params, when not empty, run the scenario once per parameter, as the
	// subtests ID/param.
	Params []string
	// Alone marks a scenario that changes the registry for everyone (such
	// as making it read-only): it never runs beside another.
	Alone bool
	// Run runs the scenario; it returns nil when the registry passed, an
	// error saying what was wrong, or the error of Env.Skip.
	Run func(e *Env) error
}

// Env is what a scenario runs with: the target, its parameter, a context,
// and helpers for names, clients and credentials.
type Env struct {
	// Ctx ends when the scenario's time is up.
	Ctx context.Context
	// Target is the registry under test.
	Target *Target
	// Param is the scenario's parameter, "" when it has none.
	Param string

	id     string
	client *v2proto.Client
	// rec records the exchanges of every client the Env makes, for the
	// result's transcript; nil records nothing.
	rec *recorder
}

// newEnv returns the Env of scenario id (parameter param) against t, whose
// clients record their exchanges with rec (when not nil).
func newEnv(ctx context.Context, t *Target, id, param string, rec *recorder) (*Env, error) {
	e := &Env{Ctx: ctx, Target: t, Param: param, id: id, rec: rec}
	c, err := e.NewClient()
	if err != nil {
		return nil, err
	}
	e.client = c
	return e, nil
}

// Client returns the client of the target, judging answers with the
// target's table.
func (e *Env) Client() *v2proto.Client { return e.client }

// NewClient returns another client of the target with opts added (for
// example another table). Its exchanges go to the scenario's transcript
// (Result.Transcript) as the Env's own client's do.
func (e *Env) NewClient(opts ...v2proto.Option) (*v2proto.Client, error) {
	base := []v2proto.Option{v2proto.WithTable(e.Target.Table), v2proto.WithHTTPClient(e.Target.HTTPClient)}
	if e.Target.Logf != nil {
		base = append(base, v2proto.WithLogf(e.Target.Logf))
	}
	if e.rec != nil {
		base = append(base, v2proto.WithTranscript(e.rec.add))
	}
	return v2proto.New(e.Target.URL, append(base, opts...)...)
}

// Has reports whether the target lists capability c.
func (e *Env) Has(c Capability) bool { return e.Target.Has(c) }

// User returns the user of role r and whether the target has one.
// Anonymous is always there.
func (e *Env) User(r Role) (User, bool) {
	u, ok := e.Target.Users[r]
	if r == Anonymous {
		u.Name, u.Password = "", ""
		return u, true
	}
	return u, ok && u.Name != ""
}

// As returns the call options that authenticate as role r (none for
// Anonymous), or the error of Skip when the target has no such user.
func (e *Env) As(r Role) ([]v2proto.CallOption, error) {
	u, ok := e.User(r)
	if !ok {
		return nil, e.Skip("the target has no user of role %s", r)
	}
	if u.Name == "" {
		return nil, nil
	}
	return []v2proto.CallOption{v2proto.WithCredentials(u.Name, u.Password)}, nil
}

// Namespace returns the namespace of role r's repositories.
func (e *Env) Namespace(r Role) string {
	if u, ok := e.Target.Users[r]; ok && u.Namespace != "" {
		return u.Namespace
	}
	if u, ok := e.Target.Users[Owner]; ok && u.Namespace != "" {
		return u.Namespace
	}
	return "conformance"
}

// Repo returns a fresh repository name in role r's namespace:
// <namespace>/<scenario id>-<random>, with suffix (if any) joined by "-".
// No two calls return the same name.
func (e *Env) Repo(r Role, suffix ...string) string {
	var b [4]byte
	rand.Read(b[:])
	parts := append([]string{e.id, hex.EncodeToString(b[:])}, suffix...)
	return e.Namespace(r) + "/" + sanitize(strings.Join(parts, "-"))
}

// sanitize makes s a valid repository path component: lowercase letters,
// digits and single separators.
func sanitize(s string) string {
	var sb strings.Builder
	prevSep := true
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			sb.WriteRune(r)
			prevSep = false
		case !prevSep:
			sb.WriteByte('-')
			prevSep = true
		}
	}
	return strings.TrimSuffix(sb.String(), "-")
}

// Skip returns an error that reports the scenario as skipped with the
// formatted reason (for example: the registry answered that an optional
// feature is unsupported). Return it from Run.
func (e *Env) Skip(format string, args ...any) error {
	return &SkipError{Reason: fmt.Sprintf(format, args...)}
}

// Errorf returns an error saying what was wrong, prefixed with nothing:
// write it in call-expression form, got before want.
func (e *Env) Errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// HTTPClient returns the target's HTTP client (http.DefaultClient when it
// sets none), for the few raw requests a scenario makes itself.
func (e *Env) HTTPClient() *http.Client {
	if e.Target.HTTPClient != nil {
		return e.Target.HTTPClient
	}
	return http.DefaultClient
}

// A SkipError reports a scenario as skipped, with its reason.
type SkipError struct{ Reason string }

func (e *SkipError) Error() string { return "skipped: " + e.Reason }

// needsMet returns "" when t can run s, or the reason it cannot.
func needsMet(s *Scenario, t *Target) string {
	var missing []string
	for _, c := range s.Needs {
		if !t.Has(c) {
			missing = append(missing, string(c))
		}
	}
	if len(missing) > 0 {
		return fmt.Sprintf("the target lacks capability %s", strings.Join(missing, ", "))
	}
	for _, st := range s.States {
		if !st.settableBy(t.Control) {
			if why := st.nearMiss(t.Control); why != "" {
				return fmt.Sprintf("the target's Control cannot set state %s: %s", st, why)
			}
			return fmt.Sprintf("the target's Control cannot set state %s", st)
		}
	}
	return ""
}

// isSkip reports whether err is (or wraps) a *SkipError, and its reason.
func isSkip(err error) (string, bool) {
	var se *SkipError
	if errors.As(err, &se) {
		return se.Reason, true
	}
	return "", false
}
