package conformance

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/schema1"
	"github.com/registrytest/registrytest/schema2"
	"github.com/registrytest/registrytest/v2proto"
)

// A format is a manifest format of the catalogue's F marker.
type format string

const (
	fmtS1  format = "s1"  // Docker schema1, signed
	fmtS2  format = "s2"  // Docker schema2
	fmtOCI format = "oci" // OCI image manifest
)

// formatParams are the parameters of an F scenario.
var formatParams = []string{"s1", "s2", "oci"}

// pairParams are the parameters of an F×F scenario: push format, pull
// format.
var pairParams = func() []string {
	var ps []string
	for _, a := range formatParams {
		for _, b := range formatParams {
			ps = append(ps, a+"-"+b)
		}
	}
	return ps
}()

// shaParams are the parameters of an A scenario.
var shaParams = []string{"sha256", "sha512"}

// crossParams returns every combination of a and b, joined by "-".
func crossParams(a, b []string) []string {
	var ps []string
	for _, x := range a {
		for _, y := range b {
			ps = append(ps, x+"-"+y)
		}
	}
	return ps
}

func (f format) schema() v2proto.Schema {
	switch f {
	case fmtS1:
		return v2proto.Schema1
	case fmtOCI:
		return v2proto.OCI
	}
	return v2proto.Schema2
}

// mediaType is the manifest media type of f.
func (f format) mediaType() string {
	switch f {
	case fmtS1:
		return schema1.MediaTypeSignedManifest
	case fmtOCI:
		return v1.MediaTypeImageManifest
	}
	return schema2.MediaTypeManifest
}

// needFormat returns nil when the target can push and pull f, or the
// error of Skip.
func (e *Env) needFormat(f format) error {
	if f == fmtS1 && !e.Has(S1) {
		return e.Skip("the target lacks capability s1 (the s1 parameter pushes and pulls Docker schema1 signed manifests)")
	}
	return nil
}

// pair splits an F×F parameter into its push and pull formats and returns
// the error of Skip when the target lacks what the pair needs: s1 for
// either side in s1, and convert and s1 for a pair that pulls as s1 a
// manifest pushed in another format (s1-down-convert). The other cross
// pairs (neg-cross-format) need nothing more: the registry answers with the
// stored type or a type the puller accepts, or 404 when it has no
// representation the puller accepts (then pushPull skips, with the reason).
func (e *Env) pair() (push, pull format, err error) {
	a, b, _ := strings.Cut(e.Param, "-")
	push, pull = format(a), format(b)
	if err := e.needFormat(push); err != nil {
		return push, pull, err
	}
	if err := e.needFormat(pull); err != nil {
		return push, pull, err
	}
	if pull == fmtS1 && push != fmtS1 && !e.Has(Convert) {
		return push, pull, e.Skip("the target lacks capability convert (the %s pair pulls as s1 a manifest pushed as %s)", e.Param, push)
	}
	return push, pull, nil
}

// shaAlg reads the A part of the parameter ("sha256" or "sha512",
// anywhere in it) and returns the algorithm, or the error of Skip when the
// target lacks sha512.
func (e *Env) shaAlg() (digest.Algorithm, error) {
	if strings.Contains(e.Param, "sha512") {
		if !e.Has(SHA512) {
			return "", e.Skip("the target lacks capability sha512")
		}
		return digest.SHA512, nil
	}
	return digest.SHA256, nil
}

// as returns the call options of role r followed by opts, or the error of
// Skip when the target has no user of role r.
func (e *Env) as(r Role, opts ...v2proto.CallOption) ([]v2proto.CallOption, error) {
	base, err := e.As(r)
	if err != nil {
		return nil, err
	}
	return append(slices.Clip(base), opts...), nil
}

// push pushes images to repo with tags in format f as the owner.
func (e *Env) push(repo string, tags []string, images []fixtures.Image, f format, opts ...v2proto.CallOption) (*v2proto.PushResult, error) {
	return e.pushAs(Owner, repo, tags, images, f, opts...)
}

// pushAs pushes images to repo with tags in format f as role r.
func (e *Env) pushAs(r Role, repo string, tags []string, images []fixtures.Image, f format, opts ...v2proto.CallOption) (*v2proto.PushResult, error) {
	o, err := e.as(r, append([]v2proto.CallOption{v2proto.WithSchema(f.schema())}, opts...)...)
	if err != nil {
		return nil, err
	}
	return e.client.Push(e.Ctx, repo, tags, images, o...)
}

// pull pulls refs of repo as a client of format f, as the owner, checking
// the manifests against images (nil: not checked).
func (e *Env) pull(repo string, refs []string, images []fixtures.Image, f format, opts ...v2proto.CallOption) (*v2proto.PullResult, error) {
	return e.pullAs(Owner, repo, refs, images, f, opts...)
}

