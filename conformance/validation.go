package conformance

import (
	"errors"
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
				"still upload) is refused: invalid-blob at put-manifest (400 MANIFEST_BLOB_UNKNOWN); the oci-sparse " +
				"parameter is OCI's sparse image (blobs never uploaded), accepted (201, then HEAD/GET 200, tag listed) " +
				"with sparse",
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
			Explain: "PUT of a signed schema1 body with the Content-Type of an OCI manifest, or of s2: refused with " +
				"unsupported-content-type (415) or 400 MANIFEST_INVALID (distribution-spec: the Content-Type of a manifest " +
				"PUT names its type)",
			Origin: "Q: test_unsupported_manifest_content_type (2019; removed in 2020)",
			Params: []string{"oci-type", "s2-type"},
			Run:    runValidContentTypeMismatch,
		},
		{
			ID: "valid-digest-mismatch", Area: areaValidation,
			Requires: []Requirement{reqManifestPutDigestEqual},
			Explain: "PUT /manifests/<digest> with a body that hashes to another digest is refused with 400 DIGEST_INVALID; " +
				"afterwards HEAD of that digest answers 404 and its DELETE 404",
			Origin: "O: bad-digest-image/*",
			Run:    runValidDigestMismatch,
		},
		{
			ID: "valid-digest-malformed", Area: areaValidation,
			Requires: []Requirement{reqInvalidDigest400, reqErrorCodeField},
			Explain: "PUT and GET /manifests/sha256:baddigeststring and GET sha256:totallywrong: the PUT answers 400, the " +
				"GETs 400 or 404; a 400 body is {\"errors\":[{\"code\":...}]} with DIGEST_INVALID (or another spec code)",
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
		// Only the config is uploaded; the manifest is refused.
		as, err := e.as(Owner)
		if err != nil {
			return err
		}
		sm := sb.order[0]
		var blobs []v2proto.Blob
		for _, b := range sm.built.Blobs {
			if !slices.Contains(layers, b.Digest()) {
				blobs = append(blobs, b)
			}
		}
		if _, err := e.client.PushBlobs(e.Ctx, repo, blobs, as...); err != nil {
			return err
		}
		exp, err := e.expect(failures.InvalidBlob)
		if err != nil {
			return err
		}
		_, err = e.client.PushManifest(e.Ctx, repo, sm.tag, sm.built.MediaType, sm.built.Bytes, append(as, exp)...)
		return err
	}
	f := format(e.Param)
	if err := e.needFormat(f); err != nil {
		return err
	}
	exp, err := e.expect(failures.InvalidBlob)
	if err != nil {
		return err
	}
	_, err = e.push(repo, []string{"latest"}, fixtures.Basic(), f, v2proto.WithInvalidBlobReferences(), exp)
	return err
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
	exp, err := e.expect(failures.UnsupportedContentType)
	if err != nil {
		return err
	}
	_, err = e.client.PushManifest(e.Ctx, repo, "latest", bm.MediaType, bm.Bytes, append(as, v2proto.WithManifestContentType(ct), exp)...)
	var se *v2proto.StatusError
	if errors.As(err, &se) && se.Step == failures.PutManifest && (se.Got == http.StatusUnsupportedMediaType ||
		(se.Got == http.StatusBadRequest && slices.Contains(se.Codes, "MANIFEST_INVALID"))) {
		return nil // the other answer the scenario allows
	}
	return err
}

func runValidDigestMismatch(e *Env) error {
	repo := e.Repo(Owner)
	bm, as, err := e.pushBlobsOf(repo, fixtures.Basic(), v2proto.OCI)
	if err != nil {
		return err
	}
	wrong := digest.FromString("not the manifest of " + repo)
	_, err = e.client.PushManifest(e.Ctx, repo, string(wrong), bm.MediaType, bm.Bytes, as...)
	var se *v2proto.StatusError
	switch {
	case err == nil:
		return e.Errorf("PUT /v2/%s/manifests/%s of a manifest whose digest is %s = 201, want 400 DIGEST_INVALID", repo, wrong, bm.Digest)
	case !errors.As(err, &se):
		return err
	case se.Got != http.StatusBadRequest || !slices.Contains(se.Codes, "DIGEST_INVALID"):
		return e.Errorf("PUT /v2/%s/manifests/%s of a manifest whose digest is %s = %d %s, want 400 DIGEST_INVALID", repo, wrong, bm.Digest, se.Got, strings.Join(se.Codes, " "))
	}
	exp, err := e.expect(failures.UnknownTag)
	if err != nil {
		return err
	}
	if _, err := e.client.HeadManifest(e.Ctx, repo, string(wrong), append(as, exp)...); err != nil {
		return err
	}
	if e.Has(Delete) {
		return e.client.Delete(e.Ctx, repo, []string{string(wrong)}, append(as, exp)...)
	}
	return nil
}

// specCodes are the error codes of the distribution spec.
var specCodes = []string{
	"BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID", "MANIFEST_BLOB_UNKNOWN",
	"MANIFEST_INVALID", "MANIFEST_UNKNOWN", "NAME_INVALID", "NAME_UNKNOWN", "SIZE_INVALID", "UNAUTHORIZED",
	"DENIED", "UNSUPPORTED", "TOOMANYREQUESTS",
}

func runValidDigestMalformed(e *Env) error {
	repo := e.Repo(Owner)
	bm, as, err := e.pushBlobsOf(repo, fixtures.Basic(), v2proto.OCI)
	if err != nil {
		return err
	}
	// wantRefused checks a refusal: status one of want, and a 400 with an
	// error body of spec codes.
	wantRefused := func(what string, err error, want ...int) error {
		var se *v2proto.StatusError
		if err == nil {
			return e.Errorf("%s = success, want %v", what, want)
		}
		if !errors.As(err, &se) {
			return err
		}
		if !slices.Contains(want, se.Got) {
			return e.Errorf("%s = %d %s, want %v", what, se.Got, strings.Join(se.Codes, " "), want)
		}
		if se.Got == http.StatusBadRequest {
			if len(se.Codes) == 0 || !slices.ContainsFunc(se.Codes, func(c string) bool { return slices.Contains(specCodes, c) }) {
				return e.Errorf("%s = 400 with body %q, want {\"errors\":[{\"code\":...}]} with a spec code (DIGEST_INVALID)", what, se.Body)
			}
		}
		return nil
	}
	_, err = e.client.PushManifest(e.Ctx, repo, "sha256:baddigeststring", bm.MediaType, bm.Bytes, as...)
	if err := wantRefused("PUT /v2/"+repo+"/manifests/sha256:baddigeststring", err, http.StatusBadRequest); err != nil {
		return err
	}
	for _, ref := range []string{"sha256:baddigeststring", "sha256:totallywrong"} {
		req, rerr := http.NewRequestWithContext(e.Ctx, http.MethodGet, "/v2/"+repo+"/manifests/"+ref, nil)
		if rerr != nil {
			return rerr
		}
		o, rerr := e.as(Owner, v2proto.WithScopes("repository:"+repo+":pull"))
		if rerr != nil {
			return rerr
		}
		resp, err := e.client.Exchange(e.Ctx, failures.GetManifest, req, o...)
		if err == nil {
			resp.Body.Close()
		}
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
		opts = append(opts, v2proto.WithEnsureASCII())
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
