package conformance

import (
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/schema2"
	"github.com/registrytest/registrytest/v2proto"
)

const (
	areaOCI     = "OCI manifests/artifacts"
	areaSchema1 = "Schema1 signed"
	areaSHA512  = "Digests (sha512)"
)

func ociScenarios() []Scenario {
	return []Scenario{
		{
			ID: "oci-image", Area: areaOCI,
			Requires: []Requirement{reqManifestExactBytes, reqHeadExisting200, reqManifestPut201Location},
			Explain: "an OCI image (config + 2 gzip layers) through the OCI workflow W: blobs uploaded, the manifest PUT by " +
				"digest and by tag (201, the Location reads back: this scenario owns the manifest PUT's Location, which " +
				"the other W scenarios read back only when present), listed in tags/list, HEAD/GET by tag and digest 200 " +
				"with the same bytes, then deleted",
			Origin: "O: image/*; L6, L7, L9, L10, L35, L37",
			Run: func(e *Env) error {
				return e.workflowWith(fixtures.OCIImage(e.seed()), workflowOptions{ownsLocation: true})
			},
		},
		{
			ID: "oci-image-uncompressed", Area: areaOCI,
			Requires: []Requirement{reqManifestExactBytes, reqHeadExisting200},
			Explain:  "an OCI image with application/vnd.oci.image.layer.v1.tar layers (2048 B) through W",
			Origin:   "O: image-uncompressed/*",
			Run:      func(e *Env) error { return e.workflow(fixtures.OCIImageUncompressed(e.seed())) },
		},
		{
			ID: "oci-large-manifest", Area: areaOCI,
			Requires: []Requirement{reqManifest4MB},
			Explain: "a manifest of about 3.9 MB (390 annotations of 10 000 B, under 4 MiB) through W: accepted and " +
				"returned byte-exact",
			Origin: "O: large-manifest/*",
			Run:    func(e *Env) error { return e.workflow(fixtures.OCILargeManifest(e.seed())) },
		},
		{
			ID: "oci-artifact", Area: areaOCI,
			Requires: []Requirement{reqUnknownArtifactTypeNoError},
			Explain:  "an artifact (artifactType, the empty config {}, one layer of a custom media type) through W",
			Origin:   "O: artifact/*",
			Run:      func(e *Env) error { return e.workflow(fixtures.OCIArtifact(e.seed())) },
		},
		{
			ID: "oci-artifact-no-layers", Area: areaOCI,
			Requires: []Requirement{reqUnknownConfigTypeNoError},
			Explain:  "an artifact whose only layer is the empty descriptor, through W",
			Origin:   "O: artifact-without-layers/*",
			Run:      func(e *Env) error { return e.workflow(fixtures.OCIArtifactWithoutLayers()) },
		},
		{
			ID: "oci-data-field", Area: areaOCI,
			Requires: []Requirement{reqManifestExactBytes},
			Explain:  "an image whose config and layer descriptors carry data (the content in base64), through W",
			Origin:   "O: data-field/*",
			Run:      func(e *Env) error { return e.workflowWith(fixtures.OCIImage(e.seed()), workflowOptions{data: true}) },
		},
		{
			ID: "oci-custom-fields", Area: areaOCI,
			Requires: []Requirement{reqManifestExactBytes, reqUnknownPropertyNoError},
			Explain:  "two manifests and an index with unknown top-level fields, through W: stored and returned byte-exact",
			Origin:   "O: custom-fields/*",
			Run: func(e *Env) error {
				return e.workflowWith(fixtures.OCIIndex(e.seed()), workflowOptions{extra: []schema2.Field{
					schema2.MustField("org.example.custom", "a custom field"),
					schema2.MustField("orgExampleNumbers", []int{1, 2, 3}),
				}})
			},
		},
		{
			ID: "s1-bad-parent-chain", Area: areaSchema1,
			Requires: []Requirement{quayS1BadParentChain},
			Explain: "a signed schema1 manifest whose v1Compatibility parent chain is broken (a parent id never defined; a " +
				"child listed before its parent): the blobs upload, invalid-images at put-manifest (400)",
			Origin: "Q: test_invalid_parent, test_wrong_image_order",
			Needs:  []Capability{S1, ValidatesV1Chain},
			Params: []string{"unknown-parent", "wrong-order"},
			Run:    runS1BadParentChain,
		},
		{
			ID: "s1-down-convert", Area: areaSchema1,
			Requires: []Requirement{reqDockerV1Fallback},
			Explain: "a manifest pushed as s2 (or oci, or s1), its tag GET with no Accept, as a schema1 client: 200 with a " +
				"schema1 type, signed by the registry, the signature verifies, fsLayers/history give the pushed layers; a " +
				"GET by digest is never converted",
			Origin: "Q: test_manifest_down_conversion, and the s1-pull cells of every F×F scenario",
			Needs:  []Capability{Convert, S1},
			Params: formatParams,
			Run:    runS1DownConvert,
		},
		{
			ID: "sha512-manifests", Area: areaSHA512,
			Requires: []Requirement{reqGetManifest200, reqSHA512},
			Explain: "two OCI images whose config and layers are sha512 blobs, and an index of them, all PUT by a sha512: " +
				"digest (no tags), through W: 201 with Docker-Content-Digest sha512:..., HEAD/GET by digest 200",
			Origin: "O: sha512/*",
			Needs:  []Capability{SHA512},
			Run: func(e *Env) error {
				return e.workflowWith(untagged(fixtures.OCIIndex(e.seed(), fixtures.WithDigestAlgorithm(digest.SHA512))), workflowOptions{alg: digest.SHA512})
			},
		},
		{
			ID: "sha512-tag-param", Area: areaSHA512,
			Requires: []Requirement{reqOCITagHeader, reqTagParamMay},
			Explain:  "neg-tag-param with sha512 images and index",
			Origin:   "O: tag-param-sha512/*",
			Needs:    []Capability{SHA512, TagParam},
			Run: func(e *Env) error {
				return e.workflowWith(fixtures.OCIIndex(e.seed(), fixtures.WithDigestAlgorithm(digest.SHA512)), workflowOptions{alg: digest.SHA512, tagParams: true})
			},
		},
	}
}

