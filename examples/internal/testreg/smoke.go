package testreg

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/registrytest/registrytest/fixtures"
)

// StartFunc starts a registry for a test; distv3.Start, dist28.Start and
// debianreg.Start are StartFuncs.
type StartFunc func(t testing.TB, o Options) *Registry

// SmokeTest checks, with plain net/http, that registries started by start
// (of flavor f) come up and authenticate as documented, for each auth mode:
// GET /v2/ answers 200 {} without auth, 401 with a Basic or Bearer
// challenge with auth; credentials and tokens from the issuer let a client
// ping and push a blob; a token without push is refused; bad credentials get
// 401 at the token endpoint; a token for another audience, or naming its key
// in a form the registry does not trust, gets 401; read-only mode refuses
// uploads and SetReadOnly switches it on the same storage.
func SmokeTest(t *testing.T, f Flavor, start StartFunc) {
	t.Run("none", func(t *testing.T) {
		t.Parallel()
		r := start(t, Options{})
		checkInfo(t, r, f, AuthNone)
		status, body, h := do(t, "GET", r.URL+"/v2/", nil, "")
		if status != 200 || string(body) != "{}" {
			t.Errorf("GET /v2/ = %d %q, want 200 {}", status, body)
		}
		if got := h.Get("Docker-Distribution-Api-Version"); got != "registry/2.0" {
			t.Errorf("GET /v2/: Docker-Distribution-Api-Version = %q, want registry/2.0", got)
		}
		if got := pushBlob(t, r.URL, "smoke/none", "", []byte("none")); got != "" {
			t.Errorf("push without auth: %s, want success", got)
		}
	})
	t.Run("basic", func(t *testing.T) {
		t.Parallel()
		r := start(t, Options{Auth: AuthBasic})
		checkInfo(t, r, f, AuthBasic)
		status, _, h := do(t, "GET", r.URL+"/v2/", nil, "")
		want := fmt.Sprintf("Basic realm=%q", BasicRealm)
		if status != 401 || h.Get("WWW-Authenticate") != want {
			t.Errorf("GET /v2/ anonymous = %d WWW-Authenticate %q, want 401 %q", status, h.Get("WWW-Authenticate"), want)
		}
		admin, _ := r.User("admin")
		if status, _, _ := do(t, "GET", r.URL+"/v2/", nil, basic(admin.Name, admin.Password)); status != 200 {
			t.Errorf("GET /v2/ as %s = %d, want 200", admin.Name, status)
		}
		if status, _, _ := do(t, "GET", r.URL+"/v2/", nil, basic(admin.Name, "wrong")); status != 401 {
			t.Errorf("GET /v2/ with a wrong password = %d, want 401", status)
		}
		if got := pushBlob(t, r.URL, "smoke/basic", basic(admin.Name, admin.Password), []byte("basic")); got != "" {
			t.Errorf("push as %s: %s, want success", admin.Name, got)
		}
	})
	for _, tc := range []struct {
		alg fixtures.TokenAlg
		x5c bool
	}{{fixtures.TokenES256, false}, {fixtures.TokenRS256, false}, {fixtures.TokenES256, true}, {fixtures.TokenRS256, true}} {
		name := fmt.Sprintf("token-%s-kid", tc.alg)
		if tc.x5c {
			name = fmt.Sprintf("token-%s-x5c", tc.alg)
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := start(t, Options{Auth: AuthToken, TokenAlg: tc.alg, TokenX5C: tc.x5c, TokenSeed: 7})
			checkInfo(t, r, f, AuthToken)
			smokeToken(t, r, f)
		})
	}
	t.Run("foreign-urls", func(t *testing.T) {
		t.Parallel()
		allow := start(t, Options{AllowForeignURLs: []string{`^https://foreign\.example/`}})
		deny := start(t, Options{})
		for _, r := range []*Registry{allow, deny} {
			status, body := pushForeign(t, r.URL, "smoke/foreign")
			t.Logf("%s: PUT manifest with a foreign layer (AllowForeignURLs %q) = %d %q", r.Name, r.Setup().Options.AllowForeignURLs, status, body)
			if wantOK := r == allow; (status == 201) != wantOK {
				t.Errorf("PUT manifest with a foreign layer, AllowForeignURLs %v = %d, want 201: %v", r.Setup().Options.AllowForeignURLs, status, wantOK)
			}
		}
	})
	t.Run("readonly", func(t *testing.T) {
		t.Parallel()
		r := start(t, Options{ReadOnly: true})
		if !r.ReadOnly() {
			t.Errorf("ReadOnly() = false after starting with Options.ReadOnly")
		}
		status, _, _ := do(t, "POST", r.URL+"/v2/smoke/ro/blobs/uploads/", nil, "")
		if status != 405 {
			t.Errorf("POST upload on a read-only registry = %d, want 405", status)
		}
		if err := r.SetReadOnly(false); err != nil {
			t.Fatal(err)
		}
		blob := []byte("written before read-only")
		if got := pushBlob(t, r.URL, "smoke/ro", "", blob); got != "" {
			t.Fatalf("push after SetReadOnly(false): %s, want success", got)
		}
		url0 := r.URL
		if err := r.SetReadOnly(true); err != nil {
			t.Fatal(err)
		}
		if r.URL != url0 {
			t.Errorf("URL changed from %s to %s", url0, r.URL)
		}
		if status, _, _ := do(t, "POST", r.URL+"/v2/smoke/ro/blobs/uploads/", nil, ""); status != 405 {
			t.Errorf("POST upload after SetReadOnly(true) = %d, want 405", status)
		}
		status, body, _ := do(t, "GET", r.URL+"/v2/smoke/ro/blobs/"+digestOf(blob), nil, "")
		if status != 200 || string(body) != string(blob) {
			t.Errorf("GET blob pushed before read-only = %d %q, want 200 %q", status, body, blob)
		}
	})
}

