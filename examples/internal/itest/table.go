package itest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/registrytest/registrytest/examples/internal/testreg"
	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/v2proto"
)

type pair struct {
	step    failures.Step
	failure failures.Failure
}

// A proof makes a registry refuse a request the way one entry of
// failures.Distribution says: reg is the registry, req builds the request
// (a fresh one each time), opts are the call's options (credentials,
// scopes). setup, when set, runs first.
type proof struct {
	reg   func(e *env) *testreg.Registry
	setup func(t *testing.T, e *env, c *v2proto.Client)
	req   func() *http.Request
	opts  []v2proto.CallOption
}

// Fixed content for the proofs: an image pushed to proofRepo by setup, and
// one that is never pushed.
var (
	proofRepo  = "itest/proof"
	proofImage = newImage("proof")
	absent     = newImage("absent")
)

func setupImage(t *testing.T, e *env, c *v2proto.Client) {
	// Pushed as admin where the registry wants credentials; the open
	// registry ignores them.
	pushImage(t, c, proofRepo, "v1", proofImage, admin)
}

func openReg(e *env) *testreg.Registry     { return e.open }
func tokenReg(e *env) *testreg.Registry    { return e.token }
func readonlyReg(e *env) *testreg.Registry { return e.readonly }

func get(path string) func() *http.Request {
	return func() *http.Request { return request("GET", path, "", nil) }
}

func getIndex(path string) func() *http.Request {
	return func() *http.Request {
		r := request("GET", path, "", nil)
		r.Header.Set("Accept", ociIndex)
		return r
	}
}

func head(path string) func() *http.Request {
	return func() *http.Request { return request("HEAD", path, "", nil) }
}

func del(path string) func() *http.Request {
	return func() *http.Request { return request("DELETE", path, "", nil) }
}

func post(path string) func() *http.Request {
	return func() *http.Request { return request("POST", path, "", nil) }
}

func put(path, contentType string, body []byte) func() *http.Request {
	return func() *http.Request { return request("PUT", path, contentType, body) }
}

