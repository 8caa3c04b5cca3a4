//go:build unix

package itest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	digest "github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/examples/internal/testreg"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/schema2"
	"github.com/registrytest/registrytest/v2proto"
)

// skopeoTimeout bounds one skopeo command.
const skopeoTimeout = 2 * time.Minute

// nobody is the user skopeo runs as when the tests run as root: skopeo
// keeps its blob-info cache in /var/lib/containers/cache for root, whatever
// HOME says, and under $XDG_DATA_HOME for other users; as nobody it goes
// to the run's own directory and no run sees another's.
const nobody = 65534

// RunSkopeo checks interoperability with skopeo (/usr/bin/skopeo, Debian's
// 1.9.3; skipped when missing, failed under CI=true) on a registry started
// by start with auth (AuthNone or AuthToken; with AuthToken both sides
// use the admin user's credentials):
//
//   - an image v2proto.Push puts (Docker schema2 and OCI) is copied by
//     skopeo to an oci: layout, whose every blob file is named by the
//     digest of its bytes and holds the image's config and layers, in the
//     manifest order;
//   - an OCI layout written here from v2proto.BuildManifest is copied by
//     skopeo to the registry, as it is (OCI) and converted (--format
//     v2s2), and v2proto.Pull verifies what skopeo pushed.
//
// Each skopeo run gets its own HOME, XDG directories, TMPDIR, policy and
// registries.conf in a temporary directory (and runs as nobody when the
// tests run as root), so that its blob-info cache does not leak between
// runs.
func RunSkopeo(t *testing.T, start testreg.StartFunc, auth testreg.AuthMode) {
	bin := testreg.RequireBinary(t, "skopeo", "skopeo")
	reg := start(t, testreg.Options{Auth: auth})
	var creds []v2proto.CallOption
	var user, password string
	if auth != testreg.AuthNone {
		u, ok := reg.User("admin")
		if !ok {
			t.Fatal("registry has no user admin")
		}
		user, password = u.Name, u.Password
		creds = append(creds, v2proto.WithCredentials(user, password))
	}
	for _, schema := range []v2proto.Schema{v2proto.Schema2, v2proto.OCI} {
		t.Run("skopeo-pulls-"+string(schema), func(t *testing.T) {
			sk := newSkopeo(t, bin, reg, user, password)
			skopeoPulls(t, sk, reg, schema, creds)
		})
	}
	t.Run("skopeo-reads-fixtures", func(t *testing.T) {
		sk := newSkopeo(t, bin, reg, user, password)
		skopeoReadsFixtures(t, sk, reg, creds)
	})
	for _, format := range []string{"oci", "v2s2"} {
		t.Run("skopeo-pushes-"+format, func(t *testing.T) {
			sk := newSkopeo(t, bin, reg, user, password)
			skopeoPushes(t, sk, reg, format, creds)
		})
	}
}

// skopeo runs the skopeo binary in a directory of its own.
type skopeo struct {
	t              *testing.T
	bin            string
	dir            string // the run's directory (home, xdg, tmp, layouts)
	reg            *testreg.Registry
	user, password string
	asNobody       bool
}

func newSkopeo(t *testing.T, bin string, reg *testreg.Registry, user, password string) *skopeo {
	t.Helper()
	// Not t.TempDir: its parents are private to root, and skopeo may run
	// as nobody.
	dir, err := os.MkdirTemp("", "registrytest-skopeo-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sk := &skopeo{t: t, bin: bin, dir: dir, reg: reg, user: user, password: password, asNobody: os.Geteuid() == 0}
	for _, d := range []string{"home", "data", "config", "cache", "runtime", "tmp", "registries.d"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		"policy.json":     `{"default":[{"type":"insecureAcceptAnything"}]}`,
		"registries.conf": "unqualified-search-registries = []\n",
		"auth.json":       `{"auths":{}}`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	sk.chown()
	return sk
}

// chown gives the run's directory to nobody when skopeo runs as nobody.
func (sk *skopeo) chown() {
	if !sk.asNobody {
		return
	}
	err := filepath.WalkDir(sk.dir, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, nobody, nobody)
	})
	if err != nil {
		sk.t.Fatal(err)
	}
}

