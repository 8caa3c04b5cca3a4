package schema2_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/schema2"
)

func TestBlobs(t *testing.T) {
	cfg := schema2.DescriptorFor(schema2.MediaTypeConfig, []byte("{}"))
	remote := schema2.Docker.Layer(digest.FromBytes(remoteLayer), 15, "http://some/url")
	parent := schema2.Docker.Layer(digest.FromBytes(parentLayer), 15)
	m := schema2.Docker.NewManifest(cfg, remote, parent, parent)
	built, err := m.Build(schema2.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []schema2.Blob{
		{Descriptor: cfg, IsConfig: true},
		{Descriptor: remote, Foreign: true},
		{Descriptor: parent},
		{Descriptor: parent},
	}
	if diff := cmp.Diff(want, built.Blobs()); diff != "" {
		t.Errorf("Blobs() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, m.Blobs()); diff != "" {
		t.Errorf("Manifest.Blobs() mismatch (-want +got):\n%s", diff)
	}
	for i, b := range built.Blobs() {
		if got, want := b.Upload(), i != 1; got != want {
			t.Errorf("Blobs()[%d].Upload() = %v, want %v", i, got, want)
		}
	}
	// A non-distributable OCI layer without urls is not a valid manifest,
	// but its Blob must still be uploaded (distribution checks its blob).
	nd := schema2.Blob{Descriptor: v1.Descriptor{MediaType: schema2.MediaTypeOCINondistributableLayer}, Foreign: true}
	if !nd.Upload() {
		t.Errorf("Blob{foreign, no urls}.Upload() = false, want true")
	}
	if built.Children() != nil {
		t.Errorf("Children() of an image manifest = %v, want nil", built.Children())
	}
	// Returned slices are copies.
	built.Blobs()[1].Descriptor.URLs[0] = "changed"
	if got := built.Blobs()[1].Descriptor.URLs[0]; got != "http://some/url" {
		t.Errorf("Blobs() after modifying a returned copy: urls[0] = %q, want http://some/url", got)
	}
}

func TestChildren(t *testing.T) {
	img := mustBuild(schema2.OCI.NewManifest(v1.DescriptorEmptyJSON), schema2.Options{})
	p := &v1.Platform{Architecture: "arm64", OS: "linux", OSFeatures: []string{"x"}}
	child := img.Child(p)
	p.OSFeatures[0] = "changed"
	want := v1.Descriptor{MediaType: v1.MediaTypeImageManifest, Digest: img.Digest(), Size: img.Size(),
		Platform: &v1.Platform{Architecture: "arm64", OS: "linux", OSFeatures: []string{"x"}}}
	if diff := cmp.Diff(want, child); diff != "" {
		t.Errorf("Child() mismatch (-want +got):\n%s", diff)
	}
	if got := img.Child(nil); got.Platform != nil {
		t.Errorf("Child(nil).Platform = %+v, want nil", got.Platform)
	}
	ix := mustBuild(schema2.OCI.NewIndex(child, img.Descriptor()), schema2.Options{})
	if diff := cmp.Diff([]v1.Descriptor{want, img.Descriptor()}, ix.Children()); diff != "" {
		t.Errorf("Index Children() mismatch (-want +got):\n%s", diff)
	}
	if ix.Blobs() != nil {
		t.Errorf("Blobs() of an index = %v, want nil", ix.Blobs())
	}
	if got := mustBuild(schema2.OCI.NewIndex(), schema2.Options{}).Children(); got == nil || len(got) != 0 {
		t.Errorf("Children() of an empty index = %#v, want an empty slice", got)
	}
}

func TestFamily(t *testing.T) {
	d := digest.FromString("l")
	tests := []struct {
		f                                       schema2.Family
		manifest, index, config, layer, foreign string
		layerMT, foreignMT                      string
	}{
		{schema2.Docker, schema2.MediaTypeManifest, schema2.MediaTypeManifestList, schema2.MediaTypeConfig, schema2.MediaTypeLayer, schema2.MediaTypeForeignLayer, schema2.MediaTypeLayer, schema2.MediaTypeForeignLayer},
		{schema2.OCI, v1.MediaTypeImageManifest, v1.MediaTypeImageIndex, v1.MediaTypeImageConfig, v1.MediaTypeImageLayerGzip, schema2.MediaTypeOCINondistributableLayerGzip, v1.MediaTypeImageLayerGzip, schema2.MediaTypeOCINondistributableLayerGzip},
		{0, "", "", "", "", "", "", ""},
	}
	for _, tt := range tests {
		got := []string{tt.f.ManifestMediaType(), tt.f.IndexMediaType(), tt.f.ConfigMediaType(), tt.f.LayerMediaType(), tt.f.ForeignLayerMediaType(),
			tt.f.Layer(d, 1).MediaType, tt.f.Layer(d, 1, "http://x/y").MediaType}
		want := []string{tt.manifest, tt.index, tt.config, tt.layer, tt.foreign, tt.layerMT, tt.foreignMT}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%v media types mismatch (-want +got):\n%s", tt.f, diff)
		}
	}
	if l := schema2.Docker.Layer(d, 1); l.URLs != nil {
		t.Errorf("Docker.Layer(d, 1).URLs = %#v, want nil", l.URLs)
	}
	if _, err := (schema2.Config{}).Build(0, schema2.Options{}); err == nil {
		t.Errorf("Config.Build(Family(0)) error = nil, want one")
	}
}

func TestOptions(t *testing.T) {
	m := schema2.OCI.NewManifest(v1.DescriptorEmptyJSON)
	for _, tt := range []struct {
		o    schema2.Options
		path string
	}{
		{schema2.Options{Indent: "x"}, "Options.Indent"},
		{schema2.Options{Indent: "\n"}, "Options.Indent"},
		{schema2.Options{Algorithm: "md5"}, "Options.Algorithm"},
	} {
		_, err := m.Build(tt.o)
		checkErr(t, "schema2.Manifest.Build", err, tt.path)
		_, err = schema2.OCI.NewIndex().Build(tt.o)
		checkErr(t, "schema2.Index.Build", err, tt.path)
		_, err = schema2.Config{}.Build(schema2.OCI, tt.o)
		checkErr(t, "schema2.Config.Build", err, tt.path)
	}
	tab := mustBuild(m, schema2.Options{Indent: "\t"})
	if !bytes.Contains(tab.Bytes(), []byte("\n\t\"config\"")) {
		t.Errorf("Build(Indent tab) = %s, want tab indents", tab.Bytes())
	}
	sha384 := mustBuild(m, schema2.Options{Algorithm: digest.SHA384})
	if got, want := sha384.Digest(), digest.SHA384.FromBytes(sha384.Bytes()); got != want {
		t.Errorf("Digest() with sha384 = %s, want %s", got, want)
	}
}

// TestBytes checks the byte-level choices: key order, Quay's indent, no
// HTML escaping, EnsureASCII.
func TestBytes(t *testing.T) {
	cfg := v1.Descriptor{MediaType: schema2.MediaTypeConfig, Digest: digest.FromString("c"), Size: 3}
	m := schema2.Docker.NewManifest(cfg, schema2.Docker.Layer(digest.FromString("l"), 7, "http://a/b?x=1&y=<2>"))
	got := string(mustBuild(m, schema2.Options{Indent: "   "}).Bytes())
	want := `{
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
   "config": {
      "mediaType": "application/vnd.docker.container.image.v1+json",
      "digest": "` + string(cfg.Digest) + `",
      "size": 3
   },
   "layers": [
      {
         "mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
         "digest": "` + string(digest.FromString("l")) + `",
         "size": 7,
         "urls": [
            "http://a/b?x=1&y=<2>"
         ]
      }
   ]
}`
	if got != want {
		t.Errorf("Build(Indent 3) =\n%s\nwant\n%s", got, want)
	}
	c := schema2.Config{OS: "linux", RootFS: schema2.RootFS{Type: "layers"},
		Config: &schema2.ContainerConfig{Extra: []schema2.Field{schema2.MustField("comment", "Paweł 😱 <b>")}}}
	ascii := string(mustBuild(configOf{c, schema2.Docker}, schema2.Options{EnsureASCII: true}).Bytes())
	if want := `{"os":"linux","config":{"comment":"Pawe\u0142 \ud83d\ude31 <b>"},"rootfs":{"type":"layers","diff_ids":[]},"history":[]}`; ascii != want {
		t.Errorf("Config.Build(EnsureASCII) =\n%s\nwant\n%s", ascii, want)
	}
	raw := string(mustBuild(configOf{c, schema2.Docker}, schema2.Options{}).Bytes())
	if want := `{"os":"linux","config":{"comment":"Paweł 😱 <b>"},"rootfs":{"type":"layers","diff_ids":[]},"history":[]}`; raw != want {
		t.Errorf("Config.Build() =\n%s\nwant\n%s", raw, want)
	}
	// Same model, other bytes: the digest is over the exact bytes.
	a := mustBuild(configOf{c, schema2.Docker}, schema2.Options{EnsureASCII: true})
	b := mustBuild(configOf{c, schema2.Docker}, schema2.Options{})
	if a.Digest() == b.Digest() {
		t.Errorf("escaped and raw configs have the same digest %s, want different", a.Digest())
	}
}

// TestNoHistory builds Quay's broken config: no history member. It builds
// without Unvalidated, and every parser rejects it.
func TestNoHistory(t *testing.T) {
	c := schema2.Config{OS: "linux", RootFS: schema2.RootFS{Type: "layers"}, NoHistory: true,
		History: []schema2.History{{CreatedBy: "ignored"}}}
	built, err := c.Build(schema2.Docker, schema2.Options{})
	if err != nil {
		t.Fatalf("Build(NoHistory) error: %v", err)
	}
	if got, want := string(built.Bytes()), `{"os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`; got != want {
		t.Errorf("Build(NoHistory) = %s, want %s", got, want)
	}
	_, err = schema2.ParseConfig(built.Bytes())
	checkErr(t, "schema2.ParseConfig", err, "history")
	m := schema2.Docker.NewManifest(built.Descriptor())
	checkErr(t, "schema2.ValidateConfig", schema2.ValidateConfig(m, built.Bytes()), "history")
}

// TestBuildInvalid checks that Build refuses what the parser would
// reject, naming the same rule, and that Unvalidated builds it anyway.
func TestBuildInvalid(t *testing.T) {
	good := v1.Descriptor{MediaType: "a/b", Digest: digest.FromString("g"), Size: 1}
	manifest := func(edit func(m *schema2.Manifest)) schema2.Manifest {
		m := schema2.OCI.NewManifest(good, good)
		edit(&m)
		return m
	}
	index := func(edit func(ix *schema2.Index)) schema2.Index {
		ix := schema2.Docker.NewIndex(v1.Descriptor{MediaType: schema2.MediaTypeManifest, Digest: good.Digest, Size: 1,
			Platform: &v1.Platform{Architecture: "amd64", OS: "linux"}})
		edit(&ix)
		return ix
	}
	tests := []struct {
		name      string
		doc       schema2.Document
		path      string
		modelOnly bool // the rule is about the model; its serialization is valid
	}{
		{"schemaVersion 0", manifest(func(m *schema2.Manifest) { m.SchemaVersion = 0 }), "schemaVersion", false},
		{"mediaType", manifest(func(m *schema2.Manifest) { m.MediaType = "application/json" }), "mediaType", false},
		{"docker config type", manifest(func(m *schema2.Manifest) { m.MediaType = schema2.MediaTypeManifest }), "config.mediaType", false},
		{"negative size", manifest(func(m *schema2.Manifest) { m.Layers[0].Size = -1 }), "layers[0].size", false},
		{"bad digest", manifest(func(m *schema2.Manifest) { m.Layers[0].Digest = "sha256:abc" }), "layers[0].digest", false},
		{"data mismatch", manifest(func(m *schema2.Manifest) { m.Layers[0].Data = []byte("x") }), "layers[0].data", false},
		{"foreign without urls", manifest(func(m *schema2.Manifest) { m.Layers[0].MediaType = schema2.MediaTypeOCINondistributableLayer }), "layers[0].urls", false},
		{"extra takes a field's name", manifest(func(m *schema2.Manifest) { m.Extra = []schema2.Field{schema2.MustField("layers", 1)} }), "Extra[0].Name", false},
		{"extra manifests", manifest(func(m *schema2.Manifest) { m.Extra = []schema2.Field{schema2.MustField("manifests", []int{})} }), "manifests", false},
		{"extra repeated", manifest(func(m *schema2.Manifest) {
			m.Extra = []schema2.Field{schema2.MustField("x", 1), schema2.MustField("x", 2)}
		}), "Extra[1].Name", false},
		{"subject digest", manifest(func(m *schema2.Manifest) { m.Subject = &v1.Descriptor{MediaType: "a/b"} }), "subject.digest", false},
		{"list child type", index(func(ix *schema2.Index) { ix.Manifests[0].MediaType = v1.MediaTypeImageManifest }), "manifests[0].mediaType", false},
		{"list child platform", index(func(ix *schema2.Index) { ix.Manifests[0].Platform = nil }), "manifests[0].platform", false},
		{"list child os", index(func(ix *schema2.Index) { ix.Manifests[0].Platform.OS = "" }), "manifests[0].platform.os", false},
		{"index extra config", index(func(ix *schema2.Index) { ix.Extra = []schema2.Field{schema2.MustField("config", 1)} }), "config", false},
		{"features count", index(func(ix *schema2.Index) { ix.PlatformFeatures = [][]string{{"a"}, {"b"}} }), "PlatformFeatures", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := "schema2.Manifest.Build"
			if _, ok := tt.doc.(schema2.Index); ok {
				fn = "schema2.Index.Build"
			}
			_, err := tt.doc.Build(schema2.Options{})
			checkErr(t, fn, err, tt.path)
			checkErr(t, strings.Replace(fn, "Build", "Validate", 1), tt.doc.Validate(), tt.path)
			built, err := tt.doc.Build(schema2.Options{Unvalidated: true})
			if err != nil {
				t.Fatalf("Build(Unvalidated) error: %v", err)
			}
			if _, err := schema2.Parse("", built.Bytes()); err == nil && !tt.modelOnly {
				t.Errorf("Parse(Build(Unvalidated)) = nil error, want the document rejected:\n%s", built.Bytes())
			}
		})
	}
	// An Extra value that is no JSON cannot be written even Unvalidated.
	m := manifest(func(m *schema2.Manifest) { m.Extra = []schema2.Field{{Name: "x", Value: json.RawMessage("{")}} })
	_, err := m.Build(schema2.Options{Unvalidated: true})
	checkErr(t, "schema2.Manifest.Build", err, "Extra[0].Value")
	c := schema2.Config{Config: &schema2.ContainerConfig{Extra: []schema2.Field{{Name: "x"}}}}
	_, err = c.Build(schema2.Docker, schema2.Options{Unvalidated: true})
	checkErr(t, "schema2.Config.Build", err, "Config.Extra[0].Value")
	c = schema2.Config{Config: &schema2.ContainerConfig{Extra: []schema2.Field{schema2.MustField("Labels", 1)}}}
	_, err = c.Build(schema2.Docker, schema2.Options{})
	checkErr(t, "schema2.Config.Build", err, "Config.Extra[0].Name")
	c = schema2.Config{RootFS: schema2.RootFS{DiffIDs: []digest.Digest{"nope"}}}
	_, err = c.Build(schema2.Docker, schema2.Options{})
	checkErr(t, "schema2.Config.Build", err, "rootfs.diff_ids[0]")
}

