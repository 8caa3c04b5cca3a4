package schema2_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/schema2"
)

// Placeholders in the documents below: $D is a valid digest, $DC the
// Docker config type, $DL the Docker gzip layer type, $DF the foreign one.
func doc(s string) []byte {
	// The longer placeholders go first: a Replacer tries its pairs in order.
	s = strings.NewReplacer("$DC", schema2.MediaTypeConfig, "$DL", schema2.MediaTypeLayer, "$DF", schema2.MediaTypeForeignLayer).Replace(s)
	return []byte(strings.ReplaceAll(s, "$D", string(digest.FromString("x"))))
}

const (
	dockerHead = `"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json"`
	dockerCfg  = `"config":{"mediaType":"$DC","size":1,"digest":"$D"}`
	ociHead    = `"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"`
	ociCfg     = `"config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":1,"digest":"$D"}`
	listHead   = `"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json"`
	indexHead  = `"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json"`
	s2Child    = `{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":1,"digest":"$D","platform":{"architecture":"amd64","os":"linux"}}`
	ociChild   = `{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":1,"digest":"$D"}`
	configTail = `"rootfs":{"type":"layers","diff_ids":[]},"history":[]`
)

type invalidCase struct {
	name string
	body string
	path string // Error.Path
	want string // a substring of Error.Want
}

func checkInvalid(t *testing.T, fn string, parse func([]byte) error, cases []invalidCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := parse(doc(tc.body))
			if err == nil {
				t.Fatalf("%s(%s) = nil error, want one naming %s", fn, tc.body, tc.path)
			}
			var e *schema2.Error
			if !errors.As(err, &e) {
				t.Fatalf("%s(%s) error = %T %v, want a *schema2.Error", fn, tc.body, err, err)
			}
			if e.Func != fn || e.Path != tc.path || !strings.Contains(e.Want, tc.want) {
				t.Errorf("%s(%s) error = %q\n(Func %q, Path %q, Want %q), want Func %q, Path %q, Want containing %q",
					fn, tc.body, err, e.Func, e.Path, e.Want, fn, tc.path, tc.want)
			}
			if !strings.HasPrefix(err.Error(), fn+": "+tc.path) {
				t.Errorf("%s(...) error = %q, want it to start with %q", fn, err, fn+": "+tc.path)
			}
		})
	}
}