// pullAs pulls refs of repo as a client of format f, as role r.
func (e *Env) pullAs(r Role, repo string, refs []string, images []fixtures.Image, f format, opts ...v2proto.CallOption) (*v2proto.PullResult, error) {
	o, err := e.as(r, append([]v2proto.CallOption{v2proto.WithSchema(f.schema())}, opts...)...)
	if err != nil {
		return nil, err
	}
	return e.client.Pull(e.Ctx, repo, refs, images, o...)
}

// mapped reports whether the target's table maps failure f at some step.
func (e *Env) mapped(f failures.Failure) bool { return len(e.client.Table().StepsFor(f)) > 0 }

// expect returns the option that expects failure f. When the target's
// table maps f at no step, it returns the error of Skip: the table cannot
// say how the registry shows that refusal.
func (e *Env) expect(f failures.Failure) (v2proto.CallOption, error) {
	if !e.mapped(f) {
		return nil, e.Skip("the target's table (%s) maps failure %s at no step", e.client.Table().Name(), f)
	}
	return v2proto.ExpectFailure(f), nil
}

// pushPull pushes images to repo:tag in push format and pulls the tag as
// a client of pull format, checking the manifest pulled against images,
// and its digest when nothing was converted. It returns both results.
func (e *Env) pushPull(repo, tag string, images []fixtures.Image, push, pull format, opts ...v2proto.CallOption) (*v2proto.PushResult, *v2proto.PullResult, error) {
	pr, err := e.push(repo, []string{tag}, images, push, opts...)
	if err != nil {
		return nil, nil, err
	}
	if pr == nil || !pr.Complete {
		return pr, nil, e.Errorf("Push(%s, %s) did not complete", repo, tag)
	}
	rr, err := e.pull(repo, []string{tag}, images, pull)
	if err != nil {
		if push != pull && statusOf(err) == http.StatusNotFound {
			return pr, nil, e.Skip("the %s manifest pulled by a %s client: %v: the registry has no representation of it that the client accepts (the spec requires no conversion)", push, pull, err)
		}
		return pr, nil, err
	}
	if err := checkPulled(pr, rr, tag, push, pull, e.Has(SignedConversion)); err != nil {
		return pr, rr, err
	}
	return pr, rr, nil
}

// checkPulled checks that the manifest pulled for tag is the one pushed
// (same digest) when the pull format is the push format, and otherwise that
// its type is the stored type, a type the puller asked for, or (for an s1
// puller) a schema1 down-conversion: signed (v1+prettyjws) or unsigned
// (v1+json, as Quay converts), only signed when signed is set (the target
// lists SignedConversion).
func checkPulled(pr *v2proto.PushResult, rr *v2proto.PullResult, tag string, push, pull format, signed bool) error {
	pushed := pr.Manifest(tag)
	got := rr.Manifest(tag)
	if pushed == nil || got == nil {
		return fmt.Errorf("Pull(%s): no manifest pulled for tag %q", tag, tag)
	}
	if push == pull || (pull != fmtS1 && mediaTypeOf(got) == pushed.MediaType) {
		if got.Digest != "" && got.Digest != pushed.Digest {
			return fmt.Errorf("Pull(%s): Docker-Content-Digest = %s, want %s (the digest pushed)", tag, got.Digest, pushed.Digest)
		}
		return nil
	}
	ct := mediaTypeOf(got)
	switch pull {
	case fmtS1:
		if got.Kind != schema2.KindSchema1Signed && (signed || got.Kind != schema2.KindSchema1) {
			want := "a schema1 down-conversion, signed or unsigned"
			if signed {
				want = "a signed schema1 down-conversion (the target lists " + string(SignedConversion) + ")"
			}
			return fmt.Errorf("Pull(%s) as s1 of a %s manifest: Content-Type %q, want %s", tag, push, ct, want)
		}
	case fmtS2:
		if ct != pushed.MediaType && ct != schema2.MediaTypeManifest && ct != schema2.MediaTypeManifestList {
			return fmt.Errorf("Pull(%s) as s2 of a %s manifest: Content-Type %q, want the stored type %q or a type of the Accept header", tag, push, ct, pushed.MediaType)
		}
	case fmtOCI:
		if ct != pushed.MediaType && ct != v1.MediaTypeImageManifest && ct != v1.MediaTypeImageIndex {
			return fmt.Errorf("Pull(%s) as oci of a %s manifest: Content-Type %q, want the stored type %q or a type of the Accept header", tag, push, ct, pushed.MediaType)
		}
	}
	return nil
}

// mediaTypeOf returns the media type of a pulled manifest's Content-Type,
// without parameters.
func mediaTypeOf(m *v2proto.PulledManifest) string {
	ct, _, _ := strings.Cut(m.ContentType, ";")
	return strings.TrimSpace(ct)
}