// proofs holds one proof per entry of failures.Distribution. The auth-step
// entries have their own test (authProofs).
func proofs() map[pair]proof {
	repo := proofRepo
	m := "/v2/" + repo + "/manifests/"
	b := "/v2/" + repo + "/blobs/"
	uploads := "/v2/" + repo + "/blobs/uploads/"
	mount := "/v2/itest/proof-mount/blobs/uploads/?mount=" + digestOf(proofImage.layer) + "&from=" + repo
	index := indexFor(proofImage.digest, len(proofImage.manifest))
	pushScopes := v2proto.WithScopes("repository:"+repo+":pull,push,delete", "repository:itest/proof-mount:pull,push")
	invalidBlob := manifestFor(proofImage.config, proofImage.layer, digestOf([]byte("notarealthing")))
	badIndex := indexFor(absent.digest, len(absent.manifest))
	U, R := failures.Unauthorized, failures.ReadonlyRegistry
	return map[pair]proof{
		// A token without the action: reader may pull only, other nothing.
		{failures.StartUpload, U}:     {reg: tokenReg, setup: setupImage, req: post(uploads), opts: []v2proto.CallOption{reader, pushScopes}},
		{failures.MountBlob, U}:       {reg: tokenReg, setup: setupImage, req: post(mount), opts: []v2proto.CallOption{reader, pushScopes}},
		{failures.PutManifest, U}:     {reg: tokenReg, setup: setupImage, req: put(m+"v2", ociManifest, proofImage.manifest), opts: []v2proto.CallOption{reader, pushScopes}},
		{failures.PutManifestList, U}: {reg: tokenReg, setup: setupImage, req: put(m+"list", ociIndex, index), opts: []v2proto.CallOption{reader, pushScopes}},
		{failures.GetManifest, U}:     {reg: tokenReg, setup: setupImage, req: get(m + "v1"), opts: []v2proto.CallOption{other, pushScopes}},
		{failures.GetManifestList, U}: {reg: tokenReg, setup: setupImage, req: getIndex(m + "v1"), opts: []v2proto.CallOption{other, pushScopes}},
		{failures.HeadManifest, U}:    {reg: tokenReg, setup: setupImage, req: head(m + "v1"), opts: []v2proto.CallOption{other, pushScopes}},
		{failures.GetBlob, U}:         {reg: tokenReg, setup: setupImage, req: get(b + digestOf(proofImage.layer)), opts: []v2proto.CallOption{other, pushScopes}},
		{failures.DeleteManifest, U}:  {reg: tokenReg, setup: setupImage, req: del(m + proofImage.digest), opts: []v2proto.CallOption{reader, pushScopes}},
		{failures.DeleteBlob, U}:      {reg: tokenReg, setup: setupImage, req: del(b + digestOf(proofImage.layer)), opts: []v2proto.CallOption{reader, pushScopes}},
		{failures.ListTags, U}:        {reg: tokenReg, setup: setupImage, req: get("/v2/" + repo + "/tags/list"), opts: []v2proto.CallOption{other, pushScopes}},
		{failures.Catalog, U}:         {reg: tokenReg, req: get("/v2/_catalog"), opts: []v2proto.CallOption{reader, v2proto.WithScopes("registry:catalog:*")}},

		{failures.GetManifest, failures.UnknownTag}:     {reg: openReg, setup: setupImage, req: get(m + "nope")},
		{failures.GetManifestList, failures.UnknownTag}: {reg: openReg, setup: setupImage, req: getIndex(m + "nope")},
		{failures.HeadManifest, failures.UnknownTag}:    {reg: openReg, req: head("/v2/itest/no-such-repo/manifests/nope")},
		{failures.DeleteManifest, failures.UnknownTag}:  {reg: openReg, setup: setupImage, req: del(m + absent.digest)},

		{failures.PutManifest, failures.MissingTag}:             {reg: openReg, setup: setupImage, req: put(m, ociManifest, proofImage.manifest)},
		{failures.PutManifestList, failures.MissingTag}:         {reg: openReg, setup: setupImage, req: put(m, ociIndex, index)},
		{failures.PutManifest, failures.InvalidTag}:             {reg: openReg, setup: setupImage, req: put(m+".fail", ociManifest, proofImage.manifest)},
		{failures.PutManifestList, failures.InvalidTag}:         {reg: openReg, setup: setupImage, req: put(m+strings.Repeat("x", 129), ociIndex, index)},
		{failures.PutManifest, failures.InvalidManifest}:        {reg: openReg, req: put(m+"bad", ociManifest, []byte("{not a manifest"))},
		{failures.PutManifest, failures.UnsupportedContentType}: {reg: openReg, setup: setupImage, req: put(m+"odd", "application/vnd.registrytest.unknown+json", proofImage.manifest)},
		{failures.PutManifest, failures.InvalidBlob}:            {reg: openReg, setup: setupImage, req: put(m+"noblob", ociManifest, invalidBlob)},
		{failures.PutManifestList, failures.InvalidManifestInList}: {
			reg: openReg, setup: setupImage, req: put(m+"badlist", ociIndex, badIndex)},
		{failures.MountBlob, failures.UnauthorizedForMount}: {
			reg: openReg, req: post("/v2/" + repo + "/blobs/uploads/?mount=" + absent.digest + "&from=itest/no-such-repo")},

		{failures.StartUpload, R}:     {reg: readonlyReg, req: post(uploads)},
		{failures.MountBlob, R}:       {reg: readonlyReg, req: post(mount)},
		{failures.PutManifest, R}:     {reg: readonlyReg, req: put(m+"v1", ociManifest, proofImage.manifest)},
		{failures.PutManifestList, R}: {reg: readonlyReg, req: put(m+"list", ociIndex, index)},
		{failures.DeleteManifest, R}:  {reg: readonlyReg, req: del(m + proofImage.digest)},
		{failures.DeleteBlob, R}:      {reg: readonlyReg, req: del(b + digestOf(proofImage.layer))},
	}
}

// authProofs holds the credentials that make each auth-step entry happen,
// and the registries (htpasswd and token) on which it must.
var authProofs = map[failures.Failure][]v2proto.CallOption{
	failures.Unauthenticated:       {v2proto.WithCredentials("admin", "wrong")},
	failures.InvalidAuthentication: {v2proto.WithCredentials("nobody", "x")},
	failures.AnonymousNotAllowed:   nil,
}

