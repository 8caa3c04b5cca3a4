package quayreg

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/registrytest/registrytest/conformance"
	"github.com/registrytest/registrytest/examples/internal/conftarget"
	"github.com/registrytest/registrytest/failures"
)

// The users of Quay's test database (initdb.populate_database), all with
// password "password", and the namespaces the roles use.
const (
	Password = "password"
	// Org is the organization the owner administers: its default
	// permissions give the readers team (reader) read on every repository
	// devtable creates there.
	Org = "buynlarge"
	// Owner owns Org (and is a Quay superuser, without full access: see
	// Features).
	Owner = "devtable"
	// Robot is the robot of Org's owners team Quay's own tests push with.
	Robot = Org + "+ownerbot"
)

// Features are the feature flags of the Quay the target describes:
// SUPERUSERS_FULL_ACCESS off (Quay's test configuration turns it on, and
// devtable is a superuser there, so that the owner would read every other
// user's repositories: the "other" role would not be denied).
func Features() map[string]bool {
	return map[string]bool{"SUPERUSERS_FULL_ACCESS": false}
}

// Users returns the users by role (the robot's password is its token,
// robotToken):
//
//	owner, org-admin  devtable   in buynlarge
//	reader            reader     in buynlarge (readers team: read on what devtable creates there)
//	creator           creator    in buynlarge (creators team)
//	robot             buynlarge+ownerbot (owners team)
//	other             freshuser  in freshuser (no access to buynlarge; "public" would not do: a default
//	                             permission of buynlarge grants it read)
//	anonymous         no credentials, buynlarge
func Users(robotToken string) map[conformance.Role]conformance.User {
	u := func(name, ns string) conformance.User {
		return conformance.User{Name: name, Password: Password, Namespace: ns}
	}
	return map[conformance.Role]conformance.User{
		conformance.Owner:     u(Owner, Org),
		conformance.OrgAdmin:  u(Owner, Org),
		conformance.Reader:    u("reader", Org),
		conformance.Creator:   u("creator", Org),
		conformance.Other:     u("freshuser", "freshuser"),
		conformance.Robot:     {Name: Robot, Password: robotToken, Namespace: Org},
		conformance.Anonymous: {Namespace: Org},
	}
}

// Capabilities returns what Quay (ffba0c70e) supports, from its source and
// its own tests: auth, token, roles, post-digest, cancel, mount, delete,
// tag-delete, tag-paging, catalog, referrers, nested-names (the spec's
// optional parts but blob-delete: blob.py delete_digest raises
// Unsupported; tag-param: a manifest PUT ignores ?tag=; range:
// download_blob ignores Range), plus s1 and s1u (signed schema1, and unsigned
// schema1 as list children), convert (down-conversion to schema1),
// foreign-layers, validates-config, validates-v1-chain, validates-platform,
// chunk-overlap, library-alias, and tag-link and catalog-link (its
// paginate decorators send Link rel="next"; its own client follows it).
// It lacks sha512 and mount-auto, and
// is not hides-untagged: Quay hid a manifest pushed by digest only in 2020
// (the seed's harness expects 404), but at ffba0c70e a pull by its digest
// answers 200, and its own test_basic_push_by_manifest_digest expects that.
// Its schema1 down-conversions are unsigned (v1+json), so it is not
// signed-conversion either.
func Capabilities() []conformance.Capability {
	return []conformance.Capability{
		conformance.Auth, conformance.Token, conformance.Roles,
		conformance.PostDigest, conformance.Cancel, conformance.Mount, conformance.Delete,
		conformance.TagDelete, conformance.TagPaging, conformance.Catalog, conformance.Referrers,
		conformance.NestedNames,
		conformance.S1, conformance.S1U, conformance.Convert, conformance.ForeignLayers,
		conformance.ValidatesConfig, conformance.ValidatesV1Chain, conformance.ValidatesPlatform,
		conformance.ChunkOverlap, conformance.LibraryAlias, conformance.TagLink, conformance.CatalogLink,
	}
}

