package v2proto

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/schema2"
)

// A ManifestResult is what a manifest PUT answered.
type ManifestResult struct {
	// Reference is the tag or digest the PUT named.
	Reference string
	// Digest is the manifest's digest: the answer's
	// Docker-Content-Digest, checked against the manifest, or the digest
	// the client computed when the answer had none (DigestComputed).
	Digest digest.Digest
	// DigestComputed reports that the answer had no Docker-Content-Digest
	// (OPTIONAL: "These headers are OPTIONAL and clients SHOULD NOT depend
	// on them.").
	DigestComputed bool
	// Location is the answer's Location, absolute; "" when it had none
	// (see Tolerated).
	Location string
	// Tolerated are the requirements the answer broke that the push went
	// past, each as the *ResponseError a strict check returns. Today one
	// kind: a 201 without Location (What "Location"), where the spec says
	// "Upon a successful upload, the registry MUST return response code
	// 201 Created, and MUST have the following header: Location:
	// <location>" (Pushing Manifests); the client knows the manifest's
	// digest and its canonical URL. The scenario that owns that
	// requirement checks this field; the flow does not fail on it.
	Tolerated []*ResponseError
	// Subject is the answer's OCI-Subject header ("" for none): the
	// digest of the subject a registry with the referrers API indexed.
	Subject string
	// Tags are the answer's OCI-Tag headers, the tags a registry applied
	// from ?tag= parameters (WithTagParams), in order.
	Tags []string
}

// A PushedManifest is a manifest a push built and put.
type PushedManifest struct {
	BuiltManifest
	// Put is what the PUT answered.
	Put ManifestResult
}

// A PushResult is what Push, PushList or PushContent built, uploaded and
// put.
type PushResult struct {
	// Manifests are the manifests put per tag, in the order of the tags
	// (one entry, with Tag "", for a push by digest without tags). For
	// PushList these are the list; for PushContent the Contents with tags,
	// one entry per tag, in the order they were put.
	Manifests []*PushedManifest
	// Children are the manifests put once by digest before those: the
	// children of a list (PushList), the Contents without tags
	// (PushContent), in the order they were put.
	Children []*PushedManifest
	// Blobs are the results of the blob uploads, distinct, in first-use
	// order, skipped ones included.
	Blobs []*BlobResult
	// Skipped are the digests of the blobs the HEAD before their upload
	// found in the repository, which were not uploaded (BlobResult.Skipped),
	// in the order of Blobs.
	Skipped []digest.Digest
	// Complete reports that every blob was finished and every manifest
	// put. It is false when Upload.Cancel canceled the uploads, or when
	// a blob's chunks (Upload.Chunks) left bytes unsent: the push then stops
	// before the manifests, as Quay's did, and Manifests is empty.
	Complete bool
}

// Tolerated returns the requirements the registry's answers broke that
// the push went past (BlobResult.Tolerated and ManifestResult.Tolerated
// of every blob and manifest, in the order of Blobs, Children and
// Manifests), nil when none.
func (r *PushResult) Tolerated() []*ResponseError {
	if r == nil {
		return nil
	}
	var out []*ResponseError
	for _, b := range r.Blobs {
		out = append(out, b.Tolerated...)
	}
	for _, ms := range [][]*PushedManifest{r.Children, r.Manifests} {
		for _, m := range ms {
			out = append(out, m.Put.Tolerated...)
		}
	}
	return out
}

// Manifest returns the manifest put for tag, or nil.
func (r *PushResult) Manifest(tag string) *PushedManifest {
	if r == nil {
		return nil
	}
	for _, m := range r.Manifests {
		if m.Tag == tag || m.Put.Reference == tag {
			return m
		}
	}
	return nil
}

