package v2proto

import (
	"context"
	"fmt"
	"strconv"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/schema1"
	"github.com/registrytest/registrytest/schema2"
)

// A PullResult is what Pull fetched: one PulledManifest per ref, in the
// order of the refs.
type PullResult struct {
	Manifests []*PulledManifest
}

// Manifest returns the first PulledManifest of ref, or nil.
func (r *PullResult) Manifest(ref string) *PulledManifest {
	if r == nil {
		return nil
	}
	for _, m := range r.Manifests {
		if m.Ref == ref {
			return m
		}
	}
	return nil
}

// A PulledManifest is a manifest a pull fetched, checked and parsed.
type PulledManifest struct {
	// RawManifest is the answer as received, except its Digest: the
	// Docker-Content-Digest, checked against the body, or when the
	// registry sent none (DigestComputed) the digest the client computed:
	// of the body (of the payload for schema1), in the ref's algorithm for
	// a digest ref and in the canonical one (sha256) for a tag.
	RawManifest
	// DigestComputed reports that the answer had no Docker-Content-Digest
	// and Digest was computed. The spec says of the header "A successful
	// response SHOULD contain the digest of the uploaded blob in the
	// header Docker-Content-Digest." and of the Docker headers "These
	// headers are OPTIONAL and clients SHOULD NOT depend on them.": its
	// absence is not an error of the pull.
	DigestComputed bool
	// Kind is the manifest's kind, from its Content-Type and body.
	Kind schema2.Kind
	// Schema1 is the parsed manifest, its signatures verified, when Kind
	// is KindSchema1Signed or KindSchema1; nil otherwise. A registry
	// re-signs schema1 manifests, so compare digests, not bytes.
	Schema1 *schema1.Manifest
	// Document is the parsed manifest or index (a *schema2.Manifest or a
	// *schema2.Index) for the other kinds; nil for schema1.
	Document schema2.Document
	// V1ID is, for a schema1 manifest, the v1 id of its leaf layer (Quay's
	// PullResult.image_ids); "" otherwise.
	V1ID string
	// Blobs are the blobs fetched and verified, in manifest order, each
	// once: for schema2 and OCI the config first. A foreign layer is among
	// them only when the registry served it (rather than 404).
	Blobs []digest.Digest
}

// Pull pulls refs (tags or digests) of repository name as a client of the
// call's schema (WithSchema; Schema2 by default) does, and checks every
// answer. Steps: ping and auth (default scope repository:<name>:pull); then
// for each ref in order:
//
//  1. get-manifest: GET /v2/<name>/manifests/<ref> with the Accept of the
//     schema: Schema2, the Docker manifest and manifest list types; OCI,
//     the OCI manifest and index types; Schema1, no Accept header, as the
//     original client (WithAccept replaces these). The registry must answer
//     200 with a body of at most MaxManifestBody bytes, a Content-Type that
//     (when present; without one the body's kind is taken) names a
//     manifest type and agrees with the body (of the schema1 family
//     for a Schema1 pull; of the schema's family with
//     WithRequireMatchingType), and, when it has one, a
//     Docker-Content-Digest that is the body's digest, or for schema1 its
//     canonical payload's (the registry re-signs schema1 manifests), and
//     for a ref that is a digest, ref (without one the digest is computed:
//     PulledManifest.DigestComputed). The
//     body must parse: schema1 with its signatures verified, schema2 and
//     OCI with the rules of package schema2.
//  2. get-blob: GET of every blob the manifest references (for schema2
//     and OCI the config and the layers; foreign layers are left out), at
//     most DefaultConcurrency (Limits.Concurrency) at once. Each
//     answer must be 200 with the blob's bytes, verified while they stream
//     (never held in memory): their digest and, where the manifest gives
//     it, their length. A mismatch names the blob, the step, and the
//     digests got and wanted.
//
// When images is not nil (even empty), the manifest must match it (Quay's
// images, base first): a schema2 or OCI manifest lists the layers of the
// images that are not Empty, in order (empty layers are not referenced), a
// schema1 manifest lists every image's layer; and for an image with a
// foreign layer (Image.URLs) the registry must answer 404 at get-blob, or
// serve its bytes (which are checked; see PulledManifest.Blobs). An
// index cannot match images. A schema1 manifest converted by the registry
// from another format carries the registry's v1 ids, which are not
// compared.
//
// A legacy pull of a manifest list (Quay's test_pull_manifest_list_schema2_only)
// is a Pull with WithAccept(schema2.MediaTypeManifest) (or a Schema1 pull)
// of the list's tag and the images of its linux/amd64 child: the registry
// must answer with that child.
//
// WithPullWithoutToken and Headers.RemoteAddr apply. With an expected
// failure, the call stops where it is met, returning nil, nil.
func (c *Client) Pull(ctx context.Context, name string, refs []string, images []fixtures.Image, opts ...CallOption) (res *PullResult, err error) {
	cl := c.newCall("Pull", opts)
	defer func() {
		if err = cl.end(c, err); err != nil {
			res = nil
		}
	}()
	if len(refs) == 0 {
		return nil, fmt.Errorf("v2proto: Pull(%q): no refs", name)
	}
	if stop, err := c.beginPull(ctx, cl, name); err != nil || stop {
		return nil, err
	}
	schema := cl.schemaOrDefault()
	types, send := cl.acceptOr(manifestAccept(schema))
	res = &PullResult{}
	for _, ref := range refs {
		pm, stop, err := c.pullOne(ctx, cl, name, ref, types, send, images)
		if err != nil || stop {
			return nil, err
		}
		res.Manifests = append(res.Manifests, pm)
	}
	return res, nil
}

