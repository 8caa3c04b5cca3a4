package conformance

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

// moreAuthScenarios are the auth scenarios that push and pull.
func moreAuthScenarios() []Scenario {
	return []Scenario{
		{
			ID: "auth-credential-kinds", Area: areaAuth,
			Requires: []Requirement{quayAuthCredentialKinds},
			Explain: "for each kind of credentials the target has (the owner's password in its namespace, the robot's in " +
				"the owner's, the org admin's in the org's): a token request with no scope answers 2xx, then P and R pass",
			Origin: "Q: test_login[5 valid rows], test_push_pull_logging[7 credential rows × namespace] (registry part)",
			Needs:  []Capability{Auth, Roles},
			Params: []string{"own", "robot", "org"},
			Run:    runAuthCredentialKinds,
		},
		{
			ID: "auth-pull-no-access", Area: areaAuth,
			Requires: []Requirement{reqToken401},
			Explain: "a pull of the owner's private repository as anonymous (a token without access first: auth 200) or as " +
				"a user without access gets unauthorized at get-manifest (401 with WWW-Authenticate)",
			Origin: "Q: test_pull_publicrepo_anonymous, test_pull_publicrepo_no_anonymous_access (first two pulls of each), test_basic_organization_flow[reader]",
			Needs:  []Capability{Auth, Roles},
			Params: []string{"anonymous", "other"},
			Run:    runAuthPullNoAccess,
		},
		{
			ID: "auth-pull-public-anonymous", Area: areaAuth,
			Requires: []Requirement{quayAuthPullPublicAnonymous},
			Explain:  "the repository made public, then pulled anonymously: auth 200 without credentials, R passes",
			Origin:   "Q: test_pull_publicrepo_anonymous (last pull)",
			Needs:    []Capability{Auth},
			States:   []State{StateMakePublic},
			Run:      runAuthPullPublicAnonymous,
		},
		{
			ID: "auth-anonymous-off", Area: areaAuth,
			Requires: []Requirement{quayAuthAnonymousOff},
			Explain: "anonymous access off, the repository public: an anonymous pull gets anonymous-not-allowed at auth " +
				"(401), a manifest GET without a token 401 with WWW-Authenticate (or 403, 404), and another user's R passes",
			Origin: "Q: test_pull_publicrepo_no_anonymous_access",
			Needs:  []Capability{Auth, Roles},
			States: []State{StateMakePublic, StateAnonymousOff},
			Alone:  true,
			Run:    runAuthAnonymousOff,
		},
		{
			ID: "auth-org-member-access", Area: areaAuth,
			Requires: []Requirement{quayAuthOrgMemberAccess},
			Explain:  "the creator pushes into the organization's namespace; the creator and the org admin pull it",
			Origin:   "Q: test_basic_organization_flow",
			Needs:    []Capability{Roles},
			Run:      runAuthOrgMemberAccess,
		},
		{
			ID: "name-repo-valid", Area: areaAuth,
			Requires: []Requirement{reqNameRegexp},
			Explain: "P and R on repository names <ns>/something, <ns>/foo.bar, and a name of 255 characters in all " +
				"(distribution-spec: the name grammar; clients limit the name to 255 characters)",
			Origin: "Q: test_push_reponame[something, Valid long name], test_push_pull_formerly_bad_repo_name",
			Params: crossParams(formatParams, []string{"plain", "dotted", "long"}),
			Run:    runNameRepoValid,
		},
		{
			ID: "name-repo-too-long", Area: areaAuth,
			Requires: []Requirement{quayNameRepoTooLong, reqNameLengthNote},
			Explain: "a push to a name whose last component has 256 characters: a target whose table maps " +
				"invalid-repository (Quay: auth 400) must refuse it so; for any other, the spec sets no length limit, so " +
				"a 4xx refusal passes (a 5xx is none of the endpoint's answers) and an accepted name must pull back (with a " +
				"warning: the spec's implementers' note asks registries to avoid names past 255 characters with the host)",
			Origin: "Q: test_push_reponame[Name too long]",
			Run:    runNameRepoTooLong,
		},
		{
			ID: "name-repo-nested", Area: areaAuth,
			Requires: []Requirement{reqNameRegexp},
			Explain: "P and R on <ns>/<repo>/some/slash pass; a target without nested-names expects slash-repository " +
				"(Quay: auth 400)",
			Origin: "Q: test_push_reponame[some/slash]",
			Run:    runNameRepoNested,
		},
		{
			ID: "name-tag-valid", Area: areaAuth,
			Requires: []Requirement{reqTagRegexp},
			Explain:  "pushes with the tags l, 1 and 128 × x: put-manifest 201 (distribution-spec: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127})",
			Origin:   "Q: test_tag_validaton[l, 1, x*128]",
			Params:   crossParams(formatParams, []string{"l", "1", "128x"}),
			Run:      runNameTagValid,
		},
		{
			ID: "name-tag-missing", Area: areaAuth,
			Requires: []Requirement{quayNameTagMissing},
			Explain:  "a push with an empty tag (PUT /manifests/): the blobs upload, then missing-tag at put-manifest (404: no route)",
			Origin:   "Q: test_tag_validaton[\"\"]",
			Run:      runNameTagMissing,
		},
		{
			ID: "name-tag-invalid", Area: areaAuth,
			Requires: []Requirement{quayNameTagInvalid},
			Explain: "pushes with the tags 129 × x, .fail and -fail: the blobs upload, then invalid-tag at put-manifest " +
				"(404 no route; 400 TAG_INVALID also conforms)",
			Origin: "Q: test_tag_validaton[x*129, .fail, -fail]",
			Params: []string{"129x", "dot", "dash"},
			Run:    runNameTagInvalid,
		},
		{
			ID: "name-single-component", Area: areaAuth,
			Requires: []Requirement{reqNameRegexp},
			Explain: "P and R on a repository name of one component, without a namespace (URLs /v2/<repo>/...); a 4xx " +
				"refusal before the manifest (the registry requires a namespace, which the spec allows) is a skip",
			Origin: "Q: test_library_support",
			Params: formatParams,
			Run:    runNameSingleComponent,
		},
		{
			ID: "name-library-alias", Area: areaAuth,
			Requires: []Requirement{reqDockerLibraryAlias},
			Explain:  "a push to <repo> (no namespace), then R of library/<repo>: the same manifest and blobs",
			Origin:   "Q: test_library_support",
			Needs:    []Capability{LibraryAlias},
			Run:      runNameLibraryAlias,
		},
	}
}

