package conformance

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/schema2"
	"github.com/registrytest/registrytest/v2proto"
)

const (
	areaValidation = "Manifest validation"
	areaUnicode    = "Unicode"
)

func validationScenarios() []Scenario {
	return []Scenario{
		{
			ID: "valid-missing-blob-ref", Area: areaValidation,
			Requires: []Requirement{reqRejectManifestBlobUnknown, reqMayRejectMissingRefs},
			Explain: "a manifest naming a layer digest that was never uploaded (sha256 of notarealthing; the real blobs " +
				"still upload): the spec lets the registry accept it or refuse it, so either passes. Accepted, HEAD of " +
				"the tag answers 200; refused, the answer is a 4xx with MANIFEST_BLOB_UNKNOWN (no error codes at all is a " +
				"warning). The oci-sparse parameter is OCI's sparse image (layers never uploaded); with sparse it runs " +
				"the whole workflow W without them",
			Origin: "Q: test_invalid_blob_reference; O: sparse/* (image leaves)",
			Params: append(slices.Clone(formatParams), "oci-sparse"),
			Run:    runValidMissingBlobRef,
		},
		{
			ID: "valid-config-no-history", Area: areaValidation,
			Requires: []Requirement{quayValidConfigNoHistory},
			Explain: "an s2 manifest whose image config has no history: with validates-config, invalid-manifest at " +
				"put-manifest (400 MANIFEST_INVALID); otherwise 201",
			Origin: "Q: test_malformed_schema2_config",
			Run:    runValidConfigNoHistory,
		},
		{
			ID: "valid-content-type-mismatch", Area: areaValidation,
			Requires: []Requirement{quayValidContentTypeMismatch},
			Explain: "PUT of a signed schema1 body with the Content-Type of an OCI manifest, or of s2: the spec's MUST is " +
				"the client's (the Content-Type names the manifest's type), so a 201 or any 4xx passes; a 5xx fails (no " +
				"answer of the endpoint). A target whose table maps unsupported-content-type (Quay, distribution) must " +
				"refuse it",
			Origin: "Q: test_unsupported_manifest_content_type (2019; removed in 2020)",
			Params: []string{"oci-type", "s2-type"},
			Run:    runValidContentTypeMismatch,
		},
		{
			ID: "valid-digest-mismatch", Area: areaValidation,
			Requires: []Requirement{reqManifestPutDigestEqual},
			Explain: "PUT /manifests/<digest> with a body that hashes to another digest is refused with a 4xx (such as 400 " +
				"DIGEST_INVALID; the spec names no status, and a 4xx body MAY be in any format); afterwards HEAD of that " +
				"digest answers 404 and, with delete, its DELETE 404",
			Origin: "O: bad-digest-image/*",
			Run:    runValidDigestMismatch,
		},
		{
			ID: "valid-digest-malformed", Area: areaValidation,
			Requires: []Requirement{reqInvalidDigest400, reqErrorCodeField},
			Explain: "PUT and GET /manifests/sha256:baddigeststring and GET sha256:totallywrong: the PUT is refused with a " +
				"4xx (400 for the invalid digest, or the endpoint's 404), the GETs 400 or 404; an error body with codes " +
				"(a 4xx body MAY be in any format) has a code of the spec",
			Origin: "O: invalid-digest-format/*; L11",
			Run:    runValidDigestMalformed,
		},
		{
			ID: "uni-escaped", Area: areaUnicode,
			Requires: []Requirement{reqManifestExactBytes},
			Explain: "P and R with non-ASCII text escaped as \\uXXXX in the leaf config and v1Compatibility (the emoji as a " +
				"surrogate pair): pass, the manifest digest unchanged",
			Origin: "Q: test_push_pull_unicode, test_push_pull_emoji_unicode",
			Params: crossParams(pairParams, []string{"latin", "emoji"}),
			Run:    func(e *Env) error { return runUnicode(e, true) },
		},
		{
			ID: "uni-raw", Area: areaUnicode,
			Requires: []Requirement{reqManifestExactBytes},
			Explain: "the same text as raw UTF-8 in the manifest, v1Compatibility and config (schema1 signed over the raw " +
				"bytes): pass, stored byte-exact (the digest is over the raw bytes), the s1 signature verifies",
			Origin: "Q: test_push_pull_unicode_direct, test_push_pull_emoji_unicode_direct",
			Params: crossParams(pairParams, []string{"latin", "emoji"}),
			Run:    func(e *Env) error { return runUnicode(e, false) },
		},
	}
}

