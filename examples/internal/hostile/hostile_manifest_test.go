package hostile_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/examples/internal/faultreg"
	"github.com/registrytest/registrytest/examples/internal/testreg"
	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	. "github.com/registrytest/registrytest/v2proto"
)

// TestHostileGetManifest serves GetManifest 200 answers that are not
// manifests: each is a *ResponseError at get-manifest, and GetManifestRaw
// returns the bytes.
func TestHostileGetManifest(t *testing.T) {
	e := newHostile(t, testreg.AuthToken)
	ctx := context.Background()
	if _, err := e.c.Push(ctx, hostileRepo, []string{"latest"}, fixtures.Basic(), e.creds); err != nil {
		t.Fatal(err)
	}
	get := func(ctx context.Context) error {
		_, err := e.c.GetManifest(ctx, hostileRepo, "latest", e.creds)
		return err
	}
	onManifest := func(f faultreg.Fault) []faultreg.Rule {
		return []faultreg.Rule{{Step: failures.GetManifest, Fault: f}}
	}
	getM := "GET /v2/hostile/repo/manifests/latest = 200, body "
	const wantManifest = "want the JSON object of a manifest"
	e.run(t, []hostileCase{
		{name: "manifest", call: get},
		{name: "error document", rules: onManifest(answerOf(schema2Type, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"no"}]}`)), call: get,
			kind: "response", step: failures.GetManifest,
			want: getM + `that is an error document (codes "MANIFEST_UNKNOWN"), ` + wantManifest + " (get-manifest)"},
		{name: "HTML", rules: onManifest(answerOf("text/html", "<html>oops</html>")), call: get,
			kind: "response", step: failures.GetManifest,
			want: getM + `that is not a JSON object (starting "<html>oops</html"...), ` + wantManifest + " (get-manifest)"},
		{name: "a million [", rules: onManifest(answerOf(schema2Type, strings.Repeat("[", 1<<20))), call: get,
			kind: "response", step: failures.GetManifest,
			want: getM + `that is not a JSON object (starting "[[[[[[[[[[[[[[[["...), ` + wantManifest + " (get-manifest)"},
		{name: "an object of a million [", rules: onManifest(answerOf(schema2Type, `{"schemaVersion":2,"x":`+strings.Repeat("[", 1<<20))), call: get,
			kind: "response", step: failures.GetManifest,
			want: getM + fmt.Sprintf("nested more than %d deep, %s (at most %d deep, MaxManifestDepth) (get-manifest)", MaxManifestDepth, wantManifest, MaxManifestDepth)},
		{name: "raw", rules: onManifest(answerOf(schema2Type, `{"errors":[]}`)), call: func(ctx context.Context) error {
			m, err := e.c.GetManifestRaw(ctx, hostileRepo, "latest", e.creds)
			if err == nil && string(m.Bytes) != `{"errors":[]}` {
				return fmt.Errorf("GetManifestRaw = %q, want the bytes served", m.Bytes)
			}
			return err
		}},
	})
}

// TestHostileConfigSize serves a manifest whose config declares 1 TiB:
// the pull is refused at get-manifest, before the config is requested
// (which a registry could serve without end).
func TestHostileConfigSize(t *testing.T) {
	e := newHostile(t, testreg.AuthToken)
	ctx := context.Background()
	if _, err := e.c.Push(ctx, hostileRepo, []string{"latest"}, fixtures.Basic(), e.creds); err != nil {
		t.Fatal(err)
	}
	var cfg digest.Digest
	huge := faultreg.Rewrite(func(_ *http.Request, r *faultreg.Response) {
		var m map[string]any
		if err := json.Unmarshal(r.Body, &m); err != nil {
			return
		}
		c := m["config"].(map[string]any)
		cfg = digest.Digest(c["digest"].(string))
		c["size"] = int64(1 << 40)
		r.Body, _ = json.Marshal(m)
		r.Header.Set("Docker-Content-Digest", digest.FromBytes(r.Body).String())
		r.Header.Del("Content-Length")
	})
	pull := func(opts ...CallOption) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			_, err := e.c.Pull(ctx, hostileRepo, []string{"latest"}, nil, append([]CallOption{e.creds}, opts...)...)
			return err
		}
	}
	rules := []faultreg.Rule{{Step: failures.GetManifest, Fault: huge}}
	getM := "GET /v2/hostile/repo/manifests/latest = 200, config.size 1099511627776, "
	e.run(t, []hostileCase{
		{name: "1 TiB config", rules: rules, call: pull(), deadline: hostileDeadline,
			kind: "response", step: failures.GetManifest,
			want: getM + fmt.Sprintf("want at most %d (Limits.MaxConfigSize) (get-manifest)", DefaultMaxConfigSize)},
		{name: "1 TiB config, cap of 1 KiB", rules: rules, call: pull(WithLimits(Limits{MaxConfigSize: 1 << 10})), deadline: hostileDeadline,
			kind: "response", step: failures.GetManifest,
			want: getM + "want at most 1024 (Limits.MaxConfigSize) (get-manifest)"},
	})
	// The endless config itself is never requested.
	for _, r := range e.f.Requests() {
		if cfg != "" && strings.HasSuffix(r.Path, "/blobs/"+cfg.String()) {
			t.Errorf("the config was requested: %s %s", r.Method, r.Path)
		}
	}
}