func TestFields(t *testing.T) {
	f, err := schema2.NewField("html", "<&>")
	if err != nil || f.Name != "html" || string(f.Value) != `"<&>"` {
		t.Errorf(`NewField("html", "<&>") = %+v (%s), %v, want {html "<&>"}, nil`, f, f.Value, err)
	}
	if _, err := schema2.NewField("ch", make(chan int)); err == nil {
		t.Errorf("NewField(chan) error = nil, want one")
	}
	defer func() {
		if recover() == nil {
			t.Errorf("MustField(func) did not panic")
		}
	}()
	schema2.MustField("fn", func() {})
}

// TestDataEmpty checks that an empty embedded content ("data": "") stays
// distinct from no data at all.
func TestDataEmpty(t *testing.T) {
	d := v1.Descriptor{MediaType: "a/b", Digest: digest.FromString(""), Size: 0, Data: []byte{}}
	m := schema2.OCI.NewManifest(d)
	built := mustBuild(m, schema2.Options{})
	if !bytes.Contains(built.Bytes(), []byte(`"data":""`)) {
		t.Errorf("Build() = %s, want it to hold \"data\":\"\"", built.Bytes())
	}
	got, err := schema2.ParseManifest(built.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got.Config.Data == nil {
		t.Errorf("ParseManifest(...).Config.Data = nil, want an empty non-nil slice")
	}
	m.Config.Data = nil
	if bytes.Contains(mustBuild(m, schema2.Options{}).Bytes(), []byte(`"data"`)) {
		t.Errorf("Build() with nil Data writes a data member, want none")
	}
}

func TestErrorString(t *testing.T) {
	e := &schema2.Error{Func: "schema2.ParseManifest", Path: "layers[1].mediaType", Got: `"x"`, Want: "one of a, b"}
	if got, want := e.Error(), `schema2.ParseManifest: layers[1].mediaType = "x", want one of a, b`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &schema2.Error{Func: "schema2.ParseConfig", Path: "history", Want: "an array"}
	if got, want := e.Error(), `schema2.ParseConfig: history is missing, want an array`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	// Excerpts are bounded whatever the document holds.
	long := `{"schemaVersion":2,"mediaType":"` + strings.Repeat("é", 5000) + `"}`
	_, err := schema2.ParseManifest([]byte(long))
	if err == nil || len(err.Error()) > 400 {
		t.Errorf("ParseManifest(long mediaType) error has %d bytes, want an error under 400", len(err.Error()))
	}
}