// Push pushes the image chain images (base first) to repository name with
// each of tags, as Quay's V2 client does, and checks every answer:
//
//  1. ping and auth (repository:<name>:push,pull, and pull on the
//     Upload.Mounts sources, unless WithScopes);
//  2. the manifest of the call's schema (WithSchema, Schema2 by default)
//     is built as BuildManifest describes: one per tag for schema1, which
//     names the tag, one for all tags otherwise;
//  3. the distinct blobs they reference (layers, empty layers, config;
//     never foreign layers) are uploaded as PushBlob describes, up to
//     Limits.Concurrency at once: each is HEADed first and skipped
//     when present (PushResult.Skipped), unless WithBlobChecks says
//     otherwise (HeadWantAbsent demands it absent, HeadNone leaves the
//     HEAD out);
//  4. each manifest is put at its tag (at its digest with
//     WithPushByDigest) with its media type as Content-Type (or
//     Headers.ManifestContentType), and the registry must answer 201
//     (put-manifest) with a Location (an answer without one is recorded in
//     ManifestResult.Tolerated) and, when it has one, a
//     Docker-Content-Digest equal to the manifest's digest.
//
// With no tags Push needs WithPushByDigest, and puts one manifest by
// digest. A push of Build.InvalidBlobReferences manifests expects the
// registry's refusal only when the call says so:
// ExpectFailure(failures.InvalidBlob).
//
// When the call's expected failure is met, Push returns nil, nil. When
// the uploads stop before finishing (see PushResult.Complete), it returns
// the result without putting a manifest. Blob errors are *BlobError.
func (c *Client) Push(ctx context.Context, name string, tags []string, images []fixtures.Image, opts ...CallOption) (res *PushResult, err error) {
	cl := c.newCall("Push", opts)
	defer func() {
		if err = cl.end(c, err); err != nil {
			res = nil
		}
	}()
	if len(tags) == 0 && !cl.push.byDigest {
		return nil, fmt.Errorf("v2proto.Push(%q): no tags, want at least one or WithPushByDigest", name)
	}
	// Build first: a manifest that cannot be built fails before any
	// exchange.
	schema := cl.schemaOrDefault()
	buildTags := tags
	if len(buildTags) == 0 {
		buildTags = []string{""}
	}
	built := make([]*BuiltManifest, len(buildTags))
	for i, tag := range buildTags {
		if i > 0 && schema != Schema1 {
			// One manifest for every tag.
			b := *built[0]
			b.Tag = tag
			built[i] = &b
			continue
		}
		b, err := buildImageManifest(&cl.callConfig, schema, name, tag, images, nil, true)
		if err != nil {
			return nil, fmt.Errorf("v2proto.Push(%q): building the %s manifest: %v", name, schema, err)
		}
		b.Tag = tag
		built[i] = b
	}

	if stop, err := c.begin(ctx, cl, pushScopes(cl, name)); err != nil || stop {
		return nil, err
	}
	var blobs []Blob
	for _, b := range built {
		for _, bl := range b.Blobs {
			blobs = addBlob(blobs, bl)
		}
	}
	// The graph: one manifest put at every tag, or (schema1) one per tag.
	nodes := []*pushNode{{b: built[0], tags: buildTags, top: true}}
	if schema == Schema1 {
		nodes = nil
		for i, b := range built {
			nodes = append(nodes, &pushNode{b: b, tags: buildTags[i : i+1], top: true})
		}
	}
	return c.pushNodes(ctx, cl, name, blobs, nodes)
}

func allFinished(results []*BlobResult) bool {
	for _, r := range results {
		if !r.Finished {
			return false
		}
	}
	return true
}

// PushList pushes the list or index list (list.Index must be set) and its
// children to repository name with each of tags, as Quay's push_list does:
//
//  1. ping and auth as Push;
//  2. the children are built: image chains in the call's schema (or
//     Build.ChildSchemas'), schema1 ones unsigned (media type
//     application/vnd.docker.distribution.manifest.v1+json), OCI artifacts
//     and nested indexes as they are, with their subjects, annotations and
//     platforms; the list is a Docker manifest list, or an OCI index when
//     the call's schema is OCI;
//  3. the distinct blobs of every child are uploaded as Push does;
//  4. each child is put by digest (put-manifest; put-manifest-list for a
//     nested index), every manifest after those it references, each once;
//  5. the list is put at each tag (at its digest with WithPushByDigest)
//     with its media type (or Headers.ManifestContentType)
//     (put-manifest-list).
//
// Every PUT must answer 201, with Location and Docker-Content-Digest as
// for Push. Results and expected failures are as for Push. Push, PushList
// and PushContent share one implementation: Push and PushList are
// PushContent over the graph they build.
func (c *Client) PushList(ctx context.Context, name string, tags []string, list *fixtures.Manifest, opts ...CallOption) (res *PushResult, err error) {
	cl := c.newCall("PushList", opts)
	defer func() {
		if err = cl.end(c, err); err != nil {
			res = nil
		}
	}()
	if list == nil || list.Index == nil {
		return nil, fmt.Errorf("v2proto.PushList(%q): want a manifest with an Index", name)
	}
	if len(tags) == 0 && !cl.push.byDigest {
		return nil, fmt.Errorf("v2proto.PushList(%q): no tags, want at least one or WithPushByDigest", name)
	}
	tag := "latest"
	if len(tags) > 0 && tags[0] != "" {
		tag = tags[0]
	}
	lb := &listBuilder{cc: &cl.callConfig, name: name, tag: tag, built: map[*fixtures.Manifest]*BuiltManifest{}, topManifest: list}
	top, err := lb.build(list, cl.schemaOrDefault(), true)
	if err != nil {
		return nil, fmt.Errorf("v2proto.PushList(%q): building the list: %v", name, err)
	}

	if stop, err := c.begin(ctx, cl, pushScopes(cl, name)); err != nil || stop {
		return nil, err
	}
	// The graph: each child once, by digest, then the list at its tags.
	var nodes []*pushNode
	put := map[digest.Digest]bool{}
	for _, ch := range lb.order {
		if !put[ch.Digest] {
			put[ch.Digest] = true
			nodes = append(nodes, &pushNode{b: ch})
		}
	}
	nodes = append(nodes, &pushNode{b: top, tags: tags, top: true})
	return c.pushNodes(ctx, cl, name, top.Blobs, nodes)
}