// NewTarget returns the target of r, a Quay started with Features: the
// users of Users (the robot's token read from Quay's API), Capabilities,
// failures.Quay, the known deviations of Deviations, an HTTP client that
// honours the Retry-After of a throttled login (see RetryThrottled), and a
// Control (NewControl), after pushing the content of the preloaded state
// (conftarget.Preload).
func NewTarget(ctx context.Context, r *Registry) (*conformance.Target, error) {
	c, err := NewControl(ctx, r)
	if err != nil {
		return nil, err
	}
	tok, err := c.RobotToken(ctx, Robot)
	if err != nil {
		return nil, err
	}
	t := &conformance.Target{
		Name:         "quay (" + r.Tree + ")",
		URL:          r.URL,
		HTTPClient:   &http.Client{Transport: RetryThrottled(nil)},
		Table:        failures.Quay,
		Users:        Users(tok),
		Capabilities: Capabilities(),
		Known:        Deviations(),
		Control:      c,
	}
	pc, err := conftarget.Preload(ctx, t)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.preloaded = pc
	c.mu.Unlock()
	return t, nil
}

// RetryThrottled returns a RoundTripper that sends requests with base (nil:
// http.DefaultTransport) and, when a GET is answered 429 with a
// Retry-After of seconds, waits that long (at least 0.5 s; Quay rounds its
// 0.5 s first backoff down to 0) and sends it again, up to 6 times.
//
// Quay throttles an account after a failed login (exponential backoff: 0.5
// s, 1.5 s, 3.5 s, ...): while the scenarios that send the owner's password
// wrong run, the owner's other token requests are refused too. A client
// honours Retry-After; the target's client does, so that the refusal of a
// wrong password never fails a scenario that sent the right one.
func RetryThrottled(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return retryThrottled{base}
}

type retryThrottled struct{ base http.RoundTripper }

func (rt retryThrottled) RoundTrip(req *http.Request) (*http.Response, error) {
	for i := 0; ; i++ {
		resp, err := rt.base.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests || req.Method != http.MethodGet || i == 6 {
			return resp, err
		}
		secs, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After")))
		if err != nil || secs < 0 || secs > 60 {
			return resp, nil
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		wait := max(time.Duration(secs)*time.Second, 500*time.Millisecond)
		select {
		case <-req.Context().Done():
			return nil, req.Context().Err()
		case <-time.After(wait):
		}
	}
}

// Control sets Quay's states through the test endpoints and Quay's API (as
// devtable, signed in), as Quay's registry tests do:
//
//   - RegistryReadOnly: set_config_key REGISTRY_STATE readonly / normal
//     (test_readonly_push_pull's ConfigChange);
//   - RepoStates: PUT /api/v1/repository/<repo>/changestate, after POST
//     .../mirror with the robot as the mirror's robot when asked for a
//     mirror configuration (test_repository_states);
//   - Namespaces: disable_namespace (test_push_disabled_namespace, ...);
//     enabling again sets the column in the database (Registry.SetUserEnabled):
//     there is no endpoint for it;
//   - LibraryNamespace, AnonymousAccess, CatalogVisibility: set_feature
//     LIBRARY_SUPPORT, ANONYMOUS_ACCESS, PUBLIC_CATALOG (FeatureFlagValue);
//   - PublicRepos: POST /api/v1/repository/<repo>/changevisibility
//     (ApiCaller.change_repo_visibility);
//   - Preloaded: what NewTarget pushed.
//
// Quay at ffba0c70e has no application repositories and no geo-blocking
// test, so Control implements neither AppRepos nor GeoBlocking. It is safe
// for concurrent use.
type Control struct {
	reg   *Registry
	api   *http.Client
	apiMu sync.Mutex

	mu        sync.Mutex
	preloaded conformance.PreloadedContent
}

var (
	_ conformance.RegistryReadOnly  = (*Control)(nil)
	_ conformance.RepoStates        = (*Control)(nil)
	_ conformance.Namespaces        = (*Control)(nil)
	_ conformance.LibraryNamespace  = (*Control)(nil)
	_ conformance.AnonymousAccess   = (*Control)(nil)
	_ conformance.CatalogVisibility = (*Control)(nil)
	_ conformance.PublicRepos       = (*Control)(nil)
	_ conformance.Preloaded         = (*Control)(nil)
)

// NewControl returns the Control of r, signed in to Quay's API as devtable.
func NewControl(ctx context.Context, r *Registry) (*Control, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	c := &Control{reg: r, api: &http.Client{Jar: jar, Transport: RetryThrottled(nil)}}
	// ApiCaller.conduct_auth.
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/signin", map[string]string{"username": Owner, "password": Password}); err != nil {
		return nil, err
	}
	return c, nil
}