// checkInfo checks the description of a freshly started registry.
func checkInfo(t *testing.T, r *Registry, f Flavor, auth AuthMode) {
	t.Helper()
	if r.Name != f.Name || r.Auth != auth || !strings.HasPrefix(r.URL, "http://127.0.0.1:") || r.Host != strings.TrimPrefix(r.URL, "http://") {
		t.Errorf("Info = {Name %q, Auth %v, URL %q, Host %q}, want {%q, %v, http://127.0.0.1:PORT, 127.0.0.1:PORT}", r.Name, r.Auth, r.URL, r.Host, f.Name, auth)
	}
	if r.Schema1 != f.Schema1 || r.CatalogMaxEntries != 1000 {
		t.Errorf("Schema1 = %v, CatalogMaxEntries = %d, want %v, 1000", r.Schema1, r.CatalogMaxEntries, f.Schema1)
	}
	if (auth == AuthToken) != (r.Issuer != nil) {
		t.Errorf("Issuer = %v with Auth %v", r.Issuer, auth)
	}
}

func smokeToken(t *testing.T, r *Registry, f Flavor) {
	status, body, h := do(t, "GET", r.URL+"/v2/", nil, "")
	want := fmt.Sprintf("Bearer realm=%q,service=%q", r.Realm, r.Service)
	if status != 401 || h.Get("WWW-Authenticate") != want {
		t.Errorf("GET /v2/ anonymous = %d WWW-Authenticate %q, want 401 %q", status, h.Get("WWW-Authenticate"), want)
	}
	admin, _ := r.User("admin")
	reader, _ := r.User("reader")
	const repo = "smoke/token"

	// Anonymous token, no scope: enough for /v2/.
	anon := fetchToken(t, r, "", "", 200)
	if status, _, _ := do(t, "GET", r.URL+"/v2/", nil, "Bearer "+anon); status != 200 {
		t.Errorf("GET /v2/ with an anonymous token = %d, want 200", status)
	}

	// Owner: pull,push granted; the push works.
	tok := fetchToken(t, r, basic(admin.Name, admin.Password), "repository:"+repo+":pull,push", 200)
	checkAccess(t, tok, []fixtures.TokenAccessEntry{{Type: "repository", Name: repo, Actions: []string{"pull", "push"}}})
	if status, _, _ := do(t, "GET", r.URL+"/v2/", nil, "Bearer "+tok); status != 200 {
		t.Errorf("GET /v2/ with %s's token = %d, want 200", admin.Name, status)
	}
	if got := pushBlob(t, r.URL, repo, "Bearer "+tok, []byte("token push")); got != "" {
		t.Errorf("push with a pull,push token: %s, want success", got)
	}

	// Reader: asks pull,push, gets pull; the push is refused.
	rtok := fetchToken(t, r, basic(reader.Name, reader.Password), "repository:"+repo+":pull,push", 200)
	checkAccess(t, rtok, []fixtures.TokenAccessEntry{{Type: "repository", Name: repo, Actions: []string{"pull"}}})
	status, _, h = do(t, "POST", r.URL+"/v2/"+repo+"/blobs/uploads/", nil, "Bearer "+rtok)
	t.Logf("%s: POST upload with a pull-only token = %d, WWW-Authenticate %q", r.Name, status, h.Get("WWW-Authenticate"))
	if status != 401 && status != 403 {
		t.Errorf("POST upload with a pull-only token = %d, want 401 or 403", status)
	}
	if !strings.Contains(h.Get("WWW-Authenticate"), `error="insufficient_scope"`) {
		t.Errorf("POST upload with a pull-only token: WWW-Authenticate %q, want error=\"insufficient_scope\"", h.Get("WWW-Authenticate"))
	}

	// Catalog needs registry:catalog:*.
	if status, _, _ := do(t, "GET", r.URL+"/v2/_catalog", nil, "Bearer "+tok); status != 401 {
		t.Errorf("GET /v2/_catalog with a repository token = %d, want 401", status)
	}
	ctok := fetchToken(t, r, basic(admin.Name, admin.Password), "registry:catalog:*", 200)
	// (v3 lists only repositories with a manifest, 2.8 those with a blob:
	// only the status and the shape are checked.)
	status, body, _ = do(t, "GET", r.URL+"/v2/_catalog", nil, "Bearer "+ctok)
	var cat struct{ Repositories *[]string }
	if err := json.Unmarshal(body, &cat); status != 200 || err != nil || cat.Repositories == nil {
		t.Errorf("GET /v2/_catalog with a catalog token = %d %q, want 200 {\"repositories\":[...]}", status, body)
	}

	// Bad credentials at the token endpoint.
	fetchToken(t, r, basic(admin.Name, "wrong"), "", 401)
	fetchToken(t, r, basic("nobody", "x"), "", 401)

	// A token for another audience.
	c := r.Issuer.Claims(admin.Name, "repository:"+repo+":pull")
	c.Audience = "another-service"
	bad, err := r.Issuer.Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	status, _, h = do(t, "GET", r.URL+"/v2/", nil, "Bearer "+bad)
	if status != 401 || !strings.Contains(h.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("GET /v2/ with aud=another-service = %d WWW-Authenticate %q, want 401 error=\"invalid_token\"", status, h.Get("WWW-Authenticate"))
	}

	// The same key named in each form: only the trusted ones work.
	for _, mode := range []fixtures.TokenKeyMode{fixtures.TokenKeyLibtrustKID, fixtures.TokenKeyThumbprintKID, fixtures.TokenKeyX5C} {
		other, err := fixtures.NewTokenIssuer(fixtures.TokenIssuerOptions{
			Seed: 7, Alg: r.Issuer.Alg(), KeyMode: mode, Issuer: r.Issuer.Issuer(), Service: r.Service,
		})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := other.Sign(other.Claims(""))
		if err != nil {
			t.Fatal(err)
		}
		// The x5c certificate differs from the one in the bundle (its
		// signature is not deterministic): only kid forms can be tried
		// with another issuer, x5c with the registry's own.
		if mode == fixtures.TokenKeyX5C {
			if r.Issuer.KeyMode() != fixtures.TokenKeyX5C {
				continue
			}
			tok = anon
		}
		wantStatus := 401
		if mode == f.KeyMode || mode == fixtures.TokenKeyX5C {
			wantStatus = 200
		}
		if status, _, _ := do(t, "GET", r.URL+"/v2/", nil, "Bearer "+tok); status != wantStatus {
			t.Errorf("GET /v2/ with a %s token signed by the trusted key (%s) = %d, want %d", mode, r.Issuer.Alg(), status, wantStatus)
		}
	}

	// The issuer recorded the requests, without passwords.
	reqs := r.Issuer.Requests()
	if len(reqs) < 5 {
		t.Fatalf("Issuer.Requests() has %d requests, want at least 5", len(reqs))
	}
	if got := reqs[1]; got.Account != admin.Name || got.Status != 200 || !cmp.Equal(got.Scopes, []string{"repository:" + repo + ":pull,push"}) {
		t.Errorf("Issuer.Requests()[1] = %+v, want %s asking repository:%s:pull,push, 200", got, admin.Name, repo)
	}
	if s := fmt.Sprintf("%+v", reqs); strings.Contains(s, admin.Password) || strings.Contains(s, reader.Password) {
		t.Errorf("Issuer.Requests() holds a password: %s", s)
	}
}

