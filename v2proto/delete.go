package v2proto

import (
	"context"
	"fmt"
	"net/http"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/failures"
)

// Delete deletes the manifests refs (tags or digests) of repository name.
// Steps: ping and auth (default scope repository:<name>:pull,delete; Quay's
// client asked for repository:<name>:*, see WithScopes); then for each ref:
//
//  1. head-manifest, for a tag: HEAD /v2/<name>/manifests/<tag> with every
//     manifest type in Accept (so that the registry converts nothing) →
//     200, whose Docker-Content-Digest is the digest to delete; when the
//     answer has none (the header is OPTIONAL), a GET of the tag
//     (get-manifest, same Accept) → 200, and the digest is the body's
//     (sha256; of the payload for schema1). The spec
//     deletes manifests by digest: distribution 2.8 answers a DELETE by tag
//     with 400 DIGEST_INVALID. WithDeleteByTag skips this step and deletes
//     the tag as is (distribution v3 then removes the tag only).
//  2. delete-manifest: DELETE /v2/<name>/manifests/<digest> → 202.
//  3. get-manifest: GET of ref, and of the digest it resolved to, with
//     every manifest type in Accept → 404: what was deleted is gone.
//     The call's expected failure does not apply to this check (a 404 here
//     is the success of the deletion, not a refusal), and
//     WithoutDeleteCheck skips it.
//
// With an expected failure, the call stops where it is met (unknown-tag at
// head-manifest or delete-manifest, unauthorized at delete-manifest, ...)
// and returns nil. Resolving a tag is a head-manifest step like any other:
// where the table maps the expected failure there (failures.Distribution
// maps unauthorized at head-manifest, for a client that may not pull), the
// registry must refuse the HEAD. To expect a refusal of the DELETE itself
// from a client that may pull, pass the digest.
func (c *Client) Delete(ctx context.Context, name string, refs []string, opts ...CallOption) (err error) {
	cl := c.newCall("Delete", opts)
	defer func() { err = cl.end(c, err) }()
	if len(refs) == 0 {
		return fmt.Errorf("v2proto: Delete(%q): no refs", name)
	}
	if stop, err := c.begin(ctx, cl, []string{"repository:" + name + ":pull,delete"}); err != nil || stop {
		return err
	}
	for _, ref := range refs {
		target := ref
		if !isDigestRef(ref) && !cl.pull.deleteByTag {
			m, stop, err := c.headManifest(ctx, cl, name, ref, allManifestTypes, true)
			if err != nil || stop {
				return err
			}
			target = string(m.Digest)
			if m.Digest == "" {
				// "A successful response SHOULD contain the digest of the
				// uploaded blob in the header Docker-Content-Digest."
				// (Checking if content exists in the registry): without
				// it, the digest is the body's.
				a, stop, err := c.getManifest(ctx, cl, failures.GetManifest, name, ref, allManifestTypes, true)
				if err != nil || stop {
					return err
				}
				target = string(manifestDigest(a.raw.ContentType, a.raw.Bytes, digest.Canonical))
			}
		}
		req, err := c.newRequest(ctx, http.MethodDelete, "/v2/"+name+"/manifests/"+target, nil)
		if err != nil {
			return err
		}
		cl.setRemoteAddr(req)
		resp, stop, err := c.exchange(ctx, cl, failures.DeleteManifest, req)
		if err != nil || stop {
			return err
		}
		drain(resp.Body)
		if cl.pull.noDeleteCheck {
			continue
		}
		gone := []string{ref}
		if target != ref {
			gone = append(gone, target)
		}
		for _, r := range gone {
			if err := c.checkGone(ctx, cl, "/v2/"+name+"/manifests/"+r, failures.GetManifest, http.MethodGet); err != nil {
				return err
			}
		}
	}
	return nil
}

// DeleteBlob deletes blob dgst of repository name. Steps: ping and auth
// (default scope repository:<name>:pull,delete); delete-blob:
// DELETE /v2/<name>/blobs/<dgst> → 202; then head-blob: HEAD of the blob →
// 404 (the check Delete describes; WithoutDeleteCheck skips it). With an
// expected failure, the call stops where it is met and returns nil.
func (c *Client) DeleteBlob(ctx context.Context, name string, dgst digest.Digest, opts ...CallOption) (err error) {
	cl := c.newCall("DeleteBlob", opts)
	defer func() { err = cl.end(c, err) }()
	if err := checkBlobDigest("DeleteBlob", dgst); err != nil {
		return err
	}
	if stop, err := c.begin(ctx, cl, []string{"repository:" + name + ":pull,delete"}); err != nil || stop {
		return err
	}
	path := "/v2/" + name + "/blobs/" + string(dgst)
	req, err := c.newRequest(ctx, http.MethodDelete, path, nil)
	if err != nil {
		return err
	}
	cl.setRemoteAddr(req)
	resp, stop, err := c.exchange(ctx, cl, failures.DeleteBlob, req)
	if err != nil || stop {
		return err
	}
	drain(resp.Body)
	if cl.pull.noDeleteCheck {
		return nil
	}
	return c.checkGone(ctx, cl, path, failures.HeadBlob, http.MethodHead)
}

// checkGone sends method to path as step, on the call's credentials but
// without its expected failure, and wants 404.
func (c *Client) checkGone(ctx context.Context, cl *call, path string, step failures.Step, method string) error {
	req, err := c.newRequest(ctx, method, path, nil)
	if err != nil {
		return err
	}
	setAccept(req, allManifestTypes, step == failures.GetManifest)
	cl.setRemoteAddr(req)
	check := cl.fork()
	check.failure, check.satisfied = "", false
	_, err = c.exchangeGone(ctx, check, step, req)
	return err
}
