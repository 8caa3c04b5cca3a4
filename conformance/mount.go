package conformance

import (
	"errors"
	"fmt"
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
				"registry may instead refuse the whole request because the token grants no pull on the source (unauthorized); " +
				"for a target whose table does not map unauthorized-for-mount, any answer but a mount passes (a 5xx fails)",
			Origin: "Q: test_blob_mounting[unknown repo, no access]",
			Needs:  []Capability{Mount, Roles},
			Params: []string{"unknown-repo", "no-access"},
			Run:    runMountNoAccess,
		},
		{
			ID: "mount-missing-blob", Area: areaMount,
			Requires: []Requirement{reqMountFallback202},
			Explain: "a mount from a readable repository that lacks the blob answers 202 with an upload session (SHOULD; " +
				"the endpoint's 404 also passes), which a " +
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
		if _, err := e.pushBlob(from, blob, v2proto.WithUpload(v2proto.Upload{Style: v2proto.UploadPostPut})); err != nil {
			return err
		}
		res, err := e.pushBlob(to, blob, v2proto.WithUpload(v2proto.Upload{Mounts: map[digest.Digest]string{blob.Digest(): from}}))
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
	pr, err := e.push(to, []string{"latest"}, images, f, v2proto.WithUpload(v2proto.Upload{Mounts: mountsOf(src, from)}))
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
	mounts := v2proto.WithUpload(v2proto.Upload{Mounts: map[digest.Digest]string{blob.Digest(): from}})
	var se *v2proto.StatusError
	if !e.mapped(failures.UnauthorizedForMount) {
		// The table says nothing of this refusal: any answer but a mount
		// passes (a 202 session, as the spec's SHOULD, or a 4xx).
		res, err := e.pushBlob(to, blob, mounts)
		switch {
		case err == nil && res != nil && res.Mounted:
			return e.Errorf("PushBlob(%s, mount from %s) = mounted, want refused", to, from)
		case err == nil:
			return nil
		case errors.As(err, &se) && se.Step == failures.MountBlob && se.Got >= 500:
			return e.Violates(reqEndpointsMount, e.Errorf("POST /v2/%s/blobs/uploads/?mount=%s&from=%s = %d, want 202, or a 4xx refusal", to, blob.Digest(), from, se.Got))
		case errors.As(err, &se) && se.Got >= 400 && se.Got < 500 && (se.Step == failures.MountBlob || se.Step == failures.Auth):
			return nil
		}
		return err
	}
	res, err := e.pushBlob(to, blob, mounts, v2proto.ExpectFailure(failures.UnauthorizedForMount))
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
	res, err := e.pushBlob(to, blob, v2proto.WithUpload(v2proto.Upload{Mounts: map[digest.Digest]string{blob.Digest(): from}}))
	var se *v2proto.StatusError
	if errors.As(err, &se) && se.Step == failures.MountBlob {
		what := fmt.Sprintf("POST /v2/%s/blobs/uploads/?mount=%s&from=%s (which lacks the blob)", to, blob.Digest(), from)
		if se.Got >= 500 {
			return e.Violates(reqEndpointsMount, e.Errorf("%s = %d, want 202 (or the endpoint's 404)", what, se.Got))
		}
		if se.Got == http.StatusNotFound {
			return nil // the endpoint's failure status (end-11)
		}
		return e.Violates(reqMountFallback202, e.Errorf("%s = %d %s, want 202 and an upload session", what, se.Got, strings.Join(se.Codes, " ")))
	}
	if err != nil {
		return err
	}
	if res.Mounted {
		// A blob nobody uploaded cannot be mounted: its Location must
		// still serve its bytes, which it cannot.
		return e.Violates(reqBlobLocationPullable, e.checkUploaded(to, blob, res))
	}
	if !res.MountFallback {
		return e.Errorf("PushBlob(%s, mount from %s, which lacks the blob): no upload session, want 202 and an upload through the session", to, from)
	}
	return e.checkStored(to, blob, res)
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
	res, err := e.pushBlob(to, blob, v2proto.WithUpload(v2proto.Upload{Mounts: map[digest.Digest]string{blob.Digest(): ""}}))
	if err != nil {
		return err
	}
	if e.Has(MountAuto) && !res.Mounted {
		return e.Errorf("PushBlob(%s, mount without from) = 202, want 201: the target lists capability mount-auto", to)
	}
	return e.checkStored(to, blob, res)
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
	pr, err := e.push(to, []string{"latest"}, images, f, v2proto.WithUpload(v2proto.Upload{Mounts: mounts}), v2proto.WithBlobChecks(v2proto.BlobChecks{Head: v2proto.HeadNone}))
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
