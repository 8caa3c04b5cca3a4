// Package itest checks package v2proto and the failures.Distribution table
// against real registries: ping and auth in every auth mode (none,
// htpasswd, token), the registry's refusal of a scope a token lacks, the
// success status of every step, and every entry of failures.Distribution,
// each proven on the registry with and without the expected failure.
//
// It imports no registry implementation: the test packages under it
// (distv3, dist28, debian) call Run with their registry's Start function,
// since distribution v3 and v2.8 cannot share a binary.
package itest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/registrytest/registrytest/examples/internal/testreg"
	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

// Media types of the hand-built content.
const (
	ociManifest = "application/vnd.oci.image.manifest.v1+json"
	ociIndex    = "application/vnd.oci.image.index.v1+json"
	ociConfig   = "application/vnd.oci.image.config.v1+json"
	ociLayer    = "application/vnd.oci.image.layer.v1.tar+gzip"
)

// canaryPassword is the password of the user canary, who may do
// everything: the secrets test looks for it in every log line and error.
const canaryPassword = "CANARYPW-itest-4f1c"

// Users of the auth registries: testreg's defaults (admin may do
// everything, reader may pull), other, who may do nothing, and canary.
var users = append(testreg.DefaultUsers(),
	fixtures.TokenUser{Name: "other", Password: "other-password"},
	fixtures.TokenUser{Name: "canary", Password: canaryPassword, Grants: []fixtures.TokenGrant{{Name: "*", Actions: []string{"*"}}}},
)

var (
	admin  = v2proto.WithCredentials("admin", "admin-password")
	reader = v2proto.WithCredentials("reader", "reader-password")
	other  = v2proto.WithCredentials("other", "other-password")
)

// env holds the registries of one Run.
type env struct {
	open     *testreg.Registry // no auth
	basic    *testreg.Registry // htpasswd
	token    *testreg.Registry // token auth
	readonly *testreg.Registry // no auth, read-only
}

// Run starts four registries with start (no auth, htpasswd, token, and
// read-only) and runs every check against them as subtests.
func Run(t *testing.T, start testreg.StartFunc) {
	e := &env{
		open:     start(t, testreg.Options{}),
		basic:    start(t, testreg.Options{Auth: testreg.AuthBasic, Users: users}),
		token:    start(t, testreg.Options{Auth: testreg.AuthToken, Users: users}),
		readonly: start(t, testreg.Options{ReadOnly: true}),
	}
	t.Run("ping", e.testPing)
	t.Run("auth-basic", e.testAuthBasic)
	t.Run("auth-token", e.testAuthToken)
	t.Run("scope-refused", e.testScopeRefused)
	t.Run("success", e.testSuccess)
	t.Run("secrets", e.testSecrets)
	t.Run("distribution-table", e.testTable)
}

