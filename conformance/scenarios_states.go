package conformance

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

const areaStates = "Registry/repository states"

func stateScenarios() []Scenario {
	return []Scenario{
		{
			ID: "state-registry-readonly", Area: areaStates,
			Requires: []Requirement{quayStateRegistryReadonly},
			Explain: "P, then the registry made read-only: R passes; a push of another image gets blob-head-check 404, " +
				"then readonly-registry (Quay and distribution: start-upload 405), and R still returns the original",
			Origin: "Q: test_readonly_push_pull",
			States: []State{StateRegistryReadOnly},
			Alone:  true,
			Run:    runStateRegistryReadOnly,
		},
		{
			ID: "state-repo-readonly", Area: areaStates,
			Requires: []Requirement{quayStateRepoReadonly},
			Explain: "a READ_ONLY repository: R passes; a push without HEAD checks gets read-only (start-upload and " +
				"put-manifest 401); a token for push,pull,* grants only pull; params: owner, robot × mirror config yes/no",
			Origin: "Q: test_repository_states[READ_ONLY ×4], test_login_scopes[Read-Only]",
			States: []State{StateRepoState},
			Params: []string{"owner-mirror", "owner-no-mirror", "robot-mirror", "robot-no-mirror"},
			Run:    func(e *Env) error { return runRepoState(e, RepoReadOnly, failures.ReadOnly) },
		},
		{
			ID: "state-repo-normal", Area: areaStates,
			Requires: []Requirement{quayStateRepoNormal},
			Explain:  "a repository set to NORMAL explicitly: R and push pass; params: owner, robot × mirror config yes/no",
			Origin:   "Q: test_repository_states[NORMAL ×4]",
			States:   []State{StateRepoState},
			Params:   []string{"owner-mirror", "owner-no-mirror", "robot-mirror", "robot-no-mirror"},
			Run:      func(e *Env) error { return runRepoState(e, RepoNormal, "") },
		},
		{
			ID: "state-repo-mirror-robot", Area: areaStates,
			Requires: []Requirement{quayStateRepoMirrorRobot},
			Explain: "a MIRROR repository with a mirror configuration, pushed by its robot: R and push pass, the robot's " +
				"token for push,pull,* grants push and pull",
			Origin: "Q: test_repository_states[MIRROR, robot, mirror], test_login_scopes[mirror robot]",
			States: []State{StateRepoState},
			Params: []string{"robot-mirror"},
			Run:    func(e *Env) error { return runRepoState(e, RepoMirror, "") },
		},
		{
			ID: "state-repo-mirror-denied", Area: areaStates,
			Requires: []Requirement{quayStateRepoMirrorDenied},
			Explain: "a MIRROR repository with a mirror configuration, pushed by the owner: R passes, the push gets " +
				"mirror-only (start-upload, put-manifest 401), and the owner's token grants only pull",
			Origin: "Q: test_repository_states[MIRROR, user, mirror], test_login_scopes[Mirror only, dtrobot2]",
			States: []State{StateRepoState},
			Params: []string{"owner-mirror"},
			Run:    func(e *Env) error { return runRepoState(e, RepoMirror, failures.MirrorOnly) },
		},
		{
			ID: "state-repo-mirror-misconfigured", Area: areaStates,
			Requires: []Requirement{quayStateRepoMirrorMisconfigured},
			Explain: "a MIRROR repository without a mirror configuration: R passes, a push by the owner or the robot gets " +
				"mirror-misconfigured (start-upload, put-manifest 401)",
			Origin: "Q: test_repository_states[MIRROR, robot/user, no mirror]",
			States: []State{StateRepoState},
			Params: []string{"owner-no-mirror", "robot-no-mirror"},
			Run:    func(e *Env) error { return runRepoState(e, RepoMirror, failures.MirrorMisconfigured) },
		},
		{
			ID: "state-ns-disabled", Area: areaStates,
			Requires: []Requirement{quayStateNsDisabled},
			Explain: "with the owner's namespace disabled, a push, a pull of a repository pushed before, and a tags list " +
				"get namespace-disabled (Quay: auth 405)",
			Origin: "Q: test_push_disabled_namespace, test_pull_disabled_namespace, test_tags_disabled_namespace",
			States: []State{StateNamespaceDisabled},
			Alone:  true,
			Params: []string{"push", "pull", "tags"},
			Run:    runStateNSDisabled,
		},
		{
			ID: "state-ns-disabled-catalog", Area: areaStates,
			Requires: []Requirement{quayStateNsDisabledCatalog},
			Explain: "a token taken, then the user's namespace disabled: the catalog listed with that token answers 200 " +
				"without any repository of that namespace",
			Origin: "Q: test_catalog_disabled_namespace",
			Needs:  []Capability{Catalog},
			States: []State{StateNamespaceDisabled},
			Alone:  true,
			Run:    runStateNSDisabledCatalog,
		},
		{
			ID: "state-library-off", Area: areaStates,
			Requires: []Requirement{quayStateLibraryOff},
			Explain: "with the implicit library namespace off, a repository without a namespace is refused: " +
				"disallowed-library-namespace (400), for a push first at blob-head-check, for a pull at get-manifest",
			Origin: "Q: test_push_library_with_support_disabled, test_pull_library_with_support_disabled",
			States: []State{StateLibraryOff},
			Alone:  true,
			Params: []string{"push", "pull"},
			Run:    runStateLibraryOff,
		},
		{
			ID: "state-library-off-explicit", Area: areaStates,
			Requires: []Requirement{quayStateLibraryOffExplicit},
			Explain:  "with library support off, P and R on library/<repo> pass",
			Origin:   "Q: test_library_namespace_with_support_disabled",
			States:   []State{StateLibraryOff},
			Alone:    true,
			Params:   formatParams,
			Run:      runStateLibraryOffExplicit,
		},
		{
			ID: "state-app-repo", Area: areaStates,
			Requires: []Requirement{quayStateAppRepo},
			Explain:  "a push to, and a pull from, an application repository get app-repository (Quay: auth 405)",
			Origin:   "Q: test_application_repo",
			States:   []State{StateAppRepo},
			Params:   []string{"push", "pull"},
			Run:      runStateAppRepo,
		},
		{
			ID: "state-geo-blocked", Area: areaStates,
			Requires: []Requirement{quayStateGeoBlocked},
			Explain: "P without blob GET checks; the namespace geo-blocked for the client's country; R from a blocked " +
				"address: get-manifest 200, then geo-blocked at get-blob (403)",
			Origin: "Q: test_geo_blocking",
			States: []State{StateGeoBlock},
			Run:    runStateGeoBlocked,
		},
		{
			ID: "state-preloaded", Area: areaStates,
			Requires: []Requirement{reqPullCategory},
			Explain: "content the target names (tags, manifests, blobs, referrers) without pushing: HEAD/GET of each " +
				"answers 200 with the stated digest, the tags and the referrers are listed",
			Origin: "O: read-only data set (OCI_RO_DATA_TAGS/MANIFESTS/BLOBS/REFERRERS); legacy setup \"Get tag name from environment\", \"Populate registry with test tags (no push)\"",
			States: []State{StatePreloaded},
			Run:    runStatePreloaded,
		},
	}
}

