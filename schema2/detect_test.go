package schema2_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/schema2"
)

func TestDetect(t *testing.T) {
	dockerBody := `{` + dockerHead + `,` + dockerCfg + `,"layers":[]}`
	ociBody := `{` + ociHead + `,` + ociCfg + `,"layers":[]}`
	bareOCI := `{"schemaVersion":2,` + ociCfg + `,"layers":[]}`
	bareIndex := `{"schemaVersion":2,"manifests":[]}`
	tests := []struct {
		name, ct, body string
		want           schema2.Kind
		errPath        string
	}{
		{"docker", schema2.MediaTypeManifest, dockerBody, schema2.KindDockerManifest, ""},
		{"docker with parameters", schema2.MediaTypeManifest + "; charset=utf-8", dockerBody, schema2.KindDockerManifest, ""},
		{"docker upper case", strings.ToUpper(schema2.MediaTypeManifest), dockerBody, schema2.KindDockerManifest, ""},
		{"docker no Content-Type", "", dockerBody, schema2.KindDockerManifest, ""},
		{"docker as application/json", "application/json", dockerBody, schema2.KindDockerManifest, ""},
		{"oci", v1.MediaTypeImageManifest, ociBody, schema2.KindOCIManifest, ""},
		{"oci without mediaType", v1.MediaTypeImageManifest, bareOCI, schema2.KindOCIManifest, ""},
		{"oci without anything", "", bareOCI, schema2.KindOCIManifest, ""},
		{"index without mediaType", "", bareIndex, schema2.KindOCIIndex, ""},
		{"index", v1.MediaTypeImageIndex, `{` + indexHead + `,"manifests":[]}`, schema2.KindOCIIndex, ""},
		{"list", schema2.MediaTypeManifestList, `{` + listHead + `,"manifests":[]}`, schema2.KindDockerList, ""},
		{"schema1 signed", schema2.MediaTypeSchema1Signed, `{"schemaVersion":1,"name":"a/b","signatures":[]}`, schema2.KindSchema1Signed, ""},
		{"schema1 signed served as v1+json", schema2.MediaTypeSchema1, `{"schemaVersion":1,"signatures":[]}`, schema2.KindSchema1Signed, ""},
		{"schema1 unsigned", schema2.MediaTypeSchema1, `{"schemaVersion":1}`, schema2.KindSchema1, ""},
		{"schema1 no Content-Type", "", `{"schemaVersion":1}`, schema2.KindSchema1, ""},
		{"unknown Content-Type is not checked", "text/html", ociBody, schema2.KindOCIManifest, ""},
		{"malformed Content-Type is not checked", ";;", ociBody, schema2.KindOCIManifest, ""},
		// Errors.
		{"docker type, oci body", schema2.MediaTypeManifest, ociBody, 0, "body"},
		{"docker type, no mediaType", schema2.MediaTypeManifest, bareOCI, 0, "body"},
		{"oci type, index body", v1.MediaTypeImageManifest, bareIndex, 0, "body"},
		{"list type, manifest body", schema2.MediaTypeManifestList, dockerBody, 0, "body"},
		{"schema2 type, schema1 body", schema2.MediaTypeManifest, `{"schemaVersion":1}`, 0, "body"},
		{"not JSON", "", `<html>`, 0, "body"},
		{"array", "", `[1]`, 0, "body"},
		{"no schemaVersion", "", `{"mediaType":"` + schema2.MediaTypeManifest + `"}`, 0, "schemaVersion"},
		{"schemaVersion 3", "", `{"schemaVersion":3}`, 0, "schemaVersion"},
		{"schemaVersion string", "", `{"schemaVersion":"2"}`, 0, "schemaVersion"},
		{"unknown mediaType", "", `{"schemaVersion":2,"mediaType":"application/json"}`, 0, "mediaType"},
		{"mediaType not string", "", `{"schemaVersion":2,"mediaType":[]}`, 0, "mediaType"},
		{"nothing to tell", "", `{"schemaVersion":2}`, 0, "body"},
		{"repeated member", "", `{"schemaVersion":2,"schemaVersion":1}`, 0, "schemaVersion"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := schema2.Detect(tt.ct, doc(tt.body))
			if tt.errPath != "" {
				checkErr(t, "schema2.Detect", err, tt.errPath)
				if got != schema2.KindUnknown {
					t.Errorf("Detect(%q, %s) = %v, want %v with the error", tt.ct, tt.body, got, schema2.KindUnknown)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Detect(%q, %s) = %v, %v, want %v, nil", tt.ct, tt.body, got, err, tt.want)
			}
		})
	}
}

