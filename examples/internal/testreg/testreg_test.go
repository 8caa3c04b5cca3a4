package testreg

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/registrytest/registrytest/fixtures"
)

var testFlavor = Flavor{Name: "test-registry", KeyMode: fixtures.TokenKeyLibtrustKID, Schema1: true}

func TestPrepareNone(t *testing.T) {
	s, err := Prepare(Options{}, testFlavor)
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(s.Config("127.0.0.1:5000", false))
	for _, want := range []string{
		"version: 0.1\n",
		"  filesystem:\n    rootdirectory: \"" + s.StorageDir + "\"\n",
		"  delete:\n    enabled: true\n",
		"    uploadpurging:\n      enabled: false\n",
		"    readonly:\n      enabled: false\n",
		"  addr: \"127.0.0.1:5000\"\n",
		"catalog:\n  maxentries: 1000\n",
		"compatibility:\n  schema1:\n    enabled: true\n",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("Config() lacks %q:\n%s", want, cfg)
		}
	}
	if strings.Contains(cfg, "auth:") || strings.Contains(cfg, "validation:") {
		t.Errorf("Config() without auth or foreign URLs has an auth or validation section:\n%s", cfg)
	}
	if ro := string(s.Config("a:1", true)); !strings.Contains(ro, "    readonly:\n      enabled: true\n") {
		t.Errorf("Config(readOnly) lacks readonly enabled:\n%s", ro)
	}
	if s.Users != nil || s.Issuer != nil || s.Realm != "" {
		t.Errorf("AuthNone: Users %v, Issuer %v, Realm %q, want none", s.Users, s.Issuer, s.Realm)
	}
	if !strings.HasPrefix(s.StorageDir, TmpDir()) {
		t.Errorf("StorageDir = %q, want it under %q", s.StorageDir, TmpDir())
	}
	storage, config := s.StorageDir, s.ConfigDir
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{storage, config} {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("after Close, %s: %v, want it removed", d, err)
		}
	}
}

func TestPrepareOptions(t *testing.T) {
	dir := t.TempDir()
	s, err := Prepare(Options{StorageDir: dir, DisableSchema1: true, CatalogMaxEntries: 7, AllowForeignURLs: []string{`^https://x\.example/`}}, testFlavor)
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(s.Config("a:1", false))
	for _, want := range []string{"catalog:\n  maxentries: 7\n", "validation:\n  manifests:\n    urls:\n      allow:\n        - \"^https://x\\\\.example/\"\n"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("Config() lacks %q:\n%s", want, cfg)
		}
	}
	if strings.Contains(cfg, "schema1") || s.Schema1 {
		t.Errorf("DisableSchema1: Schema1 %v, config:\n%s", s.Schema1, cfg)
	}
	if info := s.Info("http://127.0.0.1:1"); info.CatalogMaxEntries != 7 || info.StorageDir != dir || info.Name != "test-registry" {
		t.Errorf("Info = %+v", info)
	}
	s.Close()
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("a given StorageDir was removed: %v", err)
	}
}