// beginPull runs ping and auth for Pull; with WithPullWithoutToken it goes
// on after an expected failure met there, as that option documents.
func (c *Client) beginPull(ctx context.Context, cl *call, name string) (bool, error) {
	stop, err := c.begin(ctx, cl, []string{"repository:" + name + ":pull"})
	if err != nil || !stop || !cl.pull.withoutToken {
		return stop, err
	}
	cl.authz, cl.token = "", ""
	for _, s := range []failures.Step{failures.GetManifest, failures.GetBlob} {
		if _, ok := c.table.Lookup(s, cl.failure); ok {
			cl.satisfied = false
		}
	}
	return false, nil
}

// pullOne runs the steps of Pull for one ref.
func (c *Client) pullOne(ctx context.Context, cl *call, name, ref string, types []string, send bool, images []fixtures.Image) (*PulledManifest, bool, error) {
	a, stop, err := c.getManifest(ctx, cl, failures.GetManifest, name, ref, types, send)
	if err != nil || stop {
		return nil, stop, err
	}
	pm, err := parsePulled(a, cl.schemaOrDefault(), cl.pull.requireType)
	if err != nil {
		return nil, false, err
	}
	if err := cl.checkConfigSize(pm, a.rerr); err != nil {
		return nil, false, err
	}
	fetches, err := blobPlan(pm, images, a.rerr)
	if err != nil {
		return nil, false, err
	}
	infos, stop, err := c.fetchBlobs(ctx, cl, name, fetches)
	if err != nil || stop {
		return nil, stop, err
	}
	for _, info := range infos {
		if info != nil {
			pm.Blobs = append(pm.Blobs, info.Digest)
		}
	}
	return pm, false, nil
}

// parsePulled checks the Content-Type and Docker-Content-Digest of a pulled
// manifest and parses it. schema is the pull's; requireType makes its
// family required.
func parsePulled(a *manifestAnswer, schema Schema, requireType bool) (*PulledManifest, error) {
	m, rerr := a.raw, a.rerr
	// "A successful response SHOULD contain the digest of the uploaded
	// blob in the header Docker-Content-Digest." (Pulling manifests), and
	// "These headers are OPTIONAL and clients SHOULD NOT depend on them."
	// (Legacy Docker support HTTP headers): without the header the digest
	// is computed below; with it, getManifest checked it against the body
	// and the ref.
	computed := m.Digest == ""
	ct := strconv.Quote(clipText(m.ContentType))
	ctKind := schema2.KindOf(m.ContentType)
	// "In a successful response, the Content-Type header will indicate
	// the type of the returned manifest." (Pulling manifests): a
	// Content-Type that is there must name a manifest type, of the body's
	// kind ("If the manifest has a mediaType field, clients SHOULD reject
	// unless the mediaType field's value matches the type specified by the
	// Content-Type header."); without one, the body tells the kind.
	if ctKind == schema2.KindUnknown && m.ContentType != "" {
		return nil, rerr("Content-Type", ct, "a manifest media type")
	}
	kind, err := schema2.Detect(m.ContentType, m.Bytes)
	if err != nil {
		return nil, rerr("body", strconv.Quote(clipText(err.Error())), "a manifest of its Content-Type")
	}
	if ctKind == schema2.KindUnknown {
		ctKind = kind
	}
	if want, ok := wantedKinds(schema, requireType); ok && ctKind != want[0] && ctKind != want[1] {
		return nil, rerr("Content-Type", ct, fmt.Sprintf("%q or %q (%s pull)", want[0].MediaType(), want[1].MediaType(), schema))
	}
	pm := &PulledManifest{RawManifest: *m, Kind: kind, DigestComputed: computed}
	alg := refAlgorithm(m.Ref)
	if computed {
		pm.Digest = alg.FromBytes(m.Bytes)
	}
	switch kind {
	case schema2.KindSchema1Signed, schema2.KindSchema1:
		s1 := a.s1
		if s1 == nil {
			if s1, err = schema1.Parse(m.Bytes); err != nil {
				return nil, rerr("body", strconv.Quote(clipText(err.Error())), "a schema1 manifest whose signatures verify")
			}
		}
		if computed {
			pm.Digest = alg.FromBytes(s1.Payload)
		} else if d := m.Digest.Algorithm().FromBytes(s1.Payload); d != m.Digest {
			return nil, rerr("Docker-Content-Digest", string(m.Digest), string(d)+" (the schema1 payload's)")
		}
		pm.Schema1 = s1
		if n := len(s1.Layers); n > 0 {
			pm.V1ID, _, _ = s1.Layers[n-1].IDs()
		}
	default:
		doc, err := schema2.Parse(m.ContentType, m.Bytes)
		if err != nil {
			return nil, rerr("body", strconv.Quote(clipText(err.Error())), "a valid "+kind.String())
		}
		pm.Document = doc
	}
	return pm, nil
}