func TestParseManifestInvalid(t *testing.T) {
	cases := []invalidCase{
		{"not JSON", `{"schemaVersion":2`, "body", "a JSON object"},
		{"trailing data", `{} {}`, "body", "a JSON object"},
		{"array", `[]`, "body", "a JSON object"},
		{"empty", ``, "body", "a JSON object"},
		{"schemaVersion missing", `{"mediaType":"x"}`, "schemaVersion", "2"},
		{"schemaVersion 1", `{"schemaVersion":1,` + dockerCfg + `,"layers":[]}`, "schemaVersion", "2"},
		{"schemaVersion string", `{"schemaVersion":"2",` + dockerCfg + `,"layers":[]}`, "schemaVersion", "2"},
		{"schemaVersion float", `{"schemaVersion":2.0,` + dockerCfg + `,"layers":[]}`, "schemaVersion", "2"},
		{"mediaType other", `{"schemaVersion":2,"mediaType":"application/json",` + dockerCfg + `,"layers":[]}`, "mediaType", "or none"},
		{"mediaType list", `{` + listHead + `,` + dockerCfg + `,"layers":[]}`, "mediaType", "or none"},
		{"mediaType number", `{"schemaVersion":2,"mediaType":5,` + dockerCfg + `,"layers":[]}`, "mediaType", "a string"},
		{"config missing", `{` + dockerHead + `,"layers":[]}`, "config", "a descriptor"},
		{"config null", `{` + dockerHead + `,"config":null,"layers":[]}`, "config", "a descriptor"},
		{"config not object", `{` + dockerHead + `,"config":[],"layers":[]}`, "config", "an object"},
		{"config wrong type docker", `{` + dockerHead + `,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":1,"digest":"$D"},"layers":[]}`, "config.mediaType", schema2.MediaTypeConfig},
		{"config mediaType missing", `{` + dockerHead + `,"config":{"size":1,"digest":"$D"},"layers":[]}`, "config.mediaType", "a media type"},
		{"config digest missing", `{` + dockerHead + `,"config":{"mediaType":"$DC","size":1},"layers":[]}`, "config.digest", "a digest"},
		{"config digest invalid", `{` + dockerHead + `,"config":{"mediaType":"$DC","size":1,"digest":"sha256:zz"},"layers":[]}`, "config.digest", "a digest"},
		{"config digest uppercase", `{` + dockerHead + `,"config":{"mediaType":"$DC","size":1,"digest":"SHA256:` + strings.Repeat("a", 64) + `"},"layers":[]}`, "config.digest", "a digest"},
		{"config digest unknown algorithm", `{` + dockerHead + `,"config":{"mediaType":"$DC","size":1,"digest":"md5:d41d8cd98f00b204e9800998ecf8427e"},"layers":[]}`, "config.digest", "unsupported"},
		{"config size missing", `{` + dockerHead + `,"config":{"mediaType":"$DC","digest":"$D"},"layers":[]}`, "config.size", "a non-negative integer"},
		{"config size negative", `{` + dockerHead + `,"config":{"mediaType":"$DC","size":-1,"digest":"$D"},"layers":[]}`, "config.size", "a non-negative integer"},
		{"config size string", `{` + dockerHead + `,"config":{"mediaType":"$DC","size":"1","digest":"$D"},"layers":[]}`, "config.size", "a non-negative integer"},
		{"config size fraction", `{` + dockerHead + `,"config":{"mediaType":"$DC","size":1.5,"digest":"$D"},"layers":[]}`, "config.size", "a non-negative integer"},
		{"config size overflow", `{` + dockerHead + `,"config":{"mediaType":"$DC","size":99999999999999999999,"digest":"$D"},"layers":[]}`, "config.size", "a non-negative integer"},
		{"layers missing", `{` + dockerHead + `,` + dockerCfg + `}`, "layers", "an array of descriptors"},
		{"layers null", `{` + dockerHead + `,` + dockerCfg + `,"layers":null}`, "layers", "an array of descriptors"},
		{"layers object", `{` + dockerHead + `,` + dockerCfg + `,"layers":{}}`, "layers", "an array of descriptors"},
		{"layer not object", `{` + dockerHead + `,` + dockerCfg + `,"layers":["x"]}`, "layers[0]", "an object"},
		{"docker layer type", `{` + dockerHead + `,` + dockerCfg + `,"layers":[{"mediaType":"$DL","size":1,"digest":"$D"},{"mediaType":"x","size":1,"digest":"$D"}]}`, "layers[1].mediaType", "one of \"" + schema2.MediaTypeLayer},
		{"docker layer OCI type", `{` + dockerHead + `,` + dockerCfg + `,"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","size":1,"digest":"$D"}]}`, "layers[0].mediaType", "one of"},
		{"oci layer type malformed", `{` + ociHead + `,` + ociCfg + `,"layers":[{"mediaType":"notatype","size":1,"digest":"$D"}]}`, "layers[0].mediaType", "RFC 6838"},
		{"oci layer type two slashes", `{` + ociHead + `,` + ociCfg + `,"layers":[{"mediaType":"a/b/c","size":1,"digest":"$D"}]}`, "layers[0].mediaType", "RFC 6838"},
		{"foreign without urls", `{` + dockerHead + `,` + dockerCfg + `,"layers":[{"mediaType":"$DF","size":1,"digest":"$D"}]}`, "layers[0].urls", "at least one URL"},
		{"foreign empty urls", `{` + dockerHead + `,` + dockerCfg + `,"layers":[{"mediaType":"$DF","size":1,"digest":"$D","urls":[]}]}`, "layers[0].urls", "at least one URL"},
		{"nondistributable without urls", `{` + ociHead + `,` + ociCfg + `,"layers":[{"mediaType":"` + schema2.MediaTypeOCINondistributableLayerGzip + `","size":1,"digest":"$D"}]}`, "layers[0].urls", "at least one URL"},
		{"url scheme", `{` + dockerHead + `,` + dockerCfg + `,"layers":[{"mediaType":"$DF","size":1,"digest":"$D","urls":["http://ok/x","ftp://x/y"]}]}`, "layers[0].urls[1]", "http or https"},
		{"url fragment", `{` + dockerHead + `,` + dockerCfg + `,"layers":[{"mediaType":"$DF","size":1,"digest":"$D","urls":["http://x/y#f"]}]}`, "layers[0].urls[0]", "without a fragment"},
		{"urls not strings", `{` + dockerHead + `,` + dockerCfg + `,"layers":[{"mediaType":"$DF","size":1,"digest":"$D","urls":[1]}]}`, "layers[0].urls[0]", "a string"},
		{"layer digest invalid", `{` + dockerHead + `,` + dockerCfg + `,"layers":[{"mediaType":"$DL","size":1,"digest":"sha256:` + strings.Repeat("a", 63) + `"}]}`, "layers[0].digest", "a digest"},
		{"repeated member", `{` + dockerHead + `,` + dockerCfg + `,"layers":[],"layers":[]}`, "layers", "each member once"},
		{"repeated escaped member", `{` + dockerHead + `,` + dockerCfg + `,"layers":[],"l\u0061yers":[]}`, "layers", "each member once"},
		{"repeated descriptor member", `{` + dockerHead + `,"config":{"mediaType":"$DC","size":1,"size":2,"digest":"$D"},"layers":[]}`, "config.size", "each member once"},
		{"data size", `{` + ociHead + `,` + ociCfg + `,"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","size":2,"digest":"` + string(digest.FromString("a")) + `","data":"YQ=="}]}`, "layers[0].data", "size 2 bytes"},
		{"data digest", `{` + ociHead + `,` + ociCfg + `,"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","size":1,"digest":"$D","data":"YQ=="}]}`, "layers[0].data", "content of digest"},
		{"data not base64", `{` + ociHead + `,` + ociCfg + `,"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","size":1,"digest":"$D","data":"!!"}]}`, "layers[0].data", "base64"},
		{"annotation not string", `{` + ociHead + `,` + ociCfg + `,"layers":[],"annotations":{"a":"b","c":1}}`, `annotations["c"]`, "a string"},
		{"layer annotations array", `{` + ociHead + `,` + ociCfg + `,"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","size":1,"digest":"$D","annotations":[]}]}`, "layers[0].annotations", "an object"},
		{"manifests member", `{` + ociHead + `,` + ociCfg + `,"layers":[],"manifests":[]}`, "manifests", "no manifests member"},
		{"artifactType malformed", `{` + ociHead + `,"artifactType":"x",` + ociCfg + `,"layers":[]}`, "artifactType", "RFC 6838"},
		{"subject invalid", `{` + ociHead + `,` + ociCfg + `,"layers":[],"subject":{"mediaType":"a/b","size":1}}`, "subject.digest", "a digest"},
		{"layer platform without os", `{` + ociHead + `,` + ociCfg + `,"layers":[{"mediaType":"a/b","size":1,"digest":"$D","platform":{"architecture":"amd64"}}]}`, "layers[0].platform.os", "an os"},
		{"layer artifactType", `{` + ociHead + `,` + ociCfg + `,"layers":[{"mediaType":"a/b","size":1,"digest":"$D","artifactType":"nope"}]}`, "layers[0].artifactType", "RFC 6838"},
	}
	checkInvalid(t, "schema2.ParseManifest", func(b []byte) error { _, err := schema2.ParseManifest(b); return err }, cases)
}