// run runs skopeo with args after the global flags, and returns how long
// it took.
func (sk *skopeo) run(args ...string) time.Duration {
	sk.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), skopeoTimeout)
	defer cancel()
	all := append([]string{"--policy", filepath.Join(sk.dir, "policy.json"), "--registries.d", filepath.Join(sk.dir, "registries.d"),
		"--tmpdir", filepath.Join(sk.dir, "tmp")}, args...)
	cmd := exec.CommandContext(ctx, sk.bin, all...)
	cmd.Dir = sk.dir
	cmd.Env = []string{
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + filepath.Join(sk.dir, "home"),
		"XDG_DATA_HOME=" + filepath.Join(sk.dir, "data"),
		"XDG_CONFIG_HOME=" + filepath.Join(sk.dir, "config"),
		"XDG_CACHE_HOME=" + filepath.Join(sk.dir, "cache"),
		"XDG_RUNTIME_DIR=" + filepath.Join(sk.dir, "runtime"),
		"TMPDIR=" + filepath.Join(sk.dir, "tmp"),
		"CONTAINERS_REGISTRIES_CONF=" + filepath.Join(sk.dir, "registries.conf"),
		"REGISTRY_AUTH_FILE=" + filepath.Join(sk.dir, "auth.json"),
	}
	if sk.asNobody {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	shown := strings.Join(args, " ")
	if sk.password != "" {
		shown = strings.ReplaceAll(shown, sk.password, "REDACTED")
	}
	if err != nil {
		sk.t.Fatalf("skopeo %s: %v\n%s", shown, err, strings.ReplaceAll(out.String(), sk.password+"\n", "REDACTED\n"))
	}
	sk.t.Logf("skopeo %s: %v", shown, took.Round(time.Millisecond))
	return took
}

// registryFlags returns the flags of the registry side (prefix "src" or
// "dest").
func (sk *skopeo) registryFlags(prefix string) []string {
	flags := []string{"--" + prefix + "-tls-verify=false", "--" + prefix + "-authfile", filepath.Join(sk.dir, "auth.json")}
	if sk.user != "" {
		flags = append(flags, "--"+prefix+"-creds", sk.user+":"+sk.password)
	}
	return flags
}

// checkCacheIsolated checks that skopeo kept its blob-info cache in the
// run's directory.
func (sk *skopeo) checkCacheIsolated() {
	sk.t.Helper()
	if !sk.asNobody && os.Geteuid() == 0 {
		return
	}
	p := filepath.Join(sk.dir, "data", "containers", "cache", "blob-info-cache-v1.boltdb")
	if _, err := os.Stat(p); err != nil {
		sk.t.Errorf("skopeo's blob-info cache is not in the run's directory: %v", err)
	}
}

// skopeoPulls pushes an image with v2proto.Push and copies it with skopeo
// to an oci: layout.
func skopeoPulls(t *testing.T, sk *skopeo, reg *testreg.Registry, schema v2proto.Schema, creds []v2proto.CallOption) {
	ctx := context.Background()
	c := lsClient(t, reg)
	repo := "sk/ours-" + string(schema)
	images := fixtures.Basic()
	res, err := c.Push(ctx, repo, []string{"v1"}, images, append([]v2proto.CallOption{v2proto.WithSchema(schema)}, creds...)...)
	if err != nil {
		t.Fatal(err)
	}
	pushed := res.Manifest("v1")
	if pushed == nil {
		t.Fatalf("Push result has no manifest for v1: %+v", res)
	}
	layout := filepath.Join(sk.dir, "layout")
	took := sk.run(append(append([]string{"copy"}, sk.registryFlags("src")...),
		"docker://"+reg.Host+"/"+repo+":v1", "oci:"+layout+":v1")...)
	sk.checkCacheIsolated()

	blobs := checkLayoutBlobs(t, layout)
	ix := readLayoutIndex(t, layout)
	if len(ix.Manifests) != 1 || ix.Manifests[0].Annotations[v1.AnnotationRefName] != "v1" {
		t.Fatalf("index.json manifests = %+v, want one named v1", ix.Manifests)
	}
	md := ix.Manifests[0].Digest
	if schema == v2proto.OCI && md != pushed.Digest {
		t.Errorf("layout manifest %s, want the pushed OCI manifest %s (copied unchanged)", md, pushed.Digest)
	}
	mb, ok := blobs[md]
	if !ok {
		t.Fatalf("index.json names manifest %s, which is not among the blobs", md)
	}
	m, err := schema2.ParseManifest(mb)
	if err != nil {
		t.Fatalf("layout manifest: %v", err)
	}
	if m.Kind() != schema2.KindOCIManifest {
		t.Errorf("layout manifest kind %s, want an OCI manifest", m.Kind())
	}
	var layers []digest.Digest
	for _, l := range m.Layers {
		layers = append(layers, l.Digest)
	}
	if diff := cmp.Diff(pushed.Layers, layers); diff != "" {
		t.Errorf("layout manifest layers mismatch (-pushed +layout):\n%s", diff)
	}
	// The layers are copied as they are; a Docker image config is
	// converted to an OCI one (other bytes), an OCI one is not.
	want := pushed.Layers
	if schema == v2proto.OCI {
		want = append([]digest.Digest{pushed.Config}, want...)
		if m.Config.Digest != pushed.Config {
			t.Errorf("layout config %s, want the pushed %s (copied unchanged)", m.Config.Digest, pushed.Config)
		}
	}
	for _, d := range want {
		if _, ok := blobs[d]; !ok {
			t.Errorf("layout lacks pushed blob %s", d)
		}
	}
	if cb, ok := blobs[m.Config.Digest]; !ok {
		t.Errorf("layout lacks its manifest's config %s", m.Config.Digest)
	} else if _, err := schema2.ParseConfig(cb); err != nil {
		t.Errorf("layout config: %v", err)
	}
	t.Logf("%s: skopeo copied our %s push to an oci: layout of %d blobs in %v", reg.Name, schema, len(blobs), took.Round(time.Millisecond))
}

