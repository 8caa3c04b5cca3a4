package examples_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/schema2"
	"github.com/registrytest/registrytest/v2proto"
)

// This file is the expected-failure test a registry project writes directly
// with v2proto, without the conformance suite: a table of calls, each made
// as some user with some options, each either expected to pass or expected
// to be refused with one failure kind. Copy it with registry_helper_test.go,
// replace startRegistry with the start of your registry (and SetReadOnly
// with its read-only switch) and the users with its accounts, and adjust
// the table (failures.Distribution, or one derived from it as in
// TestExpectedFailuresDerivedTable) to what your registry answers.

// The accounts of the token-auth registry the table runs against: an admin,
// two owners of their own namespaces, and a reader of everything.
var efUsers = []fixtures.TokenUser{
	{Name: "admin", Password: "admin-pw", Grants: []fixtures.TokenGrant{
		{Name: "*", Actions: []string{"*"}},
		{Type: "registry", Name: "catalog", Actions: []string{"*"}},
	}},
	{Name: "alice", Password: "alice-pw", Grants: []fixtures.TokenGrant{{Name: "alice/*", Actions: []string{"pull", "push", "delete"}}}},
	{Name: "bob", Password: "bob-pw", Grants: []fixtures.TokenGrant{{Name: "bob/*", Actions: []string{"pull", "push", "delete"}}}},
	{Name: "reader", Password: "reader-pw", Grants: []fixtures.TokenGrant{{Name: "*", Actions: []string{"pull"}}}},
}

// as returns the credentials option of the account called user.
func as(user string) v2proto.CallOption {
	for _, u := range efUsers {
		if u.Name == user {
			return v2proto.WithCredentials(u.Name, u.Password)
		}
	}
	panic("no account " + user)
}

// A flow is one v2proto call of the table: desc names it in messages, run
// makes it with the row's options. For a call that passes, run also checks
// what it returned (a listing lists the tag pushed, a token grants what it
// should); an expected failure met returns no result, and run returns nil.
type flow struct {
	desc string
	run  func(ctx context.Context, c *v2proto.Client, opts ...v2proto.CallOption) error
}

func push(repo string, tags []string, images []fixtures.Image) flow {
	return flow{fmt.Sprintf("Push(%q, %q)", repo, tags), func(ctx context.Context, c *v2proto.Client, opts ...v2proto.CallOption) error {
		res, err := c.Push(ctx, repo, tags, images, opts...)
		if err != nil || res == nil {
			return err
		}
		if !res.Complete {
			return fmt.Errorf("Push(%q): Complete = false, want true", repo)
		}
		return nil
	}}
}

func pull(repo, ref string, images []fixtures.Image) flow {
	return flow{fmt.Sprintf("Pull(%q, %q)", repo, ref), func(ctx context.Context, c *v2proto.Client, opts ...v2proto.CallOption) error {
		// Pull itself compares the manifest's layers with images and
		// verifies every blob it fetches.
		_, err := c.Pull(ctx, repo, []string{ref}, images, opts...)
		return err
	}}
}

func pushList(repo, tag string, list *fixtures.Manifest) flow {
	return flow{fmt.Sprintf("PushList(%q, %q)", repo, tag), func(ctx context.Context, c *v2proto.Client, opts ...v2proto.CallOption) error {
		_, err := c.PushList(ctx, repo, []string{tag}, list, opts...)
		return err
	}}
}

func pullList(repo, ref string) flow {
	return flow{fmt.Sprintf("PullList(%q, %q)", repo, ref), func(ctx context.Context, c *v2proto.Client, opts ...v2proto.CallOption) error {
		_, err := c.PullList(ctx, repo, []string{ref}, "", opts...)
		return err
	}}
}

// pushManifest puts a manifest built by build (which does not push its
// blobs or children) at ref.
func pushManifest(repo, ref, what string, build func() (mediaType string, body []byte, err error)) flow {
	return flow{fmt.Sprintf("PushManifest(%q, %q, %s)", repo, ref, what), func(ctx context.Context, c *v2proto.Client, opts ...v2proto.CallOption) error {
		mediaType, body, err := build()
		if err != nil {
			return err
		}
		_, err = c.PushManifest(ctx, repo, ref, mediaType, body, opts...)
		return err
	}}
}

func tagsOf(repo string, want string) flow {
	return flow{fmt.Sprintf("Tags(%q)", repo), func(ctx context.Context, c *v2proto.Client, opts ...v2proto.CallOption) error {
		res, err := c.Tags(ctx, repo, opts...)
		if err != nil || res == nil {
			return err
		}
		if !slices.Contains(res.Tags, want) {
			return fmt.Errorf("Tags(%q).Tags = %q, want %q among them", repo, res.Tags, want)
		}
		return nil
	}}
}

