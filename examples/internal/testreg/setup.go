package testreg

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/registrytest/registrytest/fixtures"
)

// Flavor is what a registry implementation needs from Prepare.
type Flavor struct {
	// Name is the implementation's name (Info.Name).
	Name string
	// KeyMode is the "kid" form the implementation trusts:
	// fixtures.TokenKeyLibtrustKID (2.8) or fixtures.TokenKeyThumbprintKID
	// (v3). Options.TokenX5C overrides it with fixtures.TokenKeyX5C.
	KeyMode fixtures.TokenKeyMode
	// Schema1 says whether the implementation supports schema1 manifests.
	Schema1 bool
}

// Setup holds what Prepare made for one registry: storage, a directory for
// configuration files, the htpasswd file or the token issuer and its server.
type Setup struct {
	// Options are the options given to Prepare, with defaults filled in.
	Options Options
	// Flavor is the implementation's.
	Flavor Flavor
	// StorageDir is the filesystem storage root.
	StorageDir string
	// ConfigDir is a temporary directory for configuration files, removed
	// by Close.
	ConfigDir string
	// HtpasswdPath is the htpasswd file (AuthBasic).
	HtpasswdPath string
	// CABundlePath is the token root certificate bundle (AuthToken).
	CABundlePath string
	// Issuer is the token issuer (AuthToken).
	Issuer *fixtures.TokenIssuer
	// Realm is the Basic realm or the token endpoint URL.
	Realm string
	// Service is the token service.
	Service string
	// Users are the accounts (nil with AuthNone).
	Users []fixtures.TokenUser
	// Schema1 says whether the registry will accept schema1.
	Schema1 bool

	tokenSrv      *httptest.Server
	removeStorage bool
}

// BasicRealm is the realm of registries started with AuthBasic.
const BasicRealm = "registrytest-basic"

// HTTPSecret is the http.secret of every registry started here; it stays
// the same across restarts so upload sessions survive them.
const HTTPSecret = "registrytest-http-secret"

// TmpDirEnv is the environment variable that, when set, names the directory
// TmpDir returns.
const TmpDirEnv = "REGISTRYTEST_TMPDIR"

// TmpDir returns the directory for registry storage and configuration
// files: $REGISTRYTEST_TMPDIR when set, else /dev/shm when it is a writable
// directory (distribution's filesystem driver is fastest there), else
// os.TempDir().
func TmpDir() string {
	if d := os.Getenv(TmpDirEnv); d != "" {
		return d
	}
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if f, err := os.CreateTemp("/dev/shm", "registrytest-probe-*"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return "/dev/shm"
		}
	}
	return os.TempDir()
}

// Prepare creates what a registry of flavor f needs for options o: storage
// (unless o.StorageDir is set), a configuration directory, the htpasswd
// file (AuthBasic), the token issuer, its CA bundle file and an HTTP server
// on 127.0.0.1 serving it at /token (AuthToken). The caller must Close the
// Setup, usually through Registry.Close.
func Prepare(o Options, f Flavor) (_ *Setup, err error) {
	s := &Setup{Options: o, Flavor: f}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if s.Options.CatalogMaxEntries <= 0 {
		s.Options.CatalogMaxEntries = 1000
	}
	s.Schema1 = f.Schema1 && !o.DisableSchema1
	if s.ConfigDir, err = os.MkdirTemp(TmpDir(), "registrytest-config-"); err != nil {
		return nil, fmt.Errorf("testreg.Prepare: %v", err)
	}
	s.StorageDir = o.StorageDir
	if s.StorageDir == "" {
		if s.StorageDir, err = os.MkdirTemp(TmpDir(), "registrytest-storage-"); err != nil {
			return nil, fmt.Errorf("testreg.Prepare: %v", err)
		}
		s.removeStorage = true
	}
	if o.Auth != AuthNone {
		s.Users = o.Users
		if s.Users == nil {
			s.Users = DefaultUsers()
		}
	}
	switch o.Auth {
	case AuthNone:
	case AuthBasic:
		s.Realm = BasicRealm
		s.HtpasswdPath = filepath.Join(s.ConfigDir, "htpasswd")
		if err := WriteHtpasswd(s.HtpasswdPath, s.Users); err != nil {
			return nil, fmt.Errorf("testreg.Prepare: %v", err)
		}
	case AuthToken:
		s.Issuer = o.TokenIssuer
		if s.Issuer == nil {
			mode := f.KeyMode
			if o.TokenX5C {
				mode = fixtures.TokenKeyX5C
			}
			s.Issuer, err = fixtures.NewTokenIssuer(fixtures.TokenIssuerOptions{
				Seed:      o.TokenSeed,
				Alg:       o.TokenAlg,
				KeyMode:   mode,
				Issuer:    o.TokenIssuerName,
				Service:   o.TokenService,
				Lifetime:  o.TokenLifetime,
				Users:     s.Users,
				Anonymous: o.Anonymous,
			})
			if err != nil {
				return nil, fmt.Errorf("testreg.Prepare: %v", err)
			}
		}
		s.Service = s.Issuer.Service()
		s.CABundlePath = filepath.Join(s.ConfigDir, "token-ca.pem")
		if err := s.Issuer.WriteCABundle(s.CABundlePath); err != nil {
			return nil, fmt.Errorf("testreg.Prepare: %v", err)
		}
		mux := http.NewServeMux()
		mux.Handle("/token", s.Issuer)
		s.tokenSrv = httptest.NewServer(mux)
		s.Realm = s.tokenSrv.URL + "/token"
	default:
		return nil, fmt.Errorf("testreg.Prepare: Auth = %v, want AuthNone, AuthBasic or AuthToken", o.Auth)
	}
	return s, nil
}