// testTable proves every entry of failures.Distribution: with the expected
// failure the call succeeds, the exchange at the step having answered the
// mapped status and code; without it, the same call fails with a
// *StatusError at that step holding that status. Entries without a proof,
// and proofs without an entry, are errors.
func (e *env) testTable(t *testing.T) {
	ps := proofs()
	seen := map[pair]bool{}
	for _, en := range failures.Distribution.Entries() {
		k := pair{en.Step, en.Failure}
		seen[k] = true
		t.Run(string(en.Step)+"/"+string(en.Failure), func(t *testing.T) {
			if en.Step == failures.Auth {
				opts, ok := authProofs[en.Failure]
				if !ok {
					t.Fatalf("no proof for failures.Distribution's entry %s at %s", en.Failure, en.Step)
				}
				e.proveAuth(t, en, opts)
				return
			}
			p, ok := ps[k]
			if !ok {
				t.Fatalf("no proof for failures.Distribution's entry %s at %s", en.Failure, en.Step)
			}
			reg := p.reg(e)
			c := client(t, reg)
			if p.setup != nil {
				p.setup(t, e, c)
			}
			prove(t, c, en, p.req, p.opts)
		})
	}
	for k := range ps {
		if !seen[k] {
			t.Errorf("proof for %s at %s, which failures.Distribution does not map", k.failure, k.step)
		}
	}
	for f := range authProofs {
		if !seen[pair{failures.Auth, f}] {
			t.Errorf("proof for %s at auth, which failures.Distribution does not map", f)
		}
	}
}

// prove checks one entry with the request req builds.
func prove(t *testing.T, c *v2proto.Client, en failures.Entry, req func() *http.Request, opts []v2proto.CallOption) {
	t.Helper()
	ctx := context.Background()
	resp, err := c.Exchange(ctx, en.Step, req(), append(opts, v2proto.ExpectFailure(en.Failure))...)
	if err != nil {
		t.Fatalf("expecting %s: %v", en.Failure, err)
	}
	if resp == nil || resp.StatusCode != en.Expectation.Status {
		t.Fatalf("expecting %s: response %v, want the %d met at %s", en.Failure, resp, en.Expectation.Status, en.Step)
	}
	// The control: without the expected failure the same call fails at
	// the same step with that status.
	_, err = c.Exchange(ctx, en.Step, req(), opts...)
	var se *v2proto.StatusError
	if !errors.As(err, &se) || se.Step != en.Step || se.Got != en.Expectation.Status || !en.Expectation.Matches(se.Got, se.Codes) {
		t.Errorf("without the expected failure: %v, want a *StatusError at %s with %s", err, en.Step, en.Expectation)
	}
}

// proveAuth checks an auth-step entry on the htpasswd and the token
// registry.
func (e *env) proveAuth(t *testing.T, en failures.Entry, opts []v2proto.CallOption) {
	for _, reg := range []*testreg.Registry{e.basic, e.token} {
		t.Run(reg.Auth.String(), func(t *testing.T) {
			if en.Failure == failures.AnonymousNotAllowed && reg.Issuer != nil {
				reg.Issuer.SetDenyAnonymous(true)
				defer reg.Issuer.SetDenyAnonymous(false)
			}
			c := client(t, reg)
			ctx := context.Background()
			req := get("/v2/" + proofRepo + "/tags/list")
			resp, err := c.Exchange(ctx, failures.ListTags, req(), append(opts, v2proto.ExpectFailure(en.Failure))...)
			if err != nil || resp != nil {
				t.Fatalf("expecting %s: %v, %v, want nil, nil (met at auth)", en.Failure, resp, err)
			}
			_, err = c.Exchange(ctx, failures.ListTags, req(), opts...)
			var se *v2proto.StatusError
			if !errors.As(err, &se) || se.Step != failures.Auth || !en.Expectation.Matches(se.Got, se.Codes) {
				t.Errorf("without the expected failure: %v, want a *StatusError at auth with %s", err, en.Expectation)
			}
		})
	}
}
