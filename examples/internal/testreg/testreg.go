// Package testreg describes the registries the project's own tests run
// against (in-process distribution v3 and docker/distribution 2.8.3, the
// Debian docker-registry 2.8.2 process) and holds what starting them has in
// common: options, the registry configuration (one YAML document all three
// parse), htpasswd files, the token issuer and its HTTP server, storage
// directories, and readiness polling.
//
// It imports no registry implementation; the packages internal/distv3,
// internal/dist28 and internal/debianreg do, one each (distribution v3 and
// v2.8 cannot share a binary).
package testreg

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/registrytest/registrytest/fixtures"
)

// AuthMode is how a started registry authenticates clients.
type AuthMode int

const (
	// AuthNone: every request is allowed; GET /v2/ answers 200 {}.
	AuthNone AuthMode = iota
	// AuthBasic: htpasswd (bcrypt) Basic authentication; an anonymous
	// GET /v2/ answers 401 with `WWW-Authenticate: Basic realm="…"`. Every
	// authenticated user may do everything: grants are not applied.
	AuthBasic
	// AuthToken: bearer tokens from a [fixtures.TokenIssuer]; an anonymous
	// GET /v2/ answers 401 with `WWW-Authenticate: Bearer
	// realm="…",service="…"`.
	AuthToken
)

// String returns "none", "basic" or "token".
func (m AuthMode) String() string {
	switch m {
	case AuthNone:
		return "none"
	case AuthBasic:
		return "basic"
	case AuthToken:
		return "token"
	}
	return fmt.Sprintf("AuthMode(%d)", int(m))
}

// Options configures a registry started by distv3, dist28 or debianreg.
// The zero value is a registry without auth, with schema1 where the
// registry supports it (2.8), catalog pages of at most 1000 entries, delete
// enabled, writable, on fresh storage.
type Options struct {
	// Auth is the authentication mode.
	Auth AuthMode
	// Users are the accounts (AuthBasic: the htpasswd file; AuthToken: the
	// issuer's users with their grants). Nil means DefaultUsers() when Auth
	// is not AuthNone.
	Users []fixtures.TokenUser
	// Anonymous is what a token request without credentials is granted
	// (AuthToken only).
	Anonymous []fixtures.TokenGrant
	// DisableSchema1 turns schema1 manifests off on the 2.8 registries
	// (which accept them by default here). Distribution v3 has no schema1.
	DisableSchema1 bool
	// CatalogMaxEntries is catalog.maxentries, the largest n a catalog
	// request may ask for; 0 means 1000.
	CatalogMaxEntries int
	// ReadOnly starts the registry in read-only maintenance mode
	// (storage.maintenance.readonly): writes answer 405 UNSUPPORTED.
	ReadOnly bool
	// AllowForeignURLs are regular expressions (validation.manifests.urls.
	// allow) that the URLs of foreign ("urls") layers in pushed manifests
	// must match; nil keeps the registries' default, which rejects every
	// manifest with a layer URL.
	AllowForeignURLs []string
	// StorageDir is the filesystem storage root; empty means a fresh
	// directory (under /dev/shm when it exists), removed when the registry
	// stops. A given directory is kept.
	StorageDir string

	// TokenAlg is the token signing algorithm; empty means ES256.
	TokenAlg fixtures.TokenAlg
	// TokenX5C identifies the signing key by an x5c certificate chain
	// instead of the key ID form the registry trusts (libtrust for 2.8, the
	// JWK thumbprint for v3).
	TokenX5C bool
	// TokenSeed is the issuer's key seed.
	TokenSeed uint64
	// TokenLifetime is the issued tokens' lifetime; 0 means 5 minutes.
	TokenLifetime time.Duration
	// TokenService and TokenIssuerName are the token service ("aud") and
	// issuer ("iss") names; empty means "registrytest" and
	// "registrytest-issuer".
	TokenService    string
	TokenIssuerName string
	// TokenIssuer, when set, is used instead of an issuer built from the
	// Token* fields, Users and Anonymous; its KeyMode must be one the
	// registry accepts. The registry serves it at its realm.
	TokenIssuer *fixtures.TokenIssuer
}

// DefaultUsers returns the accounts used when Options.Users is nil:
// "admin" (password "admin-password"), who may do everything on every
// repository and list the catalog, and "reader" ("reader-password"), who may
// pull every repository.
func DefaultUsers() []fixtures.TokenUser {
	return []fixtures.TokenUser{
		{Name: "admin", Password: "admin-password", Grants: []fixtures.TokenGrant{
			{Name: "*", Actions: []string{"*"}},
			{Type: "registry", Name: "catalog", Actions: []string{"*"}},
		}},
		{Name: "reader", Password: "reader-password", Grants: []fixtures.TokenGrant{
			{Name: "*", Actions: []string{"pull"}},
		}},
	}
}

// Backend is what the package that started a registry gives its Registry:
// the means to restart it read-only or writable and to stop it.
type Backend interface {
	// SetReadOnly restarts the registry (same URL, same storage) with
	// storage.maintenance.readonly set to ro.
	SetReadOnly(ro bool) error
	// Close stops the registry and releases what it holds.
	Close() error
}