func runValidMissingBlobRef(e *Env) error {
	repo := e.Repo(Owner)
	if e.Param == "oci-sparse" {
		set := fixtures.OCIImage(e.seed())
		sb, err := buildSet(repo, set, "")
		if err != nil {
			return err
		}
		var layers []digest.Digest
		for _, sm := range sb.order {
			layers = append(layers, sm.built.Layers...)
		}
		if e.Has(Sparse) {
			return e.workflowWith(set, workflowOptions{skipBlobs: layers})
		}
		// Only the config is uploaded; the registry may take the manifest
		// or refuse it.
		as, err := e.as(Owner)
		if err != nil {
			return err
		}
		sm := sb.order[0]
		content, _ := sb.contents(layers, false)
		content[0].Tags = []string{sm.tag}
		_, err = e.client.PushContent(e.Ctx, repo, content, as...)
		accepted, err := e.judgeMissingRefs("PUT /v2/"+repo+"/manifests/"+sm.tag, err)
		if err != nil || !accepted {
			return err
		}
		return e.headManifestAt(repo, sm.tag, sm.built.Digest)
	}
	f := format(e.Param)
	if err := e.needFormat(f); err != nil {
		return err
	}
	opts := []v2proto.CallOption{v2proto.WithBuild(v2proto.Build{InvalidBlobReferences: true})}
	if exp, ok := e.client.Table().Lookup(failures.PutManifest, failures.InvalidBlob); ok && !exp.OrSuccess {
		// The target's table says the registry refuses: hold it to that
		// exact answer. A table that lets the registry accept (the
		// spec's) leaves the answer to judgeMissingRefs.
		opts = append(opts, v2proto.ExpectFailure(failures.InvalidBlob))
	}
	pr, err := e.push(repo, []string{"latest"}, fixtures.Basic(), f, opts...)
	if err == nil && pr == nil {
		// The registry refused the manifest as the target's table maps
		// it.
		return nil
	}
	accepted, err := e.judgeMissingRefs("PUT /v2/"+repo+"/manifests/latest", err)
	if err != nil || !accepted {
		return err
	}
	return e.headManifestAt(repo, "latest", pr.Manifests[0].Digest)
}

// headManifestAt HEADs repo's manifest ref, which must answer 200 (and,
// with a Docker-Content-Digest, d).
func (e *Env) headManifestAt(repo, ref string, d digest.Digest) error {
	as, err := e.as(Owner)
	if err != nil {
		return err
	}
	h, err := e.client.HeadManifest(e.Ctx, repo, ref, as...)
	if err != nil {
		return e.Violates(reqHeadExisting200, err)
	}
	// The same rule as every other digest header the suite reads: absent,
	// or in another algorithm, is allowed.
	return e.checkDigestHeader(fmt.Sprintf("HEAD /v2/%s/manifests/%s (the manifest pushed)", repo, ref), h.Digest, d)
}

func runValidConfigNoHistory(e *Env) error {
	repo := e.Repo(Owner)
	if e.Has(ValidatesConfig) {
		exp, err := e.expect(failures.InvalidManifest)
		if err != nil {
			return err
		}
		_, err = e.push(repo, []string{"latest"}, fixtures.BrokenConfig(), fmtS2, exp)
		return err
	}
	_, _, err := e.pushPull(repo, "latest", fixtures.BrokenConfig(), fmtS2, fmtS2)
	return err
}

