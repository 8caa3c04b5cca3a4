package conformance

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/schema2"
	"github.com/registrytest/registrytest/v2proto"
)

// A setManifest is one manifest of a set, built: what W pushes.
type setManifest struct {
	m     *fixtures.Manifest
	tag   string
	built *v2proto.BuiltManifest
	// subject is the digest of the manifest's subject, "" for none.
	subject digest.Digest
}

// A setBuilder builds the manifests of a fixtures.Set (OCI family), every
// manifest after those it references, with package schema2, as a user
// builds their own content: v2proto.BuildManifest builds one image
// manifest from fixtures.Images, without the subjects, annotations,
// artifacts, extra members, data fields and digest algorithms a set has.
// W pushes what it builds with one v2proto.PushContent (contents).
type setBuilder struct {
	name  string
	alg   digest.Algorithm
	built map[*fixtures.Manifest]*setManifest
	order []*setManifest
	// extra, when set, adds top-level members to every manifest and index
	// (oci-custom-fields).
	extra []schema2.Field
	// data makes the config and layer descriptors of image manifests carry
	// their content (oci-data-field).
	data bool
}

func buildSet(name string, set fixtures.Set, alg digest.Algorithm, extra ...schema2.Field) (*setBuilder, error) {
	return buildSetWith(&setBuilder{name: name, alg: alg, extra: extra}, set)
}

func buildSetWith(sb *setBuilder, set fixtures.Set) (*setBuilder, error) {
	sb.built = map[*fixtures.Manifest]*setManifest{}
	for _, m := range set.Manifests {
		if _, err := sb.build(m); err != nil {
			return nil, fmt.Errorf("building set %s: %v", set.Name, err)
		}
	}
	return sb, nil
}

func (sb *setBuilder) build(m *fixtures.Manifest) (*setManifest, error) {
	if sm, ok := sb.built[m]; ok {
		return sm, nil
	}
	var subject *v1.Descriptor
	switch {
	case m.Subject == nil:
	case m.Subject.Descriptor != nil:
		d := *m.Subject.Descriptor
		subject = &d
	case m.Subject.Of != nil:
		s, err := sb.build(m.Subject.Of)
		if err != nil {
			return nil, err
		}
		d := s.built.Descriptor()
		subject = &d
	}
	out := &v2proto.BuiltManifest{Tag: m.Tag}
	opts := schema2.Options{Algorithm: sb.alg}
	var built *schema2.Built
	var err error
	switch {
	case m.Index != nil:
		ix := schema2.OCI.NewIndex()
		ix.Manifests = []v1.Descriptor{}
		for _, ch := range m.Index.Manifests {
			c, err := sb.build(ch)
			if err != nil {
				return nil, err
			}
			d := c.built.Descriptor()
			if ch.Platform != nil {
				p := *ch.Platform
				d.Platform = &p
			}
			ix.Manifests = append(ix.Manifests, d)
			for _, b := range c.built.Blobs {
				out.Blobs = appendBlob(out.Blobs, b)
			}
		}
		ix.ArtifactType = m.Index.ArtifactType
		ix.Annotations = m.Annotations
		ix.Subject = subject
		ix.Extra = sb.extra
		built, err = ix.Build(opts)
		if err == nil {
			out.Children = built.Children()
		}
	default:
		var man schema2.Manifest
		if m.Artifact != nil {
			var layers []v1.Descriptor
			for _, b := range m.Artifact.Blobs {
				layers = append(layers, b.Descriptor())
				out.Blobs = appendBlob(out.Blobs, b)
				out.Layers = append(out.Layers, b.Digest())
			}
			man = schema2.OCI.NewManifest(m.Artifact.Config.Descriptor(), layers...)
			man.Layers = append([]v1.Descriptor{}, layers...)
			man.ArtifactType = m.Artifact.ArtifactType
			out.Blobs = appendBlob(out.Blobs, m.Artifact.Config)
		} else {
			// The image manifest v2proto builds, with what it leaves out
			// (subject, annotations, another algorithm) added.
			bm, err := v2proto.BuildManifest(sb.name, m.Tag, m.Images, v2proto.WithSchema(v2proto.OCI))
			if err != nil {
				return nil, err
			}
			p, err := schema2.ParseManifest(bm.Bytes)
			if err != nil {
				return nil, err
			}
			man = *p
			out.Blobs = bm.Blobs
			out.Layers = bm.Layers
		}
		if sb.data {
			if err := withData(&man.Config, out.Blobs); err != nil {
				return nil, err
			}
			for i := range man.Layers {
				if err := withData(&man.Layers[i], out.Blobs); err != nil {
					return nil, err
				}
			}
		}
		man.Annotations = m.Annotations
		man.Subject = subject
		man.Extra = append(man.Extra, sb.extra...)
		built, err = man.Build(opts)
	}
	if err != nil {
		return nil, err
	}
	out.MediaType, out.Digest, out.Bytes = built.MediaType(), built.Digest(), slices.Clone(built.Bytes())
	sm := &setManifest{m: m, tag: m.Tag, built: out}
	if subject != nil {
		sm.subject = subject.Digest
	}
	sb.built[m] = sm
	sb.order = append(sb.order, sm)
	return sm, nil
}