func catalog(want string) flow {
	return flow{"Catalog()", func(ctx context.Context, c *v2proto.Client, opts ...v2proto.CallOption) error {
		res, err := c.Catalog(ctx, opts...)
		if err != nil || res == nil {
			return err
		}
		if !slices.Contains(res.Repositories, want) {
			return fmt.Errorf("Catalog().Repositories = %q, want %q among them", res.Repositories, want)
		}
		return nil
	}}
}

func deleteRef(repo, ref string) flow {
	return flow{fmt.Sprintf("Delete(%q, %q)", repo, ref), func(ctx context.Context, c *v2proto.Client, opts ...v2proto.CallOption) error {
		// Delete checks that the manifest is gone afterwards.
		return c.Delete(ctx, repo, []string{ref}, opts...)
	}}
}

// token asks for a token for scope, and checks that it grants exactly the
// actions want on the scope's repository (a token server grants what the
// account may do among what was asked).
func token(scope string, want ...string) flow {
	return flow{fmt.Sprintf("Token(%q)", scope), func(ctx context.Context, c *v2proto.Client, opts ...v2proto.CallOption) error {
		tok, err := c.Token(ctx, []string{scope}, opts...)
		if err != nil || tok == "" {
			return err
		}
		access, err := fixtures.TokenAccess(tok)
		if err != nil {
			return err
		}
		if len(access) != 1 || !slices.Equal(access[0].Actions, want) {
			return fmt.Errorf("Token(%q) grants %v, want one entry with the actions %q", scope, access, want)
		}
		return nil
	}}
}

// A failureCase is one row of the table: the call, made as user (""
// for anonymous) with opts, and the failure it must meet ("" for a call
// that must pass) at step, the step where the table maps the failure for
// this call. readOnly rows run once the registry is restarted read-only.
type failureCase struct {
	name     string
	readOnly bool
	call     flow
	user     string
	opts     []v2proto.CallOption
	failure  failures.Failure
	step     failures.Step
}

