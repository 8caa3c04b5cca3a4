package conformance

import (
	"slices"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/schema2"
	"github.com/registrytest/registrytest/v2proto"
)

const areaLists = "Manifest lists & indexes"

func listScenarios() []Scenario {
	return []Scenario{
		{
			ID: "list-push-pull", Area: areaLists,
			Requires: []Requirement{reqGetManifest200},
			Explain: "the children PUT by digest, then the list by tag (201 each); GET of the tag with Accept = Docker " +
				"list + OCI index answers the list type and the pushed digest; each child GET by digest (Accept: the list " +
				"types and the child's type) answers the child, not a list; params: Docker list " +
				"{s1u + s2}, {s2 + s2}, OCI index {oci + oci} (also through W)",
			Origin: "Q: test_push_pull_manifest_list[1, 2, oci]; O: index/*",
			Params: []string{"docker-s1u-s2", "docker-s2-s2", "oci-index"},
			Run:    runListPushPull,
		},
		{
			ID: "list-push-again", Area: areaLists,
			Requires: []Requirement{quayListPushAgain},
			Explain: "a Docker list of two s2 manifests pushed twice (the second time without HEAD checks): children " +
				"and list 201 both times, then the pull of list-push-pull passes",
			Origin: "Q: test_push_pull_manifest_list_again",
			Run: func(e *Env) error {
				repo := e.Repo(Owner)
				list := fixtures.QuayList()
				if _, err := e.pushList(repo, list); err != nil {
					return err
				}
				pr, err := e.pushList(repo, list, v2proto.WithBlobChecks(v2proto.BlobChecks{Head: v2proto.HeadNone}))
				if err != nil {
					return err
				}
				return e.pullList(repo, pr)
			},
		},
		{
			ID: "list-duplicate-child", Area: areaLists,
			Requires: []Requirement{quayListDuplicateChild},
			Explain:  "a Docker list naming the same s2 child twice (amd64, amd32): 201, and the pull passes",
			Origin:   "Q: test_push_pull_manifest_list_duplicate_manifest",
			Run: func(e *Env) error {
				repo := e.Repo(Owner)
				list := fixtures.IndexOf(fixtures.ForPlatform(fixtures.Basic(), "linux/amd64"), fixtures.ForPlatform(fixtures.Basic(), "linux/amd32"))
				pr, err := e.pushList(repo, list)
				if err != nil {
					return err
				}
				return e.pullList(repo, pr)
			},
		},
		{
			ID: "list-missing-child", Area: areaLists,
			Requires: []Requirement{reqRejectManifestBlobUnknown, reqMayRejectMissingRefs},
			Explain: "a list or index naming a child that is not in the repository: the spec lets the registry accept it " +
				"or refuse it, so either passes. Accepted (201), HEAD/GET by tag and digest answer 200 and the tag is " +
				"listed; refused, the answer is a 4xx with MANIFEST_BLOB_UNKNOWN (no error codes at all is a warning: a " +
				"4xx body MAY be in any format); params: Docker list (child never pushed), OCI sparse index (one child " +
				"missing)",
			Origin: "Q: test_push_manifest_list_missing_manifest; O: sparse/* (index leaves)",
			Params: []string{"docker", "oci-sparse"},
			Run:    runListMissingChild,
		},
		{
			ID: "list-arch-mismatch", Area: areaLists,
			Requires: []Requirement{quayListArchMismatch},
			Explain: "an unsigned schema1 child with architecture amd64 listed as arm: the child 201, the list refused " +
				"with invalid-manifest-in-list at put-manifest-list (400)",
			Origin: "Q: test_attempt_push_mismatched_manifest",
			Needs:  []Capability{S1U, ValidatesPlatform},
			Run:    runListArchMismatch,
		},
		{
			ID: "list-fallback-amd64", Area: areaLists,
			Requires: []Requirement{reqDockerV2Fallback},
			Explain: "a list with a linux/amd64 child, its tag GET with an Accept that lacks the list types: s2-only " +
				"Accept answers the s2 child as is; no Accept (the s1 puller) answers the child as signed schema1 with its " +
				"layers; params: s2 Accept (Docker list of s2), s1 puller of a list with an s1u child, an s2 child, an OCI index",
			Origin: "Q: test_pull_manifest_list_schema2_only[has_amd64_linux=True], test_push_pull_manifest_list_back_compat[is_amd=True × schema_version 1,2 × oci_list]",
			Needs:  []Capability{Convert},
			Params: []string{"s2-accept", "s1-puller-s1u", "s1-puller-s2", "s1-puller-oci"},
			Run:    runListFallback,
		},
		{
			ID: "list-fallback-no-amd64", Area: areaLists,
			Requires: []Requirement{reqDockerV2Fallback},
			Explain: "as list-fallback-amd64 with the amd64 child replaced by amd32: unknown-tag at get-manifest (404), " +
				"there is no child to fall back to",
			Origin: "Q: test_pull_manifest_list_schema2_only[False], test_push_pull_manifest_list_back_compat[is_amd=False × …]",
			Needs:  []Capability{Convert},
			Params: []string{"s2-accept", "s1-puller-s2", "s1-puller-oci"},
			Run:    runListFallback,
		},
		{
			ID: "list-nested-index", Area: areaLists,
			Requires: []Requirement{reqNestedIndex},
			Explain: "an index of two indexes (each of amd64 + arm64 OCI images), all PUT by digest, the top one tagged, " +
				"through W",
			Origin: "O: nested-index/*",
			Run:    func(e *Env) error { return e.workflow(fixtures.OCINestedIndex(e.seed())) },
		},
		{
			ID: "list-empty-index", Area: areaLists,
			Requires: []Requirement{reqIndexManifestsMayBeEmpty},
			Explain:  "an OCI index with manifests: [] through W",
			Origin:   "O: empty-index/*",
			Run:      func(e *Env) error { return e.workflow(fixtures.OCIEmptyIndex()) },
		},
		{
			ID: "list-artifact-index", Area: areaLists,
			Requires: []Requirement{reqUnknownArtifactTypeNoError},
			Explain:  "an OCI index with artifactType over two artifact manifests (amd64, arm64) through W",
			Origin:   "O: artifact-index/*",
			Run:      func(e *Env) error { return e.workflow(fixtures.OCIArtifactIndex(e.seed())) },
		},
	}
}