// withData sets d.Data to the content of d's blob among blobs.
func withData(d *v1.Descriptor, blobs []v2proto.Blob) error {
	for _, b := range blobs {
		if b.Digest() != d.Digest {
			continue
		}
		r, err := b.Open()
		if err != nil {
			return err
		}
		defer r.Close()
		data, err := io.ReadAll(io.LimitReader(r, 1<<20))
		if err != nil {
			return err
		}
		d.Data = data
		return nil
	}
	return fmt.Errorf("no blob %s for the data of its descriptor", d.Digest)
}

func appendBlob(blobs []v2proto.Blob, b v2proto.Blob) []v2proto.Blob {
	for _, x := range blobs {
		if x.Digest() == b.Digest() {
			return blobs
		}
	}
	return append(blobs, b)
}

// blobs returns the distinct blobs of the set.
func (sb *setBuilder) blobs() []v2proto.Blob {
	var out []v2proto.Blob
	for _, sm := range sb.order {
		for _, b := range sm.built.Blobs {
			out = appendBlob(out, b)
		}
	}
	return out
}

// workflowOptions adjust W.
type workflowOptions struct {
	alg digest.Algorithm
	// skipBlobs are blobs never uploaded (foreign, sparse).
	skipBlobs []digest.Digest
	// extra adds top-level members to every manifest and index.
	extra []schema2.Field
	// data makes descriptors carry their content.
	data bool
	// tagParams puts each tagged manifest by digest with ?tag=<tag>
	// instead of by digest and by tag (neg-tag-param).
	tagParams bool
	// afterPush runs after step 6, before the deletes (referrers checks),
	// with the answers of the PUTs by digest of each manifest.
	afterPush func(repo string, sb *setBuilder, puts digestPuts) error
	// ownsLocation makes a manifest PUT's 201 without Location an error of
	// this scenario; otherwise the read back is left out (the scenario
	// that owns that requirement reports it).
	ownsLocation bool
}

// digestPuts are the answers of the PUTs by digest of a push, per digest,
// in the order they were made.
type digestPuts map[digest.Digest][]v2proto.ManifestResult

// contents returns the set as the Contents of one PushContent, each
// manifest with its blobs but skip: an untagged one put by digest only, a
// tagged one by digest then by tag. With tagParams the tagged manifests
// are left out (returned as tagged), as PushContent does not put with
// ?tag=.
func (sb *setBuilder) contents(skip []digest.Digest, tagParams bool) (content []v2proto.Content, tagged []*setManifest) {
	for _, sm := range sb.order {
		if tagParams && sm.tag != "" {
			tagged = append(tagged, sm)
			continue
		}
		c := v2proto.ContentOf(sm.built)
		c.Blobs = nil
		for _, b := range sm.built.Blobs {
			if !slices.Contains(skip, b.Digest()) {
				c.Blobs = append(c.Blobs, b)
			}
		}
		if sm.tag != "" {
			c.Tags = []string{string(sm.built.Digest), sm.tag}
		}
		content = append(content, c)
	}
	return content, tagged
}

// workflow runs the OCI workflow W (SCENARIOS.md 1.2) over set in a fresh
// repository of the owner.
func (e *Env) workflow(set fixtures.Set) error { return e.workflowWith(set, workflowOptions{}) }