func runStateRegistryReadOnly(e *Env) (err error) {
	c := e.Target.Control.(RegistryReadOnly)
	repo := e.Repo(Owner)
	if _, _, err := e.pushPull(repo, "latest", fixtures.Basic(), fmtS2, fmtS2); err != nil {
		return err
	}
	if err := c.SetRegistryReadOnly(e.Ctx, true); err != nil {
		return fmt.Errorf("making the registry read-only: %w", err)
	}
	defer func() {
		if rerr := c.SetRegistryReadOnly(e.Ctx, false); rerr != nil && err == nil {
			err = fmt.Errorf("making the registry writable again: %w", rerr)
		}
	}()
	if _, err := e.pull(repo, []string{"latest"}, fixtures.Basic(), fmtS2); err != nil {
		return err
	}
	exp, err := e.expect(failures.ReadonlyRegistry)
	if err != nil {
		return err
	}
	// Quay's push demands each blob absent first (blob-head-check 404).
	if _, err := e.push(repo, []string{"latest"}, fixtures.Different(), fmtS2, exp, v2proto.WithBlobChecks(v2proto.BlobChecks{Head: v2proto.HeadWantAbsent})); err != nil {
		return err
	}
	_, err = e.pull(repo, []string{"latest"}, fixtures.Basic(), fmtS2)
	return err
}