// pushList pushes list to repo:latest as the owner.
func (e *Env) pushList(repo string, list *fixtures.Manifest, opts ...v2proto.CallOption) (*v2proto.PushResult, error) {
	o, err := e.as(Owner, opts...)
	if err != nil {
		return nil, err
	}
	pr, err := e.client.PushList(e.Ctx, repo, []string{"latest"}, list, o...)
	if err != nil {
		return nil, err
	}
	if pr == nil || !pr.Complete {
		return nil, e.Errorf("PushList(%s, latest) did not complete", repo)
	}
	return pr, nil
}

// pullList pulls repo:latest as a list puller (Accept: the list types;
// each child's GET by digest adds the child's own type) and checks the
// children against what was pushed.
//
// Quay's client sent the list types only on the children's GETs too,
// relying on a registry not negotiating a GET by digest, and the catalogue
// expects that. The spec does not say so, and distribution answers 404 to a
// GET by digest of an OCI child whose Accept lacks the OCI types: the
// suite follows the spec.
func (e *Env) pullList(repo string, pr *v2proto.PushResult) error {
	o, err := e.as(Owner)
	if err != nil {
		return err
	}
	res, err := e.client.PullList(e.Ctx, repo, []string{"latest"}, pr.Manifests[0].Digest, o...)
	if err != nil {
		return err
	}
	got := res.Lists[0]
	var want, have []string
	for _, c := range pr.Children {
		want = append(want, string(c.Digest))
	}
	for _, c := range got.Children {
		have = append(have, string(c.Digest))
	}
	slices.Sort(want)
	want = slices.Compact(want)
	slices.Sort(have)
	if !slices.Equal(want, have) {
		return e.Errorf("PullList(%s, latest): children %q, want %q", repo, have, want)
	}
	return nil
}

func runListPushPull(e *Env) error {
	repo := e.Repo(Owner)
	var opts []v2proto.CallOption
	switch e.Param {
	case "docker-s1u-s2":
		if !e.Has(S1U) {
			return e.Skip("the target lacks capability s1u (the list's first child is an unsigned schema1 manifest)")
		}
		opts = append(opts, v2proto.WithBuild(v2proto.Build{ChildSchemas: []v2proto.Schema{v2proto.Schema1}}))
	case "oci-index":
		opts = append(opts, v2proto.WithSchema(v2proto.OCI))
	}
	pr, err := e.pushList(repo, fixtures.QuayList(), opts...)
	if err != nil {
		return err
	}
	if err := e.pullList(repo, pr); err != nil {
		return err
	}
	if e.Param == "oci-index" {
		return e.workflow(fixtures.OCIIndex(e.seed()))
	}
	return nil
}

