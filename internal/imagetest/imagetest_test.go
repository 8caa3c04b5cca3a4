package imagetest

import (
	"bytes"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/schema1"
	"github.com/registrytest/registrytest/schema2"
)

func TestBuild(t *testing.T) {
	images := fixtures.EmptyLayers()
	for _, s := range []Schema{Schema1, Schema2, OCI} {
		t.Run(string(s), func(t *testing.T) {
			im := Build(t, s, "ns/repo", "latest", images, Options{KeySeed: "test", DiffIDs: true})
			if got := digest.FromBytes(im.Manifest); s != Schema1 && got != im.Digest {
				t.Errorf("Digest = %s, want %s (of the bytes)", im.Digest, got)
			}
			seen := map[digest.Digest]bool{}
			for _, l := range im.Blobs {
				if seen[l.Digest()] {
					t.Errorf("blob %s listed twice", l.Digest())
				}
				seen[l.Digest()] = true
			}
			var want []digest.Digest
			if s == Schema1 {
				m, err := schema1.Parse(im.Manifest)
				if err != nil {
					t.Fatalf("schema1.Parse: %v", err)
				}
				if m.Digest() != im.Digest {
					t.Errorf("Digest = %s, want %s", im.Digest, m.Digest())
				}
				for _, l := range m.Layers {
					want = append(want, l.BlobSum)
				}
			} else {
				m, err := schema2.ParseManifest(im.Manifest)
				if err != nil {
					t.Fatalf("schema2.ParseManifest: %v", err)
				}
				if m.Kind() == schema2.KindDockerManifest != (s == Schema2) {
					t.Errorf("Kind = %v for %s", m.Kind(), s)
				}
				for _, b := range m.Blobs() {
					want = append(want, b.Descriptor.Digest)
				}
			}
			for _, d := range want {
				if !seen[d] {
					t.Errorf("blob %s referenced but not in Blobs", d)
				}
			}
		})
	}
}

func TestList(t *testing.T) {
	a := Build(t, OCI, "ns/repo", "", fixtures.Basic(), Options{})
	b := Build(t, OCI, "ns/repo", "", fixtures.Different(), Options{})
	l := List(t, schema2.OCI, []Image{a, b}, []string{"linux/amd64", "linux/arm64"})
	ix, err := schema2.ParseIndex(l.Manifest)
	if err != nil {
		t.Fatalf("schema2.ParseIndex: %v", err)
	}
	if len(ix.Manifests) != 2 || ix.Manifests[0].Digest != a.Digest || ix.Manifests[1].Digest != b.Digest ||
		ix.Manifests[1].Platform.Architecture != "arm64" || len(l.Blobs) != 0 {
		t.Errorf("List = %s with %d blobs, want children %s (amd64), %s (arm64) and no blobs", l.Manifest, len(l.Blobs), a.Digest, b.Digest)
	}
	if got := LayerBytes(t, fixtures.NewBlob("application/octet-stream", []byte("abc"))); !bytes.Equal(got, []byte("abc")) {
		t.Errorf("LayerBytes = %q, want %q", got, "abc")
	}
}