// newClient returns a client of the registry at url judged by table (nil:
// failures.Distribution), logging every exchange to t.
func newClient(t *testing.T, url string, table *failures.Table) *v2proto.Client {
	t.Helper()
	c, err := v2proto.New(url, v2proto.WithTable(table), v2proto.WithLogf(t.Logf))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// runFailureCase runs tc against c. A row that must pass must return nil.
// A row with a failure must return nil with ExpectFailure, and (so that the
// row cannot pass vacuously, say because the call stopped early for another
// reason) the same call without it must fail with a *v2proto.StatusError
// at tc.step whose answer is the one c's table maps for tc.failure there.
func runFailureCase(t *testing.T, c *v2proto.Client, tc failureCase) {
	ctx := t.Context()
	opts := slices.Clone(tc.opts)
	who := "anonymously"
	if tc.user != "" {
		opts = append(opts, as(tc.user))
		who = "as " + tc.user
	}
	if tc.failure == "" {
		if err := tc.call.run(ctx, c, opts...); err != nil {
			t.Errorf("%s %s = %v, want nil", tc.call.desc, who, err)
		}
		return
	}

	err := tc.call.run(ctx, c, append(slices.Clone(opts), v2proto.ExpectFailure(tc.failure))...)
	if err != nil {
		t.Errorf("%s %s expecting %s = %v, want nil", tc.call.desc, who, tc.failure, err)
	}

	err = tc.call.run(ctx, c, opts...)
	var se *v2proto.StatusError
	if !errors.As(err, &se) {
		t.Fatalf("%s %s = %v, want a *v2proto.StatusError at %s", tc.call.desc, who, err, tc.step)
	}
	if se.Step != tc.step {
		t.Errorf("%s %s failed at %s (%v), want at %s", tc.call.desc, who, se.Step, err, tc.step)
	}
	want, ok := c.Table().Lookup(tc.step, tc.failure)
	if !ok {
		t.Fatalf("table %s maps %s at %s: no entry, want one (the row names a step the table does not)", c.Table().Name(), tc.failure, tc.step)
	}
	if !want.Matches(se.Got, se.Codes) {
		t.Errorf("%s %s = %v, want %s (%s at %s in table %s)", tc.call.desc, who, err, want, tc.failure, tc.step, c.Table().Name())
	}
}

// unpushedManifest builds the schema2 manifest of images without pushing
// anything: a manifest whose blobs the repository does not hold.
func unpushedManifest(repo string, images []fixtures.Image) func() (string, []byte, error) {
	return func() (string, []byte, error) {
		b, err := v2proto.BuildManifest(repo, "", images)
		if err != nil {
			return "", nil, err
		}
		return b.MediaType, b.Bytes, nil
	}
}

// listOfUnpushed builds a manifest list over one child that was never
// pushed.
func listOfUnpushed(repo string, images []fixtures.Image) func() (string, []byte, error) {
	return func() (string, []byte, error) {
		child, err := v2proto.BuildManifest(repo, "", images)
		if err != nil {
			return "", nil, err
		}
		d := child.Descriptor()
		d.Platform = fixtures.Platform("linux/amd64")
		list, err := schema2.Docker.NewIndex(d).Build(schema2.Options{})
		if err != nil {
			return "", nil, err
		}
		return list.MediaType(), list.Bytes(), nil
	}
}

// TestExpectedFailures runs a table of calls against distribution v3 with
// token auth: what each account may and may not do, with the failure kind
// (and the step) of each refusal, first on the writable registry and then
// with the registry restarted read-only.
func TestExpectedFailures(t *testing.T) {
	reg := startRegistry(t, efUsers) // token auth for efUsers
	c := newClient(t, reg.URL, failures.Distribution)
	ctx := t.Context()

	// What the rows read and delete: alice/app:v1 (Basic),
	// alice/app:doomed and the list alice/multi:v1. Each row depends on
	// this only, so that any of them can be run alone with -run.
	base, err := c.Push(ctx, "alice/app", []string{"v1"}, fixtures.Basic(), as("alice"))
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	v1 := string(base.Manifest("v1").Digest)
	if _, err := c.Push(ctx, "alice/app", []string{"doomed"}, fixtures.Chain(7, 1), as("alice")); err != nil {
		t.Fatalf("setup: %v", err)
	}
	if _, err := c.PushList(ctx, "alice/multi", []string{"v1"}, fixtures.QuayList(), as("alice")); err != nil {
		t.Fatalf("setup: %v", err)
	}
	absent := string(digest.FromString("no manifest has this digest"))

	tests := []failureCase{
		// Authentication: refused by the token server (the auth step).
		{name: "wrong password", call: push("alice/new", []string{"v1"}, fixtures.Different()),
			opts:    []v2proto.CallOption{v2proto.WithCredentials("alice", "not-her-password")},
			failure: failures.Unauthenticated, step: failures.Auth},
		{name: "unknown user", call: pull("alice/app", "v1", fixtures.Basic()),
			opts:    []v2proto.CallOption{v2proto.WithCredentials("mallory", "whatever")},
			failure: failures.InvalidAuthentication, step: failures.Auth},
		{name: "token wrong password", call: token("repository:alice/app:pull"),
			opts:    []v2proto.CallOption{v2proto.WithCredentials("reader", "not-the-password")},
			failure: failures.Unauthenticated, step: failures.Auth},

		// Pushes: the owner may, others may not.
		{name: "owner pushes", call: push("alice/unicode", []string{"v1", "latest"}, fixtures.Unicode()), user: "alice",
			opts: []v2proto.CallOption{v2proto.WithBuild(v2proto.Build{EnsureASCII: true})}},
		{name: "owner pushes OCI by digest in chunks", call: push("alice/chunked", nil, fixtures.Chain(3, 2, fixtures.WithLayerSize(3000))), user: "alice",
			opts: []v2proto.CallOption{v2proto.WithSchema(v2proto.OCI), v2proto.WithPushByDigest(), v2proto.WithUpload(v2proto.Upload{ChunkSize: 1024})}},
		// The reader may pull, so the blob-head-check answers 404; the
		// refusal comes when the upload starts.
		{name: "reader pushes", call: push("alice/app", []string{"v2"}, fixtures.Different()), user: "reader",
			failure: failures.Unauthorized, step: failures.StartUpload},
		// Bob may not even pull: distribution refuses the blob-head-check
		// too (401, no body), which failures.Distribution does not map,
		// so the row skips it.
		{name: "other owner pushes", call: push("alice/app", []string{"v2"}, fixtures.Different()), user: "bob",
			opts:    []v2proto.CallOption{v2proto.WithBlobChecks(v2proto.BlobChecks{Head: v2proto.HeadNone})},
			failure: failures.Unauthorized, step: failures.StartUpload},
		{name: "blob never uploaded", call: pushManifest("alice/app", "v2", "manifest of Different", unpushedManifest("alice/app", fixtures.Different())), user: "alice",
			failure: failures.InvalidBlob, step: failures.PutManifest},
		{name: "owner pushes list", call: pushList("alice/lists", "v1", fixtures.MultiPlatform(5, []string{"linux/amd64", "linux/arm64/v8"}, 2)), user: "alice",
			opts: []v2proto.CallOption{v2proto.WithSchema(v2proto.OCI)}},
		{name: "list child never pushed", call: pushManifest("alice/multi", "v2", "list of Different", listOfUnpushed("alice/multi", fixtures.Different())), user: "alice",
			failure: failures.InvalidManifestInList, step: failures.PutManifestList},

		// Pulls.
		{name: "reader pulls", call: pull("alice/app", "v1", fixtures.Basic()), user: "reader"},
		{name: "reader pulls by digest", call: pull("alice/app", v1, fixtures.Basic()), user: "reader"},
		{name: "reader pulls list", call: pullList("alice/multi", "v1"), user: "reader"},
		{name: "other owner pulls", call: pull("alice/app", "v1", fixtures.Basic()), user: "bob",
			failure: failures.Unauthorized, step: failures.GetManifest},
		{name: "anonymous pulls", call: pull("alice/app", "v1", fixtures.Basic()),
			failure: failures.Unauthorized, step: failures.GetManifest},
		{name: "token without scope", call: pull("alice/app", "v1", fixtures.Basic()), user: "alice",
			opts:    []v2proto.CallOption{v2proto.WithScopes()},
			failure: failures.Unauthorized, step: failures.GetManifest},
		{name: "unknown tag", call: pull("alice/app", "nope", fixtures.Basic()), user: "reader",
			failure: failures.UnknownTag, step: failures.GetManifest},
		{name: "unknown list tag", call: pullList("alice/multi", "nope"), user: "reader",
			failure: failures.UnknownTag, step: failures.GetManifestList},

		// Listings.
		{name: "reader lists tags", call: tagsOf("alice/app", "v1"), user: "reader"},
		{name: "other owner lists tags", call: tagsOf("alice/app", "v1"), user: "bob",
			failure: failures.Unauthorized, step: failures.ListTags},
		{name: "admin lists catalog", call: catalog("alice/app"), user: "admin"},
		{name: "owner lists catalog", call: catalog("alice/app"), user: "alice",
			failure: failures.Unauthorized, step: failures.Catalog},

		// Deletes. By digest: resolving a tag is a head-manifest step,
		// which a reader passes.
		{name: "reader deletes", call: deleteRef("alice/app", v1), user: "reader",
			failure: failures.Unauthorized, step: failures.DeleteManifest},
		{name: "owner deletes unknown digest", call: deleteRef("alice/app", absent), user: "alice",
			failure: failures.UnknownTag, step: failures.DeleteManifest},
		{name: "owner deletes", call: deleteRef("alice/app", "doomed"), user: "alice"},

		// Tokens: a token server grants what the account may do among
		// the actions asked for.
		{name: "reader token", call: token("repository:alice/app:pull,push", "pull"), user: "reader"},
		{name: "owner token", call: token("repository:alice/app:pull,push", "pull", "push"), user: "alice"},

		// The registry restarted read-only: every write is refused with
		// 405, reads work.
		{name: "read-only push", readOnly: true, call: push("alice/late", []string{"v1"}, fixtures.Different()), user: "alice",
			failure: failures.ReadonlyRegistry, step: failures.StartUpload},
		{name: "read-only tag", readOnly: true, call: pushManifest("alice/app", "v1-again", "manifest of Basic", unpushedManifest("alice/app", fixtures.Basic())), user: "alice",
			failure: failures.ReadonlyRegistry, step: failures.PutManifest},
		{name: "read-only list", readOnly: true, call: pushManifest("alice/multi", "v3", "list of Different", listOfUnpushed("alice/multi", fixtures.Different())), user: "alice",
			failure: failures.ReadonlyRegistry, step: failures.PutManifestList},
		{name: "read-only delete", readOnly: true, call: deleteRef("alice/app", v1), user: "alice",
			failure: failures.ReadonlyRegistry, step: failures.DeleteManifest},
		{name: "read-only pull", readOnly: true, call: pull("alice/app", "v1", fixtures.Basic()), user: "reader"},
		{name: "read-only tags", readOnly: true, call: tagsOf("alice/app", "v1"), user: "reader"},
	}

	for _, readOnly := range []bool{false, true} {
		if readOnly {
			if err := reg.SetReadOnly(true); err != nil {
				t.Fatalf("SetReadOnly(true) = %v, want nil", err)
			}
		}
		for _, tc := range tests {
			if tc.readOnly != readOnly {
				continue
			}
			t.Run(tc.name, func(t *testing.T) {
				runFailureCase(t, newClient(t, reg.URL, failures.Distribution), tc)
			})
		}
	}
}

// denyWith403 puts a front on 127.0.0.1 before the registry at upstream that
// answers every refusal of an authenticated request (401 with the code
// UNAUTHORIZED, other than to the ping) with 403 DENIED instead, as
// registries that tell "who are you" from "you may not" do. It stands for a
// registry that answers differently from distribution.
func denyWith403(t *testing.T, upstream string) string {
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		// A client that gave up (a call canceling its other uploads).
		w.WriteHeader(http.StatusBadGateway)
	}
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.StatusCode != http.StatusUnauthorized || resp.Request.URL.Path == "/v2/" {
			return nil
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if err != nil {
			return err
		}
		if bytes.Contains(body, []byte(`"UNAUTHORIZED"`)) {
			body = []byte(`{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}`)
			resp.StatusCode, resp.Status = http.StatusForbidden, "403 Forbidden"
			resp.Header.Del("WWW-Authenticate")
			resp.Header.Set("Content-Type", "application/json")
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestExpectedFailuresDerivedTable shows a table derived from
// failures.Distribution for a registry that answers some refusals
// differently: here one that answers 403 DENIED where distribution answers
// 401 UNAUTHORIZED. The same rows pass with the derived table, and with
// failures.Distribution the expected failure is reported where the answers
// differ.
func TestExpectedFailuresDerivedTable(t *testing.T) {
	reg := startRegistry(t, efUsers) // token auth for efUsers
	front := denyWith403(t, reg.URL)
	denied := failures.Expectation{Status: http.StatusForbidden, Codes: []string{failures.CodeDenied}}
	table := failures.Distribution.
		With(failures.StartUpload, failures.Unauthorized, denied).
		With(failures.GetManifest, failures.Unauthorized, denied).
		With(failures.ListTags, failures.Unauthorized, denied).
		Named("distribution-403")
	c := newClient(t, front, table)
	if _, err := c.Push(t.Context(), "alice/app", []string{"v1"}, fixtures.Basic(), as("alice")); err != nil {
		t.Fatalf("setup: %v", err)
	}

	tests := []failureCase{
		{name: "reader pushes", call: push("alice/app", []string{"v2"}, fixtures.Different()), user: "reader",
			failure: failures.Unauthorized, step: failures.StartUpload},
		{name: "other owner pulls", call: pull("alice/app", "v1", fixtures.Basic()), user: "bob",
			failure: failures.Unauthorized, step: failures.GetManifest},
		{name: "other owner lists tags", call: tagsOf("alice/app", "v1"), user: "bob",
			failure: failures.Unauthorized, step: failures.ListTags},
		// Entries the derived table keeps from failures.Distribution.
		{name: "wrong password", call: pull("alice/app", "v1", fixtures.Basic()),
			opts:    []v2proto.CallOption{v2proto.WithCredentials("alice", "not-her-password")},
			failure: failures.Unauthenticated, step: failures.Auth},
		{name: "unknown tag", call: pull("alice/app", "nope", fixtures.Basic()), user: "reader",
			failure: failures.UnknownTag, step: failures.GetManifest},
		{name: "reader pulls", call: pull("alice/app", "v1", fixtures.Basic()), user: "reader"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runFailureCase(t, newClient(t, front, table), tc) })
	}

	// The stock table does not describe this registry: expecting
	// unauthorized, the 403 is reported against distribution's 401.
	t.Run("stock table", func(t *testing.T) {
		stock := newClient(t, front, failures.Distribution)
		err := push("alice/app", []string{"v2"}, fixtures.Different()).run(t.Context(), stock, as("reader"), v2proto.ExpectFailure(failures.Unauthorized))
		var se *v2proto.StatusError
		if !errors.As(err, &se) || se.Step != failures.StartUpload || se.Got != http.StatusForbidden || !se.Mapped || se.Want != http.StatusUnauthorized {
			t.Fatalf("Push as reader expecting unauthorized with table distribution = %v, want a *v2proto.StatusError: 403 DENIED against the mapped 401 at start-upload", err)
		}
		const want = "POST /v2/alice/app/blobs/uploads/ = 403 DENIED, want 401 UNAUTHORIZED for unauthorized (start-upload)"
		if got := err.Error(); !strings.Contains(got, want) {
			t.Errorf("Push as reader expecting unauthorized with table distribution = %q, want it to hold %q", got, want)
		}
	})
}
