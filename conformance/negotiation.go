package conformance

import (
	"net/http"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

const areaNegotiation = "Content negotiation & pull by digest"

func negotiationScenarios() []Scenario {
	return []Scenario{
		{
			ID: "neg-pull-by-digest", Area: areaNegotiation,
			Requires: []Requirement{reqPullReferenceDigestOrTag, reqDigestHeaderShould},
			Explain: "P by tag, then R by the manifest digest: 200, a Content-Type of the pushed family, " +
				"Docker-Content-Digest = the digest (distribution-spec: pulling manifests by digest)",
			Origin: "Q: test_basic_push_pull_by_manifest",
			Params: formatParams,
			Run:    runNegPullByDigest,
		},
		{
			ID: "neg-push-by-digest", Area: areaNegotiation,
			Requires: []Requirement{reqPushReferenceDigestOrTag},
			Explain: "PUT /manifests/<digest> with no tag (201), then R by digest (200); with hides-untagged (Quay hides " +
				"manifests no tag points at), an s2/oci pull gets unknown-tag and s1 passes",
			Origin: "Q: test_basic_push_by_manifest_digest; O: <set>/push/manifest-by-digest + <set>/pull/manifest-by-digest",
			Params: formatParams,
			Run:    runNegPushByDigest,
		},
		{
			ID: "neg-tag-param", Area: areaNegotiation,
			Requires: []Requirement{reqOCITagHeader, reqTagParamMay},
			Explain: "PUT /manifests/<digest>?tag=<t> for images and an index answers 201 with one OCI-Tag header per " +
				"tag, and each tag then resolves to that digest (W); no OCI-Tag means unsupported (skip) " +
				"(distribution-spec 1.1: pushing manifests with tags)",
			Origin: "O: tag-param-sha256/*",
			Needs:  []Capability{TagParam},
			Run: func(e *Env) error {
				return e.workflowWith(fixtures.OCIIndex(e.seed()), workflowOptions{tagParams: true})
			},
		},
		{
			ID: "neg-cross-format", Area: areaNegotiation,
			Requires: []Requirement{reqClientAccept},
			Explain: "basic pushed as X, its tag GET with the Accept of another format Y (s2 or oci): 200 with the stored " +
				"type or a type of the Accept, every blob of the manifest returned 200 with the pushed bytes; a 404 means " +
				"the registry has no representation the client accepts (reported as a skip: the spec requires no " +
				"conversion)",
			Origin: "Q: test_basic_push_pull (cross cells)",
			Params: []string{"s1-s2", "s1-oci", "s2-oci", "oci-s2"},
			Run:    pairPushPull(fixtures.Basic),
		},
		{
			ID: "neg-old-accept", Area: areaNegotiation,
			Requires: []Requirement{reqDockerV1Fallback},
			Explain: "R with an empty Accept:, or Accept: application/json (old clients): s1 answers as stored, s2/oci " +
				"converted to schema1, the blobs match; a 404 means the registry has no representation the client " +
				"accepts (skip)",
			Origin: "Q: test_push_pull_older_mimetype[[], [application/json]]",
			Params: crossParams(formatParams, []string{"empty", "json"}),
			Run:    runNegOldAccept,
		},
		{
			ID: "neg-manifest-missing", Area: areaNegotiation,
			Requires: []Requirement{reqManifestMissing404, reqHeadMissing404},
			Explain:  "HEAD and GET of an unknown tag and of an unknown well-formed digest answer 404 (GET: MANIFEST_UNKNOWN)",
			Origin:   "O: missing-manifest/{by-digest, by-tag}; L5, L8, L34",
			Run:      runNegManifestMissing,
		},
	}
}

func runNegPullByDigest(e *Env) error {
	f := format(e.Param)
	if err := e.needFormat(f); err != nil {
		return err
	}
	repo := e.Repo(Owner)
	pr, err := e.push(repo, []string{"latest"}, fixtures.Basic(), f)
	if err != nil {
		return err
	}
	d := pr.Manifests[0].Digest
	rr, err := e.pull(repo, []string{string(d)}, fixtures.Basic(), f)
	if err != nil {
		return err
	}
	got := rr.Manifests[0]
	if got.Digest != "" && got.Digest.Algorithm() == d.Algorithm() && got.Digest != d {
		return e.Errorf("GET /v2/%s/manifests/%s: Docker-Content-Digest = %q, want %q", repo, d, got.Digest, d)
	}
	if f != fmtS1 && mediaTypeOf(got) != f.mediaType() {
		return e.Violates(reqContentTypeMatchesPush, e.Errorf("GET /v2/%s/manifests/%s: Content-Type %q, want %q", repo, d, got.ContentType, f.mediaType()))
	}
	return nil
}

func runNegPushByDigest(e *Env) error {
	f := format(e.Param)
	if err := e.needFormat(f); err != nil {
		return err
	}
	repo := e.Repo(Owner)
	pr, err := e.push(repo, nil, fixtures.Basic(), f, v2proto.WithPushByDigest())
	if err != nil {
		return err
	}
	d := string(pr.Manifests[0].Digest)
	if e.Has(HidesUntagged) && f != fmtS1 {
		exp, err := e.expect(failures.UnknownTag)
		if err != nil {
			return err
		}
		_, err = e.pull(repo, []string{d}, nil, f, exp)
		return err
	}
	_, err = e.pull(repo, []string{d}, fixtures.Basic(), f)
	return err
}

func runNegOldAccept(e *Env) error {
	fs, kind, _ := strings.Cut(e.Param, "-")
	f := format(fs)
	if err := e.needFormat(f); err != nil {
		return err
	}
	if !e.Has(S1) {
		return e.Skip("the target lacks capability s1 (an old client pulls schema1)")
	}
	if f != fmtS1 && !e.Has(Convert) {
		return e.Skip("the target lacks capability convert (an old client pulls a %s manifest as schema1)", f)
	}
	accept := v2proto.WithAccept()
	if kind == "json" {
		accept = v2proto.WithAccept("application/json")
	}
	repo := e.Repo(Owner)
	if _, err := e.push(repo, []string{"latest"}, fixtures.Basic(), f); err != nil {
		return err
	}
	_, err := e.pull(repo, []string{"latest"}, fixtures.Basic(), fmtS1, accept)
	if err != nil && f != fmtS1 && statusOf(err) == http.StatusNotFound {
		return e.Skip("the %s manifest pulled by an old client: %v: the registry has no representation of it that the client accepts", f, err)
	}
	return err
}

func runNegManifestMissing(e *Env) error {
	repo := e.Repo(Owner)
	if _, err := e.push(repo, []string{"latest"}, fixtures.Basic(), fmtS2); err != nil {
		return err
	}
	missing := digest.FromString("no manifest has this digest: " + repo)
	if !e.mapped(failures.UnknownTag) {
		// The spec's answer: 404 for HEAD and GET.
		for _, ref := range []string{"no-such-tag", string(missing)} {
			if err := e.wantManifestMissing(repo, ref, fmtS2.mediaType()); err != nil {
				return err
			}
		}
		return nil
	}
	exp, err := e.expect(failures.UnknownTag)
	if err != nil {
		return err
	}
	as, err := e.as(Owner, exp)
	if err != nil {
		return err
	}
	for _, ref := range []string{"no-such-tag", string(missing)} {
		if _, err := e.client.HeadManifest(e.Ctx, repo, ref, as...); err != nil {
			return err
		}
		if _, err := e.client.GetManifest(e.Ctx, repo, ref, as...); err != nil {
			return err
		}
	}
	return nil
}
