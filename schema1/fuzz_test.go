package schema1_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/internal/schema1test"
	"github.com/registrytest/registrytest/schema1"
)

// FuzzParse feeds Parse arbitrary documents. The seed corpus holds the
// golden manifests, a distribution-signed one and a registry's re-signed
// GET answer (testdata/fuzz/FuzzParse, written by TestWriteFuzzSeeds and
// the registry tests with -update), plus the cases below.
//
// Properties: Parse never panics; an error is a "schema1.Parse: …" error
// and comes with a nil manifest; an accepted manifest has
// Digest() = sha256(Payload), parses again to the same value, and is
// re-built from its fields by a Builder without error. (The examples
// module's FuzzParseDistribution checks that a signed manifest Parse accepts
// is accepted by docker/distribution too.)
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(``))
	f.Add(unsignedDoc(nil))
	f.Add(unsignedDoc(func(m map[string]any) { m["signatures"] = []any{} }))
	signed := schema1test.MustBuild(f, schema1test.SampleBuilder(schema1test.ES256Key()))
	f.Add(signed.Raw)
	f.Add(schema1test.MustBuild(f, withChain(schema1test.SampleBuilder(schema1test.ES256Key()))).Raw)
	multi, err := schema1.Sign(signed.Payload, schema1test.SignTime, schema1.Signer{Key: schema1test.ES256Key()}, schema1.Signer{Key: schema1test.ES384Key()})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(multi)
	f.Add([]byte(strings.Replace(string(signed.Raw), `"amd64"`, `"arm64"`, 1)))

	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := schema1.Parse(b)
		if err != nil {
			if m != nil {
				t.Fatalf("Parse returned a manifest with error %v", err)
			}
			if !strings.HasPrefix(err.Error(), "schema1.Parse: ") {
				t.Fatalf("Parse error %q lacks the schema1.Parse: prefix", err)
			}
			return
		}
		if m.Digest() != digest.FromBytes(m.Payload) {
			t.Fatalf("Digest() = %s, want sha256(Payload)", m.Digest())
		}
		if !bytes.Equal(m.Raw, b) {
			t.Fatalf("Raw differs from the input")
		}
		again, err := schema1.Parse(m.Raw)
		if err != nil {
			t.Fatalf("Parse(Parse(b).Raw) error: %v", err)
		}
		if diff := cmp.Diff(m, again); diff != "" {
			t.Fatalf("Parse is not stable (-first +second):\n%s", diff)
		}
		rb := schema1.Builder{Name: m.Name, Tag: m.Tag, Architecture: m.Architecture, Layers: m.Layers}
		rebuilt, err := rb.Build()
		if err != nil {
			t.Fatalf("Builder refuses the fields of an accepted manifest: %v", err)
		}
		if diff := cmp.Diff(m.Layers, rebuilt.Layers); diff != "" {
			t.Fatalf("rebuilt Layers mismatch (-parsed +rebuilt):\n%s", diff)
		}
	})
}

// FuzzBuildParse builds manifests from fuzzed fields and checks that Build
// and Parse agree: whatever Build makes, Parse accepts and reads back as
// the same Manifest; whatever Build refuses (for valid UTF-8 input), Parse
// refuses too when the same fields are written by encoding/json.
func FuzzBuildParse(f *testing.F) {
	f.Add("library/busybox", "latest", "amd64", "base", "a comment", []byte("layer"), `{"id":"raw"}`, uint8(0))
	f.Add("a", "t", "", "Paweł 😱", "<&>\u2028", []byte{}, `{}`, uint8(0b0101))
	f.Add("a", "t", "arm64", "x", "", []byte("sha256:zz"), `not json`, uint8(0b1011))
	f.Add("ns/repo", "v1", "amd64", "", "\x00", []byte("x"), `{"id":5}`, uint8(0b11101))
	f.Fuzz(func(t *testing.T, name, tag, arch, id, comment string, blob []byte, rawV1 string, mode uint8) {
		n := 1 + int(mode>>5)%3
		layers := make([]schema1.Layer, n)
		parent := ""
		for i := range layers {
			lid := fmt.Sprintf("%s%d", id, i)
			v := map[string]any{"id": lid, "comment": comment}
			if parent != "" {
				v["parent"] = parent
			}
			j, _ := json.Marshal(v)
			layers[i] = schema1.Layer{BlobSum: digest.FromBytes(append(blob, byte(i))), V1Compatibility: string(j)}
			parent = lid
		}
		if mode&1 != 0 {
			layers[0].V1Compatibility = rawV1
		}
		if mode&2 != 0 {
			layers[n-1].BlobSum = digest.Digest(blob)
		}
		b := schema1.Builder{Name: name, Tag: tag, Architecture: arch, Layers: layers, EnsureASCII: mode&4 != 0, Time: schema1test.SignTime}
		switch {
		case mode&8 != 0:
			b.Key = schema1test.ES256Key()
		case mode&16 != 0:
			b.Key = schema1test.RS256Key()
		}
		m, err := b.Build()
		if err != nil {
			if m != nil || !strings.HasPrefix(err.Error(), "schema1.Builder.Build: ") {
				t.Fatalf("Build() = %v, %v, want nil and a schema1.Builder.Build error", m, err)
			}
			for _, s := range []string{name, tag, arch, string(layers[n-1].BlobSum), layers[0].V1Compatibility} {
				if !utf8.ValidString(s) {
					return // Build refuses invalid UTF-8, which JSON cannot carry
				}
			}
			// Parse must refuse the same fields.
			doc := unsignedDoc(func(w map[string]any) {
				w["name"], w["tag"], w["architecture"] = name, tag, arch
				var fsl, hist []any
				for i := n - 1; i >= 0; i-- {
					fsl = append(fsl, map[string]any{"blobSum": string(layers[i].BlobSum)})
					hist = append(hist, map[string]any{"v1Compatibility": layers[i].V1Compatibility})
				}
				w["fsLayers"], w["history"] = fsl, hist
			})
			if _, perr := schema1.Parse(doc); perr == nil {
				t.Fatalf("Build refuses (%v) but Parse accepts the same fields:\n%s", err, doc)
			}
			return
		}
		got, err := schema1.Parse(m.Raw)
		if err != nil {
			t.Fatalf("Parse(Build().Raw) error: %v\n%s", err, m.Raw)
		}
		if diff := cmp.Diff(m, got); diff != "" {
			t.Fatalf("Parse(Build().Raw) mismatch (-built +parsed):\n%s", diff)
		}
		if b.EnsureASCII {
			for _, c := range m.Raw {
				if c >= utf8.RuneSelf {
					t.Fatalf("EnsureASCII: non-ASCII byte %#x in Raw", c)
				}
			}
		}
	})
}

// TestWriteFuzzSeeds writes our own manifests of the FuzzParse seed corpus
// to testdata/fuzz/FuzzParse when run with -update (ES256, RS256,
// unsigned). The examples module's schema1reg tests write the ones signed by
// docker/distribution and re-signed by registries.
func TestWriteFuzzSeeds(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite the seed corpus")
	}
	writeSeed(t, "ours-es256", schema1test.MustBuild(t, schema1test.SampleBuilder(schema1test.ES256Key())).Raw)
	writeSeed(t, "ours-rs256", schema1test.MustBuild(t, schema1test.SampleBuilder(schema1test.RS256Key())).Raw)
	writeSeed(t, "ours-unsigned", schema1test.MustBuild(t, schema1test.SampleBuilder(nil)).Raw)
}

// writeSeed writes b as a FuzzParse corpus entry named name.
func writeSeed(t *testing.T, name string, b []byte) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