func TestPrepareBasic(t *testing.T) {
	s, err := Prepare(Options{Auth: AuthBasic}, testFlavor)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cfg := string(s.Config("a:1", false))
	if want := "auth:\n  htpasswd:\n    realm: \"" + BasicRealm + "\"\n    path: \"" + s.HtpasswdPath + "\"\n"; !strings.Contains(cfg, want) {
		t.Errorf("Config() lacks %q:\n%s", want, cfg)
	}
	b, err := os.ReadFile(s.HtpasswdPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != len(DefaultUsers()) {
		t.Fatalf("htpasswd has %d lines, want %d", len(lines), len(DefaultUsers()))
	}
	for i, u := range DefaultUsers() {
		name, hash, _ := strings.Cut(lines[i], ":")
		if name != u.Name || bcrypt.CompareHashAndPassword([]byte(hash), []byte(u.Password)) != nil {
			t.Errorf("htpasswd line %d = %q, want %s with a bcrypt hash of its password", i, lines[i], u.Name)
		}
	}
	if err := WriteHtpasswd(filepath.Join(t.TempDir(), "h"), []fixtures.TokenUser{{Name: "a:b"}}); err == nil {
		t.Errorf("WriteHtpasswd with a name holding ':': no error")
	}
}

func TestPrepareToken(t *testing.T) {
	users := []fixtures.TokenUser{{Name: "u", Password: "p", Grants: []fixtures.TokenGrant{{Name: "*", Actions: []string{"pull"}}}}}
	s, err := Prepare(Options{Auth: AuthToken, Users: users, TokenService: "svc", TokenIssuerName: "iss", TokenAlg: fixtures.TokenRS256, TokenLifetime: time.Minute}, testFlavor)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Issuer.Service() != "svc" || s.Issuer.Issuer() != "iss" || s.Issuer.Alg() != fixtures.TokenRS256 || s.Issuer.KeyMode() != fixtures.TokenKeyLibtrustKID || s.Issuer.Lifetime() != time.Minute {
		t.Errorf("issuer: %q %q %s %v %v", s.Issuer.Service(), s.Issuer.Issuer(), s.Issuer.Alg(), s.Issuer.KeyMode(), s.Issuer.Lifetime())
	}
	cfg := string(s.Config("a:1", false))
	want := "auth:\n  token:\n    realm: \"" + s.Realm + "\"\n    service: \"svc\"\n    issuer: \"iss\"\n    rootcertbundle: \"" + s.CABundlePath + "\"\n"
	if !strings.Contains(cfg, want) {
		t.Errorf("Config() lacks %q:\n%s", want, cfg)
	}
	if b, _ := os.ReadFile(s.CABundlePath); string(b) != string(s.Issuer.CABundlePEM()) {
		t.Errorf("CA bundle file = %q, want the issuer's", b)
	}
	req, _ := http.NewRequest("GET", s.Realm+"?service=svc", nil)
	req.SetBasicAuth("u", "p")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(s.Realm, "http://127.0.0.1:") || !strings.HasSuffix(s.Realm, "/token") {
		t.Errorf("GET %s = %d, want 200 at http://127.0.0.1:PORT/token", s.Realm, resp.StatusCode)
	}

	x, err := Prepare(Options{Auth: AuthToken, TokenX5C: true}, testFlavor)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if x.Issuer.KeyMode() != fixtures.TokenKeyX5C {
		t.Errorf("TokenX5C: KeyMode %v, want x5c", x.Issuer.KeyMode())
	}
	own, _ := fixtures.NewTokenIssuer(fixtures.TokenIssuerOptions{Service: "mine"})
	y, err := Prepare(Options{Auth: AuthToken, TokenIssuer: own}, testFlavor)
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	if y.Issuer != own || y.Service != "mine" {
		t.Errorf("Options.TokenIssuer not used: Issuer %p (want %p), Service %q", y.Issuer, own, y.Service)
	}
	tmp := t.TempDir()
	t.Setenv(TmpDirEnv, tmp)
	if _, err := Prepare(Options{Auth: AuthMode(9)}, testFlavor); err == nil {
		t.Errorf("Prepare with an unknown AuthMode: no error")
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("a failed Prepare left %v in %s", left, tmp)
	}
}

type fakeBackend struct {
	readOnly []bool
	closes   int
	err      error
}

func (b *fakeBackend) SetReadOnly(ro bool) error {
	b.readOnly = append(b.readOnly, ro)
	return b.err
}
func (b *fakeBackend) Close() error { b.closes++; return nil }

func TestRegistryLifecycle(t *testing.T) {
	s, err := Prepare(Options{}, testFlavor)
	if err != nil {
		t.Fatal(err)
	}
	b := &fakeBackend{}
	r := NewRegistry(s.Info("http://127.0.0.1:9/"), false, b, s)
	if r.URL != "http://127.0.0.1:9" || r.Host != "127.0.0.1:9" || r.Setup() != s {
		t.Errorf("URL %q Host %q, want http://127.0.0.1:9 and 127.0.0.1:9", r.URL, r.Host)
	}
	if err := r.SetReadOnly(false); err != nil || len(b.readOnly) != 0 {
		t.Errorf("SetReadOnly(false) on a writable registry: %v, backend calls %v, want none", err, b.readOnly)
	}
	if err := r.SetReadOnly(true); err != nil || !r.ReadOnly() {
		t.Errorf("SetReadOnly(true): %v, ReadOnly() %v", err, r.ReadOnly())
	}
	b.err = errors.New("boom")
	if err := r.SetReadOnly(false); err == nil || !r.ReadOnly() {
		t.Errorf("failing SetReadOnly(false): %v, ReadOnly() %v, want an error and still read-only", err, r.ReadOnly())
	}
	if r.Close() != nil || r.Close() != nil || b.closes != 1 {
		t.Errorf("two Closes: backend closed %d times, want 1", b.closes)
	}
	if _, err := os.Stat(s.StorageDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Close left the storage: %v", err)
	}
	if err := r.SetReadOnly(false); err == nil {
		t.Errorf("SetReadOnly after Close: no error")
	}
	if r.LogTail(10) != "" {
		t.Errorf("LogTail of a backend without a log = %q", r.LogTail(10))
	}
}

// fakeTB records Skip and Fatal instead of stopping the goroutine.
type fakeTB struct {
	testing.TB
	skipped, failed string
}

type stop struct{}

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Skip(args ...any)  { f.skipped = fmt.Sprint(args...); panic(stop{}) }
func (f *fakeTB) Fatal(args ...any) { f.failed = fmt.Sprint(args...); panic(stop{}) }

// run calls fn(f), recovering the panic by which f stops it.
func run(f *fakeTB, fn func(testing.TB)) {
	defer func() {
		if p := recover(); p != nil && p != (stop{}) {
			panic(p)
		}
	}()
	fn(f)
}

func TestRequireBinary(t *testing.T) {
	if p := RequireBinary(t, "sh", "dash"); !strings.HasSuffix(p, "/sh") {
		t.Errorf("RequireBinary(sh) = %q", p)
	}
	t.Setenv("CI", "")
	f := &fakeTB{TB: t}
	run(f, func(tb testing.TB) { RequireBinary(tb, "registrytest-no-such-binary", "some-pkg") })
	if !strings.Contains(f.skipped, "install with: apt-get install some-pkg") || f.failed != "" {
		t.Errorf("missing binary, CI unset: skipped %q, failed %q, want a skip naming the package", f.skipped, f.failed)
	}
	t.Setenv("CI", "true")
	f = &fakeTB{TB: t}
	run(f, func(tb testing.TB) { RequireBinary(tb, "registrytest-no-such-binary", "some-pkg") })
	if !strings.Contains(f.failed, "install with: apt-get install some-pkg") || f.skipped != "" {
		t.Errorf("missing binary, CI=true: skipped %q, failed %q, want a failure naming the package", f.skipped, f.failed)
	}
}

func TestWaitReady(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) }))
	defer srv.Close()
	if err := WaitReady(t.Context(), srv.URL, nil); err != nil {
		t.Errorf("WaitReady on a server answering 401: %v", err)
	}
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("process exited")
	if err := WaitReady(t.Context(), "http://"+addr, func() error { return boom }); !errors.Is(err, boom) {
		t.Errorf("WaitReady with a failing check = %v, want %v", err, boom)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := WaitReady(ctx, "http://"+addr, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitReady on nothing = %v, want a deadline error", err)
	}
}
