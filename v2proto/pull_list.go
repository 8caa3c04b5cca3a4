package v2proto

import (
	"context"
	"fmt"
	"strconv"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/schema2"
)

// A PullListResult is what PullList fetched: one PulledList per ref, in
// the order of the refs.
type PullListResult struct {
	Lists []*PulledList
}

// A PulledList is a manifest list or OCI index that PullList fetched,
// checked and parsed, with its children.
type PulledList struct {
	// RawManifest is the answer as received, except its Digest: the
	// Docker-Content-Digest, checked against the body, or the body's
	// digest when the registry sent none (DigestComputed; in the
	// algorithm of want, of a digest ref, or sha256).
	RawManifest
	// DigestComputed reports that the answer had no Docker-Content-Digest
	// (OPTIONAL: "These headers are OPTIONAL and clients SHOULD NOT depend
	// on them.") and Digest was computed.
	DigestComputed bool
	// Kind is schema2.KindDockerList or schema2.KindOCIIndex.
	Kind schema2.Kind
	// Index is the parsed list or index.
	Index *schema2.Index
	// Children are the children fetched by digest, in list order, each
	// digest once (their blobs are not fetched).
	Children []*PulledManifest
}

// PullList pulls the manifest lists or OCI indexes refs (tags or digests)
// of repository name and each of their children, as Quay's pull_list does,
// and checks every answer. Steps: ping and auth (default scope
// repository:<name>:pull); then for each ref:
//
//  1. get-manifest-list: GET /v2/<name>/manifests/<ref> with the Accept of
//     the Docker manifest list and the OCI index. The registry must answer
//     200 with a list type as Content-Type (or none, and a body that is a
//     list or index), a body of that type of at most
//     MaxManifestBody bytes that parses (package schema2), and, when
//     it has one, a Docker-Content-Digest that is the body's digest; when
//     want is not "" (the digest of the list as pushed), the header or,
//     without it, the body's digest must be want.
//  2. get-manifest: GET of each child by its digest, with the same Accept
//     and the media type the list gives the child. The registry must answer
//     200 with a manifest that is not a list or index, that parses (schema1
//     signatures verified), whose body (and Docker-Content-Digest, when
//     present) have the digest the list gives.
//
// WithAccept replaces the Accept of both steps as is: Quay's client sent
// the list types only on the child GETs too, relying on a registry not
// negotiating a GET by digest; distribution answers such a GET of an OCI
// child with 404 MANIFEST_UNKNOWN, which is why the child's own type is
// added by default.
//
// A pull of the list's tag by a client that does not accept lists gets one
// child instead; see Pull for that legacy pull. Headers.RemoteAddr applies.
// With an expected failure, the call stops where it is met, returning nil,
// nil.
func (c *Client) PullList(ctx context.Context, name string, refs []string, want digest.Digest, opts ...CallOption) (res *PullListResult, err error) {
	cl := c.newCall("PullList", opts)
	defer func() {
		if err = cl.end(c, err); err != nil {
			res = nil
		}
	}()
	if len(refs) == 0 {
		return nil, fmt.Errorf("v2proto: PullList(%q): no refs", name)
	}
	if stop, err := c.begin(ctx, cl, []string{"repository:" + name + ":pull"}); err != nil || stop {
		return nil, err
	}
	res = &PullListResult{}
	for _, ref := range refs {
		pl, stop, err := c.pullListOne(ctx, cl, name, ref, want)
		if err != nil || stop {
			return nil, err
		}
		res.Lists = append(res.Lists, pl)
	}
	return res, nil
}

// pullListOne runs the steps of PullList for one ref.
func (c *Client) pullListOne(ctx context.Context, cl *call, name, ref string, want digest.Digest) (*PulledList, bool, error) {
	types, send := cl.acceptOr(listTypes)
	a, stop, err := c.getManifest(ctx, cl, failures.GetManifestList, name, ref, types, send)
	if err != nil || stop {
		return nil, stop, err
	}
	m, rerr := a.raw, a.rerr
	// "A successful response SHOULD contain the digest of the uploaded
	// blob in the header Docker-Content-Digest." (Pulling manifests):
	// without it, the body's digest is what is compared.
	computed := m.Digest == ""
	got, what := m.Digest, "Docker-Content-Digest"
	if computed {
		alg := refAlgorithm(ref)
		if want.Validate() == nil {
			alg = want.Algorithm()
		}
		got, what = alg.FromBytes(m.Bytes), "body digest"
	}
	if want != "" && got != want {
		return nil, false, rerr(what, string(got), string(want)+" (the list pushed)")
	}
	ct := strconv.Quote(clipText(m.ContentType))
	// "In a successful response, the Content-Type header will indicate
	// the type of the returned manifest.": one that is there must name a
	// list or index; without one, the body tells its kind.
	mt := m.ContentType
	if mt == "" {
		kind, err := schema2.Detect("", m.Bytes)
		if err != nil || !kind.IsIndex() {
			return nil, false, rerr("body", fmt.Sprintf("%v (no Content-Type)", kind), "a manifest list or an OCI index")
		}
		mt = kind.MediaType()
	}
	if !schema2.KindOf(mt).IsIndex() {
		return nil, false, rerr("Content-Type", ct, strconv.Quote(schema2.MediaTypeManifestList)+" or "+strconv.Quote(schema2.KindOCIIndex.MediaType()))
	}
	doc, err := schema2.Parse(mt, m.Bytes)
	if err != nil {
		return nil, false, rerr("body", strconv.Quote(clipText(err.Error())), "a valid "+schema2.KindOf(mt).String())
	}
	ix := doc.(*schema2.Index)
	pl := &PulledList{RawManifest: *m, Kind: ix.Kind(), Index: ix, DigestComputed: computed}
	pl.Digest = got

	seen := map[digest.Digest]bool{}
	for i, child := range ix.Manifests {
		if seen[child.Digest] {
			continue
		}
		seen[child.Digest] = true
		types, send := cl.acceptOr(childAccept(child.MediaType))
		ca, stop, err := c.getManifest(ctx, cl, failures.GetManifest, name, string(child.Digest), types, send)
		if err != nil || stop {
			return nil, stop, err
		}
		// getManifest checked the body (and the header, when present)
		// against the child's digest, the ref.
		pm, err := parsePulled(ca, Schema2, false)
		if err != nil {
			return nil, false, err
		}
		if pm.Kind.IsIndex() {
			return nil, false, ca.rerr("Content-Type", strconv.Quote(clipText(pm.ContentType)), fmt.Sprintf("an image manifest, not a list (manifests[%d] of %s)", i, ref))
		}
		pl.Children = append(pl.Children, pm)
	}
	return pl, false, nil
}
