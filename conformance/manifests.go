package conformance

import (
	"slices"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/schema2"
	"github.com/registrytest/registrytest/v2proto"
)

const areaSchema2 = "Schema2 push/pull"

func manifestScenarios() []Scenario {
	return []Scenario{
		{
			ID: "push-pull-basic", Area: areaSchema2,
			Requires: []Requirement{reqGetManifest200, reqContentTypeMatchesPush},
			Explain: "P of the basic image (2 layers), then R: every blob uploads (HEAD 404, POST 202, PATCH 202, PUT 201, " +
				"HEAD/GET 200), the manifest PUT answers 201 with its digest, and the GET by tag answers the format's type with " +
				"the same digest and blobs (Docker Registry HTTP API v2: pushing and pulling an image)",
			Origin: "Q: test_basic_push_pull (same-format cells), test_verify_schema2",
			Params: formatParams,
			Run: func(e *Env) error {
				f := format(e.Param)
				if err := e.needFormat(f); err != nil {
					return err
				}
				_, rr, err := e.pushPull(e.Repo(Owner), "latest", fixtures.Basic(), f, f)
				if err != nil {
					return err
				}
				if got := mediaTypeOf(rr.Manifests[0]); f != fmtS1 && got != f.mediaType() {
					return e.Violates(reqContentTypeMatchesPush, e.Errorf("Pull(latest): Content-Type %q, want %q (the type pushed)", got, f.mediaType()))
				}
				return nil
			},
		},
		{
			ID: "push-empty-layer", Area: areaSchema2,
			Requires: []Requirement{quayPushEmptyLayer},
			Explain: "P and R of the empty-layer set (5 images, two of them the 32-byte empty layer): schema2 and OCI upload " +
				"the empty blob but leave it out of layers (history empty_layer: true), schema1 lists it as a layer",
			Origin: "Q: test_empty_layer",
			Params: pairParams,
			Run:    pairPushPull(fixtures.EmptyLayers),
		},
		{
			ID: "push-empty-layer-again", Area: areaSchema2,
			Requires: []Requirement{quayPushEmptyLayerAgain},
			Explain: "the empty-layer set pushed twice to the same tag, the second time without HEAD checks: every blob " +
				"uploads again (POST 202 ... PUT 201), the manifest PUT answers 201, and R passes",
			Origin: "Q: test_empty_layer_push_again",
			Params: pairParams,
			Run: func(e *Env) error {
				push, pull, err := e.pair()
				if err != nil {
					return err
				}
				repo := e.Repo(Owner)
				if _, err := e.push(repo, []string{"latest"}, fixtures.EmptyLayers(), push); err != nil {
					return err
				}
				_, _, err = e.pushPull(repo, "latest", fixtures.EmptyLayers(), push, pull, v2proto.WithBlobChecks(v2proto.BlobChecks{Head: v2proto.HeadNone}))
				return err
			},
		},
		{
			ID: "push-multi-layer-uncompressed", Area: areaSchema2,
			Requires: []Requirement{quayPushMultiLayerUncompressed},
			Explain: "P and R of 5 uncompressed tar layers whose files later layers overwrite, sent with the layer types " +
				"the format gives them",
			Origin: "Q: test_multi_layer_images_push_pull",
			Params: pairParams,
			Run:    pairPushPull(fixtures.MultiLayer),
		},
		{
			ID: "push-overwrite-tag", Area: areaSchema2,
			Requires: []Requirement{reqGetManifest200},
			Explain: "P of basic to a tag and R, then P of different to the same tag: the PUT answers 201 and R returns " +
				"different (a tag points at the last manifest put)",
			Origin: "Q: test_overwrite_tag",
			Params: pairParams,
			Run: func(e *Env) error {
				push, pull, err := e.pair()
				if err != nil {
					return err
				}
				repo := e.Repo(Owner)
				if _, _, err := e.pushPull(repo, "latest", fixtures.Basic(), push, pull); err != nil {
					return err
				}
				_, _, err = e.pushPull(repo, "latest", fixtures.Different(), push, pull)
				return err
			},
		},
		{
			ID: "push-same-blob-twice", Area: areaSchema2,
			Requires: []Requirement{quayPushSameBlobTwice},
			Explain: "an image whose two layers have identical bytes, pushed without HEAD checks: the blob uploads once, " +
				"the manifest lists its digest twice, and R passes",
			Origin: "Q: test_push_pull_same_blobs",
			Params: pairParams,
			Run: func(e *Env) error {
				push, pull, err := e.pair()
				if err != nil {
					return err
				}
				layer := fixtures.LayerForContents([]byte("some contents"))
				images := []fixtures.Image{
					{ID: "parentid", Layer: layer},
					{ID: "someid", ParentID: "parentid", Layer: layer},
				}
				pr, _, err := e.pushPull(e.Repo(Owner), "latest", images, push, pull, v2proto.WithBlobChecks(v2proto.BlobChecks{Head: v2proto.HeadNone}))
				if err != nil {
					return err
				}
				n := 0
				for _, b := range pr.Blobs {
					if b.Digest == layer.Digest() {
						n++
					}
				}
				if n != 1 {
					return e.Errorf("Push: the shared layer %s was uploaded %d times, want once", layer.Digest(), n)
				}
				if got := pr.Manifests[0].Layers; len(got) != 2 || got[0] != got[1] {
					return e.Errorf("Push: manifest layers = %v, want the shared layer twice", got)
				}
				return nil
			},
		},
		{
			ID: "manifest-no-layers", Area: areaSchema2,
			Requires: []Requirement{reqBlobsMayBeEmpty},
			Explain: "a manifest with layers: [] (only the config blob uploaded): s2 pushed over an existing tag, oci " +
				"through the OCI workflow W; PUT 201, and R/W reference only the config",
			Origin: "Q: test_empty_manifest; O: no-layers/*; L36",
			Params: []string{"s2", "oci"},
			Run:    runManifestNoLayers,
		},
		{
			ID: "manifest-foreign-layers", Area: areaSchema2,
			Requires: []Requirement{reqGetManifest200, reqMayRejectMissingRefs},
			Explain: "layers with urls whose blobs are never uploaded: s2 foreign layer (remote fixture), oci " +
				"non-distributable layers (W without the foreign blobs): PUT 201, R passes and the foreign blob's GET " +
				"answers 404; an s1 pull of the s2 one gets unknown-tag (it cannot be converted)",
			Origin: "Q: test_push_pull_manifest_remote_layers, test_push_legacy_pull_not_allowed (V2 push); O: non-distributable-layers/*",
			Needs:  []Capability{ForeignLayers},
			Params: []string{"s2", "oci"},
			Run:    runManifestForeignLayers,
		},
	}
}

