package schema2_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/schema2"
)

// The fuzz targets. Their seed corpora are in testdata/fuzz/<target>/
// (written by TestWriteFuzzCorpus -update from the build cases and
// testdata/docs) plus the f.Add seeds below; plain go test runs them all.

// requireError fails unless err is a *schema2.Error from fn with a path and
// a rule, and a bounded message.
func requireError(t *testing.T, fn string, err error) {
	t.Helper()
	var e *schema2.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s error = %T %v, want a *schema2.Error", fn, err, err)
	}
	if e.Func != fn || e.Path == "" || e.Want == "" {
		t.Fatalf("%s error = %q (Func %q, Path %q, Want %q), want Func %q and a path and a rule", fn, err, e.Func, e.Path, e.Want, fn)
	}
	if n := len(err.Error()); n > 1024 {
		t.Fatalf("%s error has %d bytes, want at most 1024: %.300s…", fn, n, err)
	}
}

// knownNames are the member names the parsers model; encoding/json matches
// them case-insensitively, the parsers exactly.
var knownNames = []string{"schemaVersion", "mediaType", "artifactType", "config", "layers", "subject", "annotations",
	"manifests", "digest", "size", "urls", "data", "platform", "architecture", "os", "os.version", "os.features", "variant"}

// caseVariants reports whether b holds a string that equals a known name
// but for case, where encoding/json and the parsers may disagree.
func caseVariants(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		s, ok := tok.(string)
		if !ok {
			continue
		}
		for _, k := range knownNames {
			if s != k && strings.EqualFold(s, k) {
				return true
			}
		}
	}
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}`))
	f.Add([]byte(`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{},"layers":[{}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDocument(t, b, docParser[*schema2.Manifest, v1.Manifest]{
			name: "ParseManifest", what: "an image manifest",
			parse: schema2.ParseManifest, model: func(m *schema2.Manifest) v1.Manifest { return m.Manifest },
			otherName: "ParseIndex", other: func(b []byte) error { _, err := schema2.ParseIndex(b); return err },
		})
	})
}

