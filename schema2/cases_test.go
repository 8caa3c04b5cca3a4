package schema2_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/schema2"
)

// Fixture blobs. Only digests and sizes matter to a manifest.
var (
	parentLayer  = []byte("parent contents")
	someLayer    = []byte("some contents")
	remoteLayer  = []byte("remote contents")
	emptyLayer   = digest.Digest("sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4")
	emptyJSON    = []byte("{}")
	quayCreated  = "2018-04-03T18:37:09.284840891Z"
	artifactType = "application/vnd.example.artifact.v1"
)

// buildable is anything a case builds: a Manifest, an Index, or a config
// with its family.
type buildable interface {
	Build(o schema2.Options) (*schema2.Built, error)
}

type configOf struct {
	c schema2.Config
	f schema2.Family
}

func (c configOf) Build(o schema2.Options) (*schema2.Built, error) { return c.c.Build(c.f, o) }

// buildCase is one document of the round-trip and golden tests.
type buildCase struct {
	name   string
	doc    buildable
	o      schema2.Options
	golden bool // keep the exact bytes in testdata/golden/<name>.json
}

// cmpOpts compares parsed models with built ones: nil and empty are alike
// (the wire format cannot tell them apart), and raw JSON values compare by
// meaning (a parser compacts them; EnsureASCII escapes them).
var cmpOpts = cmp.Options{
	cmp.FilterPath(func(p cmp.Path) bool { return p.Last().Type() != rawType }, cmpopts.EquateEmpty()),
	cmp.FilterPath(func(p cmp.Path) bool { return p.Last().Type() == rawType }, cmp.Comparer(func(a, b json.RawMessage) bool {
		var x, y any
		if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
			return bytes.Equal(a, b)
		}
		return cmp.Equal(x, y)
	})),
}

var rawType = reflect.TypeOf(json.RawMessage(nil))

func mustBuild(b buildable, o schema2.Options) *schema2.Built {
	built, err := b.Build(o)
	if err != nil {
		panic(err)
	}
	return built
}

// quayConfig is the config Quay's build_schema2 writes for images (given as
// id and empty), with the leaf's container config.
func quayConfig(ids []string, empty []bool, leaf *schema2.ContainerConfig) schema2.Config {
	c := schema2.Config{OS: "linux", RootFS: schema2.RootFS{Type: "layers"}, Config: leaf, History: []schema2.History{}}
	for i, id := range ids {
		by := "/bin/sh -c #(nop) " + id
		if leaf != nil && len(leaf.Entrypoint) > 0 {
			by = fmt.Sprintf("/bin/sh -c #(nop) ENTRYPOINT %v", leaf.Entrypoint)
		}
		c.History = append(c.History, schema2.History{Created: quayCreated, CreatedBy: by, EmptyLayer: empty[i]})
	}
	return c
}

func unicodeLeaf(comment string) *schema2.ContainerConfig {
	return &schema2.ContainerConfig{Extra: []schema2.Field{
		schema2.MustField("comment", comment),
		schema2.MustField("author", "Sômé guy"),
	}}
}

