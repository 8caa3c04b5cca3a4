package v2proto

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/schema2"
)

func TestGetManifestChecksJSON(t *testing.T) {
	b := buildImage(t, OCI, pullRepo, "", fixtures.Basic())
	m := newMemRegistry(t, pullRepo)
	m.put("latest", b)
	c := memClient(t, m)
	ctx := context.Background()
	if got, err := c.GetManifest(ctx, pullRepo, "latest"); err != nil || string(got.Bytes) != string(b.manifest) {
		t.Fatalf("GetManifest of a manifest = %v, want its bytes", err)
	}
	deep := strings.Repeat(`{"a":`, MaxManifestDepth) + "1" + strings.Repeat("}", MaxManifestDepth)
	tests := []struct {
		name, body, want string
	}{
		{"error document", `{"errors":[{"code":"DENIED","message":"no"},{"code":"UNAUTHORIZED"}]}`,
			`body that is an error document (codes "DENIED", "UNAUTHORIZED"), want the JSON object of a manifest`},
		{"error document without codes", `{"errors":[]}`, `body that is an error document, want the JSON object of a manifest`},
		{"HTML", `<html><body>hi</body></html>`, `body that is not a JSON object (starting "<html><body>hi</"...), want the JSON object of a manifest`},
		{"empty", ``, `body that is not a JSON object (empty), want the JSON object of a manifest`},
		{"array", `[{"schemaVersion":2}]`, `body that is not a JSON object (starting "[{\"schemaVersion"...), want the JSON object of a manifest`},
		{"a million [", strings.Repeat("[", 1<<20), `body that is not a JSON object (starting "[[[[[[[[[[[[[[[["...), want the JSON object of a manifest`},
		{"an object of a million [", `{"a":` + strings.Repeat("[", 1<<20), fmt.Sprintf(`body nested more than %d deep, want the JSON object of a manifest (at most %d deep, MaxManifestDepth)`, MaxManifestDepth, MaxManifestDepth)},
		{"deep", `{"x":` + deep + `}`, fmt.Sprintf(`body nested more than %d deep, want the JSON object of a manifest (at most %d deep, MaxManifestDepth)`, MaxManifestDepth, MaxManifestDepth)},
		{"bad JSON", `{"schemaVersion":2,`, `body that is not a JSON object (starting "{\"schemaVersion\""...), want the JSON object of a manifest`},
	}
	for _, tt := range tests {
		m.manifests["bad"] = memManifest{body: []byte(tt.body), mediaType: v1.MediaTypeImageManifest}
		start := time.Now()
		_, err := c.GetManifest(ctx, pullRepo, "bad")
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%s: GetManifest took %v", tt.name, took)
		}
		want := fmt.Sprintf("GET /v2/%s/manifests/bad = 200, %s (get-manifest)", pullRepo, tt.want)
		var re *ResponseError
		if !errors.As(err, &re) || err.Error() != want {
			t.Errorf("%s: GetManifest = %v\nwant %s", tt.name, err, want)
		}
		raw, err := c.GetManifestRaw(ctx, pullRepo, "bad")
		if err != nil || string(raw.Bytes) != tt.body {
			t.Errorf("%s: GetManifestRaw = %v, want the bytes as served", tt.name, err)
		}
	}
	// Nested exactly as deep as allowed, brackets in strings not counted,
	// and an object with errors and schemaVersion (a manifest with a
	// member of that name) are manifests.
	for _, body := range []string{deep, `{"schemaVersion":2,"a":"[[[[{{{{` + strings.Repeat("[", 100) + `\"[["}`, `{"schemaVersion":2,"errors":[]}`} {
		m.manifests["ok"] = memManifest{body: []byte(body), mediaType: v1.MediaTypeImageManifest}
		if _, err := c.GetManifest(ctx, pullRepo, "ok"); err != nil {
			t.Errorf("GetManifest of %.40q... = %v, want no error", body, err)
		}
	}
}

func TestJSONDepth(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
	}{
		{`1`, 0}, {`{}`, 1}, {`[[]]`, 2}, {`{"a":[{"b":"]]]"}]}`, 3}, {`"\"[["`, 0}, {`"\\" [`, 1},
		{strings.Repeat("[", 100), 11},
	} {
		if got := jsonDepth([]byte(tt.in), 10); got != tt.want {
			t.Errorf("jsonDepth(%.20q, 10) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestCheckConfigSize(t *testing.T) {
	rerr := func(what, got, want string) error { return fmt.Errorf("%s %s, want %s", what, got, want) }
	pm := func(size int64) *PulledManifest {
		return &PulledManifest{Document: &schema2.Manifest{Manifest: v1.Manifest{Config: v1.Descriptor{Digest: digest.FromString("c"), Size: size}}}}
	}
	tests := []struct {
		size int64
		opts []CallOption
		want string
	}{
		{DefaultMaxConfigSize, nil, ""},
		{DefaultMaxConfigSize + 1, nil, fmt.Sprintf("config.size %d, want at most %d (Limits.MaxConfigSize)", DefaultMaxConfigSize+1, DefaultMaxConfigSize)},
		{1 << 40, nil, fmt.Sprintf("config.size 1099511627776, want at most %d (Limits.MaxConfigSize)", DefaultMaxConfigSize)},
		{1 << 40, []CallOption{WithLimits(Limits{MaxConfigSize: 2 << 40})}, ""},
		{2000, []CallOption{WithLimits(Limits{MaxConfigSize: 1000})}, "config.size 2000, want at most 1000 (Limits.MaxConfigSize)"},
		{-1, nil, "config.size -1, want a size of at least 0"},
	}
	c, _ := New("http://127.0.0.1:1")
	for _, tt := range tests {
		cl := c.newCall("Pull", tt.opts)
		err := cl.checkConfigSize(pm(tt.size), rerr)
		if got := fmt.Sprint(err); (tt.want == "" && err != nil) || (tt.want != "" && got != tt.want) {
			t.Errorf("checkConfigSize(%d) = %v, want %q", tt.size, err, tt.want)
		}
	}
	// An index has no config.
	if err := c.newCall("Pull", nil).checkConfigSize(&PulledManifest{Document: &schema2.Index{}}, rerr); err != nil {
		t.Errorf("checkConfigSize of an index = %v, want nil", err)
	}
}
