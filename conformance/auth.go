package conformance

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

const areaAuth = "Auth & names"

func authScenarios() []Scenario {
	return []Scenario{
		{
			ID: "ping", Area: areaAuth,
			Requires: []Requirement{reqPing200},
			Explain: "GET /v2/ answers 200, or 401 with a WWW-Authenticate challenge (Bearer realm and service, or Basic realm), " +
				"then 200 with credentials (distribution-spec: determining support); the Docker-Distribution-API-Version " +
				"header is docker-api-version's check",
			Origin: "Q: every test's ping(); O: ping",
			Run:    runPing,
		},
		{
			ID: "auth-invalid-credentials", Area: areaAuth,
			Requires: []Requirement{reqTokenBadCredentials401},
			Explain: "a push and a pull with a wrong password fail at the auth step with the table's status for " +
				"unauthenticated (Quay: 401), and nothing else is sent; a target whose table does not map it: any 4xx and " +
				"no token (a status other than Docker's 401 is a warning)",
			Origin: "Q: test_push_invalid_credentials, test_pull_invalid_credentials",
			Needs:  []Capability{Auth},
			Params: []string{"push", "pull"},
			Run:    runAuthInvalidCredentials,
		},
		{
			ID: "auth-login-bad", Area: areaAuth,
			Requires: []Requirement{reqTokenBadCredentials401},
			Explain:  "a token request (no scope) with bad credentials gets a 4xx and no token",
			Origin:   "Q: test_login[invaliduser, invalidpassword]",
			Needs:    []Capability{Auth},
			Params:   []string{"unknown-user", "wrong-password"},
			Run:      runAuthLoginBad,
		},
		{
			ID: "auth-scope-owner", Area: areaAuth,
			Requires: []Requirement{reqTokenIntersection},
			Explain: "the owner's token for no scope has access [], and for pull, push, push,pull and push,pull,* exactly " +
				"the requested actions on its repository (Docker token spec: the access claim)",
			Origin: "Q: test_login_scopes[no scopes, pull, push, push/pull, admin]",
			Needs:  []Capability{Token},
			Params: []string{"none", "pull", "push", "push-pull", "push-pull-star"},
			Run:    runAuthScopeOwner,
		},
		{
			ID: "auth-scope-denied", Area: areaAuth,
			Requires: []Requirement{reqTokenIntersection, reqTokenNoAccessEmpty},
			Explain: "a user without access asking pull on the owner's repository, and anonymous asking pull,push on a private " +
				"repository, get a token (200) whose entry grants no action",
			Origin: "Q: test_login_scopes[pull with no access, anonymous push+pull on private]",
			Needs:  []Capability{Token, Roles},
			Params: []string{"other-pull", "anonymous-push-pull"},
			Run:    runAuthScopeDenied,
		},
		{
			ID: "auth-scope-reduced", Area: areaAuth,
			Requires: []Requirement{reqTokenIntersection, reqTokenSubsetNotError},
			Explain:  "a reader asking pull,push on the owner's repository gets a token granting only pull",
			Origin:   "Q: test_login_scopes[reader]",
			Needs:    []Capability{Token, Roles},
			Run:      runAuthScopeReduced,
		},
		{
			ID: "auth-scope-multi", Area: areaAuth,
			Requires: []Requirement{reqTokenIntersection},
			Explain: "one token request with two scopes (the owner's repository push,pull,* and another user's repository pull) " +
				"gets one access entry per scope, each reduced on its own",
			Origin: "Q: test_login_scopes[2 multiple-scope rows]",
			Needs:  []Capability{Token, Roles},
			Run:    runAuthScopeMulti,
		},
	}
}

