package schema2_test

import (
	"testing"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/schema2"
)

// benchManifest is a typical image: a config and ten gzip layers.
func benchManifest() schema2.Manifest {
	layers := make([]v1.Descriptor, 10)
	for i := range layers {
		layers[i] = schema2.Docker.Layer(digest.FromBytes([]byte{byte(i)}), int64(1000*i))
	}
	return schema2.Docker.NewManifest(v1.Descriptor{MediaType: schema2.MediaTypeConfig, Digest: digest.FromString("c"), Size: 1500}, layers...)
}

func benchIndex() schema2.Index {
	var children []v1.Descriptor
	for _, arch := range []string{"amd64", "arm64", "arm", "ppc64le", "s390x", "386"} {
		children = append(children, v1.Descriptor{MediaType: v1.MediaTypeImageManifest, Digest: digest.FromString(arch), Size: 1000,
			Platform: &v1.Platform{Architecture: arch, OS: "linux"}})
	}
	return schema2.OCI.NewIndex(children...)
}

func benchConfig() schema2.Config {
	c := quayConfig([]string{"a", "b", "c", "d", "e"}, []bool{false, true, false, true, false}, unicodeLeaf("Paweł 😱"))
	c.Architecture = "amd64"
	return c
}

func benchBuild(b *testing.B, doc buildable, o schema2.Options) {
	built := mustBuild(doc, o)
	b.SetBytes(built.Size())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := doc.Build(o); err != nil {
			b.Fatal(err)
		}
	}
}

func benchParse(b *testing.B, doc buildable, parse func([]byte) error) {
	built := mustBuild(doc, schema2.Options{})
	b.SetBytes(built.Size())
	b.ReportAllocs()
	for b.Loop() {
		if err := parse(built.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}

func parseManifest(b []byte) error { _, err := schema2.ParseManifest(b); return err }
func parseIndex(b []byte) error    { _, err := schema2.ParseIndex(b); return err }
func parseConfig(b []byte) error   { _, err := schema2.ParseConfig(b); return err }

func BenchmarkBuildManifest(b *testing.B) { benchBuild(b, benchManifest(), schema2.Options{}) }
func BenchmarkBuildManifestIndentASCII(b *testing.B) {
	benchBuild(b, benchManifest(), schema2.Options{Indent: "   ", EnsureASCII: true})
}
func BenchmarkBuildLargeManifest(b *testing.B) { benchBuild(b, largeManifest(), schema2.Options{}) }
func BenchmarkBuildIndex(b *testing.B)         { benchBuild(b, benchIndex(), schema2.Options{}) }
func BenchmarkBuildConfig(b *testing.B) {
	benchBuild(b, configOf{benchConfig(), schema2.Docker}, schema2.Options{EnsureASCII: true})
}

func BenchmarkParseManifest(b *testing.B)      { benchParse(b, benchManifest(), parseManifest) }
func BenchmarkParseLargeManifest(b *testing.B) { benchParse(b, largeManifest(), parseManifest) }
func BenchmarkParseIndex(b *testing.B)         { benchParse(b, benchIndex(), parseIndex) }
func BenchmarkParseConfig(b *testing.B) {
	benchParse(b, configOf{benchConfig(), schema2.Docker}, parseConfig)
}

func BenchmarkDetect(b *testing.B) {
	benchParse(b, benchManifest(), func(p []byte) error { _, err := schema2.Detect(schema2.MediaTypeManifest, p); return err })
}