// statusOf returns the status of err when it is a *v2proto.StatusError
// (directly or wrapped), or 0.
func statusOf(err error) int {
	var se *v2proto.StatusError
	if errors.As(err, &se) {
		return se.Got
	}
	return 0
}

// tagsOf lists the tags of repo as the owner.
func (e *Env) tagsOf(repo string, opts ...v2proto.CallOption) (*v2proto.TagsResult, error) {
	o, err := e.as(Owner, opts...)
	if err != nil {
		return nil, err
	}
	return e.client.Tags(e.Ctx, repo, o...)
}

// seed returns a fresh seed for fixtures, so that a scenario's blobs are
// its own: no other scenario (or earlier run) uploaded them.
func (e *Env) seed() uint64 {
	var b [8]byte
	rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

// pairPushPull returns the Run of an F×F scenario that pushes images to a
// fresh repository's tag "latest" in the pair's push format and pulls them
// back (R) in its pull format.
func pairPushPull(images func() []fixtures.Image) func(e *Env) error {
	return func(e *Env) error {
		push, pull, err := e.pair()
		if err != nil {
			return err
		}
		_, _, err = e.pushPull(e.Repo(Owner), "latest", images(), push, pull)
		return err
	}
}

// maxRawBody is the most bytes exchange reads of an answer's body.
const maxRawBody = 8 << 20

// exchange sends one raw request, method path (relative to the registry)
// with body and header, as the owner authorised for scopes, as an exchange
// of step (see v2proto.Client.Exchange: an answer other than the step's
// success is a *v2proto.StatusError). It returns the answer with its body
// read (at most maxRawBody bytes) and closed.
func (e *Env) exchange(step failures.Step, method, path string, body []byte, header http.Header, scopes ...string) (*http.Response, []byte, error) {
	return e.exchangeAs(Owner, step, method, path, body, header, scopes...)
}

// exchangeAs is exchange as role r.
func (e *Env) exchangeAs(r Role, step failures.Step, method, path string, body []byte, header http.Header, scopes ...string) (*http.Response, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(e.Ctx, method, path, rd)
	if err != nil {
		return nil, nil, err
	}
	maps.Copy(req.Header, header)
	if body != nil {
		req.ContentLength = int64(len(body))
	}
	o, err := e.as(r, v2proto.WithScopes(scopes...))
	if err != nil {
		return nil, nil, err
	}
	resp, err := e.client.Exchange(e.Ctx, step, req, o...)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxRawBody))
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: reading the body: %v", method, path, err)
	}
	return resp, b, nil
}

// anonGet sends GET path (relative to the registry) through the target's
// HTTP client alone: no ping, no credentials, no check of the answer. It
// returns the answer with its body closed.
func (e *Env) anonGet(path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(e.Ctx, http.MethodGet, strings.TrimSuffix(e.Target.URL, "/")+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := e.HTTPClient().Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return resp, nil
}

// pullScope and pushScope are the token scopes of repo for pulling, and
// for pushing and pulling.
func pullScope(repo string) string { return "repository:" + repo + ":pull" }
func pushScope(repo string) string { return "repository:" + repo + ":pull,push" }

// firstShould keeps the first non-binding violation (a *Violation of a
// SHOULD or a MAY) met by a scenario that goes on to check its MUSTs.
type firstShould struct{ err error }

// check returns nil for a non-binding violation (remembering the first)
// and err otherwise.
func (f *firstShould) check(err error) error {
	if r, ok := violationOf(err); ok && !r.Level.binding() {
		if f.err == nil {
			f.err = err
		}
		return nil
	}
	return err
}

// wantNotFound sends method path (relative to the registry) as the owner
// with the pull scope of repo, as an exchange of step, and returns nil
// when the registry answers 404, or an error saying what it answered.
func (e *Env) wantNotFound(step failures.Step, method, repo, path string, header http.Header) error {
	resp, _, err := e.exchange(step, method, path, nil, header, pullScope(repo))
	var se *v2proto.StatusError
	switch {
	case err == nil:
		return e.Errorf("%s %s = %d, want 404", method, path, resp.StatusCode)
	case errors.As(err, &se) && se.Got == http.StatusNotFound:
		return nil
	case errors.As(err, &se):
		return e.Errorf("%s %s = %d %s, want 404", method, path, se.Got, strings.Join(se.Codes, " "))
	}
	return err
}

// wantManifestMissing checks the spec's answers for a manifest repo does
// not hold at ref: 404 for HEAD, then for GET (with Accept: mediaType).
func (e *Env) wantManifestMissing(repo, ref, mediaType string) error {
	path := "/v2/" + repo + "/manifests/" + ref
	accept := http.Header{"Accept": {mediaType}}
	if err := e.wantNotFound(failures.HeadManifest, http.MethodHead, repo, path, accept); err != nil {
		return e.Violates(reqHeadMissing404, err)
	}
	return e.wantNotFound(failures.GetManifest, http.MethodGet, repo, path, accept)
}
