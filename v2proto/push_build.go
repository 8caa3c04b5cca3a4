package v2proto

import (
	"bytes"
	"crypto/elliptic"
	"crypto/sha256"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/internal/jsonx"
	"github.com/registrytest/registrytest/schema1"
	"github.com/registrytest/registrytest/schema2"
)

// NotARealThing is the digest Build.InvalidBlobReferences puts in manifests
// in place of their layers': sha256("notarealthing"), as Quay's tests do.
const NotARealThing digest.Digest = "sha256:9ca9681b433830ce5f31777a331c062ea4c310e801a94b9f498ec365a13849fd"

// signingTime is the time written in the signatures of the schema1
// manifests the push flows build, so that their bytes are the same on
// every run.
var signingTime = time.Date(2020, 6, 5, 12, 0, 0, 0, time.UTC)

// DefaultSigningKeySeed is the seed of DefaultSigningKey.
const DefaultSigningKeySeed = "registrytest/v2proto default schema1 key"

var defaultKey = sync.OnceValues(func() (*schema1.Key, error) {
	return schema1.ECKeyFromSeed(elliptic.P256(), []byte(DefaultSigningKeySeed))
})

// DefaultSigningKey returns the key Push signs schema1 manifests with
// unless Build.SigningKey gives another: the ECDSA P-256 key
// schema1.ECKeyFromSeed derives from DefaultSigningKeySeed, the same on
// every run (ES256, as docker and libtrust sign).
func DefaultSigningKey() *schema1.Key {
	k, err := defaultKey()
	if err != nil {
		// ECKeyFromSeed fails only for a curve it does not support.
		panic("v2proto: DefaultSigningKey: " + err.Error())
	}
	return k
}

// A BuiltManifest is a manifest the push flows built: its exact bytes and
// what pushing it involves.
type BuiltManifest struct {
	// Tag is the tag the manifest was built for (schema1 manifests name
	// it; "" for list children and manifests built for no tag).
	Tag string
	// MediaType is the manifest's media type, the Content-Type it is put
	// with.
	MediaType string
	// Digest is the manifest's digest: sha256 of Bytes, or of the payload
	// for a signed schema1 manifest.
	Digest digest.Digest
	// Bytes is the body to PUT.
	Bytes []byte
	// Config is the digest of the image config ("" for schema1 manifests
	// and lists).
	Config digest.Digest
	// Layers are the layer digests the manifest references, base first
	// (schema1 lists them leaf first on the wire), as written: the empty
	// layers of schema2 and OCI manifests are not among them, foreign
	// layers are, and with Build.InvalidBlobReferences each is NotARealThing.
	Layers []digest.Digest
	// Children are the entries of a list or index.
	Children []v1.Descriptor
	// Blobs are the blobs to upload before the manifest, distinct, in
	// first-use order: the layers (empty ones included, foreign ones left
	// out), then the config. A list's are its children's.
	Blobs []Blob
}

// Descriptor returns the descriptor that references the manifest.
func (m *BuiltManifest) Descriptor() v1.Descriptor {
	return v1.Descriptor{MediaType: m.MediaType, Digest: m.Digest, Size: int64(len(m.Bytes))}
}