func TestKind(t *testing.T) {
	tests := []struct {
		k         schema2.Kind
		name, mt  string
		isIndex   bool
		family    schema2.Family
		familyStr string
	}{
		{schema2.KindUnknown, "unknown", "", false, 0, "Family(0)"},
		{schema2.KindSchema1Signed, "schema1-signed", schema2.MediaTypeSchema1Signed, false, 0, "Family(0)"},
		{schema2.KindSchema1, "schema1", schema2.MediaTypeSchema1, false, 0, "Family(0)"},
		{schema2.KindDockerManifest, "docker-manifest", schema2.MediaTypeManifest, false, schema2.Docker, "docker"},
		{schema2.KindDockerList, "docker-list", schema2.MediaTypeManifestList, true, schema2.Docker, "docker"},
		{schema2.KindOCIManifest, "oci-manifest", v1.MediaTypeImageManifest, false, schema2.OCI, "oci"},
		{schema2.KindOCIIndex, "oci-index", v1.MediaTypeImageIndex, true, schema2.OCI, "oci"},
		{schema2.Kind(99), "Kind(99)", "", false, 0, "Family(0)"},
	}
	for _, tt := range tests {
		if got := tt.k.String(); got != tt.name {
			t.Errorf("Kind(%d).String() = %q, want %q", int(tt.k), got, tt.name)
		}
		if got := tt.k.MediaType(); got != tt.mt {
			t.Errorf("%v.MediaType() = %q, want %q", tt.k, got, tt.mt)
		}
		if got := tt.k.IsIndex(); got != tt.isIndex {
			t.Errorf("%v.IsIndex() = %v, want %v", tt.k, got, tt.isIndex)
		}
		if got := tt.k.Family(); got != tt.family || got.String() != tt.familyStr {
			t.Errorf("%v.Family() = %v (%q), want %v (%q)", tt.k, int(got), got, int(tt.family), tt.familyStr)
		}
		if tt.mt != "" {
			if got := schema2.KindOf(tt.mt); got != tt.k {
				t.Errorf("KindOf(%q) = %v, want %v", tt.mt, got, tt.k)
			}
		}
	}
	if got := schema2.KindOf("application/json"); got != schema2.KindUnknown {
		t.Errorf("KindOf(application/json) = %v, want unknown", got)
	}
}

// TestTypicalDocuments parses hand-written documents shaped like what
// Docker, containerd, buildx and skopeo write (testdata/docs), as served
// with and without their Content-Type, and rebuilds them.
func TestTypicalDocuments(t *testing.T) {
	want := map[string]schema2.Kind{
		"docker-manifest.json":         schema2.KindDockerManifest,
		"docker-manifest-foreign.json": schema2.KindDockerManifest,
		"docker-list.json":             schema2.KindDockerList,
		"oci-manifest.json":            schema2.KindOCIManifest,
		"oci-manifest-data.json":       schema2.KindOCIManifest,
		"oci-artifact.json":            schema2.KindOCIManifest,
		"oci-index.json":               schema2.KindOCIIndex,
		"oci-index-nested.json":        schema2.KindOCIIndex,
		"docker-config.json":           schema2.KindUnknown, // configs
		"oci-config.json":              schema2.KindUnknown,
	}
	files, _ := filepath.Glob("testdata/docs/*.json")
	if len(files) != len(want) {
		t.Errorf("testdata/docs has %d files, want %d", len(files), len(want))
	}
	for name, kind := range want {
		b, err := os.ReadFile(filepath.Join("testdata/docs", name))
		if err != nil {
			t.Fatal(err)
		}
		if kind == schema2.KindUnknown {
			c, err := schema2.ParseConfig(b)
			if err != nil {
				t.Errorf("ParseConfig(%s) error: %v", name, err)
				continue
			}
			if c.Config == nil || len(c.History) == 0 || len(c.RootFS.DiffIDs) != 2 {
				t.Errorf("ParseConfig(%s) = %+v, want a container config, history and 2 diff_ids", name, c)
			}
			continue
		}
		for _, ct := range []string{kind.MediaType(), ""} {
			d, err := schema2.Parse(ct, b)
			if err != nil {
				t.Errorf("Parse(%q, %s) error: %v", ct, name, err)
				continue
			}
			if d.Kind() != kind {
				t.Errorf("Parse(%q, %s).Kind() = %v, want %v", ct, name, d.Kind(), kind)
			}
			if _, err := d.Build(schema2.Options{}); err != nil {
				t.Errorf("Parse(%q, %s).Build error: %v", ct, name, err)
			}
		}
	}
}

func TestParseSchema1(t *testing.T) {
	_, err := schema2.Parse("", []byte(`{"schemaVersion":1,"signatures":[]}`))
	checkErr(t, "schema2.Parse", err, "body")
	_, err = schema2.Parse(schema2.MediaTypeManifest, []byte(`{"schemaVersion":2}`))
	checkErr(t, "schema2.Parse", err, "body")
}

// TestDetectEmptyMediaType: an empty mediaType reads as none, as in the
// parsers (found by FuzzParseManifest).
func TestDetectEmptyMediaType(t *testing.T) {
	for _, body := range []string{
		`{"schemaVersion":2,"mediaType":"",` + ociCfg + `,"layers":[]}`,
		`{"schemaVersion":2,"mediaType":null,` + ociCfg + `,"layers":[]}`,
	} {
		if k, err := schema2.Detect("", doc(body)); k != schema2.KindOCIManifest || err != nil {
			t.Errorf("Detect(\"\", %s) = %v, %v, want oci-manifest, nil", body, k, err)
		}
		if _, err := schema2.Parse("", doc(body)); err != nil {
			t.Errorf("Parse(\"\", %s) error: %v", body, err)
		}
	}
}