func runRepoState(e *Env, st RepoState, want failures.Failure) error {
	c := e.Target.Control.(RepoStates)
	who, mirror, _ := strings.Cut(e.Param, "-")
	role := Owner
	if who == "robot" {
		role = Robot
	}
	repo := e.Repo(Owner)
	if _, err := e.push(repo, []string{"latest"}, fixtures.Basic(), fmtS2); err != nil {
		return err
	}
	if err := c.SetRepoState(e.Ctx, repo, st, mirror == "mirror"); err != nil {
		return fmt.Errorf("setting %s to %s: %w", repo, st, err)
	}
	if _, err := e.pull(repo, []string{"latest"}, fixtures.Basic(), fmtS2); err != nil {
		return err
	}
	// A robot may push a NORMAL repository, and a MIRROR one it mirrors.
	if want == "" && st == RepoMirror && role != Robot {
		want = failures.MirrorOnly
	}
	opts := []v2proto.CallOption{v2proto.WithBlobChecks(v2proto.BlobChecks{Head: v2proto.HeadNone})}
	if want != "" {
		exp, err := e.expect(want)
		if err != nil {
			return err
		}
		opts = append(opts, exp)
	}
	if _, err := e.pushAs(role, repo, []string{"latest"}, fixtures.Different(), fmtS2, opts...); err != nil {
		return err
	}
	if e.Has(Token) && (want == failures.ReadOnly || want == failures.MirrorOnly || (st == RepoMirror && role == Robot)) {
		scope := "repository:" + repo + ":push,pull,*"
		got, err := e.access(role, scope)
		if err != nil {
			return err
		}
		granted := []string{"pull"}
		if want == "" {
			granted = []string{"push", "pull"}
		}
		return wantAccess([]string{scope}, got, map[string][]string{"repository:" + repo: granted})
	}
	return nil
}

// setNamespace enables or disables the owner's namespace.
func (e *Env) setNamespace(enabled bool) error {
	c := e.Target.Control.(Namespaces)
	return c.SetNamespaceEnabled(e.Ctx, e.Namespace(Owner), enabled)
}

func runStateNSDisabled(e *Env) (err error) {
	repo := e.Repo(Owner)
	if e.Param != "push" {
		if _, err := e.push(repo, []string{"latest"}, fixtures.Basic(), fmtS2); err != nil {
			return err
		}
	}
	exp, err := e.expect(failures.NamespaceDisabled)
	if err != nil {
		return err
	}
	if err := e.setNamespace(false); err != nil {
		return err
	}
	defer func() {
		if rerr := e.setNamespace(true); rerr != nil && err == nil {
			err = rerr
		}
	}()
	switch e.Param {
	case "push":
		_, err = e.push(repo, []string{"latest"}, fixtures.Basic(), fmtS2, exp)
	case "pull":
		_, err = e.pull(repo, []string{"latest"}, fixtures.Basic(), fmtS2, exp)
	default:
		_, err = e.tagsOf(repo, exp)
	}
	return err
}

func runStateNSDisabledCatalog(e *Env) (err error) {
	repo := e.Repo(Owner)
	if _, err := e.push(repo, []string{"latest"}, fixtures.Basic(), fmtS2); err != nil {
		return err
	}
	// The token is taken first, with the catalog's scopes in the registry's
	// grammar (none for Quay), and kept by the client for the listing. Not
	// by a first listing: Quay keeps a catalog page for 60 s
	// (catalog_page_cache_ttl).
	as, err := e.as(Owner)
	if err != nil {
		return err
	}
	if _, err := e.client.Token(e.Ctx, e.client.CatalogScopes(), as...); err != nil {
		return err
	}
	// The namespace of the token's user, as test_catalog_disabled_namespace
	// disables devtable's (the owner's namespace may be an organization).
	u, _ := e.User(Owner)
	ns := u.Name
	c := e.Target.Control.(Namespaces)
	if err := c.SetNamespaceEnabled(e.Ctx, ns, false); err != nil {
		return err
	}
	defer func() {
		if rerr := c.SetNamespaceEnabled(e.Ctx, ns, true); rerr != nil && err == nil {
			err = rerr
		}
	}()
	cr, err := e.client.Catalog(e.Ctx, as...)
	if err != nil {
		return err
	}
	prefix := ns + "/"
	if i := slices.IndexFunc(cr.Repositories, func(r string) bool { return strings.HasPrefix(r, prefix) }); i >= 0 {
		return e.Errorf("GET /v2/_catalog with the namespace %s disabled lists %s, want none of its repositories", ns, cr.Repositories[i])
	}
	return nil
}

// topLevelRepo returns a fresh repository name without a namespace: the
// owner's namespace, "-", and what Repo puts after the namespace, such as
// "alice-name-single-component-1a2b3c4d". The owner must be allowed to push
// such names (and library/ followed by them) for the scenarios that use them.
func (e *Env) topLevelRepo() string {
	r := e.Repo(Owner)
	return e.Namespace(Owner) + "-" + r[strings.LastIndex(r, "/")+1:]
}

func runStateLibraryOff(e *Env) (err error) {
	c := e.Target.Control.(LibraryNamespace)
	repo := e.topLevelRepo()
	if e.Param == "pull" {
		if _, err := e.push(repo, []string{"latest"}, fixtures.Basic(), fmtS2); err != nil {
			return err
		}
	}
	exp, err := e.expect(failures.DisallowedLibraryNamespace)
	if err != nil {
		return err
	}
	if err := c.SetLibrarySupport(e.Ctx, false); err != nil {
		return err
	}
	defer func() {
		if rerr := c.SetLibrarySupport(e.Ctx, true); rerr != nil && err == nil {
			err = rerr
		}
	}()
	if e.Param == "pull" {
		_, err = e.pull(repo, []string{"latest"}, nil, fmtS2, exp)
		return err
	}
	_, err = e.push(repo, []string{"latest"}, fixtures.Basic(), fmtS2, exp)
	return err
}