// Close stops the token server and removes the configuration directory and
// the storage Prepare created.
func (s *Setup) Close() error {
	if s == nil {
		return nil
	}
	if s.tokenSrv != nil {
		s.tokenSrv.Close()
		s.tokenSrv = nil
	}
	var errs []error
	if s.ConfigDir != "" {
		errs = append(errs, os.RemoveAll(s.ConfigDir))
	}
	if s.removeStorage && s.StorageDir != "" {
		errs = append(errs, os.RemoveAll(s.StorageDir))
		s.removeStorage = false
	}
	return errors.Join(errs...)
}

// Info returns the description of the registry at url.
func (s *Setup) Info(url string) Info {
	return Info{
		Name:              s.Flavor.Name,
		URL:               url,
		Auth:              s.Options.Auth,
		Realm:             s.Realm,
		Service:           s.Service,
		Issuer:            s.Issuer,
		Users:             s.Users,
		Schema1:           s.Schema1,
		CatalogMaxEntries: s.Options.CatalogMaxEntries,
		StorageDir:        s.StorageDir,
	}
}

// Config returns the registry configuration (YAML, version 0.1) for
// listening on addr (host:port; in-process registries ignore it) in
// read-only mode or not. docker/distribution 2.8 and distribution v3 both
// parse it with their configuration.Parse.
func (s *Setup) Config(addr string, readOnly bool) []byte {
	var b strings.Builder
	q := strconv.Quote
	b.WriteString("version: 0.1\n")
	b.WriteString("log:\n  level: info\n  formatter: text\n  accesslog:\n    disabled: true\n")
	b.WriteString("storage:\n")
	fmt.Fprintf(&b, "  filesystem:\n    rootdirectory: %s\n", q(s.StorageDir))
	b.WriteString("  delete:\n    enabled: true\n")
	b.WriteString("  maintenance:\n    uploadpurging:\n      enabled: false\n")
	fmt.Fprintf(&b, "    readonly:\n      enabled: %t\n", readOnly)
	b.WriteString("http:\n")
	fmt.Fprintf(&b, "  addr: %s\n", q(addr))
	fmt.Fprintf(&b, "  secret: %s\n", q(HTTPSecret))
	b.WriteString("  headers:\n    X-Content-Type-Options: [nosniff]\n")
	fmt.Fprintf(&b, "catalog:\n  maxentries: %d\n", s.Options.CatalogMaxEntries)
	if len(s.Options.AllowForeignURLs) > 0 {
		b.WriteString("validation:\n  manifests:\n    urls:\n      allow:\n")
		for _, re := range s.Options.AllowForeignURLs {
			fmt.Fprintf(&b, "        - %s\n", q(re))
		}
	}
	switch s.Options.Auth {
	case AuthBasic:
		fmt.Fprintf(&b, "auth:\n  htpasswd:\n    realm: %s\n    path: %s\n", q(s.Realm), q(s.HtpasswdPath))
	case AuthToken:
		fmt.Fprintf(&b, "auth:\n  token:\n    realm: %s\n    service: %s\n    issuer: %s\n    rootcertbundle: %s\n",
			q(s.Realm), q(s.Service), q(s.Issuer.Issuer()), q(s.CABundlePath))
	}
	if s.Schema1 {
		b.WriteString("compatibility:\n  schema1:\n    enabled: true\n")
	}
	return []byte(b.String())
}

// WriteConfig writes Config(addr, readOnly) to ConfigDir/config.yml and
// returns the file's path.
func (s *Setup) WriteConfig(addr string, readOnly bool) (string, error) {
	p := filepath.Join(s.ConfigDir, "config.yml")
	if err := os.WriteFile(p, s.Config(addr, readOnly), 0o644); err != nil {
		return "", fmt.Errorf("testreg: writing the registry configuration: %v", err)
	}
	return p, nil
}

// WriteHtpasswd writes an htpasswd file for users, with bcrypt hashes (the
// only kind distribution accepts) of the lowest cost. It returns an error
// if a name is empty or contains ':' or a newline.
func WriteHtpasswd(path string, users []fixtures.TokenUser) error {
	var b strings.Builder
	for _, u := range users {
		if u.Name == "" || strings.ContainsAny(u.Name, ":\r\n") {
			return fmt.Errorf("testreg.WriteHtpasswd: user name %q, want a non-empty name without ':' or newline", u.Name)
		}
		h, err := bcrypt.GenerateFromPassword([]byte(u.Password), bcrypt.MinCost)
		if err != nil {
			return fmt.Errorf("testreg.WriteHtpasswd: user %q: %v", u.Name, err)
		}
		fmt.Fprintf(&b, "%s:%s\n", u.Name, h)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("testreg.WriteHtpasswd: %v", err)
	}
	return nil
}