// wantedKinds returns the Content-Type kinds a pull of schema accepts:
// schema1 always, the others with requireType.
func wantedKinds(schema Schema, requireType bool) ([2]schema2.Kind, bool) {
	switch {
	case schema == Schema1:
		return [2]schema2.Kind{schema2.KindSchema1Signed, schema2.KindSchema1}, true
	case !requireType:
		return [2]schema2.Kind{}, false
	case schema == OCI:
		return [2]schema2.Kind{schema2.KindOCIManifest, schema2.KindOCIIndex}, true
	default:
		return [2]schema2.Kind{schema2.KindDockerManifest, schema2.KindDockerList}, true
	}
}

// blobPlan returns the blob GETs of a pulled manifest, each digest once,
// after checking the manifest against images when they are not nil.
func blobPlan(pm *PulledManifest, images []fixtures.Image, rerr func(what, got, want string) error) ([]blobFetch, error) {
	compare := images != nil
	var fetches []blobFetch
	switch {
	case pm.Schema1 != nil:
		layers := pm.Schema1.Layers
		n := len(layers)
		if compare && n != len(images) {
			return nil, rerr("fsLayers", fmt.Sprintf("%d layers", n), fmt.Sprintf("%d (one per image)", len(images)))
		}
		for i, l := range layers {
			f := blobFetch{digest: l.BlobSum, size: -1}
			if compare {
				im := images[i]
				if want := im.Layer.Digest(); l.BlobSum != want {
					return nil, rerr(fmt.Sprintf("fsLayers[%d].blobSum", n-1-i), string(l.BlobSum), fmt.Sprintf("%s (image %q)", want, im.ID))
				}
				f.size, f.notFound = im.Layer.Size(), im.URLs() != nil
			}
			fetches = append(fetches, f)
		}
	default:
		m, ok := pm.Document.(*schema2.Manifest)
		if !ok {
			if compare {
				return nil, rerr("Content-Type", strconv.Quote(clipText(pm.ContentType)), "an image manifest (images were given)")
			}
			return nil, nil
		}
		var nonEmpty []fixtures.Image
		for _, im := range images {
			if !im.Empty {
				nonEmpty = append(nonEmpty, im)
			}
		}
		if compare && len(m.Layers) != len(nonEmpty) {
			return nil, rerr("layers", fmt.Sprintf("%d layers", len(m.Layers)), fmt.Sprintf("%d (one per image that is not empty)", len(nonEmpty)))
		}
		fetches = append(fetches, blobFetch{digest: m.Config.Digest, size: m.Config.Size})
		for i, b := range m.Blobs()[1:] {
			f := blobFetch{digest: b.Descriptor.Digest, size: b.Descriptor.Size}
			if compare {
				im := nonEmpty[i]
				if want := im.Layer.Digest(); f.digest != want {
					return nil, rerr(fmt.Sprintf("layers[%d].digest", i), string(f.digest), fmt.Sprintf("%s (image %q)", want, im.ID))
				}
				f.notFound = im.URLs() != nil
			} else if !b.Upload() {
				continue
			}
			fetches = append(fetches, f)
		}
	}
	// Each digest once, where it first appears.
	seen := map[digest.Digest]bool{}
	out := fetches[:0]
	for _, f := range fetches {
		if !seen[f.digest] {
			seen[f.digest] = true
			out = append(out, f)
		}
	}
	return out, nil
}