func (e *Env) workflowWith(set fixtures.Set, wo workflowOptions) error {
	repo := e.Repo(Owner)
	as, err := e.as(Owner)
	if err != nil {
		return err
	}
	c := e.client
	var should firstShould // the first SHOULD broken, reported if no MUST is
	sb, err := buildSetWith(&setBuilder{name: repo, alg: wo.alg, extra: wo.extra, data: wo.data}, set)
	if err != nil {
		return err
	}
	var blobs []v2proto.Blob // uploaded, checked in step 6
	for _, b := range sb.blobs() {
		if !slices.Contains(wo.skipBlobs, b.Digest()) {
			blobs = append(blobs, b)
		}
	}
	// 1-3. One push: the blobs (each HEADed first, skipped when present),
	// then every manifest children and subjects first, by digest and, when
	// tagged, by tag.
	content, tagged := sb.contents(wo.skipBlobs, wo.tagParams)
	puts := digestPuts{}
	if len(content) > 0 {
		pr, err := c.PushContent(e.Ctx, repo, content, append(slices.Clip(as), v2proto.WithUpload(v2proto.Upload{Style: v2proto.UploadPostPut}))...)
		if err != nil {
			return fmt.Errorf("%s/push: %w", set.Name, err)
		}
		if !pr.Complete {
			return fmt.Errorf("%s/push: PushContent(%q): the push stopped before its manifests, want it complete", set.Name, repo)
		}
		// The PUTs by digest: their Docker-Content-Digest, and their
		// Location, which reads back.
		for _, pm := range append(slices.Clip(pr.Children), pr.Manifests...) {
			if pm.Put.Reference != string(pm.Digest) {
				continue // by tag
			}
			puts[pm.Digest] = append(puts[pm.Digest], pm.Put)
			mr := pm.Put
			// The header is optional; when present it is the digest pushed.
			if !mr.DigestComputed {
				put := fmt.Sprintf("%s/push/manifest-by-digest: PUT /v2/%s/manifests/%s", set.Name, repo, pm.Digest)
				if err := e.checkDigestHeader(put, mr.Digest, pm.Digest); err != nil {
					return err
				}
			}
			if mr.Location == "" && !wo.ownsLocation {
				continue // reported by the scenario that owns it (oci-image)
			}
			if err := should.check(e.readBack(repo, mr.Location, &pm.BuiltManifest)); err != nil {
				return fmt.Errorf("%s/push/manifest-by-digest: %w", set.Name, err)
			}
		}
	}
	// 3'. With tagParams, the tagged manifests by digest with ?tag=.
	var tags []string
	for _, sm := range tagged {
		b := sm.built
		var own []v2proto.Blob
		for _, bl := range b.Blobs {
			if !slices.Contains(wo.skipBlobs, bl.Digest()) {
				own = append(own, bl)
			}
		}
		if len(own) > 0 {
			if _, err := c.PushBlobs(e.Ctx, repo, own, append(slices.Clip(as), v2proto.WithUpload(v2proto.Upload{Style: v2proto.UploadPostPut}))...); err != nil {
				return fmt.Errorf("%s/push/blob: %w", set.Name, err)
			}
		}
		mr, err := c.PushManifest(e.Ctx, repo, string(b.Digest), b.MediaType, b.Bytes, append(slices.Clip(as), v2proto.WithTagParams(sm.tag))...)
		if err != nil {
			return fmt.Errorf("%s/push/manifest-with-tag-param: %w", set.Name, err)
		}
		if !slices.Equal(mr.Tags, []string{sm.tag}) {
			return e.Skip("PUT /v2/%s/manifests/%s?tag=%s: OCI-Tag = %q, want [%q]: the registry does not apply tag parameters", repo, b.Digest, sm.tag, mr.Tags, sm.tag)
		}
		puts[b.Digest] = append(puts[b.Digest], *mr)
	}
	for _, sm := range sb.order {
		if sm.tag != "" {
			tags = append(tags, sm.tag)
		}
	}
	// 4. tags/list.
	if len(tags) > 0 {
		tr, err := c.Tags(e.Ctx, repo, as...)
		if err != nil {
			return fmt.Errorf("%s/tag-list: %w", set.Name, err)
		}
		for _, t := range tags {
			if !slices.Contains(tr.Tags, t) {
				return e.Errorf("%s/tag-list: GET /v2/%s/tags/list = %q, want %q among them", set.Name, repo, tr.Tags, t)
			}
		}
		// The OCI conformance program's second request here (?last=) is
		// tags-paging-last's requirement: one bug, one failure.
	}
	// 5, 6. HEAD and GET of every manifest by digest and tag, and of every
	// blob.
	for _, sm := range sb.order {
		refs := []string{string(sm.built.Digest)}
		if sm.tag != "" {
			refs = append(refs, sm.tag)
		}
		for _, ref := range refs {
			if err := should.check(e.checkManifest(repo, ref, sm.built)); err != nil {
				return fmt.Errorf("%s/pull: %w", set.Name, err)
			}
		}
	}
	for _, b := range blobs {
		hi, err := c.HeadBlob(e.Ctx, repo, b.Digest(), as...)
		if err != nil {
			return fmt.Errorf("%s/head/blob-head: %w", set.Name, err)
		}
		if hi.Size != b.Size() {
			should.check(e.Violates(reqHeadContentLength, e.Errorf("%s/head/blob-head: HEAD /v2/%s/blobs/%s: Content-Length = %d, want %d", set.Name, repo, b.Digest(), hi.Size, b.Size())))
		}
		if _, err := c.GetBlob(e.Ctx, repo, b.Digest(), nil, as...); err != nil {
			return fmt.Errorf("%s/pull/blob-get: %w", set.Name, err)
		}
	}
	// 7. Referrers.
	if wo.afterPush != nil {
		if err := wo.afterPush(repo, sb, puts); err != nil {
			return err
		}
	}
	// 8. Tag deletes.
	if e.Has(TagDelete) {
		for _, t := range tags {
			if err := c.Delete(e.Ctx, repo, []string{t}, append(slices.Clip(as), v2proto.WithDeleteByTag())...); err != nil {
				return fmt.Errorf("%s/delete/tag-delete: %w", set.Name, err)
			}
		}
	}
	// 9. Manifest deletes, parents first; one already gone may answer 404.
	if e.Has(Delete) {
		for i := len(sb.order) - 1; i >= 0; i-- {
			d := sb.order[i].built.Digest
			if err := c.Delete(e.Ctx, repo, []string{string(d)}, as...); err != nil && statusOf(err) != http.StatusNotFound {
				return fmt.Errorf("%s/delete/manifest-delete: %w", set.Name, err)
			}
		}
	}
	// 10. Blob deletes. The blobs every scenario shares by design (the
	// empty JSON "{}" of artifacts, the empty layer) are left: on a
	// registry with one blob store for all repositories (go-containerregistry),
	// deleting them here pulls them from under the scenarios running beside
	// this one, whose verdicts would then depend on timing.
	if e.Has(BlobDelete) {
		for _, b := range blobs {
			if d := b.Digest(); d == fixtures.EmptyJSON().Digest() || d == fixtures.EmptyLayerDigest {
				continue
			}
			if err := c.DeleteBlob(e.Ctx, repo, b.Digest(), as...); err != nil && statusOf(err) != http.StatusNotFound {
				return fmt.Errorf("%s/delete/blob-delete: %w", set.Name, err)
			}
		}
	}
	return should.err
}