func FuzzParseIndex(f *testing.F) {
	f.Add([]byte(`{"schemaVersion":2,"manifests":[]}`))
	f.Add([]byte(`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[{"platform":{"features":[]}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDocument(t, b, docParser[*schema2.Index, v1.Index]{
			name: "ParseIndex", what: "an index",
			parse: schema2.ParseIndex, model: func(ix *schema2.Index) v1.Index { return ix.Index },
			otherName: "ParseManifest", other: func(b []byte) error { _, err := schema2.ParseManifest(b); return err },
		})
	})
}

// document is what checkDocument needs of a parsed manifest or index.
type document interface {
	Validate() error
	Build(schema2.Options) (*schema2.Built, error)
	Kind() schema2.Kind
}

// docParser describes a parser of FuzzParseManifest or FuzzParseIndex:
// parse (called name) reads what (a document) into D, whose image-spec
// model S (what encoding/json reads, as distribution decodes) is model;
// other (called otherName) is the parser of the other kind.
type docParser[D document, S any] struct {
	name, what string
	parse      func([]byte) (D, error)
	model      func(D) S
	otherName  string
	other      func([]byte) error
}

// checkDocument checks what the fuzz targets require of b: p.parse refuses
// it with a *schema2.Error, or the document validates, builds to bytes that
// parse back to the same, is detected as its kind, is refused by the other
// parser, and reads the same through encoding/json.
func checkDocument[D document, S any](t *testing.T, b []byte, p docParser[D, S]) {
	t.Helper()
	d, err := p.parse(b)
	if err != nil {
		requireError(t, "schema2."+p.name, err)
		return
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("%s(%q).Validate() error: %v", p.name, b, err)
	}
	built, err := d.Build(schema2.Options{})
	if err != nil {
		t.Fatalf("%s(%q).Build() error: %v", p.name, b, err)
	}
	again, err := p.parse(built.Bytes())
	if err != nil {
		t.Fatalf("%s(Build(%s(%q))) error: %v", p.name, p.name, b, err)
	}
	if diff := cmp.Diff(d, again, cmpOpts); diff != "" {
		t.Fatalf("%s(Build(%s(%q))) mismatch (-want +got):\n%s", p.name, p.name, b, diff)
	}
	for _, ct := range []string{"", d.Kind().MediaType()} {
		if k, err := schema2.Detect(ct, b); k != d.Kind() || err != nil {
			t.Fatalf("Detect(%q, %q) = %v, %v, want %v, nil", ct, b, k, err, d.Kind())
		}
	}
	if err := p.other(b); err == nil {
		t.Fatalf("%s(%q) = nil error for %s, want an error", p.otherName, b, p.what)
	}
	var std S
	if err := json.Unmarshal(b, &std); err != nil {
		t.Fatalf("json.Unmarshal(%q) error: %v; %s accepted it", b, err, p.name)
	}
	if diff := cmp.Diff(std, p.model(d), cmpOpts); diff != "" && !caseVariants(b) {
		t.Fatalf("%s(%q) disagrees with encoding/json (-json +%s):\n%s", p.name, b, p.name, diff)
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{"rootfs":{"type":"layers"},"history":[]}`))
	f.Add([]byte(`{"config":{"Labels":{"a":"b"},"Env":null,"x":[1]},"rootfs":{"type":"","diff_ids":null},"history":[{"empty_layer":null}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := schema2.ParseConfig(b)
		if err != nil {
			requireError(t, "schema2.ParseConfig", err)
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("ParseConfig(%q).Validate() error: %v", b, err)
		}
		for _, fam := range []schema2.Family{schema2.Docker, schema2.OCI} {
			built, err := c.Build(fam, schema2.Options{})
			if err != nil {
				t.Fatalf("ParseConfig(%q).Build(%v) error: %v", b, fam, err)
			}
			again, err := schema2.ParseConfig(built.Bytes())
			if err != nil {
				t.Fatalf("ParseConfig(Build(ParseConfig(%q))) error: %v", b, err)
			}
			if diff := cmp.Diff(c, again, cmpOpts); diff != "" {
				t.Fatalf("ParseConfig(Build(ParseConfig(%q))) mismatch (-want +got):\n%s", b, diff)
			}
		}
	})
}

func FuzzDetect(f *testing.F) {
	f.Add("", []byte(`{"schemaVersion":1,"signatures":[]}`))
	f.Add(schema2.MediaTypeManifest+"; charset=utf-8", []byte(`{"schemaVersion":2,"mediaType":"`+schema2.MediaTypeManifest+`"}`))
	f.Add("application/json", []byte(`{"schemaVersion":2,"manifests":[],"config":{}}`))
	f.Fuzz(func(t *testing.T, ct string, b []byte) {
		k, err := schema2.Detect(ct, b)
		if err != nil {
			requireError(t, "schema2.Detect", err)
			if k != schema2.KindUnknown {
				t.Fatalf("Detect(%q, %q) = %v with an error, want unknown", ct, b, k)
			}
			return
		}
		if k == schema2.KindUnknown {
			t.Fatalf("Detect(%q, %q) = unknown, nil; want a kind or an error", ct, b)
		}
		// The body alone gives the same kind.
		if k2, err := schema2.Detect("", b); k2 != k || err != nil {
			t.Fatalf("Detect(\"\", %q) = %v, %v, want %v, nil as with Content-Type %q", b, k2, err, k, ct)
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add(v1.MediaTypeImageIndex, []byte(`{"schemaVersion":2,"manifests":[]}`))
	f.Add("", []byte(`{"schemaVersion":2,"mediaType":"`+schema2.MediaTypeManifestList+`","manifests":[]}`))
	f.Fuzz(func(t *testing.T, ct string, b []byte) {
		d, err := schema2.Parse(ct, b)
		if err != nil {
			requireError(t, "schema2.Parse", err)
			return
		}
		k, err := schema2.Detect(ct, b)
		if err != nil || k != d.Kind() {
			t.Fatalf("Parse(%q, %q).Kind() = %v, Detect = %v, %v; want equal kinds", ct, b, d.Kind(), k, err)
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("Parse(%q, %q).Validate() error: %v", ct, b, err)
		}
		built, err := d.Build(schema2.Options{})
		if err != nil {
			t.Fatalf("Parse(%q, %q).Build() error: %v", ct, b, err)
		}
		if _, err := schema2.Parse(built.MediaType(), built.Bytes()); err != nil {
			t.Fatalf("Parse(Build(Parse(%q, %q))) error: %v", ct, b, err)
		}
	})
}

func FuzzValidateConfig(f *testing.F) {
	f.Add([]byte(`{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}`), []byte(`{}`), uint8(0))
	f.Add([]byte(nil), []byte(`{"rootfs":{"type":"layers"},"history":[{},{"empty_layer":true}]}`), uint8(1))
	f.Fuzz(func(t *testing.T, manifest, config []byte, layers uint8) {
		m, err := schema2.ParseManifest(manifest)
		if err != nil {
			// A manifest that fits the config, with some layers.
			ls := make([]v1.Descriptor, layers%8)
			for i := range ls {
				ls[i] = schema2.Docker.Layer(digest.FromString(strconv.Itoa(i)), 1)
			}
			fam := schema2.Docker
			if layers&8 != 0 {
				fam = schema2.OCI
			}
			mm := fam.NewManifest(schema2.DescriptorFor(fam.ConfigMediaType(), config), ls...)
			m = &mm
		}
		err = schema2.ValidateConfig(*m, config)
		if err != nil {
			requireError(t, "schema2.ValidateConfig", err)
			return
		}
		if _, err := schema2.ParseConfig(config); err != nil {
			t.Fatalf("ValidateConfig(m, %q) = nil, but ParseConfig error: %v", config, err)
		}
	})
}

// valid returns s as valid UTF-8: encoding/json writes U+FFFD for invalid
// bytes, which the round-trip would see as a change.
func valid(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

func options(indent, ascii bool, alg digest.Algorithm) schema2.Options {
	o := schema2.Options{EnsureASCII: ascii, Algorithm: alg}
	if indent {
		o.Indent = "   "
	}
	return o
}

// checkBuild is the build-then-parse property shared by the build fuzz
// targets: Build agrees with Validate; a model Validate refuses, built
// Unvalidated, does not parse back to itself; a built document
// parses back to the model, with the digest and size of its bytes, and
// rebuilds to the same bytes.
func checkBuild(t *testing.T, fn string, doc buildable, validate func() error, parse func(*schema2.Built) (buildable, any, error), o schema2.Options) {
	t.Helper()
	built, err := doc.Build(o)
	verr := validate()
	if (err == nil) != (verr == nil) {
		t.Fatalf("%s error = %v, Validate error = %v; want both nil or both errors", fn, err, verr)
	}
	if err != nil {
		requireError(t, fn, err)
		var e, ve *schema2.Error
		errors.As(err, &e)
		errors.As(verr, &ve)
		if e.Path != ve.Path {
			t.Fatalf("%s error at %s, Validate error at %s, want the same rule", fn, e.Path, ve.Path)
		}
		o.Unvalidated = true
		ub, err := doc.Build(o)
		if err != nil {
			requireError(t, fn, err) // an Extra value that is not JSON
			return
		}
		// The document must not stand for the model Validate refused: the
		// parser rejects it, or reads another model (an Extra named like an
		// empty field reads as that field).
		if _, got, err := parse(ub); err == nil && cmp.Equal(model(doc), got, cmpOpts) {
			t.Fatalf("%s(Unvalidated) = %s parses to the same model, but Validate says %v", fn, ub.Bytes(), verr)
		}
		return
	}
	alg := o.Algorithm
	if alg == "" {
		alg = digest.SHA256
	}
	if built.Digest() != alg.FromBytes(built.Bytes()) || built.Size() != int64(len(built.Bytes())) {
		t.Fatalf("%s = digest %s size %d, want those of its %d bytes", fn, built.Digest(), built.Size(), len(built.Bytes()))
	}
	again, got, err := parse(built)
	if err != nil {
		t.Fatalf("parse(%s() = %s) error: %v", fn, built.Bytes(), err)
	}
	if diff := cmp.Diff(model(doc), got, cmpOpts); diff != "" {
		t.Fatalf("parse(%s()) mismatch (-want +got):\n%s", fn, diff)
	}
	rebuilt, err := again.Build(o)
	if err != nil || !bytes.Equal(rebuilt.Bytes(), built.Bytes()) {
		t.Fatalf("Build(parse(%s())) = %s, %v, want the same bytes %s", fn, rebuilt.Bytes(), err, built.Bytes())
	}
}

func parseDocument(b *schema2.Built) (buildable, any, error) {
	d, err := schema2.Parse(b.MediaType(), b.Bytes())
	if err != nil {
		return nil, nil, err
	}
	switch d := d.(type) {
	case *schema2.Manifest:
		return *d, *d, nil
	case *schema2.Index:
		return *d, *d, nil
	}
	return nil, nil, fmt.Errorf("Parse returned %T", d)
}

func FuzzBuildManifest(f *testing.F) {
	d := string(digest.FromString("x"))
	f.Add(true, "", schema2.MediaTypeConfig, d, int64(2), schema2.MediaTypeLayer, "", "", "", []byte("layer"), "", false, "", []byte(nil), true, true, false)
	f.Add(true, "", schema2.MediaTypeConfig, d, int64(2), schema2.MediaTypeForeignLayer, "http://some/url", "", "", []byte("remote"), "", false, "", []byte(nil), true, false, false)
	f.Add(false, "-", v1.MediaTypeEmptyJSON, d, int64(2), "application/vnd.example+json", "", "org.example", "Sômé <&>", []byte("{}"), "application/vnd.example", true, "custom", []byte(`{"a":[1]}`), false, true, true)
	f.Add(false, "", v1.MediaTypeImageConfig, "sha256:zz", int64(-1), "notatype", "ftp://x", "", "", []byte(nil), "bad", false, "layers", []byte(`1`), false, false, false)
	f.Fuzz(func(t *testing.T, docker bool, mediaType, configType, configDigest string, size int64, layerType, url,
		annKey, annVal string, data []byte, artifactType string, subject bool, extraName string, extraValue []byte,
		indent, ascii, sha512 bool) {
		fam := schema2.OCI
		if docker {
			fam = schema2.Docker
		}
		cfg := v1.Descriptor{MediaType: valid(configType), Digest: digest.Digest(valid(configDigest)), Size: size}
		layer := v1.Descriptor{MediaType: valid(layerType), Digest: digest.FromBytes(data), Size: int64(len(data))}
		if url != "" {
			layer.URLs = []string{valid(url)}
		}
		embedded := layer
		embedded.URLs = nil
		embedded.Data = data
		m := fam.NewManifest(cfg, layer, embedded)
		switch mediaType {
		case "":
		case "-":
			m.MediaType = ""
		default:
			m.MediaType = valid(mediaType)
		}
		m.ArtifactType = valid(artifactType)
		if annKey != "" {
			m.Annotations = map[string]string{valid(annKey): valid(annVal)}
		}
		if subject {
			s := cfg
			m.Subject = &s
		}
		if extraName != "" || len(extraValue) > 0 {
			m.Extra = []schema2.Field{{Name: valid(extraName), Value: extraValue}}
		}
		alg := digest.Algorithm("")
		if sha512 {
			alg = digest.SHA512
		}
		checkBuild(t, "schema2.Manifest.Build", m, m.Validate, parseDocument, options(indent, ascii, alg))
	})
}

func FuzzBuildIndex(f *testing.F) {
	d := string(digest.FromString("x"))
	f.Add(true, "", schema2.MediaTypeManifest, d, int64(528), "amd64", "linux", "", "", false, "", "", "", "", []byte(nil), true, true)
	f.Add(true, "", schema2.MediaTypeSchema1, d, int64(321), "arm", "linux", "v7", "sse4", true, "", "", "", "", []byte(nil), true, false)
	f.Add(false, "-", v1.MediaTypeImageIndex, d, int64(1), "", "", "", "", true, "application/vnd.example", "k", "v", "custom", []byte(`"x"`), false, false)
	f.Add(false, "", v1.MediaTypeImageManifest, d, int64(1), "arm64", "", "", "f", false, "", "", "", "config", []byte(`{}`), false, false)
	f.Fuzz(func(t *testing.T, docker bool, mediaType, childType, childDigest string, size int64, arch, osName, variant, feature string,
		noPlatform bool, artifactType, annKey, annVal, extraName string, extraValue []byte, indent, ascii bool) {
		fam := schema2.OCI
		if docker {
			fam = schema2.Docker
		}
		c0 := v1.Descriptor{MediaType: valid(childType), Digest: digest.Digest(valid(childDigest)), Size: size,
			Platform: &v1.Platform{Architecture: valid(arch), OS: valid(osName), Variant: valid(variant)}}
		c1 := c0
		if noPlatform {
			c1.Platform = nil
		}
		ix := fam.NewIndex(c0, c1)
		if feature != "" {
			ix.PlatformFeatures = [][]string{{valid(feature)}, nil}
		}
		switch mediaType {
		case "":
		case "-":
			ix.MediaType = ""
		default:
			ix.MediaType = valid(mediaType)
		}
		ix.ArtifactType = valid(artifactType)
		if annKey != "" {
			ix.Annotations = map[string]string{valid(annKey): valid(annVal)}
		}
		if extraName != "" || len(extraValue) > 0 {
			ix.Extra = []schema2.Field{{Name: valid(extraName), Value: extraValue}}
		}
		checkBuild(t, "schema2.Index.Build", ix, ix.Validate, parseDocument, options(indent, ascii, ""))
	})
}

func FuzzBuildConfig(f *testing.F) {
	f.Add(true, "2018-04-03T18:37:09.284840891Z", "", "", "linux", "", "hello", "", "", "comment", []byte(`"Paweł 😱"`), "layers", "", "/bin/sh -c #(nop) x", false, false, false, true)
	f.Add(false, "", "Sômé guy", "amd64", "linux", "v8", "", "a", "b", "", []byte(nil), "layers", string(digest.FromString("d")), "", true, false, true, false)
	f.Add(true, "", "", "", "", "", "", "", "", "history", []byte(`[]`), "", "sha256:x", "", false, true, false, false)
	f.Fuzz(func(t *testing.T, docker bool, created, author, arch, osName, variant, entrypoint, labelKey, labelVal, extraName string,
		extraValue []byte, rootType, diffID, createdBy string, emptyLayer, noHistory, indent, ascii bool) {
		fam := schema2.OCI
		if docker {
			fam = schema2.Docker
		}
		c := schema2.Config{Created: valid(created), Author: valid(author), Architecture: valid(arch), OS: valid(osName),
			Variant: valid(variant), RootFS: schema2.RootFS{Type: valid(rootType)}, NoHistory: noHistory}
		if entrypoint != "" || labelKey != "" {
			c.Config = &schema2.ContainerConfig{}
			if entrypoint != "" {
				c.Config.Entrypoint = []string{valid(entrypoint)}
			}
			if labelKey != "" {
				c.Config.Labels = map[string]string{valid(labelKey): valid(labelVal)}
				c.Config.Extra = []schema2.Field{{Name: valid(labelKey), Value: extraValue}}
			}
		}
		if diffID != "" {
			c.RootFS.DiffIDs = []digest.Digest{digest.Digest(valid(diffID))}
		}
		if createdBy != "" || emptyLayer {
			c.History = []schema2.History{{Created: valid(created), CreatedBy: valid(createdBy), EmptyLayer: emptyLayer}}
		}
		if extraName != "" || len(extraValue) > 0 {
			c.Extra = []schema2.Field{{Name: valid(extraName), Value: extraValue}}
		}
		o := options(indent, ascii, "")
		if noHistory {
			built, err := c.Build(fam, o)
			if err != nil {
				requireError(t, "schema2.Config.Build", err)
				return
			}
			_, err = schema2.ParseConfig(built.Bytes())
			var e *schema2.Error
			if !errors.As(err, &e) || (e.Path != "history" && c.Validate() == nil) {
				t.Fatalf("ParseConfig(Build(NoHistory) = %s) error = %v, want history missing", built.Bytes(), err)
			}
			return
		}
		parse := func(b *schema2.Built) (buildable, any, error) {
			got, err := schema2.ParseConfig(b.Bytes())
			if err != nil {
				return nil, nil, err
			}
			return configOf{*got, fam}, *got, nil
		}
		checkBuild(t, "schema2.Config.Build", configOf{c, fam}, c.Validate, parse, o)
	})
}

// fuzzTargets are the targets whose corpora TestWriteFuzzCorpus writes.
var fuzzTargets = []string{"FuzzParseManifest", "FuzzParseIndex", "FuzzParseConfig", "FuzzDetect", "FuzzParse",
	"FuzzValidateConfig", "FuzzBuildManifest", "FuzzBuildIndex", "FuzzBuildConfig"}

// TestWriteFuzzCorpus writes, with -update, the seed corpora of the parser
// targets from the build cases (all but the 3.9 MB one), the documents of
// testdata/docs and a few broken ones; without -update it checks that
// every target has a corpus for go test to run.
func TestWriteFuzzCorpus(t *testing.T) {
	if !*update {
		for _, target := range fuzzTargets {
			files, _ := filepath.Glob(filepath.Join("testdata/fuzz", target, "*"))
			if len(files) == 0 {
				t.Errorf("testdata/fuzz/%s has no seed corpus (run go test -run TestWriteFuzzCorpus -update)", target)
			}
		}
		return
	}
	write := func(target, name string, args ...any) {
		var buf strings.Builder
		buf.WriteString("go test fuzz v1\n")
		for _, a := range args {
			switch a := a.(type) {
			case []byte:
				fmt.Fprintf(&buf, "[]byte(%s)\n", strconv.Quote(string(a)))
			case string:
				fmt.Fprintf(&buf, "string(%s)\n", strconv.Quote(a))
			case bool:
				fmt.Fprintf(&buf, "bool(%v)\n", a)
			case int64:
				fmt.Fprintf(&buf, "int64(%d)\n", a)
			case uint8:
				fmt.Fprintf(&buf, "byte(%d)\n", a)
			default:
				t.Fatalf("corpus arg %T", a)
			}
		}
		dir := filepath.Join("testdata/fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(buf.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Files are overwritten, never removed: the inputs the fuzzer found
	// (hash names) stay as regression seeds.
	type sample struct {
		name, ct string
		b        []byte
		config   bool
		index    bool
	}
	var samples []sample
	var configs = map[string][]byte{}
	for _, tc := range buildCases() {
		if tc.name == "oci-large-manifest" {
			continue
		}
		built := mustBuild(tc.doc, tc.o)
		_, isConfig := tc.doc.(configOf)
		_, isIndex := tc.doc.(schema2.Index)
		samples = append(samples, sample{"built-" + tc.name, built.MediaType(), built.Bytes(), isConfig, isIndex})
		if isConfig {
			configs[tc.name] = built.Bytes()
		}
	}
	docs, _ := filepath.Glob("testdata/docs/*.json")
	for _, p := range docs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		k, _ := schema2.Detect("", b)
		samples = append(samples, sample{"doc-" + name, k.MediaType(), b, strings.Contains(name, "config"), k.IsIndex()})
	}
	for _, s := range samples {
		switch {
		case s.config:
			write("FuzzParseConfig", s.name, s.b)
			write("FuzzValidateConfig", s.name, []byte(nil), s.b, uint8(len(s.b)%4))
		case s.index:
			write("FuzzParseIndex", s.name, s.b)
		default:
			write("FuzzParseManifest", s.name, s.b)
		}
		if !s.config {
			write("FuzzParse", s.name, s.ct, s.b)
			write("FuzzDetect", s.name, s.ct, s.b)
			write("FuzzDetect", s.name+"-no-content-type", "", s.b)
		}
	}
	// A manifest with the config it names, as a pusher would have them.
	cfg := configs["config-docker-basic"]
	m := schema2.Docker.NewManifest(schema2.DescriptorFor(schema2.MediaTypeConfig, cfg),
		schema2.Docker.Layer(digest.FromBytes(parentLayer), 15), schema2.Docker.Layer(digest.FromBytes(someLayer), 13))
	write("FuzzValidateConfig", "manifest-and-config", mustBuild(m, schema2.Options{}).Bytes(), cfg, uint8(0))
	// Broken documents from the validation tables.
	for i, b := range []string{
		`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1,"digest":"sha256:zz"},"layers":[]}`,
		`{"schemaVersion":2,"layers":[],"layers":[]}`,
		`{"schemaVersion":2,"config":{"mediaType":"a/b","size":1,"digest":"` + string(digest.FromString("a")) + `","data":"YQ=="},"layers":[{"mediaType":"application/vnd.oci.image.layer.nondistributable.v1.tar","size":1,"digest":"` + string(digest.FromString("a")) + `"}]}`,
	} {
		write("FuzzParseManifest", fmt.Sprintf("broken-%d", i), []byte(b))
		write("FuzzParse", fmt.Sprintf("broken-%d", i), "", []byte(b))
	}
	write("FuzzParseIndex", "broken-0", []byte(`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":1,"digest":"`+string(digest.FromString("a"))+`"}]}`))
	write("FuzzParseConfig", "broken-quay-no-history", []byte(`{"os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`))
	// The build targets: typical models of each kind.
	write("FuzzBuildManifest", "docker-basic", true, "", schema2.MediaTypeConfig, string(digest.FromString("c")), int64(239), schema2.MediaTypeLayer, "", "", "", []byte("parent contents"), "", false, "", []byte(nil), true, true, false)
	write("FuzzBuildManifest", "docker-foreign", true, "", schema2.MediaTypeConfig, string(digest.FromString("c")), int64(239), schema2.MediaTypeForeignLayer, "http://some/url", "", "", []byte("remote contents"), "", false, "", []byte(nil), true, false, false)
	write("FuzzBuildManifest", "oci-artifact-subject", false, "", v1.MediaTypeEmptyJSON, string(digest.FromString("{}")), int64(2), "application/vnd.example.sig", "", "org.opencontainers.image.title", "sig", []byte("sig"), "application/vnd.example.sig", true, "custom", []byte(`{"x":"ü"}`), false, true, true)
	write("FuzzBuildIndex", "docker-list", true, "", schema2.MediaTypeManifest, string(digest.FromString("m")), int64(728), "arm", "linux", "v7", "sse4", false, "", "", "", "", []byte(nil), true, true)
	write("FuzzBuildIndex", "oci-artifact-index", false, "", v1.MediaTypeImageManifest, string(digest.FromString("m")), int64(503), "arm64", "linux", "", "", true, "application/vnd.example", "a", "b", "customField", []byte(`["a",1]`), false, false)
	write("FuzzBuildConfig", "quay-unicode", true, "2018-04-03T18:37:09.284840891Z", "", "", "linux", "", "", "comment", "x", "author", []byte(`"Sômé guy"`), "layers", "", "/bin/sh -c #(nop) someid", false, false, false, true)
	write("FuzzBuildConfig", "oci", false, "2023-01-02T03:04:05Z", "me", "arm64", "linux", "v8", "/app", "", "", "", []byte(nil), "layers", string(digest.FromString("diff")), "COPY app /app", true, false, true, false)
}