func TestParseIndexInvalid(t *testing.T) {
	cases := []invalidCase{
		{"not JSON", `nope`, "body", "a JSON object"},
		{"schemaVersion missing", `{"manifests":[]}`, "schemaVersion", "2"},
		{"schemaVersion 3", `{"schemaVersion":3,"manifests":[]}`, "schemaVersion", "2"},
		{"mediaType manifest", `{` + dockerHead + `,"manifests":[]}`, "mediaType", "or none"},
		{"manifests missing", `{` + listHead + `}`, "manifests", "an array of descriptors"},
		{"manifests not array", `{` + listHead + `,"manifests":"x"}`, "manifests", "an array of descriptors"},
		{"docker child type", `{` + listHead + `,"manifests":[` + s2Child + `,{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":1,"digest":"$D","platform":{"architecture":"amd64","os":"linux"}}]}`, "manifests[1].mediaType", schema2.MediaTypeSchema1},
		{"docker child signed schema1", `{` + listHead + `,"manifests":[{"mediaType":"` + schema2.MediaTypeSchema1Signed + `","size":1,"digest":"$D","platform":{"architecture":"amd64","os":"linux"}}]}`, "manifests[0].mediaType", "one of"},
		{"docker platform missing", `{` + listHead + `,"manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":1,"digest":"$D"}]}`, "manifests[0].platform", "a platform with architecture and os"},
		{"platform architecture missing", `{` + listHead + `,"manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":1,"digest":"$D","platform":{"os":"linux"}}]}`, "manifests[0].platform.architecture", "an architecture"},
		{"platform os number", `{` + indexHead + `,"manifests":[{"mediaType":"a/b","size":1,"digest":"$D","platform":{"architecture":"amd64","os":1}}]}`, "manifests[0].platform.os", "a string"},
		{"platform architecture empty", `{` + indexHead + `,"manifests":[{"mediaType":"a/b","size":1,"digest":"$D","platform":{"architecture":"","os":"linux"}}]}`, "manifests[0].platform.architecture", "an architecture"},
		{"platform features not array", `{` + listHead + `,"manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":1,"digest":"$D","platform":{"architecture":"amd64","os":"linux","features":"sse4"}}]}`, "manifests[0].platform.features", "an array of strings"},
		{"platform os.features not strings", `{` + indexHead + `,"manifests":[{"mediaType":"a/b","size":1,"digest":"$D","platform":{"architecture":"amd64","os":"linux","os.features":[true]}}]}`, "manifests[0].platform.os.features[0]", "a string"},
		{"child digest", `{` + indexHead + `,"manifests":[` + ociChild + `,{"mediaType":"a/b","size":1,"digest":"sha256:x"}]}`, "manifests[1].digest", "a digest"},
		{"child size negative", `{` + indexHead + `,"manifests":[{"mediaType":"a/b","size":-5,"digest":"$D"}]}`, "manifests[0].size", "a non-negative integer"},
		{"config member", `{` + indexHead + `,"manifests":[],"config":{}}`, "config", "no config member in an index"},
		{"layers member", `{` + indexHead + `,"manifests":[],"layers":[]}`, "layers", "no layers member in an index"},
		{"subject not object", `{` + indexHead + `,"manifests":[],"subject":"x"}`, "subject", "an object"},
		{"annotations value", `{` + indexHead + `,"manifests":[],"annotations":{"k":null}}`, `annotations["k"]`, "a string"},
	}
	checkInvalid(t, "schema2.ParseIndex", func(b []byte) error { _, err := schema2.ParseIndex(b); return err }, cases)
}