// checkManifest HEADs and GETs repo's manifest ref, which must be b: 200,
// and b's bytes for the GET (MUST). The headers are SHOULDs: a
// Docker-Content-Digest (which, when present in b's algorithm, must be
// b's digest), a Content-Type that is b's media type and, for the HEAD, a
// Content-Length that is b's size; the first one missed is returned as a
// warning (a *Violation of a SHOULD) once the MUSTs hold.
func (e *Env) checkManifest(repo, ref string, b *v2proto.BuiltManifest) error {
	as, err := e.as(Owner)
	if err != nil {
		return err
	}
	var should firstShould
	h, err := e.client.HeadManifest(e.Ctx, repo, ref, as...)
	if err != nil {
		return e.Violates(reqHeadExisting200, err)
	}
	head := fmt.Sprintf("HEAD /v2/%s/manifests/%s", repo, ref)
	if err := e.checkDigestHeader(head, h.Digest, b.Digest); err != nil {
		return err
	}
	if h.Digest == "" {
		should.check(e.Violates(reqDigestHeaderShould, e.Errorf("%s: no Docker-Content-Digest, want %s", head, b.Digest)))
	}
	if h.Size != int64(len(b.Bytes)) {
		should.check(e.Violates(reqHeadContentLength, e.Errorf("%s: Content-Length = %d, want %d", head, h.Size, len(b.Bytes))))
	}
	if mediaType(h.ContentType) != b.MediaType {
		should.check(e.Violates(reqContentTypeMatchesPush, e.Errorf("%s: Content-Type = %q, want %q", head, h.ContentType, b.MediaType)))
	}
	g, err := e.client.GetManifest(e.Ctx, repo, ref, as...)
	if err != nil {
		return e.Violates(reqGetManifest200, err)
	}
	get := fmt.Sprintf("GET /v2/%s/manifests/%s", repo, ref)
	if !bytes.Equal(g.Bytes, b.Bytes) {
		return e.Violates(reqGetManifest200, e.Errorf("%s = %d bytes of digest %s, want the %d bytes pushed (%s)", get, len(g.Bytes), b.Digest.Algorithm().FromBytes(g.Bytes), len(b.Bytes), b.Digest))
	}
	if err := e.checkDigestHeader(get, g.Digest, b.Digest); err != nil {
		return err
	}
	if mediaType(g.ContentType) != b.MediaType {
		should.check(e.Violates(reqContentTypeMatchesPush, e.Errorf("%s: Content-Type = %q, want %q", get, g.ContentType, b.MediaType)))
	}
	return should.err
}