func runAuthCredentialKinds(e *Env) error {
	role := map[string]Role{"own": Owner, "robot": Robot, "org": OrgAdmin}[e.Param]
	as, err := e.as(role)
	if err != nil {
		return err
	}
	if _, err := e.client.Token(e.Ctx, nil, as...); err != nil {
		return err
	}
	repo := e.Repo(role)
	if _, err := e.pushAs(role, repo, []string{"latest"}, fixtures.Basic(), fmtS2); err != nil {
		return err
	}
	_, err = e.pullAs(role, repo, []string{"latest"}, fixtures.Basic(), fmtS2)
	return err
}

func runAuthPullNoAccess(e *Env) error {
	repo := e.Repo(Owner)
	if _, err := e.push(repo, []string{"latest"}, fixtures.Basic(), fmtS2); err != nil {
		return err
	}
	role := Anonymous
	if e.Param == "other" {
		role = Other
	}
	exp, err := e.expect(failures.Unauthorized)
	if err != nil {
		return err
	}
	_, err = e.pullAs(role, repo, []string{"latest"}, nil, fmtS2, exp)
	return err
}

func runAuthPullPublicAnonymous(e *Env) error {
	repo := e.Repo(Owner)
	if _, err := e.push(repo, []string{"latest"}, fixtures.Basic(), fmtS2); err != nil {
		return err
	}
	if err := e.makePublic(repo); err != nil {
		return err
	}
	_, err := e.pullAs(Anonymous, repo, []string{"latest"}, fixtures.Basic(), fmtS2)
	return err
}