func runValidContentTypeMismatch(e *Env) error {
	repo := e.Repo(Owner)
	bm, as, err := e.pushBlobsOf(repo, fixtures.Basic(), v2proto.Schema1)
	if err != nil {
		return err
	}
	ct := schema2.MediaTypeManifest
	if e.Param == "oci-type" {
		ct = "application/vnd.oci.image.manifest.v1+json"
	}
	_, err = e.client.PushManifest(e.Ctx, repo, "latest", bm.MediaType, bm.Bytes, append(as, v2proto.WithHeaders(v2proto.Headers{ManifestContentType: ct}))...)
	what := "PUT /v2/" + repo + "/manifests/latest (a signed schema1 body as " + ct + ")"
	var se *v2proto.StatusError
	switch {
	case err == nil:
		// The spec's MUST is the client's (its Content-Type names the
		// manifest's mediaType); what the registry does is open. Quay
		// and distribution refuse.
		if e.mapped(failures.UnsupportedContentType) {
			return e.Errorf("%s = 201, want it refused (%s: unsupported-content-type)", what, e.client.Table().Name())
		}
		return nil
	case !errors.As(err, &se) || se.Step != failures.PutManifest:
		return err
	case se.Got >= 500:
		return e.Violates(reqEndpointsManifestPut, e.Errorf("%s = %d %s, want 201 or a 4xx refusal", what, se.Got, strings.Join(se.Codes, " ")))
	}
	return nil // a 4xx refusal: whichever status and code, the spec names none
}

func runValidDigestMismatch(e *Env) error {
	repo := e.Repo(Owner)
	bm, as, err := e.pushBlobsOf(repo, fixtures.Basic(), v2proto.OCI)
	if err != nil {
		return err
	}
	wrong := digest.FromString("not the manifest of " + repo)
	what := fmt.Sprintf("PUT /v2/%s/manifests/%s of a manifest whose digest is %s", repo, wrong, bm.Digest)
	_, err = e.client.PushManifest(e.Ctx, repo, string(wrong), bm.MediaType, bm.Bytes, as...)
	var se *v2proto.StatusError
	switch {
	case err == nil:
		return e.Errorf("%s = 201, want a 4xx refusal (such as 400 DIGEST_INVALID)", what)
	case !errors.As(err, &se):
		return err
	case se.Got < 400 || se.Got >= 500:
		return e.Errorf("%s = %d %s, want a 4xx refusal (such as 400 DIGEST_INVALID)", what, se.Got, strings.Join(se.Codes, " "))
	}
	// Nothing was stored under the wrong digest.
	path := "/v2/" + repo + "/manifests/" + string(wrong)
	if err := e.wantNotFound(failures.HeadManifest, http.MethodHead, repo, path, http.Header{"Accept": {bm.MediaType}}); err != nil {
		return e.Violates(reqHeadMissing404, err)
	}
	if !e.Has(Delete) {
		return nil
	}
	resp, _, err := e.exchange(failures.DeleteManifest, http.MethodDelete, path, nil, nil, "repository:"+repo+":delete", pushScope(repo))
	switch {
	case err == nil:
		return e.Violates(reqDockerDeleteGone404, e.Errorf("DELETE %s = %d, want 404: nothing is stored under that digest", path, resp.StatusCode))
	case errors.As(err, &se) && se.Got != http.StatusNotFound:
		return e.Violates(reqDockerDeleteGone404, e.Errorf("DELETE %s = %d %s, want 404: nothing is stored under that digest", path, se.Got, strings.Join(se.Codes, " ")))
	case !errors.As(err, &se):
		return err
	}
	return nil
}

// foreignCodes reports whether codes, the codes of an error body, has
// some and none of them is a code of the distribution spec (a 4xx body
// MAY be in any format; one with codes is held to the spec's).
func foreignCodes(codes []string) bool {
	spec := failures.SpecCodes()
	return len(codes) > 0 && !slices.ContainsFunc(codes, func(c string) bool { return slices.Contains(spec, c) })
}

