package conformance

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

const areaDelete = "Delete"

func deleteScenarios() []Scenario {
	return []Scenario{
		{
			ID: "del-manifest-drops-tag", Area: areaDelete,
			Requires: []Requirement{reqDeleteManifest202},
			Explain: "tag one (basic) and tag two (different) pushed; DELETE /manifests/<digest of one> answers 202; R of one " +
				"then gets unknown-tag (404), R of two passes, and tags/list no longer holds one (distribution-spec: " +
				"deleting manifests)",
			Origin: "Q: test_delete_tag; O: L48",
			Needs:  []Capability{Delete},
			Params: pairParams,
			Run:    runDelManifestDropsTag,
		},
		{
			ID: "del-manifest-retagged", Area: areaDelete,
			Requires: []Requirement{reqDeleteManifest202},
			Explain: "latest set to A, then B, then A again (no HEAD checks); DELETE of A's digest answers 202, and R of " +
				"latest gets unknown-tag",
			Origin: "Q: test_delete_manifest",
			Needs:  []Capability{Delete},
			Params: pairParams,
			Run:    runDelManifestRetagged,
		},
		{
			ID: "del-manifest-head-tag", Area: areaDelete,
			Requires: []Requirement{reqHeadNotInRepo404, reqDeletedManifestTags404},
			Explain: "latest pushed (s2); DELETE /manifests/<digest> answers 202; HEAD /manifests/latest then answers 404: " +
				"the tag points at a manifest the repository no longer has (distribution-spec v1.1.1: checking if content " +
				"exists, deleting manifests)",
			Origin: "FINDINGS: a registry whose GET of the tag is 404 but whose HEAD is 200",
			Needs:  []Capability{Delete},
			Run:    runDelManifestHeadTag,
		},
		{
			ID: "del-then-pull-by-digest", Area: areaDelete,
			Requires: []Requirement{reqManifestMissing404, reqDockerDeleteGone404},
			Explain: "P; R by tag and by digest (200); DELETE /manifests/<digest> 202; HEAD/GET by digest then answer " +
				"unknown-tag (404) at once, and a second DELETE 404 MANIFEST_UNKNOWN",
			Origin: "Q: test_attempt_pull_by_manifest_digest_for_deleted_tag[registry]; O: <set>/delete/manifest-delete; L46, L47",
			Needs:  []Capability{Delete},
			Params: formatParams,
			Run:    runDelThenPullByDigest,
		},
		{
			ID: "del-tag", Area: areaDelete,
			Requires: []Requirement{reqTagDeleteDisabled, reqTagDeleteMay},
			Explain: "DELETE /manifests/<tag> answers 202; HEAD/GET of the tag then answer 404 at once and the tag leaves " +
				"tags/list; 400 or 405 means tag deletion is unsupported (skip)",
			Origin: "O: <set>/delete/tag-delete; L45",
			Needs:  []Capability{TagDelete},
			Run:    runDelTag,
		},
		{
			ID: "del-blob", Area: areaDelete,
			Requires: []Requirement{reqDeleteBlob202, reqDeleteBlobMissing404},
			Explain: "DELETE /blobs/<digest> answers 202; HEAD/GET then answer 404 at once, and a second DELETE 404 " +
				"(distribution-spec: deleting blobs)",
			Origin: "O: <set>/delete/blob-delete, blobs/*/blob-delete; L49, L50",
			Needs:  []Capability{BlobDelete},
			Params: shaParams,
			Run:    runDelBlob,
		},
	}
}

// deleteRefs deletes refs of repo as the owner.
func (e *Env) deleteRefs(repo string, refs []string, opts ...v2proto.CallOption) error {
	o, err := e.as(Owner, opts...)
	if err != nil {
		return err
	}
	return e.client.Delete(e.Ctx, repo, refs, o...)
}

// pullGone pulls ref of repo as a client of f, expecting unknown-tag; a
// target whose table does not map unknown-tag gets the spec's 404 checked
// on a GET.
func (e *Env) pullGone(repo, ref string, f format) error {
	if !e.mapped(failures.UnknownTag) {
		return e.wantNotFound(failures.GetManifest, http.MethodGet, repo, "/v2/"+repo+"/manifests/"+ref, http.Header{"Accept": {f.mediaType()}})
	}
	exp, err := e.expect(failures.UnknownTag)
	if err != nil {
		return err
	}
	_, err = e.pull(repo, []string{ref}, nil, f, exp)
	return err
}

func runDelManifestDropsTag(e *Env) error {
	push, pull, err := e.pair()
	if err != nil {
		return err
	}
	repo := e.Repo(Owner)
	one, _, err := e.pushPull(repo, "one", fixtures.Basic(), push, pull)
	if err != nil {
		return err
	}
	if _, _, err := e.pushPull(repo, "two", fixtures.Different(), push, pull); err != nil {
		return err
	}
	if err := e.deleteRefs(repo, []string{string(one.Manifests[0].Digest)}); err != nil {
		return err
	}
	if err := e.pullGone(repo, "one", pull); err != nil {
		return err
	}
	if _, err := e.pull(repo, []string{"two"}, fixtures.Different(), pull); err != nil {
		return err
	}
	tr, err := e.tagsOf(repo)
	if err != nil {
		return err
	}
	if slices.Contains(tr.Tags, "one") || !slices.Contains(tr.Tags, "two") {
		return e.Errorf("GET /v2/%s/tags/list = %q after deleting the manifest of tag one, want two and not one", repo, tr.Tags)
	}
	return nil
}

