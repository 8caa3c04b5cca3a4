package conformance

import (
	"errors"
	"net/http"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

const areaMount = "Mount"

func mountScenarios() []Scenario {
	return []Scenario{
		{
			ID: "mount-ok", Area: areaMount,
			Requires: []Requirement{reqMount201},
			Explain: "a push to repository B mounting every blob from a readable repository A (POST ?mount=<d>&from=<A>, " +
				"token scopes B push,pull + A pull) gets 201 with Docker-Content-Digest and a Location that reads back; " +
				"HEAD/GET in B 200, manifest 201, R passes; A in the same namespace or another (org) one (distribution-spec: " +
				"mounting a blob from another repository)",
			Origin: "Q: test_blob_mounting[same namespace, cross namespace]; O: blobs/mount/*; L29, L30",
			Needs:  []Capability{Mount},
			Params: append(crossParams(formatParams, []string{"same-namespace", "org-namespace"}), "sha512"),
			Run:    runMountOK,
		},
		{
			ID: "mount-no-access", Area: areaMount,
			Requires: []Requirement{reqMountFallback202},
			Explain: "a mount from a repository that does not exist, or from another user's private repository, is refused: " +
				"unauthorized-for-mount (Quay and the spec: 202 with a fresh upload session, the blob is not mounted); a " +
				"registry may instead refuse the whole request because the token grants no pull on the source (unauthorized)",
			Origin: "Q: test_blob_mounting[unknown repo, no access]",
			Needs:  []Capability{Mount, Roles},
			Params: []string{"unknown-repo", "no-access"},
			Run:    runMountNoAccess,
		},
		{
			ID: "mount-missing-blob", Area: areaMount,
			Requires: []Requirement{reqMountFallback202},
			Explain: "a mount from a readable repository that lacks the blob answers 202 with an upload session, which a " +
				"PUT ?digest= with the body completes (201); HEAD/GET 200",
			Origin: "O: blobs/mount missing/*; L31",
			Needs:  []Capability{Mount},
			Params: shaParams,
			Run:    runMountMissingBlob,
		},
		{
			ID: "mount-no-from", Area: areaMount,
			Requires: []Requirement{reqMount201, reqMountFromOptional},
			Explain: "POST ?mount=<d> without from, the blob being in another repository: 201 when the registry finds it " +
				"(mount-auto), otherwise 202 with a session that a PUT completes (201)",
			Origin: "O: blobs/mount anonymous/*; L28, L32, L33",
			Needs:  []Capability{Mount},
			Params: shaParams,
			Run:    runMountNoFrom,
		},
		{
			ID: "mount-empty-layers", Area: areaMount,
			Requires: []Requirement{quayMountEmptyLayers},
			Explain: "the empty-layer set pushed to repository A, then to B mounting every layer blob (the 32-byte empty " +
				"layer included) without HEAD checks: every mount 201, the config uploads, the manifest PUT 201",
			Origin: "Q: test_blob_mounting_with_empty_layers",
			Needs:  []Capability{Mount},
			Params: formatParams,
			Run:    runMountEmptyLayers,
		},
	}
}

// mountsOf maps every blob a push uploaded to repo.
func mountsOf(pr *v2proto.PushResult, repo string) map[digest.Digest]string {
	m := map[digest.Digest]string{}
	for _, b := range pr.Blobs {
		m[b.Digest] = repo
	}
	return m
}

func runMountOK(e *Env) error {
	if e.Param == "sha512" {
		if !e.Has(SHA512) {
			return e.Skip("the target lacks capability sha512")
		}
		from, to := e.Repo(Owner), e.Repo(Owner)
		blob := e.newBlob(3000, digest.SHA512)
		if _, err := e.pushBlob(from, blob, v2proto.WithUploadStyle(v2proto.UploadPostPut)); err != nil {
			return err
		}
		res, err := e.pushBlob(to, blob, v2proto.WithMounts(map[digest.Digest]string{blob.Digest(): from}))
		if err != nil {
			return err
		}
		if !res.Mounted {
			return e.Errorf("PushBlob(%s, mount from %s) = 202 (not mounted), want 201", to, from)
		}
		return e.checkUploaded(to, blob, res)
	}
	fs, where, _ := strings.Cut(e.Param, "-")
	f := format(fs)
	if err := e.needFormat(f); err != nil {
		return err
	}
	images := fixtures.Chain(e.seed(), 2)
	srcRole := Owner
	if where == "org-namespace" {
		srcRole = OrgAdmin
	}
	from := e.Repo(srcRole)
	src, err := e.pushAs(srcRole, from, []string{"latest"}, images, f)
	if err != nil {
		return err
	}
	to := e.Repo(Owner)
	pr, err := e.push(to, []string{"latest"}, images, f, v2proto.WithMounts(mountsOf(src, from)))
	if err != nil {
		return err
	}
	for _, b := range pr.Blobs {
		if !b.Mounted {
			return e.Errorf("Push(%s, mounting from %s): blob %s was not mounted (202), want 201", to, from, b.Digest)
		}
		if err := e.readBlobAt(to, b.Location, b.Digest, b.Size); err != nil {
			return err
		}
	}
	_, err = e.pull(to, []string{"latest"}, images, f)
	return err
}

func runMountNoAccess(e *Env) error {
	blob := e.newBlob(1000, digest.SHA256)
	var from string
	if e.Param == "unknown-repo" {
		from = e.Repo(Owner, "never-pushed")
	} else {
		from = e.Repo(Other)
		o, err := e.as(Other)
		if err != nil {
			return err
		}
		if _, err := e.client.PushBlob(e.Ctx, from, blob, o...); err != nil {
			return err
		}
	}
	to := e.Repo(Owner)
	res, err := e.pushBlob(to, blob, v2proto.WithMounts(map[digest.Digest]string{blob.Digest(): from}),
		v2proto.ExpectFailure(failures.UnauthorizedForMount))
	var se *v2proto.StatusError
	if err != nil && errors.As(err, &se) && se.Step == failures.MountBlob && se.Got == http.StatusUnauthorized && e.Param == "no-access" {
		// The registry refused the request: the token grants no pull on
		// the source.
		return nil
	}
	if err != nil {
		return err
	}
	if res != nil && res.Mounted {
		return e.Errorf("PushBlob(%s, mount from %s) = mounted, want refused", to, from)
	}
	return nil
}

func runMountMissingBlob(e *Env) error {
	alg, err := e.shaAlg()
	if err != nil {
		return err
	}
	from := e.Repo(Owner)
	if _, err := e.pushBlob(from, e.newBlob(100, alg)); err != nil {
		return err
	}
	to := e.Repo(Owner)
	blob := e.newBlob(3000, alg)
	res, err := e.pushBlob(to, blob, v2proto.WithMounts(map[digest.Digest]string{blob.Digest(): from}))
	if err != nil {
		return err
	}
	if res.Mounted || !res.MountFallback {
		return e.Errorf("PushBlob(%s, mount from %s, which lacks the blob): mounted %v, want 202 and an upload through the session", to, from, res.Mounted)
	}
	return e.checkUploaded(to, blob, res)
}

func runMountNoFrom(e *Env) error {
	alg, err := e.shaAlg()
	if err != nil {
		return err
	}
	from := e.Repo(Owner)
	blob := e.newBlob(3000, alg)
	if _, err := e.pushBlob(from, blob); err != nil {
		return err
	}
	to := e.Repo(Owner)
	res, err := e.pushBlob(to, blob, v2proto.WithMounts(map[digest.Digest]string{blob.Digest(): ""}))
	if err != nil {
		return err
	}
	if e.Has(MountAuto) && !res.Mounted {
		return e.Errorf("PushBlob(%s, mount without from) = 202, want 201: the target lists capability mount-auto", to)
	}
	return e.checkUploaded(to, blob, res)
}

func runMountEmptyLayers(e *Env) error {
	f := format(e.Param)
	if err := e.needFormat(f); err != nil {
		return err
	}
	images := fixtures.EmptyLayers()
	from := e.Repo(Owner)
	if _, err := e.push(from, []string{"latest"}, images, f); err != nil {
		return err
	}
	mounts := map[digest.Digest]string{}
	for _, im := range images {
		mounts[im.Layer.Digest()] = from
	}
	to := e.Repo(Owner)
	pr, err := e.push(to, []string{"latest"}, images, f, v2proto.WithMounts(mounts), v2proto.WithSkipHeadChecks())
	if err != nil {
		return err
	}
	for _, b := range pr.Blobs {
		if _, ok := mounts[b.Digest]; ok && !b.Mounted {
			return e.Errorf("Push(%s, mounting the layers from %s): layer %s was not mounted (202), want 201", to, from, b.Digest)
		}
	}
	return nil
}