// BuildManifest builds the manifest Push puts for images (base first) at
// tag in repository name, with the call options that shape it: WithSchema
// (Schema2 by default) and WithBuild (Build.EnsureASCII, SigningKey,
// InvalidBlobReferences, BrokenConfig, EmptyDiffIDs). Another option is an
// error (see CallOption). As Quay's client builds them:
//
//   - Schema1: signed, one fsLayers/history entry per image, leaf first,
//     with the v1Compatibility {"id", "parent" (null for the base),
//     "config", "Size", "created"} (the last three when set); empty layers
//     are listed; a foreign layer is an error. An empty tag is written
//     "latest".
//   - Schema2 and OCI: the non-empty images' layers (Docker: the gzip or
//     foreign layer type; OCI: the layer's own media type), and an image
//     config {"os": "linux", ("architecture": "amd64" for OCI), "rootfs":
//     {"type": "layers", "diff_ids": the listed layers' uncompressed digests
//     ([] with Build.EmptyDiffIDs, as Quay)}, "history": one entry per image
//     ({"created", "created_by", ("empty_layer": true)}), "config": the
//     leaf's config}, compact; without "history" when Build.BrokenConfig is
//     set or the leaf has OmitHistory. Empty layers are uploaded but not
//     listed; foreign layers are listed with their urls and not uploaded.
//
// Schema1 signatures carry the time 2020-06-05T12:00:00Z, so the result is
// the same for the same arguments on every run.
func BuildManifest(name, tag string, images []fixtures.Image, opts ...CallOption) (*BuiltManifest, error) {
	var cc callConfig
	if err := cc.apply("BuildManifest", opts); err != nil {
		return nil, err
	}
	return buildImageManifest(&cc, cc.schemaOrDefault(), name, tag, images, nil, true)
}

// bytesBlob is a blob held in memory (an image config; BytesBlob).
type bytesBlob struct {
	d digest.Digest
	b []byte
}

func newBytesBlob(b []byte) *bytesBlob { return &bytesBlob{d: digest.FromBytes(b), b: b} }

func (b *bytesBlob) Digest() digest.Digest { return b.d }
func (b *bytesBlob) Size() int64           { return int64(len(b.b)) }
func (b *bytesBlob) Open() (io.ReadCloser, error) {
	return bytesReadCloser{bytes.NewReader(b.b)}, nil
}

type bytesReadCloser struct{ *bytes.Reader }

func (bytesReadCloser) Close() error { return nil }

// addBlob appends b to blobs unless a blob of its digest is there.
func addBlob(blobs []Blob, b Blob) []Blob {
	d := b.Digest()
	if slices.ContainsFunc(blobs, func(x Blob) bool { return x.Digest() == d }) {
		return blobs
	}
	return append(blobs, b)
}

// buildImageManifest builds the manifest of an image chain in schema s. platform,
// when set, gives the config's os and architecture (a list child's).
// signed applies to schema1.
func buildImageManifest(cc *callConfig, s Schema, name, tag string, images []fixtures.Image, platform *v1.Platform, signed bool) (*BuiltManifest, error) {
	for i, im := range images {
		if im.Layer == nil {
			return nil, fmt.Errorf("images[%d] (%s) has no layer", i, im.ID)
		}
	}
	switch s {
	case Schema1:
		return buildSchema1(cc, name, tag, images, signed)
	case Schema2:
		return buildImageFamily(cc, schema2.Docker, images, platform, nil, nil)
	case OCI:
		return buildImageFamily(cc, schema2.OCI, images, platform, nil, nil)
	}
	return nil, fmt.Errorf("unknown schema %q", s)
}

func buildSchema1(cc *callConfig, name, tag string, images []fixtures.Image, signed bool) (*BuiltManifest, error) {
	if tag == "" {
		tag = "latest"
	}
	b := schema1.Builder{Name: name, Tag: tag, Architecture: "amd64", EnsureASCII: cc.push.ensureASCII, Time: signingTime}
	if signed {
		b.Key = cc.push.key
		if b.Key == nil {
			b.Key = DefaultSigningKey()
		}
	}
	out := &BuiltManifest{Tag: tag}
	for i, im := range images {
		if urls := im.URLs(); len(urls) > 0 {
			return nil, fmt.Errorf("images[%d] (%s) has a foreign layer (urls %q), which schema1 cannot carry", i, im.ID, urls)
		}
		d := im.Layer.Digest()
		out.Blobs = addBlob(out.Blobs, im.Layer)
		if cc.push.invalidBlobRefs {
			d = NotARealThing
		}
		v1c := fixtures.Config{{Key: "id", Value: im.ID}}
		if im.ParentID == "" {
			v1c = append(v1c, fixtures.ConfigField{Key: "parent", Value: nil})
		} else {
			v1c = append(v1c, fixtures.ConfigField{Key: "parent", Value: im.ParentID})
		}
		if im.Config != nil {
			v1c = append(v1c, fixtures.ConfigField{Key: "config", Value: im.Config})
		}
		if im.Size != 0 {
			v1c = append(v1c, fixtures.ConfigField{Key: "Size", Value: im.Size})
		}
		if im.Created != "" {
			v1c = append(v1c, fixtures.ConfigField{Key: "created", Value: im.Created})
		}
		js, err := marshalJSON(v1c, cc.push.ensureASCII)
		if err != nil {
			return nil, fmt.Errorf("images[%d] (%s): v1Compatibility: %v", i, im.ID, err)
		}
		b.Layers = append(b.Layers, schema1.Layer{BlobSum: d, V1Compatibility: string(js)})
		out.Layers = append(out.Layers, d)
	}
	m, err := b.Build()
	if err != nil {
		return nil, err
	}
	out.MediaType, out.Digest, out.Bytes = m.MediaType(), m.Digest(), m.Raw
	return out, nil
}