func runDelManifestRetagged(e *Env) error {
	push, pull, err := e.pair()
	if err != nil {
		return err
	}
	repo := e.Repo(Owner)
	a, _, err := e.pushPull(repo, "latest", fixtures.Basic(), push, pull)
	if err != nil {
		return err
	}
	if _, err := e.push(repo, []string{"latest"}, fixtures.Different(), push, v2proto.WithBlobChecks(v2proto.BlobChecks{Head: v2proto.HeadNone})); err != nil {
		return err
	}
	if _, err := e.push(repo, []string{"latest"}, fixtures.Basic(), push, v2proto.WithBlobChecks(v2proto.BlobChecks{Head: v2proto.HeadNone})); err != nil {
		return err
	}
	if err := e.deleteRefs(repo, []string{string(a.Manifests[0].Digest)}); err != nil {
		return err
	}
	return e.pullGone(repo, "latest", pull)
}

func runDelThenPullByDigest(e *Env) error {
	f := format(e.Param)
	if err := e.needFormat(f); err != nil {
		return err
	}
	repo := e.Repo(Owner)
	pr, _, err := e.pushPull(repo, "latest", fixtures.Basic(), f, f)
	if err != nil {
		return err
	}
	d := string(pr.Manifests[0].Digest)
	if _, err := e.pull(repo, []string{d}, fixtures.Basic(), f); err != nil {
		return err
	}
	if err := e.deleteRefs(repo, []string{d}); err != nil {
		return e.Violates(reqDeleteManifest202, err)
	}
	if !e.mapped(failures.UnknownTag) {
		// The spec's answers: 404 for HEAD and GET; a second DELETE is
		// Docker's 404.
		if err := e.wantManifestMissing(repo, d, f.mediaType()); err != nil {
			return err
		}
		err := e.deleteRefs(repo, []string{d})
		if statusOf(err) != http.StatusNotFound {
			return e.Violates(reqDockerDeleteGone404, e.Errorf("a second DELETE /v2/%s/manifests/%s: %v, want 404", repo, d, err))
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
	if _, err := e.client.HeadManifest(e.Ctx, repo, d, as...); err != nil {
		return err
	}
	if _, err := e.client.GetManifest(e.Ctx, repo, d, as...); err != nil {
		return err
	}
	return e.client.Delete(e.Ctx, repo, []string{d}, as...)
}

func runDelTag(e *Env) error {
	repo := e.Repo(Owner)
	if _, err := e.push(repo, []string{"latest", "other"}, fixtures.Basic(), fmtS2); err != nil {
		return err
	}
	err := e.deleteRefs(repo, []string{"latest"}, v2proto.WithDeleteByTag())
	var se *v2proto.StatusError
	if errors.As(err, &se) && se.Step == failures.DeleteManifest && (se.Got == http.StatusBadRequest || se.Got == http.StatusMethodNotAllowed) {
		return e.Skip("DELETE /v2/%s/manifests/latest = %d %s: the registry does not delete tags", repo, se.Got, strings.Join(se.Codes, " "))
	}
	if err != nil {
		return err
	}
	tr, err := e.tagsOf(repo)
	if err != nil {
		return err
	}
	if slices.Contains(tr.Tags, "latest") || !slices.Contains(tr.Tags, "other") {
		return e.Errorf("GET /v2/%s/tags/list = %q after deleting tag latest, want other and not latest", repo, tr.Tags)
	}
	// The manifest stays, by its other tag.
	_, err = e.pull(repo, []string{"other"}, fixtures.Basic(), fmtS2)
	return err
}

func runDelBlob(e *Env) error {
	alg, err := e.shaAlg()
	if err != nil {
		return err
	}
	repo := e.Repo(Owner)
	blob := e.newBlob(1000, alg)
	if _, err := e.pushBlob(repo, blob); err != nil {
		return err
	}
	as, err := e.as(Owner)
	if err != nil {
		return err
	}
	if err := e.client.DeleteBlob(e.Ctx, repo, blob.Digest(), as...); err != nil {
		return err
	}
	if _, err := e.client.GetBlob(e.Ctx, repo, blob.Digest(), nil, as...); statusOf(err) != http.StatusNotFound {
		return e.Errorf("GET /v2/%s/blobs/%s after its DELETE: %v, want 404", repo, blob.Digest(), err)
	}
	err = e.client.DeleteBlob(e.Ctx, repo, blob.Digest(), as...)
	if statusOf(err) != http.StatusNotFound {
		return e.Errorf("a second DELETE /v2/%s/blobs/%s: %v, want 404", repo, blob.Digest(), err)
	}
	return nil
}

func runDelManifestHeadTag(e *Env) error {
	repo := e.Repo(Owner)
	pr, err := e.push(repo, []string{"latest"}, fixtures.Basic(), fmtS2)
	if err != nil {
		return err
	}
	m := pr.Manifests[0]
	if err := e.deleteRefs(repo, []string{string(m.Digest)}); err != nil {
		return e.Violates(reqDeleteManifest202, err)
	}
	return e.wantNotFound(failures.HeadManifest, http.MethodHead, repo, "/v2/"+repo+"/manifests/latest",
		http.Header{"Accept": {m.MediaType}})
}