func runStateLibraryOffExplicit(e *Env) (err error) {
	f := format(e.Param)
	if err := e.needFormat(f); err != nil {
		return err
	}
	c := e.Target.Control.(LibraryNamespace)
	if err := c.SetLibrarySupport(e.Ctx, false); err != nil {
		return err
	}
	defer func() {
		if rerr := c.SetLibrarySupport(e.Ctx, true); rerr != nil && err == nil {
			err = rerr
		}
	}()
	_, _, err = e.pushPull("library/"+e.topLevelRepo(), "latest", fixtures.Basic(), f, f)
	return err
}

func runStateAppRepo(e *Env) error {
	c := e.Target.Control.(AppRepos)
	repo := e.Repo(Owner)
	if err := c.CreateAppRepository(e.Ctx, repo); err != nil {
		return err
	}
	exp, err := e.expect(failures.AppRepository)
	if err != nil {
		return err
	}
	if e.Param == "pull" {
		_, err = e.pull(repo, []string{"latest"}, nil, fmtS2, exp)
		return err
	}
	_, err = e.push(repo, []string{"latest"}, fixtures.Basic(), fmtS2, exp)
	return err
}

func runStateGeoBlocked(e *Env) error {
	c := e.Target.Control.(GeoBlocking)
	repo := e.Repo(Owner)
	if _, err := e.push(repo, []string{"latest"}, fixtures.Basic(), fmtS2, v2proto.WithBlobChecks(v2proto.BlobChecks{SkipGet: true})); err != nil {
		return err
	}
	if err := c.GeoBlock(e.Ctx, e.Namespace(Owner), "CA"); err != nil {
		return err
	}
	exp, err := e.expect(failures.GeoBlocked)
	if err != nil {
		return err
	}
	_, err = e.pull(repo, []string{"latest"}, fixtures.Basic(), fmtS2, v2proto.WithHeaders(v2proto.Headers{RemoteAddr: c.BlockedAddress()}), exp)
	return err
}

func runStatePreloaded(e *Env) error {
	pc := e.Target.Control.(Preloaded).Preloaded()
	if pc.Repository == "" {
		return errors.New("the target's Preloaded content names no repository")
	}
	as, err := e.as(Owner)
	if err != nil {
		return err
	}
	repo := pc.Repository
	for _, t := range pc.Tags {
		if _, err := e.client.HeadManifest(e.Ctx, repo, t, as...); err != nil {
			return err
		}
		if _, err := e.client.GetManifest(e.Ctx, repo, t, as...); err != nil {
			return err
		}
	}
	for _, d := range pc.Manifests {
		if _, err := e.client.HeadManifest(e.Ctx, repo, d, as...); err != nil {
			return err
		}
		if _, err := e.client.GetManifest(e.Ctx, repo, d, as...); err != nil {
			return err
		}
	}
	for _, b := range pc.Blobs {
		d, err := parseDigest(b)
		if err != nil {
			return err
		}
		if _, err := e.client.HeadBlob(e.Ctx, repo, d, as...); err != nil {
			return err
		}
		if _, err := e.client.GetBlob(e.Ctx, repo, d, nil, as...); err != nil {
			return err
		}
	}
	if len(pc.Tags) > 0 {
		tr, err := e.client.Tags(e.Ctx, repo, as...)
		if err != nil {
			return err
		}
		for _, t := range pc.Tags {
			if !slices.Contains(tr.Tags, t) {
				return e.Errorf("GET /v2/%s/tags/list = %q, want %q among them", repo, tr.Tags, t)
			}
		}
	}
	for subject, refs := range pc.Referrers {
		d, err := parseDigest(subject)
		if err != nil {
			return err
		}
		rr, err := e.client.Referrers(e.Ctx, repo, d, as...)
		if err != nil {
			return err
		}
		for _, r := range refs {
			if !slices.ContainsFunc(rr.Manifests, func(m v1.Descriptor) bool { return string(m.Digest) == r }) {
				return e.Errorf("the referrers of %s in %s: %s missing, want it listed", subject, repo, r)
			}
		}
	}
	return nil
}

// parseDigest parses a digest the target names.
func parseDigest(s string) (digest.Digest, error) {
	d, err := digest.Parse(s)
	if err != nil {
		return "", fmt.Errorf("the target's Preloaded content names %q: %v", s, err)
	}
	return d, nil
}