// marshalJSON encodes v compactly, without HTML escaping, with non-ASCII
// escaped when ascii is set.
func marshalJSON(v any, ascii bool) ([]byte, error) {
	return jsonx.Marshal(v, jsonx.Options{EnsureASCII: ascii})
}

// imageConfig returns the bytes of the image config of images, as Quay's
// build_schema2 and build_oci write it.
func imageConfig(cc *callConfig, f schema2.Family, images []fixtures.Image, platform *v1.Platform) ([]byte, error) {
	cfg := fixtures.Config{{Key: "os", Value: "linux"}}
	switch {
	case platform != nil:
		cfg = fixtures.Config{{Key: "os", Value: platform.OS}, {Key: "architecture", Value: platform.Architecture}}
		if platform.Variant != "" {
			cfg = append(cfg, fixtures.ConfigField{Key: "variant", Value: platform.Variant})
		}
	case f == schema2.OCI:
		cfg = append(cfg, fixtures.ConfigField{Key: "architecture", Value: "amd64"})
	}
	diffIDs := []digest.Digest{}
	if !cc.push.emptyDiffIDs {
		for _, im := range images {
			if !im.Empty && im.Layer != nil {
				diffIDs = append(diffIDs, im.Layer.DiffID())
			}
		}
	}
	cfg = append(cfg, fixtures.ConfigField{Key: "rootfs", Value: fixtures.Config{{Key: "type", Value: "layers"}, {Key: "diff_ids", Value: diffIDs}}})
	broken := cc.push.brokenConfig || (len(images) > 0 && images[len(images)-1].OmitHistory)
	if !broken {
		history := make([]fixtures.Config, len(images))
		for i, im := range images {
			createdBy := "/bin/sh -c #(nop) " + im.ID
			if ep, ok := im.Config.Get("Entrypoint"); ok && truthy(ep) {
				createdBy = "/bin/sh -c #(nop) ENTRYPOINT " + pyRepr(ep)
			}
			h := fixtures.Config{{Key: "created", Value: fixtures.QuayCreated}, {Key: "created_by", Value: createdBy}}
			if im.Empty {
				h = append(h, fixtures.ConfigField{Key: "empty_layer", Value: true})
			}
			history[i] = h
		}
		cfg = append(cfg, fixtures.ConfigField{Key: "history", Value: history})
	}
	if len(images) > 0 && images[len(images)-1].Config != nil {
		cfg = append(cfg, fixtures.ConfigField{Key: "config", Value: images[len(images)-1].Config})
	}
	return marshalJSON(cfg, cc.push.ensureASCII)
}

// truthy reports whether v is what Python treats as true: not nil, not
// empty, not zero.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case bool:
		return x
	case []string:
		return len(x) > 0
	case []any:
		return len(x) > 0
	}
	return true
}