// pushedFixtures are the image chains of package fixtures that the README and the
// examples push, by name: every one must be an image a real client takes.
func pushedFixtures() map[string][]fixtures.Image {
	return map[string][]fixtures.Image{
		"basic":        fixtures.Basic(),
		"different":    fixtures.Different(),
		"unicode":      fixtures.Unicode(),
		"emoji":        fixtures.Emoji(),
		"sized":        fixtures.Sized(),
		"multi-layer":  fixtures.MultiLayer(),
		"empty-layers": fixtures.EmptyLayers(),
		"random4096":   fixtures.Random4096(1),
		"labeled":      fixtures.Labeled(map[string]string{"a": "1"}),
		"chain":        fixtures.Chain(7, 3, fixtures.WithLayerSize(1<<10)),
	}
}

// skopeoReadsFixtures pushes every image of pushedFixtures with v2proto.Push, in
// Docker schema2 and, where the registry takes it, in signed schema1, and
// has skopeo copy each to an oci: layout: skopeo checks what a client
// checks (schema1's v1 IDs must be 64 hex digits, digests must match),
// and the layout's blobs must hash to their names.
func skopeoReadsFixtures(t *testing.T, sk *skopeo, reg *testreg.Registry, creds []v2proto.CallOption) {
	ctx := context.Background()
	c := lsClient(t, reg)
	schemas := []v2proto.Schema{v2proto.Schema2}
	if reg.Schema1 {
		schemas = append(schemas, v2proto.Schema1)
	}
	for name, images := range pushedFixtures() {
		for _, schema := range schemas {
			repo := "sk/fixture-" + name + "-" + strings.ToLower(string(schema))
			if _, err := c.Push(ctx, repo, []string{"v1"}, images, append([]v2proto.CallOption{v2proto.WithSchema(schema)}, creds...)...); err != nil {
				t.Errorf("Push(%s, %s): %v", name, schema, err)
				continue
			}
			layout := filepath.Join(sk.dir, "layout-"+name+"-"+strings.ToLower(string(schema)))
			sk.run(append(append([]string{"copy"}, sk.registryFlags("src")...),
				"docker://"+reg.Host+"/"+repo+":v1", "oci:"+layout+":v1")...)
			blobs := checkLayoutBlobs(t, layout)
			if len(blobs) < 3 {
				t.Errorf("skopeo copy of %s (%s): layout of %d blobs, want a manifest, a config and layers", name, schema, len(blobs))
			}
		}
	}
}