func TestParseConfigInvalid(t *testing.T) {
	cases := []invalidCase{
		{"not JSON", `{"history":`, "body", "a JSON object"},
		{"string", `"config"`, "body", "a JSON object"},
		{"history missing (Quay's broken config)", `{"os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`, "history", "an array of history entries"},
		{"history null", `{"rootfs":{"type":"layers"},"history":null}`, "history", "an array of history entries"},
		{"history entry not object", `{"rootfs":{"type":"layers"},"history":[{},"x"]}`, "history[1]", "an object"},
		{"empty_layer string", `{"rootfs":{"type":"layers"},"history":[{"empty_layer":"yes"}]}`, "history[0].empty_layer", "a boolean"},
		{"created number", `{"rootfs":{"type":"layers"},"history":[{"created":5}]}`, "history[0].created", "a string"},
		{"created_by object", `{"rootfs":{"type":"layers"},"history":[{"created_by":{}}]}`, "history[0].created_by", "a string"},
		{"rootfs missing", `{"os":"linux","history":[]}`, "rootfs", "an object with a type"},
		{"rootfs not object", `{"rootfs":"layers","history":[]}`, "rootfs", "an object"},
		{"rootfs type missing", `{"rootfs":{"diff_ids":[]},"history":[]}`, "rootfs.type", "a string"},
		{"rootfs type number", `{"rootfs":{"type":1},"history":[]}`, "rootfs.type", "a string"},
		{"diff_id invalid", `{"rootfs":{"type":"layers","diff_ids":["$D","sha256:nope"]},"history":[]}`, "rootfs.diff_ids[1]", "a digest"},
		{"os number", `{"os":1,` + configTail + `}`, "os", "a string"},
		{"config not object", `{"config":5,` + configTail + `}`, "config", "an object"},
		{"Entrypoint string", `{"config":{"Entrypoint":"/bin/sh"},` + configTail + `}`, "config.Entrypoint", "an array of strings"},
		{"Env number", `{"config":{"Env":[1]},` + configTail + `}`, "config.Env[0]", "a string"},
		{"Labels number", `{"config":{"Labels":{"a":1}},` + configTail + `}`, `config.Labels["a"]`, "a string"},
		{"ExposedPorts value", `{"config":{"ExposedPorts":{"80/tcp":1}},` + configTail + `}`, `config.ExposedPorts["80/tcp"]`, "an object"},
		{"repeated member", `{"os":"linux","os":"linux",` + configTail + `}`, "os", "each member once"},
	}
	checkInvalid(t, "schema2.ParseConfig", func(b []byte) error { _, err := schema2.ParseConfig(b); return err }, cases)
}