func runManifestNoLayers(e *Env) error {
	if e.Param == "oci" {
		return e.workflow(fixtures.OCINoLayers())
	}
	repo := e.Repo(Owner)
	if _, _, err := e.pushPull(repo, "latest", fixtures.Basic(), fmtS2, fmtS2); err != nil {
		return err
	}
	_, rr, err := e.pushPull(repo, "latest", nil, fmtS2, fmtS2)
	if err != nil {
		return err
	}
	m, ok := rr.Manifests[0].Document.(*schema2.Manifest)
	if !ok {
		return e.Errorf("Pull(latest): got a %T, want a schema2 manifest", rr.Manifests[0].Document)
	}
	if len(m.Layers) != 0 {
		return e.Errorf("Pull(latest): %d layers, want none", len(m.Layers))
	}
	return nil
}

func runManifestForeignLayers(e *Env) error {
	if e.Param == "oci" {
		return e.workflow(ociForeignSet())
	}
	repo := e.Repo(Owner)
	images := foreignImages()
	pr, rr, err := e.pushPull(repo, "latest", images, fmtS2, fmtS2)
	if err != nil {
		return err
	}
	foreign := images[0].Layer.Digest()
	if slices.Contains(rr.Manifests[0].Blobs, foreign) {
		return e.Errorf("Pull(latest): the foreign layer %s was served, want 404", foreign)
	}
	if !slices.Contains(pr.Manifests[0].Layers, foreign) {
		return e.Errorf("Push: the manifest does not list the foreign layer %s", foreign)
	}
	if e.Has(S1) && e.Has(Convert) {
		// A schema1 puller cannot get a manifest with a foreign layer.
		exp, err := e.expect(failures.UnknownTag)
		if err != nil {
			return err
		}
		if _, err := e.pull(repo, []string{"latest"}, nil, fmtS1, exp); err != nil {
			return err
		}
	}
	return nil
}

// foreignImages is Quay's remote fixture: its base layer is a foreign layer
// at fixtures.RemoteURL, never uploaded. A registry that validates layer
// URLs must allow that URL for the foreign-layers capability.
func foreignImages() []fixtures.Image { return fixtures.Remote() }

// ociForeignSet is the OCI program's non-distributable-layers data set: an
// OCI image whose base layer is non-distributable, with urls, never
// uploaded.
func ociForeignSet() fixtures.Set {
	images := fixtures.Remote()
	return fixtures.Set{Name: "non-distributable-layers", Manifests: []*fixtures.Manifest{
		{Tag: "non-distributable-layers", Platform: fixtures.Platform("linux/amd64"), Images: images},
	}}
}
