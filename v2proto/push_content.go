package v2proto

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// A Content is one manifest or index of the graph PushContent pushes: its
// bytes as they are put, the blobs it needs, the manifests it refers to,
// and the tags it is put at. Build one with ContentOf (from BuildManifest,
// or from package schema2 or schema1 output turned into a BuiltManifest),
// with ParseContent (from raw bytes), or by hand.
type Content struct {
	// MediaType is the manifest's media type, sent as the PUT's
	// Content-Type. It chooses the step: put-manifest-list for a list or
	// index type, put-manifest otherwise.
	MediaType string
	// Bytes is the manifest, byte for byte.
	Bytes []byte
	// Digest is the manifest's digest. "" stands for the canonical
	// (sha256) digest of Bytes, or of the payload of a signed schema1
	// manifest. A Digest of another algorithm (sha512) is put as is; one
	// that is not the digest of Bytes makes the registry refuse the PUT by
	// digest, which is how a test asks for that refusal.
	Digest digest.Digest
	// Blobs are the blobs the manifest references (config, layers; none
	// for an index). Every blob of the push is uploaded, once, before any
	// manifest is put. A blob the manifest references but Blobs leaves out
	// (a foreign layer, one a test wants missing) is not uploaded.
	Blobs []Blob
	// Children are the digests of the manifests an index lists. Each must
	// be the Digest of another Content of the same push, which is put
	// before this one.
	Children []digest.Digest
	// Subject is the digest of the manifest's subject, "" for none. When it
	// is the Digest of another Content of the push, that one is put before
	// this one; otherwise the subject is taken to be in the repository
	// already, or absent on purpose (a registry may accept a manifest whose
	// subject it does not have).
	Subject digest.Digest
	// Tags are the tags the manifest is put at, in order. A Content
	// without tags is put once, by digest. Each tag is put as it is: the
	// manifest's digest among them puts it by digest as well (the OCI
	// workflow puts every manifest by digest, then the tagged ones by
	// tag), and a tag "" is PUT /v2/<name>/manifests/, for a test of that
	// refusal.
	Tags []string
}

// ContentOf returns the Content of b put at tags: its media type, bytes,
// digest and blobs, the digests of its Children, and the digest of the
// "subject" its bytes name, if any. b's Tag is not used: tags are.
func ContentOf(b *BuiltManifest, tags ...string) Content {
	c := Content{MediaType: b.MediaType, Bytes: b.Bytes, Digest: b.Digest, Blobs: b.Blobs, Tags: tags}
	for _, ch := range b.Children {
		c.Children = append(c.Children, ch.Digest)
	}
	if r, err := contentRefs(b.Bytes); err == nil {
		c.Subject = r.subject
	}
	return c
}

type refs struct {
	children []digest.Digest
	subject  digest.Digest
}