func runAuthAnonymousOff(e *Env) (err error) {
	repo := e.Repo(Owner)
	if _, err := e.push(repo, []string{"latest"}, fixtures.Basic(), fmtS2); err != nil {
		return err
	}
	if err := e.makePublic(repo); err != nil {
		return err
	}
	c := e.Target.Control.(AnonymousAccess)
	if err := c.SetAnonymousAccess(e.Ctx, false); err != nil {
		return err
	}
	defer func() {
		if rerr := c.SetAnonymousAccess(e.Ctx, true); rerr != nil && err == nil {
			err = rerr
		}
	}()
	exp, err := e.expect(failures.AnonymousNotAllowed)
	if err != nil {
		return err
	}
	if _, err := e.pullAs(Anonymous, repo, []string{"latest"}, nil, fmtS2, exp); err != nil {
		return err
	}
	// A manifest GET without any token.
	resp, err := e.anonGet("/v2/" + repo + "/manifests/latest")
	if err != nil {
		return fmt.Errorf("GET /v2/%s/manifests/latest (no token): %v", repo, err)
	}
	// A 401 tells the client how to authenticate (RFC 9110: it carries a
	// challenge); a registry may also hide the repository (403, 404).
	switch code := resp.StatusCode; {
	case code == http.StatusUnauthorized && resp.Header.Get("WWW-Authenticate") == "":
		return e.Errorf("GET /v2/%s/manifests/latest (no token) = 401 without WWW-Authenticate, want a challenge", repo)
	case code != http.StatusUnauthorized && code != http.StatusForbidden && code != http.StatusNotFound:
		return e.Errorf("GET /v2/%s/manifests/latest (no token) = %d, want 401 with a challenge (or 403, 404)", repo, code)
	}
	_, err = e.pullAs(Other, repo, []string{"latest"}, fixtures.Basic(), fmtS2)
	return err
}

func runAuthOrgMemberAccess(e *Env) error {
	repo := e.Repo(Creator)
	if _, err := e.pushAs(Creator, repo, []string{"latest"}, fixtures.Basic(), fmtS2); err != nil {
		return err
	}
	for _, r := range []Role{Creator, OrgAdmin} {
		if _, err := e.pullAs(r, repo, []string{"latest"}, fixtures.Basic(), fmtS2); err != nil {
			return err
		}
	}
	return nil
}

func runNameRepoValid(e *Env) error {
	fs, kind, _ := strings.Cut(e.Param, "-")
	f := format(fs)
	if err := e.needFormat(f); err != nil {
		return err
	}
	repo := e.Repo(Owner)
	switch kind {
	case "dotted":
		repo += ".bar"
	case "long":
		repo += "-" + strings.Repeat("x", 255-len(repo)-1)
	}
	_, _, err := e.pushPull(repo, "latest", fixtures.Basic(), f, f)
	return err
}