// do sends an API request with a CSRF token of the session (fetched for
// each request, as ApiCaller does: signing in starts a new session) and a
// JSON body (nil: none) and returns the answer's body; a status other than
// 2xx is an error. Requests are sent one at a time.
func (c *Control) do(ctx context.Context, method, path string, body any) ([]byte, error) {
	c.apiMu.Lock()
	defer c.apiMu.Unlock()
	b, err := c.reg.call(ctx, c.api, "generate_csrf")
	if err != nil {
		return nil, err
	}
	csrf := strings.TrimSpace(string(b))
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = strings.NewReader(string(b))
	}
	u := c.reg.URL + path + "?_csrf_token=" + url.QueryEscape(csrf)
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.api.Do(req)
	if err != nil {
		return nil, fmt.Errorf("quayreg: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err = io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("quayreg: %s %s: %v", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return b, fmt.Errorf("quayreg: %s %s = %d %q, want 2xx", method, path, resp.StatusCode, truncate(b))
	}
	return b, nil
}

// RobotToken returns the token (password) of the robot called name
// (namespace+robot) of an organization devtable administers, from Quay's
// API (as test_repository_states reads it).
func (c *Control) RobotToken(ctx context.Context, name string) (string, error) {
	org, short, ok := strings.Cut(name, "+")
	if !ok {
		return "", fmt.Errorf("quayreg: RobotToken(%q): want namespace+robot", name)
	}
	b, err := c.do(ctx, http.MethodGet, "/api/v1/organization/"+org+"/robots/"+short, nil)
	if err != nil {
		return "", err
	}
	var r struct{ Token string }
	if err := json.Unmarshal(b, &r); err != nil || r.Token == "" {
		return "", fmt.Errorf("quayreg: RobotToken(%q): no token in %q (%v)", name, truncate(b), err)
	}
	return r.Token, nil
}

// Preloaded returns the content NewTarget pushed.
func (c *Control) Preloaded() conformance.PreloadedContent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.preloaded
}

func (c *Control) setFeature(ctx context.Context, name string, on bool) error {
	_, err := c.reg.call(ctx, http.DefaultClient, "set_feature", name, on)
	return err
}

// SetRegistryReadOnly sets REGISTRY_STATE to "readonly" or "normal".
func (c *Control) SetRegistryReadOnly(ctx context.Context, readOnly bool) error {
	state := "normal"
	if readOnly {
		state = "readonly"
	}
	_, err := c.reg.call(ctx, http.DefaultClient, "set_config_key", "REGISTRY_STATE", state)
	return err
}

// SetLibrarySupport sets FEATURE_LIBRARY_SUPPORT.
func (c *Control) SetLibrarySupport(ctx context.Context, on bool) error {
	return c.setFeature(ctx, "LIBRARY_SUPPORT", on)
}

// SetAnonymousAccess sets FEATURE_ANONYMOUS_ACCESS.
func (c *Control) SetAnonymousAccess(ctx context.Context, on bool) error {
	return c.setFeature(ctx, "ANONYMOUS_ACCESS", on)
}