// Info is the description of a started registry.
type Info struct {
	// Name names the implementation: "distribution-v3.1.2",
	// "docker-distribution-v2.8.3" or "debian-docker-registry-2.8.2".
	Name string
	// URL is the base URL, http://127.0.0.1:PORT, without a trailing slash.
	URL string
	// Host is URL's host:port.
	Host string
	// Auth is the authentication mode.
	Auth AuthMode
	// Realm is the Basic realm (AuthBasic) or the token endpoint URL
	// (AuthToken).
	Realm string
	// Service is the token service (AuthToken).
	Service string
	// Issuer is the token issuer serving Realm (AuthToken), else nil.
	Issuer *fixtures.TokenIssuer
	// Users are the accounts (nil with AuthNone).
	Users []fixtures.TokenUser
	// Schema1 reports whether schema1 manifests are accepted.
	Schema1 bool
	// CatalogMaxEntries is the largest catalog page size accepted.
	CatalogMaxEntries int
	// StorageDir is the filesystem storage root.
	StorageDir string
}

// Registry is a started registry: its description (Info, read-only) and
// the means to restart it read-only and to stop it.
type Registry struct {
	Info

	backend Backend
	setup   *Setup

	mu        sync.Mutex
	readOnly  bool
	closed    bool
	closeErr  error
	closeOnce sync.Once
}

// NewRegistry returns a Registry described by info, currently read-only
// or not, driven by b; the shared resources of s (token server, temporary
// directories) are released by Close after b.Close. s may be nil. It is
// meant for the packages that start registries.
func NewRegistry(info Info, readOnly bool, b Backend, s *Setup) *Registry {
	info.URL = strings.TrimSuffix(info.URL, "/")
	if info.Host == "" {
		info.Host = strings.TrimPrefix(strings.TrimPrefix(info.URL, "http://"), "https://")
	}
	return &Registry{Info: info, backend: b, setup: s, readOnly: readOnly}
}

// ReadOnly reports whether the registry is in read-only mode.
func (r *Registry) ReadOnly() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.readOnly
}

// SetReadOnly restarts the registry on the same URL and storage in
// read-only mode (ro) or writable mode; nothing is done when it already is.
// Requests in flight during the restart may fail.
func (r *Registry) SetReadOnly(ro bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return fmt.Errorf("testreg: SetReadOnly(%v) on a closed %s", ro, r.Name)
	}
	if r.readOnly == ro {
		return nil
	}
	if err := r.backend.SetReadOnly(ro); err != nil {
		return fmt.Errorf("testreg: %s SetReadOnly(%v): %w", r.Name, ro, err)
	}
	r.readOnly = ro
	return nil
}

// Close stops the registry and removes what it created. Later calls return
// the first call's result.
func (r *Registry) Close() error {
	r.closeOnce.Do(func() {
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		var errs []error
		if r.backend != nil {
			errs = append(errs, r.backend.Close())
		}
		if r.setup != nil {
			errs = append(errs, r.setup.Close())
		}
		r.closeErr = errors.Join(errs...)
	})
	return r.closeErr
}

// Setup returns what was prepared for the registry (options with defaults
// filled in, paths of its files), or nil for a Registry made without one.
func (r *Registry) Setup() *Setup { return r.setup }

// User returns the account called name.
func (r *Registry) User(name string) (fixtures.TokenUser, bool) {
	for _, u := range r.Users {
		if u.Name == name {
			return u, true
		}
	}
	return fixtures.TokenUser{}, false
}

// LogEnv is the environment variable that, when not empty, keeps the
// in-process registries' logs (logrus, on stderr) instead of discarding them.
const LogEnv = "REGISTRYTEST_REGISTRY_LOG"

// LogTail returns the last n bytes of the registry's log where it keeps
// one (the Debian process), else "".
func (r *Registry) LogTail(n int) string {
	if lt, ok := r.backend.(interface{ LogTail(int) string }); ok {
		return lt.LogTail(n)
	}
	return ""
}

// RequireBinary returns the path of the executable name (looked up in
// PATH, or name itself when it contains a '/'). When it is missing, the test
// is skipped with "install with: apt-get install PKG", or fails when the
// environment variable CI is "true".
func RequireBinary(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := fmt.Sprintf("%s not found (%v); install with: apt-get install %s", name, err, pkg)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// FreeAddr returns a 127.0.0.1:PORT address that was free a moment ago. It
// retries for about a second when the system has no free port (as when
// tens of thousands of loopback connections sit in TIME_WAIT).
func FreeAddr() (string, error) {
	var err error
	for delay := 20 * time.Millisecond; delay < 1200*time.Millisecond; delay *= 2 {
		var l net.Listener
		if l, err = net.Listen("tcp", "127.0.0.1:0"); err == nil {
			addr := l.Addr().String()
			l.Close()
			return addr, nil
		}
		time.Sleep(delay)
	}
	return "", fmt.Errorf("testreg.FreeAddr: %v", err)
}

// WaitReady polls GET url+"/v2/" until the server answers with any HTTP
// status, ctx ends, or check (if not nil) returns an error (e.g. the
// process exited). It returns the last error.
func WaitReady(ctx context.Context, url string, check func() error) error {
	client := &http.Client{Timeout: 2 * time.Second}
	delay := 10 * time.Millisecond
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/v2/", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if check != nil {
			if cerr := check(); cerr != nil {
				return cerr
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("GET %s/v2/: %v (%w)", url, err, ctx.Err())
		case <-time.After(delay):
		}
		if delay < 200*time.Millisecond {
			delay *= 2
		}
	}
}