func runValidDigestMalformed(e *Env) error {
	repo := e.Repo(Owner)
	bm, as, err := e.pushBlobsOf(repo, fixtures.Basic(), v2proto.OCI)
	if err != nil {
		return err
	}
	// wantRefused checks a refusal: status one of want (any 4xx when
	// want is empty), and an error body, when it has codes (a 4xx body MAY
	// be in any format), with a code of the spec.
	wantRefused := func(what string, err error, want ...int) error {
		var se *v2proto.StatusError
		wantText := "a 4xx"
		if len(want) > 0 {
			wantText = fmt.Sprint(want)
		}
		if err == nil {
			return e.Errorf("%s = success, want %s", what, wantText)
		}
		if !errors.As(err, &se) {
			return err
		}
		if len(want) == 0 && (se.Got < 400 || se.Got >= 500) || len(want) > 0 && !slices.Contains(want, se.Got) {
			return e.Errorf("%s = %d %s, want %s", what, se.Got, strings.Join(se.Codes, " "), wantText)
		}
		if foreignCodes(se.Codes) {
			return e.Violates(reqErrorCodeField, e.Errorf("%s = %d %s, want a code of the spec (such as DIGEST_INVALID)", what, se.Got, strings.Join(se.Codes, " ")))
		}
		return nil
	}
	// The endpoint's failure statuses (end-7: 404) and the 400 of an
	// invalid digest are both answers the spec gives; any 4xx refusal
	// passes.
	_, err = e.client.PushManifest(e.Ctx, repo, "sha256:baddigeststring", bm.MediaType, bm.Bytes, as...)
	if err := wantRefused("PUT /v2/"+repo+"/manifests/sha256:baddigeststring", err); err != nil {
		return err
	}
	for _, ref := range []string{"sha256:baddigeststring", "sha256:totallywrong"} {
		_, _, err := e.exchange(failures.GetManifest, http.MethodGet, "/v2/"+repo+"/manifests/"+ref, nil, nil, pullScope(repo))
		if err := wantRefused("GET /v2/"+repo+"/manifests/"+ref, err, http.StatusBadRequest, http.StatusNotFound); err != nil {
			return err
		}
	}
	return nil
}

func runUnicode(e *Env, escaped bool) error {
	i := strings.LastIndex(e.Param, "-")
	pairParam, images := e.Param[:i], fixtures.Unicode()
	if e.Param[i+1:] == "emoji" {
		images = fixtures.Emoji()
	}
	pe := *e
	pe.Param = pairParam
	push, pull, err := pe.pair()
	if err != nil {
		return err
	}
	var opts []v2proto.CallOption
	if escaped {
		opts = append(opts, v2proto.WithBuild(v2proto.Build{EnsureASCII: true}))
	}
	_, _, err = e.pushPull(e.Repo(Owner), "latest", images, push, pull, opts...)
	return err
}

// pushBlobsOf builds the manifest of images in schema s for repo:latest
// and pushes its blobs as the owner, for a scenario that then puts the
// manifest its own way; it returns the manifest and the owner's options.
func (e *Env) pushBlobsOf(repo string, images []fixtures.Image, s v2proto.Schema) (*v2proto.BuiltManifest, []v2proto.CallOption, error) {
	bm, err := v2proto.BuildManifest(repo, "latest", images, v2proto.WithSchema(s))
	if err != nil {
		return nil, nil, err
	}
	as, err := e.as(Owner)
	if err != nil {
		return nil, nil, err
	}
	if _, err := e.client.PushBlobs(e.Ctx, repo, bm.Blobs, as...); err != nil {
		return nil, nil, err
	}
	return bm, as, nil
}

// judgeMissingRefs judges err, the outcome of PUT what, a manifest that
// names blobs or children the repository does not have. The spec lets the
// registry accept it or refuse it ("A registry MAY reject ..."), so both
// pass; it returns whether the manifest was accepted. A refusal is a 4xx
// (a 5xx is no answer of the endpoint) that carries MANIFEST_BLOB_UNKNOWN
// (MUST); a refusal whose body carries no error codes at all meets the
// spec's other sentence ("A 4XX response code ... MAY return a body in any
// format") and is a warning.
func (e *Env) judgeMissingRefs(what string, err error) (accepted bool, _ error) {
	var se *v2proto.StatusError
	switch {
	case err == nil:
		return true, nil
	case !errors.As(err, &se) || (se.Step != failures.PutManifest && se.Step != failures.PutManifestList):
		return false, err
	case se.Got < 400 || se.Got >= 500:
		return false, e.Violates(reqEndpointsManifestPut, e.Errorf("%s naming absent content = %d %s, want 201, or a 4xx with MANIFEST_BLOB_UNKNOWN", what, se.Got, strings.Join(se.Codes, " ")))
	case slices.Contains(se.Codes, failures.CodeManifestBlobUnknown):
		return false, nil
	case len(se.Codes) == 0:
		return false, e.Violates(reqRejectCodeAmbiguous, e.Errorf("%s naming absent content = %d with body %.200q, want MANIFEST_BLOB_UNKNOWN among its error codes", what, se.Got, se.Body))
	}
	return false, e.Errorf("%s naming absent content = %d %s, want MANIFEST_BLOB_UNKNOWN among its error codes", what, se.Got, strings.Join(se.Codes, " "))
}