func runListMissingChild(e *Env) error {
	repo := e.Repo(Owner)
	as, err := e.as(Owner)
	if err != nil {
		return err
	}
	fam, arm := schema2.Docker, v2proto.Schema2
	if e.Param == "oci-sparse" {
		fam, arm = schema2.OCI, v2proto.OCI
	}
	// Two children: the first pushed (OCI sparse) or not (Docker), the
	// second never.
	var children []v1.Descriptor
	for i, p := range []string{"linux/amd64", "linux/arm64"} {
		images := fixtures.Chain(e.seed(), 1)
		bm, err := v2proto.BuildManifest(repo, "", images, v2proto.WithSchema(arm))
		if err != nil {
			return err
		}
		if i == 0 && e.Param == "oci-sparse" {
			if _, err := e.client.PushBlobs(e.Ctx, repo, bm.Blobs, as...); err != nil {
				return err
			}
			if _, err := e.client.PushManifest(e.Ctx, repo, string(bm.Digest), bm.MediaType, bm.Bytes, as...); err != nil {
				return err
			}
		}
		d := bm.Descriptor()
		d.Platform = fixtures.Platform(p)
		children = append(children, d)
	}
	ix := fam.NewIndex(children...)
	built, err := ix.Build(schema2.Options{})
	if err != nil {
		return err
	}
	_, err = e.client.PushManifest(e.Ctx, repo, "latest", built.MediaType(), built.Bytes(), as...)
	accepted, err := e.judgeMissingRefs("PUT /v2/"+repo+"/manifests/latest", err)
	if err != nil || !accepted {
		return err
	}
	// Accepted: the index is there, by tag and by digest.
	b := &v2proto.BuiltManifest{MediaType: built.MediaType(), Digest: built.Digest(), Bytes: built.Bytes()}
	var should firstShould
	for _, ref := range []string{"latest", string(built.Digest())} {
		if err := should.check(e.checkManifest(repo, ref, b)); err != nil {
			return err
		}
	}
	tr, err := e.tagsOf(repo)
	if err != nil {
		return err
	}
	if !slices.Contains(tr.Tags, "latest") {
		return e.Violates(reqTagsJSON, e.Errorf("GET /v2/%s/tags/list = %q, want latest among them", repo, tr.Tags))
	}
	return should.err
}

func runListArchMismatch(e *Env) error {
	repo := e.Repo(Owner)
	// The unsigned child says amd64 (schema1's architecture member); the
	// list says arm.
	list := fixtures.IndexOf(fixtures.ForPlatform(fixtures.Basic(), "linux/arm"))
	exp, err := e.expect(failures.InvalidManifestInList)
	if err != nil {
		return err
	}
	o, err := e.as(Owner, v2proto.WithBuild(v2proto.Build{ChildSchemas: []v2proto.Schema{v2proto.Schema1}}), exp)
	if err != nil {
		return err
	}
	_, err = e.client.PushList(e.Ctx, repo, []string{"latest"}, list, o...)
	return err
}

func runListFallback(e *Env) error {
	noAMD := e.Scenario() == "list-fallback-no-amd64"
	amd := "linux/amd64"
	if noAMD {
		amd = "linux/amd32"
	}
	images := fixtures.Basic()
	list := fixtures.IndexOf(fixtures.ForPlatform(images, amd), fixtures.ForPlatform(fixtures.Different(), "linux/arm"))
	var pushOpts []v2proto.CallOption
	pullFormat, pullOpts := fmtS1, []v2proto.CallOption(nil)
	switch e.Param {
	case "s2-accept":
		pullFormat = fmtS2
		pullOpts = append(pullOpts, v2proto.WithAccept(schema2.MediaTypeManifest))
	case "s1-puller-s1u":
		if !e.Has(S1U) {
			return e.Skip("the target lacks capability s1u (the list's amd64 child is an unsigned schema1 manifest)")
		}
		pushOpts = append(pushOpts, v2proto.WithBuild(v2proto.Build{ChildSchemas: []v2proto.Schema{v2proto.Schema1}}))
	case "s1-puller-oci":
		pushOpts = append(pushOpts, v2proto.WithSchema(v2proto.OCI))
	}
	if pullFormat == fmtS1 && !e.Has(S1) {
		return e.Skip("the target lacks capability s1 (the puller is a schema1 client)")
	}
	repo := e.Repo(Owner)
	if _, err := e.pushList(repo, list, pushOpts...); err != nil {
		return err
	}
	if noAMD {
		exp, err := e.expect(failures.UnknownTag)
		if err != nil {
			return err
		}
		_, err = e.pull(repo, []string{"latest"}, nil, pullFormat, append(pullOpts, exp)...)
		return err
	}
	rr, err := e.pull(repo, []string{"latest"}, images, pullFormat, pullOpts...)
	if err != nil {
		if statusOf(err) == 404 && e.Param == "s1-puller-oci" {
			return e.Skip("the tag of an OCI index pulled by a schema1 client: %v: the registry has no representation of it that the client accepts", err)
		}
		return err
	}
	got := rr.Manifests[0]
	if got.Kind.IsIndex() {
		return e.Errorf("Pull(%s, latest) as %s: got a %s, want the linux/amd64 child", repo, e.Param, got.Kind)
	}
	if pullFormat == fmtS2 && mediaTypeOf(got) != schema2.MediaTypeManifest {
		return e.Errorf("Pull(%s, latest) with Accept %s: Content-Type %q, want the s2 child as is", repo, schema2.MediaTypeManifest, got.ContentType)
	}
	return nil
}

// Scenario returns the ID of the scenario the Env runs.
func (e *Env) Scenario() string { return e.id }