func runNameRepoTooLong(e *Env) error {
	// A component of 256 characters, as Quay's test (the name is longer
	// than the 255 characters clients allow in all).
	repo := e.Repo(Owner)
	repo += "-" + strings.Repeat("x", 256-(len(repo)-len(e.Namespace(Owner))-1)-1)
	if e.mapped(failures.InvalidRepository) {
		// The table knows how this registry refuses the name (Quay,
		// distribution): its answer is checked.
		o, err := e.as(Owner, v2proto.WithSchema(v2proto.Schema2), v2proto.ExpectFailure(failures.InvalidRepository))
		if err != nil {
			return err
		}
		_, err = e.client.Push(e.Ctx, repo, []string{"latest"}, fixtures.Basic(), o...)
		return err
	}
	// The spec sets no length limit (the name grammar has no bound):
	// refusing the name and accepting it are both allowed. An accepted
	// name must then pull; accepting it is worth a warning, as the spec's
	// implementers' note asks registries to avoid such names.
	_, _, err := e.pushPull(repo, "latest", fixtures.Basic(), fmtS2, fmtS2)
	if se := (*v2proto.StatusError)(nil); errors.As(err, &se) {
		if se.Got >= 400 && se.Got < 500 {
			return nil
		}
		if r, ok := endpointOf(se.Step); ok && se.Got >= 500 {
			return e.Violates(r, fmt.Errorf("%w: a name is refused with a status of the endpoint", err))
		}
	}
	if err != nil {
		return err
	}
	return e.Violates(reqNameLengthNote, e.Errorf("Push(%d-character name) = success, want it refused: clients limit host, / "+
		"and name to 255 characters", len(repo)))
}

func runNameRepoNested(e *Env) error {
	repo := e.Repo(Owner) + "/some/slash"
	if e.Has(NestedNames) {
		_, _, err := e.pushPull(repo, "latest", fixtures.Basic(), fmtS2, fmtS2)
		return err
	}
	exp, err := e.expect(failures.SlashRepository)
	if err != nil {
		return err
	}
	_, err = e.push(repo, []string{"latest"}, fixtures.Basic(), fmtS2, exp)
	return err
}

func runNameTagValid(e *Env) error {
	fs, kind, _ := strings.Cut(e.Param, "-")
	f := format(fs)
	if err := e.needFormat(f); err != nil {
		return err
	}
	tag := kind
	if kind == "128x" {
		tag = strings.Repeat("x", 128)
	}
	_, err := e.push(e.Repo(Owner), []string{tag}, fixtures.Basic(), f)
	return err
}

func runNameTagMissing(e *Env) error {
	exp, err := e.expect(failures.MissingTag)
	if err != nil {
		return err
	}
	_, err = e.push(e.Repo(Owner), []string{""}, fixtures.Basic(), fmtS2, exp)
	return err
}

func runNameTagInvalid(e *Env) error {
	tag := map[string]string{"129x": strings.Repeat("x", 129), "dot": ".fail", "dash": "-fail"}[e.Param]
	exp, err := e.expect(failures.InvalidTag)
	if err != nil {
		return err
	}
	_, err = e.push(e.Repo(Owner), []string{tag}, fixtures.Basic(), fmtS2, exp)
	return err
}

func runNameSingleComponent(e *Env) error {
	f := format(e.Param)
	if err := e.needFormat(f); err != nil {
		return err
	}
	pr, _, err := e.pushPull(e.topLevelRepo(), "latest", fixtures.Basic(), f, f)
	if se := (*v2proto.StatusError)(nil); pr == nil && errors.As(err, &se) && se.Got >= 400 && se.Got < 500 && se.Step != failures.PutManifest {
		// The grammar allows the name, but no sentence obliges a registry
		// to take it: many require a namespace.
		return e.Skip("the registry refuses a one-component name (%v): the spec allows it to require a namespace", err)
	}
	return err
}

func runNameLibraryAlias(e *Env) error {
	repo := e.topLevelRepo()
	pr, err := e.push(repo, []string{"latest"}, fixtures.Basic(), fmtS2)
	if err != nil {
		return err
	}
	rr, err := e.pull("library/"+repo, []string{"latest"}, fixtures.Basic(), fmtS2)
	if err != nil {
		return err
	}
	if got, want := rr.Manifests[0].Digest, pr.Manifests[0].Digest; got != want {
		return e.Errorf("GET /v2/library/%s/manifests/latest: Docker-Content-Digest = %s, want %s (the manifest pushed to %s)", repo, got, want, repo)
	}
	return nil
}
