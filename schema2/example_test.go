package schema2_test

import (
	"errors"
	"fmt"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/schema2"
)

// A Docker schema2 image as Quay's push builds it: a config with one
// history entry per layer, two gzip layers, the first foreign (its blob
// lives at a URL and is not uploaded), indented with three spaces.
func ExampleManifest_Build() {
	config, err := schema2.Config{
		OS:     "linux",
		RootFS: schema2.RootFS{Type: "layers"},
		History: []schema2.History{
			{Created: "2018-04-03T18:37:09.284840891Z", CreatedBy: "/bin/sh -c #(nop) remoteid"},
			{Created: "2018-04-03T18:37:09.284840891Z", CreatedBy: "/bin/sh -c #(nop) someid"},
		},
	}.Build(schema2.Docker, schema2.Options{})
	if err != nil {
		panic(err)
	}
	m := schema2.Docker.NewManifest(config.Descriptor(),
		schema2.Docker.Layer(digest.FromString("remote contents"), 15, "http://some/url"),
		schema2.Docker.Layer(digest.FromString("some contents"), 13),
	)
	built, err := m.Build(schema2.Options{Indent: "   "})
	if err != nil {
		panic(err)
	}
	fmt.Println("PUT", built.MediaType(), built.Size(), built.Digest())
	for _, b := range built.Blobs() {
		fmt.Println(b.Descriptor.MediaType, b.Descriptor.Digest.Encoded()[:12], "upload:", b.Upload())
	}
	// Output:
	// PUT application/vnd.docker.distribution.manifest.v2+json 797 sha256:6a281ef9ed72e7c70d16b3328ca63acf2c00a760d27ade3cc26b711f7876fdc0
	// application/vnd.docker.container.image.v1+json a63cb2107d81 upload: true
	// application/vnd.docker.image.rootfs.foreign.diff.tar.gzip 23de803235bb upload: false
	// application/vnd.docker.image.rootfs.diff.tar.gzip b9e6fc647413 upload: true
}

