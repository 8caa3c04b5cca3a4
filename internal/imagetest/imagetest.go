// Package imagetest builds the manifests the pull tests serve or push with
// plain exchanges (those of v2proto and of internal/itest): a chain of
// fixtures images written as a schema1, Docker schema2 or OCI manifest, as
// Quay's client writes it, and lists over such manifests. It is written
// apart from v2proto's own builder (v2proto.BuildManifest), so that a pull
// test does not check v2proto against itself, and it imports neither
// v2proto (whose in-package tests import it) nor any registry.
package imagetest

import (
	"crypto/elliptic"
	"fmt"
	"io"
	"testing"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/schema1"
	"github.com/registrytest/registrytest/schema2"
)

// Schema is the format of a built manifest; its values are those of
// v2proto.Schema, so that a test converts one into the other.
type Schema string

// The formats Build writes.
const (
	Schema1 Schema = "schema1"
	Schema2 Schema = "schema2"
	OCI     Schema = "oci"
)

// Image is a built manifest (or list) and the blobs a registry must hold
// for it.
type Image struct {
	Manifest  []byte
	MediaType string
	Digest    digest.Digest
	// Blobs are the blobs to upload, each once, in the order met: the
	// layers (foreign ones excluded), then the image config. A list has
	// none.
	Blobs []*fixtures.Layer
}

// Options shape Build.
type Options struct {
	// KeySeed is the seed of the ECDSA P-256 key schema1 manifests are
	// signed with (schema1.ECKeyFromSeed).
	KeySeed string
	// DiffIDs makes a schema2 or OCI config list the diff_ids of the
	// layers; without it rootfs.diff_ids is empty, as Quay writes it.
	DiffIDs bool
}

// Build builds images (base first) as a manifest of schema s, as Quay's
// client does: schema1 signed for repository name and tag, one layer per
// image with the v1Compatibility {"id", "parent"}; schema2 and OCI with
// one history entry per image, empty layers uploaded but not listed,
// foreign layers listed with their urls but not uploaded, and an OCI config
// with architecture amd64. Any other s is taken as Schema2. It fails the
// test if a builder refuses the result.
func Build(t testing.TB, s Schema, name, tag string, images []fixtures.Image, o Options) Image {
	t.Helper()
	var b Image
	seen := map[digest.Digest]bool{}
	add := func(l *fixtures.Layer) {
		if !seen[l.Digest()] {
			seen[l.Digest()] = true
			b.Blobs = append(b.Blobs, l)
		}
	}
	if s == Schema1 {
		key, err := schema1.ECKeyFromSeed(elliptic.P256(), []byte(o.KeySeed))
		if err != nil {
			t.Fatal(err)
		}
		sb := schema1.Builder{Name: name, Tag: tag, Architecture: "amd64", Key: key}
		for _, im := range images {
			parent := "null"
			if im.ParentID != "" {
				parent = fmt.Sprintf("%q", im.ParentID)
			}
			sb.Layers = append(sb.Layers, schema1.Layer{BlobSum: im.Layer.Digest(),
				V1Compatibility: fmt.Sprintf(`{"id":%q,"parent":%s}`, im.ID, parent)})
			add(im.Layer)
		}
		m, err := sb.Build()
		if err != nil {
			t.Fatal(err)
		}
		b.Manifest, b.MediaType, b.Digest = m.Raw, m.MediaType(), m.Digest()
		return b
	}
	f := schema2.Docker
	cfg := schema2.Config{OS: "linux", RootFS: schema2.RootFS{Type: "layers", DiffIDs: []digest.Digest{}}, History: []schema2.History{}}
	if s == OCI {
		f, cfg.Architecture = schema2.OCI, "amd64"
	}
	var layers []v1.Descriptor
	for _, im := range images {
		cfg.History = append(cfg.History, schema2.History{Created: fixtures.QuayCreated,
			CreatedBy: "/bin/sh -c #(nop) " + im.ID, EmptyLayer: im.Empty})
		if im.URLs() == nil {
			add(im.Layer)
		}
		if !im.Empty {
			layers = append(layers, f.Layer(im.Layer.Digest(), im.Layer.Size(), im.URLs()...))
			if o.DiffIDs {
				cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, im.Layer.DiffID())
			}
		}
	}
	cb, err := cfg.Build(f, schema2.Options{})
	if err != nil {
		t.Fatal(err)
	}
	add(fixtures.NewBlob(cb.MediaType(), cb.Bytes()))
	mb, err := f.NewManifest(cb.Descriptor(), layers...).Build(schema2.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b.Manifest, b.MediaType, b.Digest = mb.Bytes(), mb.MediaType(), mb.Digest()
	return b
}

// List builds a list of family f over children, child i with the platform
// platforms[i] ("os/arch[/variant]", fixtures.Platform). It fails the test
// if the builder refuses it.
func List(t testing.TB, f schema2.Family, children []Image, platforms []string) Image {
	t.Helper()
	var descs []v1.Descriptor
	for i, c := range children {
		descs = append(descs, v1.Descriptor{MediaType: c.MediaType, Digest: c.Digest, Size: int64(len(c.Manifest)),
			Platform: fixtures.Platform(platforms[i])})
	}
	b, err := f.NewIndex(descs...).Build(schema2.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return Image{Manifest: b.Bytes(), MediaType: b.MediaType(), Digest: b.Digest()}
}

// LayerBytes returns the whole content of l, failing the test if it cannot
// be read.
func LayerBytes(t testing.TB, l *fixtures.Layer) []byte {
	t.Helper()
	if b, ok := l.Bytes(); ok {
		return b
	}
	rc, err := l.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