// skopeoPushes writes an OCI layout of an image and has skopeo copy it to
// the registry (format "oci": as it is; "v2s2": converted to Docker
// schema2), then pulls it with v2proto.Pull.
func skopeoPushes(t *testing.T, sk *skopeo, reg *testreg.Registry, format string, creds []v2proto.CallOption) {
	ctx := context.Background()
	c := lsClient(t, reg)
	repo := "sk/theirs-" + format
	images := fixtures.Basic()
	built, err := v2proto.BuildManifest(repo, "v1", images, v2proto.WithSchema(v2proto.OCI))
	if err != nil {
		t.Fatal(err)
	}
	layout := filepath.Join(sk.dir, "layout")
	writeLayout(t, layout, built, "v1")
	sk.chown()
	args := append([]string{"copy"}, sk.registryFlags("dest")...)
	if format == "v2s2" {
		args = append(args, "--format", "v2s2")
	}
	took := sk.run(append(args, "oci:"+layout+":v1", "docker://"+reg.Host+"/"+repo+":v1")...)
	sk.checkCacheIsolated()

	schema := v2proto.OCI
	if format == "v2s2" {
		schema = v2proto.Schema2
	}
	res, err := c.Pull(ctx, repo, []string{"v1"}, images, append([]v2proto.CallOption{v2proto.WithSchema(schema), v2proto.WithRequireMatchingType()}, creds...)...)
	if err != nil {
		t.Fatal(err)
	}
	got := res.Manifest("v1")
	if got == nil {
		t.Fatalf("Pull result has no manifest for v1: %+v", res)
	}
	wantKind := schema2.KindOCIManifest
	if format == "v2s2" {
		wantKind = schema2.KindDockerManifest
	}
	if got.Kind != wantKind {
		t.Errorf("pulled kind %s, want %s", got.Kind, wantKind)
	}
	if format == "oci" && got.Digest != built.Digest {
		t.Errorf("pulled manifest %s, want the layout's %s (skopeo copies an OCI manifest unchanged)", got.Digest, built.Digest)
	}
	wantBlobs := append([]digest.Digest{built.Config}, built.Layers...)
	if diff := cmp.Diff(wantBlobs, got.Blobs); diff != "" {
		t.Errorf("pulled blobs mismatch (-layout +pulled):\n%s", diff)
	}
	t.Logf("%s: skopeo pushed an OCI layout (--format %s) in %v; Pull verified manifest %s and %d blobs",
		reg.Name, format, took.Round(time.Millisecond), got.Digest, len(got.Blobs))
}

// writeLayout writes an OCI image layout at dir holding m and its blobs,
// with m named ref in index.json.
func writeLayout(t *testing.T, dir string, m *v2proto.BuiltManifest, ref string) {
	t.Helper()
	write := func(name string, data []byte) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	blobPath := func(d digest.Digest) string { return filepath.Join("blobs", d.Algorithm().String(), d.Encoded()) }
	write(v1.ImageLayoutFile, []byte(`{"imageLayoutVersion":"`+v1.ImageLayoutVersion+`"}`))
	for _, b := range m.Blobs {
		r, err := b.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		write(blobPath(b.Digest()), data)
	}
	write(blobPath(m.Digest), m.Bytes)
	desc := m.Descriptor()
	desc.Annotations = map[string]string{v1.AnnotationRefName: ref}
	index, err := json.Marshal(v1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageIndex, Manifests: []v1.Descriptor{desc}})
	if err != nil {
		t.Fatal(err)
	}
	write(v1.ImageIndexFile, index)
}

// checkLayoutBlobs checks that every file under dir/blobs/<alg>/ is named
// by the digest of its bytes, and returns the blobs by digest.
func checkLayoutBlobs(t *testing.T, dir string) map[digest.Digest][]byte {
	t.Helper()
	blobs := map[digest.Digest][]byte{}
	files, err := filepath.Glob(filepath.Join(dir, "blobs", "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no blobs in the layout %s", dir)
	}
	for _, f := range files {
		alg := filepath.Base(filepath.Dir(f))
		if alg != "sha256" {
			t.Errorf("blob %s: algorithm %s, want sha256", f, alg)
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != filepath.Base(f) {
			t.Errorf("blob file %s holds bytes of digest sha256:%s", filepath.Base(f), got)
		}
		blobs[digest.Digest("sha256:"+filepath.Base(f))] = data
	}
	return blobs
}

func readLayoutIndex(t *testing.T, dir string) *schema2.Index {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, v1.ImageIndexFile))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := schema2.ParseIndex(b)
	if err != nil {
		t.Fatalf("index.json: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, v1.ImageLayoutFile)); err != nil || !bytes.Contains(b, []byte(`"imageLayoutVersion"`)) {
		t.Errorf("oci-layout = %q, %v, want an imageLayoutVersion", b, err)
	}
	return ix
}
