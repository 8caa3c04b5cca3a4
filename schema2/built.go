package schema2

import (
	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/internal/jsonx"
)

// Options control how a document is serialized and checked. The zero
// Options writes compact UTF-8 JSON, checks every rule and digests with
// sha256.
type Options struct {
	// Indent is the indent of one level, spaces or tabs only; empty means
	// compact output. Quay and distribution indent with three spaces.
	Indent string
	// EnsureASCII escapes every non-ASCII character as \uXXXX (a surrogate
	// pair above U+FFFF), as Python's json.dumps(ensure_ascii=True) does.
	EnsureASCII bool
	// Algorithm digests the document; empty means sha256
	// (digest.Canonical). sha256, sha384 and sha512 are available.
	Algorithm digest.Algorithm
	// Unvalidated builds the document even when it breaks rules its parser
	// enforces, for tests that push invalid documents. A document that
	// cannot be written at all (an Extra value that is not JSON) is still
	// an error.
	Unvalidated bool
}

func (o Options) check(fn string) error {
	if !isSpace(o.Indent) {
		return &Error{fn, "Options.Indent", quote(o.Indent), "spaces and tabs only"}
	}
	if o.Algorithm != "" && !o.Algorithm.Available() {
		return &Error{fn, "Options.Algorithm", quote(string(o.Algorithm)), "an available algorithm (sha256, sha384, sha512)"}
	}
	return nil
}

func (o Options) algorithm() digest.Algorithm {
	if o.Algorithm == "" {
		return digest.Canonical
	}
	return o.Algorithm
}

// encode serializes v as o says.
func (o Options) encode(fn string, v any) ([]byte, error) {
	b, err := jsonx.Marshal(v, jsonx.Options{Indent: o.Indent, EnsureASCII: o.EnsureASCII})
	if err != nil {
		return nil, &Error{fn, "body", "unencodable (" + clip(err.Error()) + ")", "a document encoding/json can write"}
	}
	return b, nil
}

// Built is a serialized document: its exact bytes and what a pusher needs
// to push it. Its methods return values the caller may not modify (Bytes)
// or copies (Blobs, Children).
type Built struct {
	bytes     []byte
	mediaType string
	digest    digest.Digest
	blobs     []Blob
	children  []v1.Descriptor
}

func newBuilt(b []byte, mediaType string, o Options, blobs []Blob, children []v1.Descriptor) *Built {
	return &Built{bytes: b, mediaType: mediaType, digest: o.algorithm().FromBytes(b), blobs: blobs, children: children}
}

// Bytes returns the exact bytes of the document, the body to PUT. The
// caller must not modify them.
func (b *Built) Bytes() []byte { return b.bytes }

// MediaType returns the document's media type, the Content-Type to PUT it
// with: the mediaType member of a manifest or index (an OCI document built
// without one gets the family's type), or the config media type.
func (b *Built) MediaType() string { return b.mediaType }

// Digest returns the digest of Bytes, with Options.Algorithm.
func (b *Built) Digest() digest.Digest { return b.digest }

// Size returns len(Bytes()).
func (b *Built) Size() int64 { return int64(len(b.bytes)) }

// Descriptor returns the descriptor that references the document: media
// type, digest and size.
func (b *Built) Descriptor() v1.Descriptor {
	return v1.Descriptor{MediaType: b.mediaType, Digest: b.digest, Size: int64(len(b.bytes))}
}

// Child returns Descriptor with platform p (copied; nil for none): an entry
// of an index's Manifests. A Docker manifest list needs a platform on every
// entry.
func (b *Built) Child(p *v1.Platform) v1.Descriptor {
	d := b.Descriptor()
	if p != nil {
		d.Platform = cloneDescriptor(v1.Descriptor{Platform: p}).Platform
	}
	return d
}

// Blobs returns the blobs of an image manifest in document order: the
// config, then the layers (a digest listed twice appears twice; upload it
// once). It returns nil for an index or a config. Blob.Upload says which a
// pusher must upload.
func (b *Built) Blobs() []Blob {
	if b.blobs == nil {
		return nil
	}
	out := make([]Blob, len(b.blobs))
	for i, bl := range b.blobs {
		bl.Descriptor = cloneDescriptor(bl.Descriptor)
		out[i] = bl
	}
	return out
}

// Children returns the entries of an index (its manifests, to push before
// it), nil for an image manifest or config.
func (b *Built) Children() []v1.Descriptor {
	if b.children == nil {
		return nil
	}
	out := make([]v1.Descriptor, len(b.children))
	for i, d := range b.children {
		out[i] = cloneDescriptor(d)
	}
	return out
}