// SetPublicCatalog sets FEATURE_PUBLIC_CATALOG.
func (c *Control) SetPublicCatalog(ctx context.Context, public bool) error {
	return c.setFeature(ctx, "PUBLIC_CATALOG", public)
}

// SetNamespaceEnabled disables namespace with the test endpoint
// disable_namespace, or enables it in the database.
func (c *Control) SetNamespaceEnabled(ctx context.Context, namespace string, enabled bool) error {
	if enabled {
		return c.reg.SetUserEnabled(ctx, namespace, true)
	}
	_, err := c.reg.call(ctx, http.DefaultClient, "disable_namespace", namespace)
	return err
}

// MakePublic makes repo public (changevisibility).
func (c *Control) MakePublic(ctx context.Context, repo string) error {
	_, err := c.do(ctx, http.MethodPost, "/api/v1/repository/"+repo+"/changevisibility", map[string]string{"visibility": "public"})
	return err
}

// mirrorSource is the external reference of the mirror configurations
// SetRepoState makes. test_repository_states uses quay.io/foo/bar, which
// Quay's SSRF check resolves (util/security/ssrf.py) and, without DNS,
// refuses with 400: the two rows of Quay's own test that configure a mirror
// on a NORMAL repository fail here for that reason. A public IP address
// literal passes the check without DNS; nothing contacts it (no mirror
// worker runs beside the test server).
const mirrorSource = "93.184.216.34/foo/bar"

// SetRepoState gives repo (when mirrorConfig) a mirror configuration whose
// robot is Robot, with test_repository_states's settings (the source
// mirrorSource), then sets its state.
func (c *Control) SetRepoState(ctx context.Context, repo string, state conformance.RepoState, mirrorConfig bool) error {
	if !strings.HasPrefix(repo, Org+"/") {
		return fmt.Errorf("quayreg: SetRepoState(%q): a repository of %s, please (the mirror's robot is %s)", repo, Org, Robot)
	}
	if mirrorConfig {
		params := map[string]any{
			"is_enabled":                 true,
			"external_reference":         mirrorSource,
			"external_registry_username": "fakeusername",
			"external_registry_password": "fakepassword",
			"sync_interval":              1000,
			"skopeo_timeout_interval":    300,
			"sync_start_date":            "2020-01-01T00:00:00Z",
			"root_rule":                  map[string]any{"rule_kind": "tag_glob_csv", "rule_value": []string{"latest", "1.3*", "foo"}},
			"robot_username":             Robot,
			"external_registry_config": map[string]any{
				"verify_tls": true,
				"proxy": map[string]string{
					"https_proxy": "https://proxy.example.net",
					"http_proxy":  "http://insecure.proxy.com",
					"no_proxy":    "local.lan.com",
				},
			},
		}
		if _, err := c.do(ctx, http.MethodPost, "/api/v1/repository/"+repo+"/mirror", params); err != nil {
			return err
		}
	}
	_, err := c.do(ctx, http.MethodPut, "/api/v1/repository/"+repo+"/changestate", map[string]string{"state": string(state)})
	return err
}

// StartTarget starts the Quay of FromEnv with Features (serve.py's output
// to log) and returns its target (NewTarget) and the function that stops
// it.
func StartTarget(ctx context.Context, log io.Writer) (*conformance.Target, func(), error) {
	o, err := FromEnv()
	if err != nil {
		return nil, nil, err
	}
	o.Features = Features()
	fmt.Fprintf(log, "quayreg: serving Quay from %s (venv %s)\n", o.Tree, o.Venv)
	r, err := Start(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	t, err := NewTarget(ctx, r)
	if err != nil {
		r.Close()
		return nil, nil, fmt.Errorf("%v%s", err, r.Log())
	}
	return t, func() { r.Close() }, nil
}