// untagged returns set with no tags: every manifest is pushed by digest.
func untagged(set fixtures.Set) fixtures.Set {
	var walk func(m *fixtures.Manifest)
	walk = func(m *fixtures.Manifest) {
		m.Tag = ""
		if m.Index != nil {
			for _, c := range m.Index.Manifests {
				walk(c)
			}
		}
	}
	for _, m := range set.Manifests {
		walk(m)
	}
	return set
}

func runS1BadParentChain(e *Env) error {
	images := fixtures.Basic()
	switch e.Param {
	case "unknown-parent":
		images[1].ParentID = "unknownparent"
	case "wrong-order":
		images[0], images[1] = images[1], images[0]
	}
	exp, err := e.expect(failures.InvalidImages)
	if err != nil {
		return err
	}
	_, err = e.push(e.Repo(Owner), []string{"latest"}, images, fmtS1, exp)
	return err
}

func runS1DownConvert(e *Env) error {
	f := format(e.Param)
	repo := e.Repo(Owner)
	pr, err := e.push(repo, []string{"latest"}, fixtures.Basic(), f)
	if err != nil {
		return err
	}
	_, err = e.pull(repo, []string{"latest"}, fixtures.Basic(), fmtS1, v2proto.WithAccept())
	if err != nil {
		if f == fmtOCI && statusOf(err) == 404 {
			return e.Skip("the oci manifest pulled by a schema1 client: %v: the registry has no representation of it that the client accepts", err)
		}
		return err
	}
	// By digest: the stored manifest, whatever the Accept.
	as, err := e.as(Owner, v2proto.WithAccept())
	if err != nil {
		return err
	}
	d := string(pr.Manifests[0].Digest)
	m, err := e.client.GetManifest(e.Ctx, repo, d, as...)
	if err != nil {
		return err
	}
	if f != fmtS1 && mediaType(m.ContentType) != f.mediaType() && !strings.HasPrefix(m.ContentType, f.mediaType()) {
		return e.Errorf("GET /v2/%s/manifests/%s with no Accept: Content-Type %q, want the stored %q (a GET by digest is not converted)", repo, d, m.ContentType, f.mediaType())
	}
	return nil
}