// checkDigestHeader checks got, the Docker-Content-Digest of what's answer
// for a manifest of digest want: absent, or in another algorithm (the
// header "MAY differ from the provided digest" and then its algorithm may
// differ), or want.
func (e *Env) checkDigestHeader(what string, got, want digest.Digest) error {
	if got == "" || got.Algorithm() != want.Algorithm() || got == want {
		return nil
	}
	return e.Violates(reqManifestPutDigestEqual, e.Errorf("%s: Docker-Content-Digest = %q, want %q", what, got, want))
}

// readBack GETs loc, the Location of a manifest PUT, which must answer b:
// its bytes, Content-Type and Content-Length.
func (e *Env) readBack(repo, loc string, b *v2proto.BuiltManifest) error {
	if loc == "" {
		return e.Violates(reqManifestPut201Location, e.Errorf("PUT /v2/%s/manifests/%s = 201 without Location, want the manifest's URL", repo, b.Digest))
	}
	as, err := e.as(Owner, v2proto.WithScopes("repository:"+repo+":pull"))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(e.Ctx, http.MethodGet, loc, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", b.MediaType)
	resp, err := e.client.Exchange(e.Ctx, failures.GetManifest, req, as...)
	if err != nil {
		return fmt.Errorf("reading the Location back: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, v2proto.MaxManifestBody+1))
	if err != nil {
		return fmt.Errorf("GET %s: %v", loc, err)
	}
	if !bytes.Equal(body, b.Bytes) {
		return e.Violates(reqGetManifest200, e.Errorf("GET %s (the Location) = %d bytes, want the %d bytes pushed", loc, len(body), len(b.Bytes)))
	}
	if cl := resp.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(b.Bytes)) {
		return e.Errorf("GET %s (the Location): Content-Length = %s, want %d", loc, cl, len(b.Bytes))
	}
	if ct := resp.Header.Get("Content-Type"); mediaType(ct) != b.MediaType {
		return e.Violates(reqContentTypeMatchesPush, e.Errorf("GET %s (the Location): Content-Type = %q, want %q", loc, ct, b.MediaType))
	}
	return nil
}

// mediaType returns a Content-Type without parameters.
func mediaType(ct string) string {
	for i := 0; i < len(ct); i++ {
		if ct[i] == ';' {
			ct = ct[:i]
			break
		}
	}
	return string(bytes.TrimSpace([]byte(ct)))
}