// TestValidateConfig checks Quay's config rules against a manifest: digest
// and size, parse, history covering the layers, OCI's architecture and os.
func TestValidateConfig(t *testing.T) {
	layer := schema2.Docker.Layer(digest.FromString("l"), 1)
	hist := func(empty ...bool) []schema2.History {
		h := make([]schema2.History, len(empty))
		for i, e := range empty {
			h[i] = schema2.History{CreatedBy: "step", EmptyLayer: e}
		}
		return h
	}
	tests := []struct {
		name   string
		family schema2.Family
		config schema2.Config
		layers int
		path   string // "" means valid
	}{
		{"valid", schema2.Docker, schema2.Config{RootFS: schema2.RootFS{Type: "layers"}, History: hist(false, false)}, 2, ""},
		{"valid with empty layers", schema2.Docker, schema2.Config{RootFS: schema2.RootFS{Type: "layers"}, History: hist(false, true, false, true)}, 2, ""},
		{"valid empty manifest", schema2.Docker, schema2.Config{RootFS: schema2.RootFS{Type: "layers"}, History: hist()}, 0, ""},
		{"Quay allows more history than layers", schema2.Docker, schema2.Config{RootFS: schema2.RootFS{Type: "layers"}, History: hist(true, true, false)}, 2, ""},
		{"no history", schema2.Docker, schema2.Config{RootFS: schema2.RootFS{Type: "layers"}, NoHistory: true}, 1, "history"},
		{"less history than layers", schema2.Docker, schema2.Config{RootFS: schema2.RootFS{Type: "layers"}, History: hist(false)}, 2, "history"},
		{"too many non-empty entries", schema2.Docker, schema2.Config{RootFS: schema2.RootFS{Type: "layers"}, History: hist(false, false, false)}, 2, "history[2]"},
		{"oci without architecture", schema2.OCI, schema2.Config{OS: "linux", RootFS: schema2.RootFS{Type: "layers"}, History: hist(false)}, 1, "architecture"},
		{"oci without os", schema2.OCI, schema2.Config{Architecture: "amd64", RootFS: schema2.RootFS{Type: "layers"}, History: hist(false)}, 1, "os"},
		{"oci valid", schema2.OCI, schema2.Config{Architecture: "amd64", OS: "linux", RootFS: schema2.RootFS{Type: "layers"}, History: hist(false)}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := tt.config.Build(tt.family, schema2.Options{})
			if err != nil {
				t.Fatal(err)
			}
			layers := make([]v1.Descriptor, tt.layers)
			for i := range layers {
				layers[i] = layer
				layers[i].MediaType = tt.family.LayerMediaType()
			}
			m := tt.family.NewManifest(cfg.Descriptor(), layers...)
			err = schema2.ValidateConfig(m, cfg.Bytes())
			checkErr(t, "schema2.ValidateConfig", err, tt.path)
		})
	}
	// The manifest's config descriptor must fit the blob.
	cfg := mustBuild(configOf{schema2.Config{RootFS: schema2.RootFS{Type: "layers"}}, schema2.Docker}, schema2.Options{})
	m := schema2.Docker.NewManifest(cfg.Descriptor())
	bad := m
	bad.Config.Digest = digest.FromString("other")
	checkErr(t, "schema2.ValidateConfig", schema2.ValidateConfig(bad, cfg.Bytes()), "digest(config blob)")
	bad = m
	bad.Config.Size++
	checkErr(t, "schema2.ValidateConfig", schema2.ValidateConfig(bad, cfg.Bytes()), "len(config blob)")
	bad = m
	bad.Config.MediaType = v1.MediaTypeEmptyJSON
	checkErr(t, "schema2.ValidateConfig", schema2.ValidateConfig(bad, cfg.Bytes()), "config.mediaType")
	bad = m
	bad.Config.Digest = "sha256:x"
	checkErr(t, "schema2.ValidateConfig", schema2.ValidateConfig(bad, cfg.Bytes()), "config.digest")
	garbage := []byte("not json")
	bad = m
	bad.Config = schema2.DescriptorFor(schema2.MediaTypeConfig, garbage)
	checkErr(t, "schema2.ValidateConfig", schema2.ValidateConfig(bad, garbage), "body")
}

// checkErr wants err nil when path is "", else a *schema2.Error of fn at path.
func checkErr(t *testing.T, fn string, err error, path string) {
	t.Helper()
	if path == "" {
		if err != nil {
			t.Errorf("%s error: %v, want nil", fn, err)
		}
		return
	}
	var e *schema2.Error
	if !errors.As(err, &e) {
		t.Errorf("%s error = %v, want a *schema2.Error at %s", fn, err, path)
		return
	}
	if e.Func != fn || e.Path != path {
		t.Errorf("%s error = %q (Func %q, Path %q), want Func %q, Path %q", fn, err, e.Func, e.Path, fn, path)
	}
}