var client = &http.Client{Timeout: 30 * time.Second}

// do sends a request and returns its status, body and headers; it fails
// the test on a transport error.
func do(t *testing.T, method, url string, body []byte, auth string) (int, []byte, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return resp.StatusCode, b, resp.Header
}

func basic(user, pass string) string {
	req, _ := http.NewRequest("GET", "http://x/", nil)
	req.SetBasicAuth(user, pass)
	return req.Header.Get("Authorization")
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// pushBlob uploads blob in two requests (POST, PUT ?digest=); it returns ""
// on success, else what went wrong.
func pushBlob(t *testing.T, base, repo, auth string, blob []byte) string {
	t.Helper()
	status, body, h := do(t, "POST", base+"/v2/"+repo+"/blobs/uploads/", nil, auth)
	if status != 202 {
		return fmt.Sprintf("POST /v2/%s/blobs/uploads/ = %d %q, want 202", repo, status, body)
	}
	loc, err := url.Parse(h.Get("Location"))
	if err != nil {
		return fmt.Sprintf("POST upload: Location %q: %v", h.Get("Location"), err)
	}
	b, _ := url.Parse(base)
	loc = b.ResolveReference(loc)
	q := loc.Query()
	q.Set("digest", digestOf(blob))
	loc.RawQuery = q.Encode()
	status, body, _ = do(t, "PUT", loc.String(), blob, auth)
	if status != 201 {
		return fmt.Sprintf("PUT upload = %d %q, want 201", status, body)
	}
	status, _, _ = do(t, "HEAD", base+"/v2/"+repo+"/blobs/"+digestOf(blob), nil, auth)
	if status != 200 {
		return fmt.Sprintf("HEAD blob after push = %d, want 200", status)
	}
	return ""
}

// fetchToken asks the registry's issuer for a token over HTTP, checks the
// answer's status (and, on 200, its fields) and returns the token.
func fetchToken(t *testing.T, r *Registry, auth, scope string, wantStatus int) string {
	t.Helper()
	q := url.Values{"service": {r.Service}}
	if scope != "" {
		q.Set("scope", scope)
	}
	status, body, h := do(t, "GET", r.Realm+"?"+q.Encode(), nil, auth)
	if status != wantStatus {
		t.Fatalf("GET token (scope %q) = %d %q, want %d", scope, status, body, wantStatus)
	}
	if h.Get("Content-Type") != "application/json" {
		t.Errorf("GET token: Content-Type %q, want application/json", h.Get("Content-Type"))
	}
	var resp struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		IssuedAt    string `json:"issued_at"`
		Errors      []struct {
			Code string `json:"code"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatalf("GET token: body %q: %v", body, err)
	}
	if wantStatus != 200 {
		if len(resp.Errors) == 0 || resp.Token != "" {
			t.Errorf("GET token = %d %q, want an error body and no token", status, body)
		}
		return ""
	}
	if resp.Token == "" || resp.Token != resp.AccessToken || resp.ExpiresIn != int(r.Issuer.Lifetime()/time.Second) {
		t.Errorf("GET token: token %.10q..., access_token %.10q..., expires_in %d, want equal tokens and %d", resp.Token, resp.AccessToken, resp.ExpiresIn, int(r.Issuer.Lifetime()/time.Second))
	}
	if _, err := time.Parse(time.RFC3339, resp.IssuedAt); err != nil {
		t.Errorf("GET token: issued_at %q: %v", resp.IssuedAt, err)
	}
	return resp.Token
}

func checkAccess(t *testing.T, token string, want []fixtures.TokenAccessEntry) {
	t.Helper()
	got, err := fixtures.TokenAccess(token)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("token access (-want +got):\n%s", diff)
	}
}

// pushForeign pushes a config blob and a schema2 manifest whose one layer
// is foreign (https://foreign.example/layer, never uploaded); it returns
// the manifest PUT's status and body.
func pushForeign(t *testing.T, base, repo string) (int, []byte) {
	t.Helper()
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:` + strings.Repeat("ab", 32) + `"]},"history":[{"created_by":"registrytest"}]}`)
	if got := pushBlob(t, base, repo, "", config); got != "" {
		t.Fatalf("pushing the config: %s", got)
	}
	manifest := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",`+
		`"config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":%d,"digest":%q},`+
		`"layers":[{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip","size":1234,"digest":"sha256:%s","urls":["https://foreign.example/layer"]}]}`,
		len(config), digestOf(config), strings.Repeat("cd", 32))
	req, err := http.NewRequestWithContext(t.Context(), "PUT", base+"/v2/"+repo+"/manifests/v1", strings.NewReader(manifest))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/vnd.docker.distribution.manifest.v2+json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, body
}

// SmokeTestOpen checks a registry without auth and without a read-only
// mode that new started (go-containerregistry, CUE): its Info names name
// with no auth, GET /v2/ answers 200 without credentials, SetReadOnly
// refuses, and after Close it no longer answers.
func SmokeTestOpen(t *testing.T, name string, newRegistry func() (*Registry, error)) {
	t.Helper()
	reg, err := newRegistry()
	if err != nil {
		t.Fatal(err)
	}
	if reg.Name != name || reg.Auth != AuthNone || reg.URL == "" {
		t.Errorf("Info = %+v, want Name %q, Auth none and a URL", reg.Info, name)
	}
	resp, err := http.Get(reg.URL + "/v2/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /v2/ = %d, want 200", resp.StatusCode)
	}
	if err := reg.SetReadOnly(true); err == nil {
		t.Errorf("SetReadOnly(true) = nil, want an error (no read-only mode)")
	}
	if err := reg.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if _, err := http.Get(reg.URL + "/v2/"); err == nil {
		t.Errorf("GET /v2/ after Close succeeded, want an error")
	}
}