// contentRefs reads the digests of "manifests" and "subject" of a JSON
// manifest.
func contentRefs(body []byte) (refs, error) {
	var doc *struct {
		Manifests []struct {
			Digest digest.Digest `json:"digest"`
		} `json:"manifests"`
		Subject *struct {
			Digest digest.Digest `json:"digest"`
		} `json:"subject"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return refs{}, err
	}
	if doc == nil {
		return refs{}, errors.New("the body is null, want a JSON object")
	}
	var r refs
	for _, m := range doc.Manifests {
		r.children = append(r.children, m.Digest)
	}
	if doc.Subject != nil {
		r.subject = doc.Subject.Digest
	}
	return r, nil
}

// ParseContent returns the Content of body, a manifest of mediaType put at
// tags, that needs blobs: its Digest is computed (as for Content.Digest
// ""), and its Children and Subject are read from the body's JSON (the
// digests of "manifests" and of "subject", whatever the media type). The
// body is not otherwise checked, so that a test can push what a registry
// should refuse; a body that is not a JSON object is an error.
func ParseContent(mediaType string, body []byte, blobs []Blob, tags ...string) (Content, error) {
	r, err := contentRefs(body)
	if err != nil {
		return Content{}, fmt.Errorf("v2proto.ParseContent: %v", err)
	}
	return Content{MediaType: mediaType, Bytes: body, Digest: manifestDigest(mediaType, body, digest.Canonical),
		Blobs: blobs, Children: r.children, Subject: r.subject, Tags: tags}, nil
}

// pushNode is one manifest a push puts: its built form, what must be put
// before it, and where it is put.
type pushNode struct {
	b *BuiltManifest
	// tags are the tags it is put at; none: once, by digest (a child).
	tags []string
	// top marks the manifests put at tags (or, with WithPushByDigest, at
	// their digest once per tag): their results go to
	// PushResult.Manifests, and Headers.ManifestContentType applies to them.
	top bool
}

// PushContent pushes content, a graph of manifests and indexes (images of
// any schema, OCI artifacts with subjects, nested indexes), to repository
// name, as a real client pushes a set it built, and checks every answer:
//
//  1. the content is checked before any exchange: every Content has a
//     media type and bytes, no two Contents have one digest with other
//     bytes (those with the same bytes are one, their tags joined), every
//     Children digest is the Digest of a Content of the push, and nothing
//     refers to itself through Children and Subject;
//  2. ping and auth (repository:<name>:push,pull, and pull on the
//     Upload.Mounts sources, unless WithScopes);
//  3. the distinct blobs of every Content are uploaded as PushBlobs
//     does: each HEADed first and skipped when present
//     (PushResult.Skipped), unless WithBlobChecks says otherwise;
//  4. the manifests are put children first, depth first: every Content
//     after its Children (in their order) and then its Subject (when the
//     push has it), otherwise in the order given. A Content without Tags is put once by digest; one with
//     Tags at each tag (at its digest, once per tag, with
//     WithPushByDigest), with its media type as Content-Type (or
//     Headers.ManifestContentType, for the tagged ones). Each PUT must
//     answer 201 (put-manifest, or put-manifest-list for a list or index
//     media type); a Docker-Content-Digest, when present, must be the
//     Content's digest; a missing Location is recorded in
//     ManifestResult.Tolerated.
//
// In the result, Children are the PUTs by digest of the Contents without
// tags, Manifests the PUTs of the tagged ones (one per tag), both in the
// order they were made; a PushedManifest's BuiltManifest holds the
// Content (Tag the tag, Children its children's descriptors). When the
// call's expected failure is met, PushContent returns nil, nil; when the
// uploads stop before finishing (Upload.Cancel, Upload.Chunks leaving
// bytes unsent), it returns the result without putting a manifest
// (Complete false). Blob errors are *BlobError.
func (c *Client) PushContent(ctx context.Context, name string, content []Content, opts ...CallOption) (res *PushResult, err error) {
	cl := c.newCall("PushContent", opts)
	defer func() {
		if err = cl.end(c, err); err != nil {
			res = nil
		}
	}()
	nodes, err := contentNodes(content)
	if err != nil {
		return nil, fmt.Errorf("v2proto.PushContent(%q): %v", name, err)
	}
	if stop, err := c.begin(ctx, cl, pushScopes(cl, name)); err != nil || stop {
		return nil, err
	}
	var blobs []Blob
	for _, n := range nodes {
		for _, b := range n.b.Blobs {
			blobs = addBlob(blobs, b)
		}
	}
	return c.pushNodes(ctx, cl, name, blobs, nodes)
}

// contentNodes checks content and returns its nodes in the order they are
// put.
func contentNodes(content []Content) ([]*pushNode, error) {
	type entry struct {
		c     Content
		index int
	}
	byDigest := map[digest.Digest]*entry{}
	var order []*entry // first appearance
	for i, ct := range content {
		if ct.MediaType == "" || len(ct.Bytes) == 0 {
			return nil, fmt.Errorf("content[%d]: media type %q, %d bytes, want both", i, ct.MediaType, len(ct.Bytes))
		}
		if ct.Digest == "" {
			ct.Digest = manifestDigest(ct.MediaType, ct.Bytes, digest.Canonical)
		}
		if err := ct.Digest.Validate(); err != nil {
			return nil, fmt.Errorf("content[%d]: Digest %q: %v", i, ct.Digest, err)
		}
		for j, b := range ct.Blobs {
			if b == nil {
				return nil, fmt.Errorf("content[%d] (%s): Blobs[%d] is nil", i, ct.Digest, j)
			}
		}
		if e, ok := byDigest[ct.Digest]; ok {
			if string(e.c.Bytes) != string(ct.Bytes) || e.c.MediaType != ct.MediaType {
				return nil, fmt.Errorf("content[%d] and content[%d] have the digest %s and other bytes or media types, want one content per digest", e.index, i, ct.Digest)
			}
			e.c.Tags = append(append([]string(nil), e.c.Tags...), ct.Tags...)
			for _, b := range ct.Blobs {
				e.c.Blobs = addBlob(e.c.Blobs, b)
			}
			continue
		}
		e := &entry{c: ct, index: i}
		byDigest[ct.Digest] = e
		order = append(order, e)
	}
	for _, e := range order {
		for j, ch := range e.c.Children {
			if byDigest[ch] == nil {
				return nil, fmt.Errorf("content[%d] (%s): Children[%d] = %s, not the digest of a content of the push", e.index, e.c.Digest, j, ch)
			}
		}
	}
	// Depth first, children and subject before their parent.
	const (
		visiting = 1
		done     = 2
	)
	state := map[digest.Digest]int{}
	var nodes []*pushNode
	var visit func(e *entry, path []digest.Digest) error
	visit = func(e *entry, path []digest.Digest) error {
		d := e.c.Digest
		switch state[d] {
		case done:
			return nil
		case visiting:
			return fmt.Errorf("content[%d] (%s) refers to itself: %v", e.index, d, append(path, d))
		}
		state[d] = visiting
		deps := e.c.Children
		if s := e.c.Subject; s != "" && byDigest[s] != nil {
			deps = append(append([]digest.Digest(nil), deps...), s)
		}
		for _, dep := range deps {
			if err := visit(byDigest[dep], append(path, d)); err != nil {
				return err
			}
		}
		state[d] = done
		b := &BuiltManifest{MediaType: e.c.MediaType, Digest: d, Bytes: e.c.Bytes, Blobs: e.c.Blobs}
		for _, ch := range e.c.Children {
			cb := byDigest[ch].c
			b.Children = append(b.Children, v1.Descriptor{MediaType: cb.MediaType, Digest: cb.Digest, Size: int64(len(cb.Bytes))})
		}
		nodes = append(nodes, &pushNode{b: b, tags: e.c.Tags, top: len(e.c.Tags) > 0})
		return nil
	}
	for _, e := range order {
		if err := visit(e, nil); err != nil {
			return nil, err
		}
	}
	return nodes, nil
}

// pushNodes uploads blobs, then puts nodes in order: the core of Push,
// PushList and PushContent, after the call's begin.
func (c *Client) pushNodes(ctx context.Context, cl *call, name string, blobs []Blob, nodes []*pushNode) (*PushResult, error) {
	results, stop, err := c.uploadBlobs(ctx, cl, name, blobs)
	if err != nil || stop {
		return nil, err
	}
	res := &PushResult{Blobs: results}
	for _, r := range results {
		if r.Skipped {
			res.Skipped = append(res.Skipped, r.Digest)
		}
	}
	// Upload.Cancel puts no manifest, even when every blob was there
	// (skipped, so nothing was canceled).
	if cl.push.cancel || !allFinished(results) {
		return res, nil
	}
	for _, n := range nodes {
		if !n.top {
			pm, stop, err := c.putBuilt(ctx, cl, name, string(n.b.Digest), n.b, isIndex(n.b.MediaType), false)
			if err != nil || stop {
				return nil, err
			}
			res.Children = append(res.Children, pm)
			continue
		}
		tags := n.tags
		if len(tags) == 0 {
			// Push and PushList without tags (WithPushByDigest).
			tags = []string{""}
		}
		for _, t := range tags {
			// A tag "" is put as it is (PUT /v2/<name>/manifests/), as a
			// test of that refusal asks.
			ref := t
			if cl.push.byDigest {
				ref = string(n.b.Digest)
			}
			b := *n.b
			b.Tag = t
			pm, stop, err := c.putBuilt(ctx, cl, name, ref, &b, isIndex(b.MediaType), true)
			if err != nil || stop {
				return nil, err
			}
			res.Manifests = append(res.Manifests, pm)
		}
	}
	res.Complete = true
	return res, nil
}