func isIndex(mediaType string) bool { return schema2.KindOf(mediaType).IsIndex() }

// putBuilt puts b at ref. list chooses the step; override says whether
// Headers.ManifestContentType applies.
func (c *Client) putBuilt(ctx context.Context, cl *call, name, ref string, b *BuiltManifest, list, override bool) (*PushedManifest, bool, error) {
	ct := b.MediaType
	if override && cl.push.contentType != "" {
		ct = cl.push.contentType
	}
	mr, stop, err := c.putManifest(ctx, cl, name, ref, ct, b.MediaType, b.Bytes, list, nil, b.Digest)
	if err != nil || stop {
		return nil, stop, err
	}
	return &PushedManifest{BuiltManifest: *b, Put: *mr}, false, nil
}

// PushManifest puts body, a manifest of mediaType, at reference (a tag or
// a digest) in repository name: PUT /v2/<name>/manifests/<reference>, with
// one ?tag= parameter per WithTagParams tag, Content-Type mediaType (or
// Headers.ManifestContentType), at the put-manifest-list step for a list or
// index media type and at put-manifest otherwise. The registry must answer
// 201 with a Location (an answer without one is recorded in
// ManifestResult.Tolerated) and, when it has one, a Docker-Content-Digest
// equal to the manifest's digest (the digest of body in the answer's
// algorithm, or of the payload of a signed schema1 manifest). The token
// asks for
// repository:<name>:push,pull unless WithScopes.
//
// It returns nil, nil when the call's expected failure is met.
func (c *Client) PushManifest(ctx context.Context, name, reference, mediaType string, body []byte, opts ...CallOption) (res *ManifestResult, err error) {
	cl := c.newCall("PushManifest", opts)
	defer func() {
		if err = cl.end(c, err); err != nil {
			res = nil
		}
	}()
	if stop, err := c.begin(ctx, cl, pushScopes(cl, name)); err != nil || stop {
		return nil, err
	}
	ct := mediaType
	if cl.push.contentType != "" {
		ct = cl.push.contentType
	}
	res, stop, err := c.putManifest(ctx, cl, name, reference, ct, mediaType, body, isIndex(mediaType), cl.push.tagParams, "")
	if err != nil || stop {
		return nil, err
	}
	return res, nil
}

// putManifest runs one manifest PUT and checks its answer: its
// Docker-Content-Digest must be want or, when want is "", the digest of
// the manifest in the answer's algorithm.
func (c *Client) putManifest(ctx context.Context, cl *call, name, ref, contentType, mediaType string, body []byte, list bool, tagParams []string, want digest.Digest) (*ManifestResult, bool, error) {
	path := "/v2/" + name + "/manifests/" + ref
	if len(tagParams) > 0 {
		q := url.Values{"tag": tagParams}
		path += "?" + q.Encode()
	}
	req, err := c.pushRequest(ctx, cl, http.MethodPut, path, bytes.NewReader(body), int64(len(body)), contentType)
	if err != nil {
		return nil, false, err
	}
	step := failures.PutManifest
	if list {
		step = failures.PutManifestList
	}
	resp, stop, err := c.exchange(ctx, cl, step, req)
	if err != nil || stop {
		return nil, stop, err
	}
	drain(resp.Body)
	res := &ManifestResult{Reference: ref, Subject: resp.Header.Get("OCI-Subject"), Tags: resp.Header.Values("OCI-Tag")}
	// "The Docker-Content-Digest header returns the canonical digest of
	// the uploaded blob, and MUST be equal to the client provided digest."
	// (Pushing Manifests) against "These headers are OPTIONAL and clients
	// SHOULD NOT depend on them." (Legacy Docker support HTTP headers): a
	// header that is there must name the manifest (in the algorithm of
	// want, or of a digest reference, or in its own); an absent one is not
	// an error.
	got := digest.Digest(resp.Header.Get("Docker-Content-Digest"))
	if got == "" {
		if want == "" {
			want = manifestDigest(mediaType, body, refAlgorithm(ref))
		}
		res.Digest, res.DigestComputed = want, true
	} else {
		if want == "" || got != want && otherAlgorithm(got, want) {
			alg := digest.Canonical
			if got.Validate() == nil && got.Algorithm().Available() {
				alg = got.Algorithm()
			}
			want = manifestDigest(mediaType, body, alg)
		}
		if got != want {
			return nil, false, c.respError(cl, step, resp.Request, resp, "Docker-Content-Digest", strconv.Quote(clipText(string(got))), strconv.Quote(string(want)))
		}
		res.Digest = got
	}
	// "Upon a successful upload, the registry MUST return response code
	// 201 Created, and MUST have the following header: Location:
	// <location>": an answer without one is gone past (the client knows
	// the manifest's digest) and recorded; a wrong one is an error.
	loc, err := c.completedLocation(cl, step, resp, "the manifest's URL", &res.Tolerated)
	if err != nil {
		return nil, false, err
	}
	res.Location = loc
	return res, false, nil
}