// An image config with unicode text, escaped as Quay's default
// ensure_ascii does, and raw.
func ExampleConfig_Build() {
	c := schema2.Config{
		Architecture: "amd64",
		OS:           "linux",
		Config: &schema2.ContainerConfig{
			Entrypoint: []string{"hello"},
			Labels:     map[string]string{"maintainer": "Sômé guy"},
			Extra:      []schema2.Field{schema2.MustField("comment", "😱")},
		},
		RootFS:  schema2.RootFS{Type: "layers"},
		History: []schema2.History{{CreatedBy: "/bin/sh -c #(nop) ENTRYPOINT [hello]", EmptyLayer: true}},
	}
	escaped, err := c.Build(schema2.OCI, schema2.Options{EnsureASCII: true})
	if err != nil {
		panic(err)
	}
	raw, err := c.Build(schema2.OCI, schema2.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(escaped.MediaType())
	fmt.Println(string(escaped.Bytes()))
	fmt.Println(string(raw.Bytes()))
	// Output:
	// application/vnd.oci.image.config.v1+json
	// {"architecture":"amd64","os":"linux","config":{"Entrypoint":["hello"],"Labels":{"maintainer":"S\u00f4m\u00e9 guy"},"comment":"\ud83d\ude31"},"rootfs":{"type":"layers","diff_ids":[]},"history":[{"created_by":"/bin/sh -c #(nop) ENTRYPOINT [hello]","empty_layer":true}]}
	// {"architecture":"amd64","os":"linux","config":{"Entrypoint":["hello"],"Labels":{"maintainer":"Sômé guy"},"comment":"😱"},"rootfs":{"type":"layers","diff_ids":[]},"history":[{"created_by":"/bin/sh -c #(nop) ENTRYPOINT [hello]","empty_layer":true}]}
}

// An OCI index of two platform images, as a pusher builds it: the children
// first (each pushed by digest), then the index that names them.
func ExampleIndex_Build() {
	var children []v1.Descriptor
	for _, arch := range []string{"amd64", "arm64"} {
		config, err := schema2.Config{Architecture: arch, OS: "linux", RootFS: schema2.RootFS{Type: "layers"}}.
			Build(schema2.OCI, schema2.Options{})
		if err != nil {
			panic(err)
		}
		img, err := schema2.OCI.NewManifest(config.Descriptor()).Build(schema2.Options{})
		if err != nil {
			panic(err)
		}
		children = append(children, img.Child(&v1.Platform{Architecture: arch, OS: "linux"}))
	}
	index, err := schema2.OCI.NewIndex(children...).Build(schema2.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(index.MediaType(), index.Digest())
	for _, c := range index.Children() {
		fmt.Println(c.Platform.Architecture, c.Digest)
	}
	// Output:
	// application/vnd.oci.image.index.v1+json sha256:8243bddd4d73eaa1b0b3db2a109f81eaf7cbeba3fa16c6467389f946ecdb4af1
	// amd64 sha256:86e4047f00271a17da511eb9f8d1b027f50fb50a226a659c2b690f6752a4f044
	// arm64 sha256:0eb3f60826a10db1d304fc83eb11504b7471c4ef21ed1869a818f2f0ffd75097
}

// A Docker manifest list of an unsigned schema1 child and a schema2 child,
// as Quay's list test pushes it (always ASCII, indented).
func ExampleIndex_Build_dockerList() {
	s1 := v1.Descriptor{
		MediaType: schema2.MediaTypeSchema1, Digest: digest.FromString("an unsigned schema1 manifest"), Size: 321,
		Platform: &v1.Platform{Architecture: "amd64", OS: "linux"},
	}
	s2 := v1.Descriptor{
		MediaType: schema2.MediaTypeManifest, Digest: digest.FromString("a schema2 manifest"), Size: 528,
		Platform: &v1.Platform{Architecture: "arm", OS: "linux", Variant: "v7"},
	}
	list, err := schema2.Docker.NewIndex(s1, s2).Build(schema2.Options{Indent: "   ", EnsureASCII: true})
	if err != nil {
		panic(err)
	}
	fmt.Println(list.MediaType(), list.Digest())
	// Output:
	// application/vnd.docker.distribution.manifest.list.v2+json sha256:64d34232429331f9649b18571a00eaf5609a271a5c5886d8291045b9b0539b3d
}

// An OCI artifact: artifactType, the empty config, one layer of its own
// media type, and a subject (the image it refers to).
func ExampleManifest_Build_artifact() {
	payload := []byte(`{"signed":true}`)
	m := schema2.OCI.NewManifest(v1.DescriptorEmptyJSON,
		schema2.DescriptorFor("application/vnd.example.signature.v1+json", payload))
	m.ArtifactType = "application/vnd.example.signature.v1+json"
	m.Subject = &v1.Descriptor{MediaType: v1.MediaTypeImageManifest, Digest: digest.FromString("an image"), Size: 1234}
	built, err := m.Build(schema2.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(built.Digest())
	fmt.Println(string(built.Bytes()))
	// Output:
	// sha256:c1275973e0fc47fa7335b5ec1ff68e8093a3604a70e15c51c27fea1d86167a9f
	// {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.example.signature.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"data":"e30="},"layers":[{"mediaType":"application/vnd.example.signature.v1+json","digest":"sha256:3f024a3d64024208cb2b7b024edc1cdd90c90002a97157c233b02ef773fd68d7","size":15}],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:a5df3fde7b200c3fa2791144c7e05c5c2bced4c6ad863d3a4cf76c972c1712f9","size":1234}}
}

// Parse what a registry answered, whatever the kind: the pull side's entry
// point.
func ExampleParse() {
	body := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:86e4047f00271a17da511eb9f8d1b027f50fb50a226a659c2b690f6752a4f044","size":262,"platform":{"architecture":"amd64","os":"linux"}}]}`)
	d, err := schema2.Parse("application/vnd.oci.image.index.v1+json", body)
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Kind(), d.Kind().IsIndex(), d.Kind().Family())
	for _, c := range d.(*schema2.Index).Manifests {
		fmt.Println(c.Platform.Architecture, c.Digest)
	}
	// Output:
	// oci-index true oci
	// amd64 sha256:86e4047f00271a17da511eb9f8d1b027f50fb50a226a659c2b690f6752a4f044
}

// Detect tells the kind from the body and checks it against the
// Content-Type the registry sent.
func ExampleDetect() {
	body := []byte(`{"schemaVersion":2,"config":{},"layers":[]}`)
	fmt.Println(schema2.Detect("", body))
	fmt.Println(schema2.Detect("application/vnd.oci.image.manifest.v1+json; charset=utf-8", body))
	fmt.Println(schema2.Detect("application/vnd.docker.distribution.manifest.v2+json", body))
	// Output:
	// oci-manifest <nil>
	// oci-manifest <nil>
	// unknown schema2.Detect: body = an oci-manifest document, want a docker-manifest document, as Content-Type "application/vnd.docker.distribution.manifest.v2+json" says
}

// A rejection names the rule broken, in call-expression form.
func ExampleParseManifest() {
	body := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",` +
		`"config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},` +
		`"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","size":1,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}]}`)
	_, err := schema2.ParseManifest(body)
	fmt.Println(err)
	var e *schema2.Error
	if errors.As(err, &e) {
		fmt.Println(e.Path)
	}
	// Output:
	// schema2.ParseManifest: layers[0].mediaType = "application/vnd.oci.image.layer.v1.tar", want one of "application/vnd.docker.image.rootfs.diff.tar.gzip", "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
	// layers[0].mediaType
}

// ParseIndex reads a Docker manifest list, including the platform
// features image-spec's Platform has no field for.
func ExampleParseIndex() {
	body := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[` +
		`{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":528,"digest":"sha256:86e4047f00271a17da511eb9f8d1b027f50fb50a226a659c2b690f6752a4f044",` +
		`"platform":{"architecture":"arm","os":"linux","variant":"v7","features":["sse4"]}}]}`)
	ix, err := schema2.ParseIndex(body)
	if err != nil {
		panic(err)
	}
	p := ix.Manifests[0].Platform
	fmt.Println(ix.Kind(), p.Architecture, p.Variant, ix.PlatformFeatures[0])
	// Output:
	// docker-list arm v7 [sse4]
}

// ParseConfig keeps the members it does not model, and ValidateConfig
// checks the config against the manifest that references it.
func ExampleValidateConfig() {
	config := []byte(`{"os":"linux","docker_version":"20.10.7","rootfs":{"type":"layers","diff_ids":[]},"history":[{"created_by":"step 1"}]}`)
	c, err := schema2.ParseConfig(config)
	if err != nil {
		panic(err)
	}
	fmt.Println(c.OS, c.Extra[0].Name, string(c.Extra[0].Value), len(c.History))

	layer := schema2.Docker.Layer(digest.FromString("layer"), 5)
	m := schema2.Docker.NewManifest(schema2.DescriptorFor(schema2.MediaTypeConfig, config), layer)
	fmt.Println(schema2.ValidateConfig(m, config))
	m.Layers = append(m.Layers, layer)
	fmt.Println(schema2.ValidateConfig(m, config))
	// Output:
	// linux docker_version "20.10.7" 1
	// <nil>
	// schema2.ValidateConfig: history = 1 entry, want at least 2 (one per layer)
}