// largeManifest is OCI's large-manifest data set: 390 annotations of
// 10 000 bytes, about 3.9 MB, under 4 MiB.
func largeManifest() schema2.Manifest {
	cfg := schema2.DescriptorFor(v1.MediaTypeImageConfig, []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"history":[]}`))
	m := schema2.OCI.NewManifest(cfg, schema2.OCI.Layer(digest.FromBytes(someLayer), int64(len(someLayer))))
	m.Annotations = make(map[string]string, 390)
	for i := range 390 {
		m.Annotations[fmt.Sprintf("org.example.large.%03d", i)] = strings.Repeat(string(rune('a'+i%26)), 10000)
	}
	return m
}

func buildCases() []buildCase {
	quay := schema2.Options{Indent: "   "}
	quayASCII := schema2.Options{Indent: "   ", EnsureASCII: true}
	basicCfg := quayConfig([]string{"parentid", "someid"}, []bool{false, false}, nil)
	basicCfgBuilt := mustBuild(configOf{basicCfg, schema2.Docker}, schema2.Options{})
	basicLayers := []v1.Descriptor{
		schema2.Docker.Layer(digest.FromBytes(parentLayer), int64(len(parentLayer))),
		schema2.Docker.Layer(digest.FromBytes(someLayer), int64(len(someLayer))),
	}
	ociCfg := basicCfg
	ociCfg.Architecture = "amd64"
	ociCfgBuilt := mustBuild(configOf{ociCfg, schema2.OCI}, schema2.Options{})
	ociLayers := []v1.Descriptor{
		schema2.OCI.Layer(digest.FromBytes(parentLayer), int64(len(parentLayer))),
		schema2.OCI.Layer(digest.FromBytes(someLayer), int64(len(someLayer))),
	}
	emptyCfg := schema2.DescriptorFor(v1.MediaTypeEmptyJSON, emptyJSON)

	var cases []buildCase
	add := func(name string, doc buildable, o schema2.Options, golden bool) {
		cases = append(cases, buildCase{name, doc, o, golden})
	}

	// Configs.
	add("config-docker-basic", configOf{basicCfg, schema2.Docker}, schema2.Options{}, true)
	add("config-oci-basic", configOf{ociCfg, schema2.OCI}, schema2.Options{}, false)
	add("config-empty-layers", configOf{quayConfig([]string{"parentid", "emptyid", "middleid", "emptyid2", "someid"},
		[]bool{false, true, false, true, false}, nil), schema2.Docker}, schema2.Options{}, false)
	add("config-no-layers", configOf{quayConfig(nil, nil, nil), schema2.Docker}, schema2.Options{}, false)
	add("config-unicode-escaped", configOf{quayConfig([]string{"parentid", "someid"}, []bool{false, false},
		unicodeLeaf("the Pawe\u00c5\u0082 Kami\u00c5\u0084ski image")), schema2.Docker}, schema2.Options{EnsureASCII: true}, true)
	add("config-unicode-raw", configOf{quayConfig([]string{"parentid", "someid"}, []bool{false, false},
		unicodeLeaf("the Pawe\u00c5\u0082 Kami\u00c5\u0084ski image")), schema2.Docker}, schema2.Options{}, true)
	add("config-emoji-escaped", configOf{quayConfig([]string{"parentid", "someid"}, []bool{false, false},
		unicodeLeaf("😱")), schema2.Docker}, schema2.Options{EnsureASCII: true}, true)
	add("config-emoji-raw", configOf{quayConfig([]string{"parentid", "someid"}, []bool{false, false},
		unicodeLeaf("😱")), schema2.Docker}, schema2.Options{}, false)
	add("config-entrypoint-labels", configOf{quayConfig([]string{"theimage"}, []bool{false},
		&schema2.ContainerConfig{
			Entrypoint: []string{"hello"},
			Labels:     map[string]string{"foo": "bar", "theoretically-invalid--label": "foo", "jsonlabel": `{"hey": "there"}`, "<html>": "&"},
			Extra:      []schema2.Field{schema2.MustField("foo", "childbar")},
		}), schema2.Docker}, schema2.Options{}, true)
	add("config-full", configOf{schema2.Config{
		Created: "2021-06-03T18:37:09Z", Author: "Sômé guy", Architecture: "arm", OS: "linux",
		OSVersion: "5.10", OSFeatures: []string{"f1"}, Variant: "v7",
		Config: &schema2.ContainerConfig{
			User: "1000", ExposedPorts: map[string]struct{}{"80/tcp": {}}, Env: []string{"A=1"},
			Entrypoint: []string{"/app"}, Cmd: []string{"-v"}, Volumes: map[string]struct{}{"/data": {}},
			WorkingDir: "/srv", Labels: map[string]string{"a": "b"}, StopSignal: "SIGTERM",
			Extra: []schema2.Field{schema2.MustField("Hostname", ""), schema2.MustField("OnBuild", nil)},
		},
		RootFS:  schema2.RootFS{Type: "layers", DiffIDs: []digest.Digest{digest.FromString("diff1")}},
		History: []schema2.History{{Created: quayCreated, CreatedBy: "by", Author: "me", Comment: "c", EmptyLayer: false}},
		Extra:   []schema2.Field{schema2.MustField("docker_version", "20.10.7"), schema2.MustField("container_config", map[string]any{"Cmd": []string{"x"}})},
	}, schema2.Docker}, quay, false)

	// Docker schema2 manifests.
	add("docker-basic", schema2.Docker.NewManifest(basicCfgBuilt.Descriptor(), basicLayers...), quay, true)
	add("docker-basic-compact", schema2.Docker.NewManifest(basicCfgBuilt.Descriptor(), basicLayers...), schema2.Options{}, false)
	add("docker-empty-manifest", schema2.Docker.NewManifest(
		mustBuild(configOf{quayConfig(nil, nil, nil), schema2.Docker}, schema2.Options{}).Descriptor()), quay, false)
	add("docker-empty-layer", schema2.Docker.NewManifest(basicCfgBuilt.Descriptor(),
		schema2.Docker.Layer(digest.FromBytes(parentLayer), int64(len(parentLayer))),
		schema2.Docker.Layer(digest.FromString("middle"), 6),
		schema2.Docker.Layer(digest.FromBytes(someLayer), int64(len(someLayer)))), quay, false)
	add("docker-foreign", schema2.Docker.NewManifest(basicCfgBuilt.Descriptor(),
		schema2.Docker.Layer(digest.FromBytes(remoteLayer), int64(len(remoteLayer)), "http://some/url"),
		basicLayers[0], basicLayers[1]), quay, true)
	add("docker-same-blob-twice", schema2.Docker.NewManifest(basicCfgBuilt.Descriptor(), basicLayers[0], basicLayers[0]), quay, false)
	add("docker-sha512", schema2.Docker.NewManifest(basicCfgBuilt.Descriptor(), basicLayers...), schema2.Options{Algorithm: digest.SHA512}, false)

	// OCI image manifests and artifacts.
	add("oci-image", schema2.OCI.NewManifest(ociCfgBuilt.Descriptor(), ociLayers...), schema2.Options{}, true)
	add("oci-image-indented-ascii", schema2.OCI.NewManifest(ociCfgBuilt.Descriptor(), ociLayers...), quayASCII, false)
	add("oci-image-uncompressed", schema2.OCI.NewManifest(ociCfgBuilt.Descriptor(),
		v1.Descriptor{MediaType: v1.MediaTypeImageLayer, Digest: digest.FromString("tar"), Size: 2048}), schema2.Options{}, false)
	add("oci-no-layers", schema2.OCI.NewManifest(ociCfgBuilt.Descriptor()), schema2.Options{}, false)
	noMediaType := schema2.OCI.NewManifest(ociCfgBuilt.Descriptor(), ociLayers...)
	noMediaType.MediaType = ""
	add("oci-no-media-type", noMediaType, schema2.Options{}, false)
	add("oci-nondistributable", schema2.OCI.NewManifest(ociCfgBuilt.Descriptor(),
		schema2.OCI.Layer(digest.FromBytes(remoteLayer), int64(len(remoteLayer)), "https://example.com/layer", "http://mirror.example.com/layer"),
		v1.Descriptor{MediaType: schema2.MediaTypeOCINondistributableLayer, Digest: digest.FromString("nd"), Size: 2, URLs: []string{"http://x/nd"}},
		ociLayers[1]), schema2.Options{}, false)
	artifact := schema2.OCI.NewManifest(emptyCfg,
		v1.Descriptor{MediaType: "application/vnd.example.payload.v1+json", Digest: digest.FromString("payload"), Size: 7,
			Annotations: map[string]string{v1.AnnotationTitle: "payload.json"}})
	artifact.ArtifactType = artifactType
	add("oci-artifact", artifact, schema2.Options{}, true)
	noLayers := schema2.OCI.NewManifest(emptyCfg, emptyCfg)
	noLayers.ArtifactType = artifactType
	add("oci-artifact-no-layers", noLayers, schema2.Options{}, false)
	withData := schema2.OCI.NewManifest(v1.DescriptorEmptyJSON,
		v1.Descriptor{MediaType: v1.MediaTypeImageLayer, Digest: digest.FromBytes(someLayer), Size: int64(len(someLayer)), Data: someLayer},
		v1.Descriptor{MediaType: "application/vnd.example.empty", Digest: digest.FromString(""), Size: 0, Data: []byte{}})
	withData.ArtifactType = artifactType
	add("oci-data-field", withData, schema2.Options{}, true)
	subject := schema2.OCI.NewManifest(emptyCfg, emptyCfg)
	subject.ArtifactType = artifactType
	subject.Subject = &v1.Descriptor{MediaType: v1.MediaTypeImageManifest, Digest: digest.FromString("subject"), Size: 1234}
	subject.Annotations = map[string]string{"org.example.b": "2", "org.example.a": "<1 & 2>"}
	add("oci-subject", subject, schema2.Options{}, false)
	custom := schema2.OCI.NewManifest(ociCfgBuilt.Descriptor(), ociLayers...)
	custom.Extra = []schema2.Field{
		{Name: "customField", Value: json.RawMessage(`"value"`)},
		{Name: "customObject", Value: json.RawMessage(`{"z":1,"a":[true,null,"é"]}`)},
	}
	add("oci-custom-fields", custom, schema2.Options{}, true)
	add("oci-large-manifest", largeManifest(), schema2.Options{}, false)
	add("oci-sha512", schema2.OCI.NewManifest(
		mustBuild(configOf{ociCfg, schema2.OCI}, schema2.Options{Algorithm: digest.SHA512}).Descriptor(),
		v1.Descriptor{MediaType: v1.MediaTypeImageLayerGzip, Digest: digest.SHA512.FromBytes(someLayer), Size: int64(len(someLayer))}),
		schema2.Options{Algorithm: digest.SHA512}, false)

	// Lists and indexes.
	s2 := mustBuild(schema2.Docker.NewManifest(basicCfgBuilt.Descriptor(), basicLayers...), quay)
	s1u := v1.Descriptor{MediaType: schema2.MediaTypeSchema1, Digest: digest.FromString("unsigned schema1"), Size: 321}
	s1u.Platform = &v1.Platform{Architecture: "amd64", OS: "linux"}
	list := schema2.Docker.NewIndex(s1u, s2.Child(&v1.Platform{Architecture: "arm", OS: "linux"}))
	add("docker-list", list, quayASCII, true)
	full := schema2.Docker.NewIndex(
		s2.Child(&v1.Platform{Architecture: "amd64", OS: "linux"}),
		s2.Child(&v1.Platform{Architecture: "arm", OS: "linux", Variant: "v7"}),
		s2.Child(&v1.Platform{Architecture: "amd64", OS: "windows", OSVersion: "10.0.17763", OSFeatures: []string{"win32k"}}))
	full.PlatformFeatures = [][]string{nil, {"sse4", "aes"}, nil}
	add("docker-list-platforms", full, quay, false)
	add("docker-list-duplicate", schema2.Docker.NewIndex(
		s2.Child(&v1.Platform{Architecture: "amd64", OS: "linux"}),
		s2.Child(&v1.Platform{Architecture: "amd32", OS: "linux"})), quay, false)
	imgA := mustBuild(schema2.OCI.NewManifest(ociCfgBuilt.Descriptor(), ociLayers...), schema2.Options{})
	imgB := mustBuild(schema2.OCI.NewManifest(ociCfgBuilt.Descriptor(), ociLayers[0]), schema2.Options{})
	index := schema2.OCI.NewIndex(
		imgA.Child(&v1.Platform{Architecture: "amd64", OS: "linux"}),
		imgB.Child(&v1.Platform{Architecture: "arm64", OS: "linux", Variant: "v8"}))
	add("oci-index", index, schema2.Options{}, true)
	inner := mustBuild(index, schema2.Options{})
	inner2 := mustBuild(schema2.OCI.NewIndex(imgB.Child(&v1.Platform{Architecture: "arm64", OS: "linux"})), schema2.Options{})
	add("oci-index-nested", schema2.OCI.NewIndex(inner.Descriptor(), inner2.Descriptor()), schema2.Options{}, false)
	add("oci-index-empty", schema2.OCI.NewIndex(), schema2.Options{}, true)
	artA := mustBuild(artifact, schema2.Options{})
	artB := mustBuild(noLayers, schema2.Options{})
	artIndex := schema2.OCI.NewIndex(
		artA.Child(&v1.Platform{Architecture: "amd64", OS: "linux"}),
		artB.Child(&v1.Platform{Architecture: "arm64", OS: "linux"}))
	artIndex.ArtifactType = artifactType
	artIndex.Subject = &v1.Descriptor{MediaType: v1.MediaTypeImageManifest, Digest: imgA.Digest(), Size: imgA.Size()}
	artIndex.Annotations = map[string]string{"org.example": "index"}
	add("oci-index-artifact", artIndex, schema2.Options{}, false)
	customIndex := schema2.OCI.NewIndex(imgA.Child(nil))
	customIndex.Extra = []schema2.Field{{Name: "customField", Value: json.RawMessage(`["a",1]`)}}
	add("oci-index-custom-fields", customIndex, quayASCII, false)
	return cases
}