func runPing(e *Env) error {
	p, err := e.Client().Ping(e.Ctx)
	if err != nil {
		return err
	}
	// 200 and 401 both say the registry implements the spec; a registry
	// that demands credentials elsewhere may still open /v2/ to anyone
	// (the endpoint "MAY be used for authentication/authorization").
	if p.Status == http.StatusOK {
		return nil
	}
	// With credentials: the token (or Basic credentials) must open /v2/.
	as, err := e.As(Owner)
	if err != nil {
		return err
	}
	u, _ := e.User(Owner)
	tok, err := e.Client().Token(e.Ctx, nil, as...)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(e.Ctx, http.MethodGet, strings.TrimSuffix(e.Target.URL, "/")+"/v2/", nil)
	if err != nil {
		return err
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	} else {
		req.SetBasicAuth(u.Name, u.Password)
	}
	resp, err := e.HTTPClient().Do(req)
	if err != nil {
		return fmt.Errorf("GET /v2/ (as %s): %v", Owner, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return e.Errorf("GET /v2/ (as %s) = %d, want 200", Owner, resp.StatusCode)
	}
	// Docker-Distribution-API-Version is docker-api-version's check.
	return nil
}

// wrongPassword returns the owner's credentials with a password that is
// not theirs.
func (e *Env) wrongPassword() ([]v2proto.CallOption, error) {
	u, ok := e.User(Owner)
	if !ok || u.Name == "" {
		return nil, e.Skip("the target has no user of role %s", Owner)
	}
	return []v2proto.CallOption{v2proto.WithCredentials(u.Name, u.Password+"-wrong")}, nil
}

func runAuthInvalidCredentials(e *Env) error {
	bad, err := e.wrongPassword()
	if err != nil {
		return err
	}
	repo := e.Repo(Owner)
	action := "pull"
	if e.Param == "push" {
		action = "push,pull"
	}
	scope := "repository:" + repo + ":" + action
	if e.mapped(failures.Unauthenticated) {
		_, err = e.Client().Token(e.Ctx, []string{scope}, append(bad, v2proto.ExpectFailure(failures.Unauthenticated))...)
		return err
	}
	tok, err := e.Client().Token(e.Ctx, []string{scope}, bad...)
	return e.badCredentials("Token("+scope+", a wrong password)", tok, err)
}

// badCredentials judges the outcome of a token request with credentials
// that are not valid, for a target whose table does not say how it
// refuses them: a 4xx refusal passes (Docker's token spec says the server
// should answer 401; another 4xx is a warning), a token fails.
func (e *Env) badCredentials(what, tok string, err error) error {
	var se *v2proto.StatusError
	switch {
	case err == nil && tok != "":
		return e.Errorf("%s = a token, want a 401 refusal", what)
	case err == nil:
		return nil
	case errors.As(err, &se) && se.Got == http.StatusUnauthorized:
		return nil
	case errors.As(err, &se) && se.Got >= 400 && se.Got < 500:
		return e.Violates(reqTokenBadCredentials401, e.Errorf("%s = %d, want 401", what, se.Got))
	}
	return err
}

func runAuthLoginBad(e *Env) error {
	u, ok := e.User(Owner)
	if !ok || u.Name == "" {
		return e.Skip("the target has no user of role %s", Owner)
	}
	name, pass := u.Name, u.Password+"-wrong"
	if e.Param == "unknown-user" {
		name, pass = "no-such-user-"+sanitize(e.Repo(Owner)[len(e.Namespace(Owner))+1:]), "password"
	}
	if !e.mapped(failures.Unauthenticated) {
		tok, err := e.Client().Token(e.Ctx, nil, v2proto.WithCredentials(name, pass))
		return e.badCredentials("Token(no scope, "+e.Param+")", tok, err)
	}
	tok, err := e.Client().Token(e.Ctx, nil, v2proto.WithCredentials(name, pass), v2proto.ExpectFailure(failures.Unauthenticated))
	if err != nil {
		return err
	}
	if tok != "" {
		return e.Errorf("Token(no scope, %s) = a token, want none", e.Param)
	}
	return nil
}

// access asks for a token for scopes as role r and returns the access claim.
func (e *Env) access(r Role, scopes ...string) ([]fixtures.TokenAccessEntry, error) {
	as, err := e.As(r)
	if err != nil {
		return nil, err
	}
	tok, err := e.Client().Token(e.Ctx, scopes, as...)
	if err != nil {
		return nil, err
	}
	if tok == "" {
		return nil, e.Errorf("Token(%q) as %s = no token, want a Bearer token: the target lists capability token", scopes, r)
	}
	return fixtures.TokenAccess(tok)
}

// wantAccess compares the granted entries with want (type repository,
// actions compared as sets).
func wantAccess(scopes []string, got []fixtures.TokenAccessEntry, want map[string][]string) error {
	norm := func(a []string) []string {
		a = slices.Clone(a)
		slices.Sort(a)
		return slices.Compact(a)
	}
	gotm := map[string][]string{}
	for _, g := range got {
		gotm[g.Type+":"+g.Name] = norm(append(gotm[g.Type+":"+g.Name], g.Actions...))
	}
	for res, actions := range want {
		if w, g := norm(actions), gotm[res]; !slices.Equal(w, g) {
			return fmt.Errorf("Token(%q): access to %s = %q, want %q", scopes, res, g, w)
		}
	}
	for res, g := range gotm {
		if _, ok := want[res]; !ok && len(g) > 0 {
			return fmt.Errorf("Token(%q): access to %s = %q, want nothing: it was not asked for", scopes, res, g)
		}
	}
	return nil
}

func runAuthScopeOwner(e *Env) error {
	repo := e.Repo(Owner)
	actions := map[string][]string{
		"none": nil, "pull": {"pull"}, "push": {"push"}, "push-pull": {"push", "pull"}, "push-pull-star": {"push", "pull", "*"},
	}[e.Param]
	var scopes []string
	want := map[string][]string{}
	if actions != nil {
		scopes = []string{"repository:" + repo + ":" + strings.Join(actions, ",")}
		want["repository:"+repo] = actions
	}
	got, err := e.access(Owner, scopes...)
	if err != nil {
		return err
	}
	return wantAccess(scopes, got, want)
}

func runAuthScopeDenied(e *Env) error {
	repo := e.Repo(Owner)
	role, scope := Other, "repository:"+repo+":pull"
	if e.Param == "anonymous-push-pull" {
		role, scope = Anonymous, "repository:"+repo+":push,pull"
	}
	got, err := e.access(role, scope)
	if err != nil {
		return err
	}
	return wantAccess([]string{scope}, got, map[string][]string{"repository:" + repo: nil})
}

func runAuthScopeReduced(e *Env) error {
	repo := e.Repo(Owner)
	// On an existing repository, as test_login_scopes asks (devtable/simple):
	// a registry may grant a role's read when the repository is created
	// (Quay: the organization's default permissions).
	if _, err := e.push(repo, []string{"latest"}, fixtures.Basic(), fmtS2); err != nil {
		return err
	}
	scope := "repository:" + repo + ":pull,push"
	got, err := e.access(Reader, scope)
	if err != nil {
		return err
	}
	return wantAccess([]string{scope}, got, map[string][]string{"repository:" + repo: {"pull"}})
}

func runAuthScopeMulti(e *Env) error {
	own, others := e.Repo(Owner), e.Repo(Other)
	scopes := []string{"repository:" + own + ":push,pull,*", "repository:" + others + ":pull"}
	got, err := e.access(Owner, scopes...)
	if err != nil {
		return err
	}
	return wantAccess(scopes, got, map[string][]string{
		"repository:" + own: {"push", "pull", "*"}, "repository:" + others: nil,
	})
}