func client(t *testing.T, r *testreg.Registry) *v2proto.Client {
	t.Helper()
	c, err := v2proto.New(r.URL, v2proto.WithLogf(t.Logf))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// eachSchema runs f in a subtest named prefix+schema for every manifest
// schema: schema2, OCI, then schema1, which it skips where reg accepts no
// schema1 manifests.
func eachSchema(t *testing.T, reg *testreg.Registry, prefix string, f func(t *testing.T, s v2proto.Schema)) {
	t.Helper()
	for _, s := range []v2proto.Schema{v2proto.Schema2, v2proto.OCI, v2proto.Schema1} {
		t.Run(prefix+string(s), func(t *testing.T) {
			if s == v2proto.Schema1 && !reg.Schema1 {
				t.Skipf("%s accepts no schema1 manifests", reg.Name)
			}
			f(t, s)
		})
	}
}

func digestOf(b []byte) string {
	return fmt.Sprintf("sha256:%x", sha256.Sum256(b))
}

func request(method, path, contentType string, body []byte) *http.Request {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, path, r)
	if err != nil {
		panic(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

// do runs one exchange and returns the body of a successful answer.
func do(t *testing.T, c *v2proto.Client, step failures.Step, req *http.Request, opts ...v2proto.CallOption) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Exchange(context.Background(), step, req, opts...)
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	if resp == nil {
		t.Fatalf("%s: Exchange = nil, nil, want a response", step)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatalf("%s: reading the body: %v", step, err)
	}
	return resp, body
}

func scope(repo string) v2proto.CallOption {
	return v2proto.WithScopes("repository:" + repo + ":pull,push,delete")
}

// pushBlob uploads data to repo (POST, then PUT ?digest= with the body).
func pushBlob(t *testing.T, c *v2proto.Client, repo string, data []byte, opts ...v2proto.CallOption) string {
	t.Helper()
	opts = append([]v2proto.CallOption{scope(repo)}, opts...)
	resp, _ := do(t, c, failures.StartUpload, request("POST", "/v2/"+repo+"/blobs/uploads/", "", nil), opts...)
	loc := nextURL(t, resp, "digest="+digestOf(data))
	do(t, c, failures.FinishUpload, request("PUT", loc, "application/octet-stream", data), opts...)
	return digestOf(data)
}

// nextURL returns resp's Location, absolute, with query added.
func nextURL(t *testing.T, resp *http.Response, query string) string {
	t.Helper()
	loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
	if err != nil || resp.Header.Get("Location") == "" {
		t.Fatalf("%s %s: Location %q, want a URL", resp.Request.Method, resp.Request.URL.Path, resp.Header.Get("Location"))
	}
	if query != "" {
		if loc.RawQuery != "" {
			loc.RawQuery += "&"
		}
		loc.RawQuery += query
	}
	return loc.String()
}

// image is a manifest with its config and one layer, pushed or not.
type image struct {
	config, layer []byte
	manifest      []byte
	digest        string // of manifest
}

func newImage(seed string) image {
	im := image{
		config: []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"comment":"` + seed + `"}`),
		layer:  []byte("layer of " + seed),
	}
	im.manifest = manifestFor(im.config, im.layer, digestOf(im.layer))
	im.digest = digestOf(im.manifest)
	return im
}

func manifestFor(config, layer []byte, layerDigest string) []byte {
	return fmt.Appendf(nil, `{"schemaVersion":2,"mediaType":%q,"config":{"mediaType":%q,"digest":%q,"size":%d},"layers":[{"mediaType":%q,"digest":%q,"size":%d}]}`,
		ociManifest, ociConfig, digestOf(config), len(config), ociLayer, layerDigest, len(layer))
}

func indexFor(manifestDigest string, size int) []byte {
	return fmt.Appendf(nil, `{"schemaVersion":2,"mediaType":%q,"manifests":[{"mediaType":%q,"digest":%q,"size":%d,"platform":{"architecture":"amd64","os":"linux"}}]}`,
		ociIndex, ociManifest, manifestDigest, size)
}

// pushImage uploads im's blobs and puts its manifest at repo:tag.
func pushImage(t *testing.T, c *v2proto.Client, repo, tag string, im image, opts ...v2proto.CallOption) {
	t.Helper()
	pushBlob(t, c, repo, im.config, opts...)
	pushBlob(t, c, repo, im.layer, opts...)
	do(t, c, failures.PutManifest, request("PUT", "/v2/"+repo+"/manifests/"+tag, ociManifest, im.manifest),
		append([]v2proto.CallOption{scope(repo)}, opts...)...)
}

func (e *env) testPing(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		reg  *testreg.Registry
		want *v2proto.PingResult
	}{
		{"none", e.open, &v2proto.PingResult{Status: 200, APIVersion: "registry/2.0"}},
		{"basic", e.basic, &v2proto.PingResult{Status: 401, APIVersion: "registry/2.0", Challenges: []v2proto.Challenge{
			{Scheme: "Basic", Params: map[string]string{"realm": testreg.BasicRealm}}}}},
		{"token", e.token, &v2proto.PingResult{Status: 401, APIVersion: "registry/2.0", Challenges: []v2proto.Challenge{
			{Scheme: "Bearer", Params: map[string]string{"realm": e.token.Realm, "service": e.token.Service}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := client(t, tt.reg).Ping(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Ping mismatch (-want +got):\n%s", diff)
			}
		})
	}
	// Without auth, a call goes on without an auth step.
	c := client(t, e.open)
	tok, err := c.Token(ctx, []string{"repository:itest/ping:pull"})
	if err != nil || tok != "" {
		t.Errorf("Token on a registry without auth = %q, %v, want \"\", nil", tok, err)
	}
	do(t, c, failures.Catalog, request("GET", "/v2/_catalog", "", nil))
}

// badCredential is credentials a registry with auth refuses, and the
// failure the refusal is.
type badCredential struct {
	name    string
	creds   []v2proto.CallOption
	failure failures.Failure
}

// badCredentials returns the credentials every registry with auth refuses:
// a wrong password and an unknown user.
func badCredentials() []badCredential {
	return []badCredential{
		{"wrong password", []v2proto.CallOption{v2proto.WithCredentials("admin", "wrong")}, failures.Unauthenticated},
		{"unknown user", []v2proto.CallOption{v2proto.WithCredentials("nobody", "x")}, failures.InvalidAuthentication},
	}
}

func (e *env) testAuthBasic(t *testing.T) {
	ctx := context.Background()
	c := client(t, e.basic)
	tok, err := c.Token(ctx, []string{"repository:itest/basic:pull"}, admin)
	if err != nil || tok != "" {
		t.Errorf("Token on a Basic registry = %q, %v, want \"\", nil", tok, err)
	}
	// The credentials go on every request.
	pushImage(t, c, "itest/basic", "v1", newImage("basic"), admin)
	getm := request("GET", "/v2/itest/basic/manifests/v1", "", nil)
	getm.Header.Set("Accept", ociManifest)
	do(t, c, failures.GetManifest, getm, admin)

	bad := append(badCredentials(), badCredential{"anonymous", nil, failures.AnonymousNotAllowed})
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			req := request("GET", "/v2/itest/basic/manifests/v1", "", nil)
			_, err := c.Exchange(ctx, failures.GetManifest, req, tt.creds...)
			var se *v2proto.StatusError
			if !errors.As(err, &se) || se.Step != failures.Auth || se.Got != 401 || se.Want != 200 || se.Path != "/v2/" {
				t.Errorf("Exchange: %v, want a StatusError: GET /v2/ = 401, want 200 (auth)", err)
			}
			resp, err := c.Exchange(ctx, failures.GetManifest, req, append(tt.creds, v2proto.ExpectFailure(tt.failure))...)
			if err != nil || resp != nil {
				t.Errorf("Exchange expecting %s = %v, %v, want nil, nil (met at auth)", tt.failure, resp, err)
			}
		})
	}
}

func (e *env) testAuthToken(t *testing.T) {
	ctx := context.Background()
	c := client(t, e.token)
	repo := "itest/token"
	iss := e.token.Issuer
	access := func(t *testing.T, scopes []string, opts ...v2proto.CallOption) []fixtures.TokenAccessEntry {
		t.Helper()
		tok, err := c.Token(ctx, scopes, opts...)
		if err != nil {
			t.Fatal(err)
		}
		a, err := fixtures.TokenAccess(tok)
		if err != nil {
			t.Fatalf("fixtures.TokenAccess: %v", err)
		}
		return a
	}
	entry := func(name string, actions ...string) fixtures.TokenAccessEntry {
		typ := "repository"
		if name == "catalog" {
			typ = "registry"
		}
		if actions == nil {
			actions = []string{}
		}
		return fixtures.TokenAccessEntry{Type: typ, Name: name, Actions: actions}
	}
	tests := []struct {
		name    string
		scopes  []string
		account string // "" for anonymous
		want    []fixtures.TokenAccessEntry
	}{
		{"admin two scopes", []string{"repository:" + repo + ":pull,push", "registry:catalog:*"}, "admin",
			[]fixtures.TokenAccessEntry{entry(repo, "pull", "push"), entry("catalog", "*")}},
		{"admin no scope", nil, "admin", nil},
		{"reader asks push", []string{"repository:" + repo + ":pull,push"}, "reader",
			[]fixtures.TokenAccessEntry{entry(repo, "pull")}},
		{"other", []string{"repository:" + repo + ":pull"}, "other",
			[]fixtures.TokenAccessEntry{entry(repo)}},
		{"anonymous", []string{"repository:" + repo + ":pull,push"}, "",
			[]fixtures.TokenAccessEntry{entry(repo)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []v2proto.CallOption
			if tt.account != "" {
				u, _ := e.token.User(tt.account)
				opts = append(opts, v2proto.WithCredentials(u.Name, u.Password))
			}
			iss.ResetRequests()
			got := access(t, tt.scopes, opts...)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("granted access mismatch (-want +got):\n%s", diff)
			}
			// What the client sent: the challenge's service, one scope
			// parameter per scope, the account and Basic credentials when
			// it has credentials.
			reqs := iss.Requests()
			if len(reqs) != 1 {
				t.Fatalf("token requests = %d, want 1", len(reqs))
			}
			want := fixtures.TokenRequest{Method: "GET", Account: tt.account, AccountParam: tt.account,
				Service: e.token.Service, Scopes: tt.scopes, Status: 200, Access: tt.want}
			if diff := cmp.Diff(want, reqs[0], cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("token request mismatch (-want +got):\n%s", diff)
			}
		})
	}
	// Tokens are cached per credentials and scope set.
	iss.ResetRequests()
	for range 3 {
		access(t, []string{"registry:catalog:*", "repository:" + repo + ":pull"}, admin)
	}
	if n := len(iss.Requests()); n != 1 {
		t.Errorf("3 Token calls with the same credentials and scopes made %d token requests, want 1", n)
	}

	for _, tt := range badCredentials() {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Token(ctx, nil, tt.creds...)
			var se *v2proto.StatusError
			if !errors.As(err, &se) || se.Step != failures.Auth || se.Got != 401 || se.Want != 200 || !strings.HasPrefix(se.Path, e.token.Realm) {
				t.Errorf("Token: %v, want a StatusError: GET %s?... = 401, want 200 (auth)", err, e.token.Realm)
			}
			tok, err := c.Token(ctx, nil, append(tt.creds, v2proto.ExpectFailure(tt.failure))...)
			if err != nil || tok != "" {
				t.Errorf("Token expecting %s = %q, %v, want \"\", nil", tt.failure, tok, err)
			}
		})
	}
	t.Run("anonymous denied", func(t *testing.T) {
		iss.SetDenyAnonymous(true)
		defer iss.SetDenyAnonymous(false)
		tok, err := c.Token(ctx, nil, v2proto.ExpectFailure(failures.AnonymousNotAllowed))
		if err != nil || tok != "" {
			t.Errorf("Token expecting anonymous-not-allowed = %q, %v, want \"\", nil", tok, err)
		}
	})
}

// testScopeRefused: a user who may pull but not push gets a token without
// push, and the registry refuses the upload at start-upload.
func (e *env) testScopeRefused(t *testing.T) {
	ctx := context.Background()
	c := client(t, e.token)
	repo := "itest/refused"
	req := request("POST", "/v2/"+repo+"/blobs/uploads/", "", nil)
	_, err := c.Exchange(ctx, failures.StartUpload, req, reader, scope(repo))
	var se *v2proto.StatusError
	if !errors.As(err, &se) {
		t.Fatalf("POST upload with a pull-only token: %v, want a *StatusError", err)
	}
	want := &v2proto.StatusError{Step: failures.StartUpload, Method: "POST", Path: "/v2/" + repo + "/blobs/uploads/",
		Got: 401, Codes: []string{failures.CodeUnauthorized}, Want: 202}
	if diff := cmp.Diff(want, se, cmp.FilterPath(func(p cmp.Path) bool {
		f := p.Last().String()
		return f == ".Errors" || f == ".Body"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("StatusError mismatch (-want +got):\n%s", diff)
	}
	if got := err.Error(); got != "POST /v2/"+repo+"/blobs/uploads/ = 401 UNAUTHORIZED, want 202 (start-upload)" {
		t.Errorf("error = %s", got)
	}
	resp, err := c.Exchange(ctx, failures.StartUpload, req, reader, scope(repo), v2proto.ExpectFailure(failures.Unauthorized))
	if err != nil || resp == nil || resp.StatusCode != 401 {
		t.Errorf("POST upload expecting unauthorized = %v, %v, want the 401 met", resp, err)
	}
}

// testSuccess runs every step the registries serve, on each auth mode, and
// needs each to answer its success status in failures.Distribution.
func (e *env) testSuccess(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reg   *testreg.Registry
		creds []v2proto.CallOption
	}{{"none", e.open, nil}, {"basic", e.basic, []v2proto.CallOption{admin}}, {"token", e.token, []v2proto.CallOption{admin}}} {
		t.Run(tc.name, func(t *testing.T) {
			c := client(t, tc.reg)
			repo, repo2 := "itest/success", "itest/success-mount"
			opts := append([]v2proto.CallOption{scope(repo)}, tc.creds...)
			im := newImage("success " + tc.name)
			blob := im.layer
			d := digestOf(blob)
			blobURL := "/v2/" + repo + "/blobs/" + d

			do(t, c, failures.BlobHeadCheck, request("HEAD", blobURL, "", nil), opts...)
			resp, _ := do(t, c, failures.StartUpload, request("POST", "/v2/"+repo+"/blobs/uploads/", "", nil), opts...)
			half := len(blob) / 2
			patch := request("PATCH", nextURL(t, resp, ""), "application/octet-stream", blob[:half])
			patch.Header.Set("Content-Range", fmt.Sprintf("0-%d", half-1))
			resp, _ = do(t, c, failures.UploadChunk, patch, opts...)
			resp, _ = do(t, c, failures.UploadStatus, request("GET", nextURL(t, resp, ""), "", nil), opts...)
			if got, want := resp.Header.Get("Range"), fmt.Sprintf("0-%d", half-1); got != want {
				t.Errorf("upload status Range = %q, want %q", got, want)
			}
			resp, _ = do(t, c, failures.FinishUpload, request("PUT", nextURL(t, resp, "digest="+d), "application/octet-stream", blob[half:]), opts...)
			if got := resp.Header.Get("Docker-Content-Digest"); got != d {
				t.Errorf("finish-upload Docker-Content-Digest = %q, want %q", got, d)
			}
			resp, _ = do(t, c, failures.HeadBlob, request("HEAD", blobURL, "", nil), opts...)
			if got := resp.Header.Get("Docker-Content-Digest"); got != d {
				t.Errorf("head-blob Docker-Content-Digest = %q, want %q", got, d)
			}
			if _, body := do(t, c, failures.GetBlob, request("GET", blobURL, "", nil), opts...); !bytes.Equal(body, blob) {
				t.Errorf("get-blob = %q, want %q", body, blob)
			}
			pushBlob(t, c, repo, im.config, tc.creds...)

			resp, _ = do(t, c, failures.StartUpload, request("POST", "/v2/"+repo+"/blobs/uploads/", "", nil), opts...)
			do(t, c, failures.CancelUpload, request("DELETE", nextURL(t, resp, ""), "", nil), opts...)

			mountOpts := append([]v2proto.CallOption{v2proto.WithScopes("repository:"+repo2+":pull,push", "repository:"+repo+":pull")}, tc.creds...)
			do(t, c, failures.MountBlob, request("POST", "/v2/"+repo2+"/blobs/uploads/?mount="+d+"&from="+repo, "", nil), mountOpts...)

			do(t, c, failures.PutManifest, request("PUT", "/v2/"+repo+"/manifests/v1", ociManifest, im.manifest), opts...)
			getm := request("GET", "/v2/"+repo+"/manifests/v1", "", nil)
			getm.Header.Set("Accept", ociManifest)
			if _, body := do(t, c, failures.GetManifest, getm, opts...); !bytes.Equal(body, im.manifest) {
				t.Errorf("get-manifest = %s, want %s", body, im.manifest)
			}
			headm := request("HEAD", "/v2/"+repo+"/manifests/"+im.digest, "", nil)
			headm.Header.Set("Accept", ociManifest)
			if resp, _ := do(t, c, failures.HeadManifest, headm, opts...); resp.Header.Get("Docker-Content-Digest") != im.digest {
				t.Errorf("head-manifest Docker-Content-Digest = %q, want %q", resp.Header.Get("Docker-Content-Digest"), im.digest)
			}
			idx := indexFor(im.digest, len(im.manifest))
			do(t, c, failures.PutManifestList, request("PUT", "/v2/"+repo+"/manifests/list", ociIndex, idx), opts...)
			get := request("GET", "/v2/"+repo+"/manifests/list", "", nil)
			get.Header.Set("Accept", ociIndex)
			if _, body := do(t, c, failures.GetManifestList, get, opts...); !bytes.Equal(body, idx) {
				t.Errorf("get-manifest-list = %s, want %s", body, idx)
			}
			do(t, c, failures.ListTags, request("GET", "/v2/"+repo+"/tags/list", "", nil), opts...)
			do(t, c, failures.Catalog, request("GET", "/v2/_catalog", "", nil), append([]v2proto.CallOption{v2proto.WithScopes("registry:catalog:*")}, tc.creds...)...)
			do(t, c, failures.DeleteManifest, request("DELETE", "/v2/"+repo+"/manifests/"+digestOf(idx), "", nil), opts...)
			do(t, c, failures.DeleteBlob, request("DELETE", blobURL, "", nil), opts...)
		})
	}
}