// pyRepr writes v as Python's "%s" formats it: strings as they are, lists
// of strings as ['a', 'b'].
func pyRepr(v any) string {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }
	switch x := v.(type) {
	case string:
		return x
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = quote(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			if s, ok := e.(string); ok {
				parts[i] = quote(s)
			} else {
				parts[i] = fmt.Sprint(e)
			}
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// buildImageFamily builds a schema2 or OCI image manifest of images, or of
// m's artifact when m has one; m, when set, also gives annotations, and
// subject the subject (OCI).
func buildImageFamily(cc *callConfig, f schema2.Family, images []fixtures.Image, platform *v1.Platform, m *fixtures.Manifest, subject *v1.Descriptor) (*BuiltManifest, error) {
	out := &BuiltManifest{}
	var layers []v1.Descriptor
	var configDesc v1.Descriptor
	if m != nil && m.Artifact != nil {
		art := m.Artifact
		if art.Config == nil {
			return nil, fmt.Errorf("artifact without a config blob (use fixtures.EmptyJSON)")
		}
		for _, b := range art.Blobs {
			out.Blobs = addBlob(out.Blobs, b)
			layers = append(layers, b.Descriptor())
			out.Layers = append(out.Layers, b.Digest())
		}
		out.Blobs = addBlob(out.Blobs, art.Config)
		configDesc = art.Config.Descriptor()
	} else {
		for _, im := range images {
			l := im.Layer
			urls := im.URLs()
			if len(urls) == 0 {
				out.Blobs = addBlob(out.Blobs, l)
			}
			if im.Empty {
				continue
			}
			var desc v1.Descriptor
			if f == schema2.Docker {
				desc = f.Layer(l.Digest(), l.Size(), urls...)
			} else {
				desc = l.Descriptor()
			}
			if cc.push.invalidBlobRefs {
				desc.Digest = NotARealThing
			}
			layers = append(layers, desc)
			out.Layers = append(out.Layers, desc.Digest)
		}
		cfg, err := imageConfig(cc, f, images, platform)
		if err != nil {
			return nil, fmt.Errorf("image config: %v", err)
		}
		cb := newBytesBlob(cfg)
		out.Blobs = addBlob(out.Blobs, cb)
		configDesc = v1.Descriptor{MediaType: f.ConfigMediaType(), Digest: cb.d, Size: cb.Size()}
	}
	out.Config = configDesc.Digest
	man := f.NewManifest(configDesc, layers...)
	if m != nil {
		if m.Artifact != nil {
			man.ArtifactType = m.Artifact.ArtifactType
		}
		if len(m.Annotations) > 0 {
			man.Annotations = m.Annotations
		}
	}
	if subject != nil {
		if f != schema2.OCI {
			return nil, fmt.Errorf("a subject needs an OCI manifest, not a Docker one")
		}
		man.Subject = subject
	}
	built, err := man.Build(schema2.Options{EnsureASCII: cc.push.ensureASCII})
	if err != nil {
		return nil, err
	}
	out.MediaType, out.Digest, out.Bytes = built.MediaType(), built.Digest(), built.Bytes()
	return out, nil
}

// A listBuilder builds a list or index and its children from fixtures,
// each manifest once.
type listBuilder struct {
	cc    *callConfig
	name  string
	tag   string
	built map[*fixtures.Manifest]*BuiltManifest
	// topManifest is the list being pushed, whose children
	// Build.ChildSchemas names.
	topManifest *fixtures.Manifest
	// order holds the children in the order they must be put: every
	// manifest after those it references.
	order []*BuiltManifest
}

// build builds m, a child (top is false) or the list itself, in schema s.
func (lb *listBuilder) build(m *fixtures.Manifest, s Schema, top bool) (*BuiltManifest, error) {
	if b, ok := lb.built[m]; ok && !top {
		return b, nil
	}
	fam := schema2.Docker
	if s == OCI {
		fam = schema2.OCI
	}
	subject, err := lb.subject(m)
	if err != nil {
		return nil, err
	}
	var out *BuiltManifest
	switch {
	case m.Index != nil:
		out, err = lb.buildIndex(m, fam, subject)
	case m.Artifact != nil:
		if fam != schema2.OCI {
			return nil, fmt.Errorf("an artifact manifest needs the OCI schema, not %s", s)
		}
		out, err = buildImageFamily(lb.cc, fam, nil, nil, m, subject)
	case s == Schema1:
		// List children are unsigned schema1 (Quay's signed.unsigned()).
		out, err = buildSchema1(lb.cc, lb.name, lb.tag, m.Images, false)
		if err == nil {
			out.Tag = ""
		}
	default:
		out, err = buildImageFamily(lb.cc, fam, m.Images, m.Platform, m, subject)
	}
	if err != nil {
		return nil, err
	}
	if !top {
		lb.built[m] = out
		lb.order = append(lb.order, out)
	}
	return out, nil
}

// subject returns the descriptor of m's subject, nil for none. A subject
// Of another manifest must have been built before m.
func (lb *listBuilder) subject(m *fixtures.Manifest) (*v1.Descriptor, error) {
	switch {
	case m.Subject == nil:
		return nil, nil
	case m.Subject.Descriptor != nil:
		d := *m.Subject.Descriptor
		return &d, nil
	case m.Subject.Of != nil:
		b, ok := lb.built[m.Subject.Of]
		if !ok {
			return nil, fmt.Errorf("subject not built before its referrer (list it first)")
		}
		d := b.Descriptor()
		return &d, nil
	}
	return nil, fmt.Errorf("subject with neither Of nor Descriptor")
}

func (lb *listBuilder) buildIndex(m *fixtures.Manifest, fam schema2.Family, subject *v1.Descriptor) (*BuiltManifest, error) {
	out := &BuiltManifest{}
	var children []v1.Descriptor
	for i, ch := range m.Index.Manifests {
		if ch == nil {
			return nil, fmt.Errorf("index child %d is nil", i)
		}
		s := lb.cc.schemaOrDefault()
		if m == lb.topManifest && i < len(lb.cc.push.childSchemas) && lb.cc.push.childSchemas[i] != "" {
			s = lb.cc.push.childSchemas[i]
		}
		b, err := lb.build(ch, s, false)
		if err != nil {
			return nil, fmt.Errorf("index child %d: %w", i, err)
		}
		desc := b.Descriptor()
		if ch.Platform != nil {
			p := *ch.Platform
			desc.Platform = &p
		} else if fam == schema2.Docker {
			return nil, fmt.Errorf("index child %d has no platform, which a Docker manifest list needs", i)
		}
		children = append(children, desc)
		for _, bl := range b.Blobs {
			out.Blobs = addBlob(out.Blobs, bl)
		}
	}
	ix := fam.NewIndex(children...)
	if fam == schema2.OCI {
		ix.ArtifactType = m.Index.ArtifactType
		if len(m.Annotations) > 0 {
			ix.Annotations = m.Annotations
		}
		ix.Subject = subject
	} else if subject != nil || m.Index.ArtifactType != "" {
		return nil, fmt.Errorf("a subject or artifactType needs an OCI index, not a Docker manifest list")
	}
	built, err := ix.Build(schema2.Options{EnsureASCII: lb.cc.push.ensureASCII})
	if err != nil {
		return nil, err
	}
	out.MediaType, out.Digest, out.Bytes = built.MediaType(), built.Digest(), built.Bytes()
	out.Children = children
	return out, nil
}

// manifestDigest returns the digest a registry answers for a manifest of
// mediaType with body, in algorithm alg: of the payload for a signed
// schema1 manifest, of the bytes otherwise.
func manifestDigest(mediaType string, body []byte, alg digest.Algorithm) digest.Digest {
	if mediaType == schema1.MediaTypeSignedManifest || bytes.Contains(body, []byte(`"signatures"`)) {
		if m, err := schema1.Parse(body); err == nil && m.Signed() {
			if alg == digest.SHA256 {
				return m.Digest()
			}
			return alg.FromBytes(m.Payload)
		}
	}
	if !alg.Available() {
		return digest.Digest(fmt.Sprintf("sha256:%x", sha256.Sum256(body)))
	}
	return alg.FromBytes(body)
}
