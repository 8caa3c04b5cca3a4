package quayreg

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/registrytest/registrytest/conformance"
	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

func TestFromEnvSaysWhatToSetUp(t *testing.T) {
	t.Setenv(EnvTree, "")
	t.Setenv(EnvVenv, "")
	_, err := FromEnv()
	if err == nil || !strings.Contains(err.Error(), EnvTree) || !strings.Contains(err.Error(), "setup.sh") {
		t.Errorf("FromEnv() without %s = %v, want an error naming %s and setup.sh", EnvTree, err, EnvTree)
	}
	t.Setenv(EnvTree, t.TempDir())
	t.Setenv(EnvVenv, t.TempDir())
	if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), "not a Quay tree") {
		t.Errorf("FromEnv() with an empty %s = %v, want an error saying it is not a Quay tree", EnvTree, err)
	}
	tree, venv := t.TempDir(), t.TempDir()
	for _, p := range []string{filepath.Join(tree, "endpoints", "v2"), filepath.Join(venv, "bin")} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(python(venv), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvTree, tree)
	t.Setenv(EnvVenv, venv)
	t.Setenv(EnvServe, filepath.Join(t.TempDir(), "serve.py"))
	if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), EnvServe) {
		t.Errorf("FromEnv() with %s naming no file = %v, want an error naming %s", EnvServe, err, EnvServe)
	}
}

// TestRetryThrottled checks that a GET answered 429 with Retry-After is
// sent again after the wait, and that other answers, and a 429 to a POST or
// without Retry-After, are returned as they are.
func TestRetryThrottled(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		switch {
		case r.URL.Path == "/no-retry-after":
			w.WriteHeader(http.StatusTooManyRequests)
		case i <= 2:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			w.WriteHeader(http.StatusOK)
		}
	}))
	defer srv.Close()
	c := &http.Client{Transport: RetryThrottled(nil)}

	start := time.Now()
	resp, err := c.Get(srv.URL + "/token")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || n.Load() != 3 {
		t.Errorf("GET /token (429 twice, then 200) = %d after %d requests, want 200 after 3", resp.StatusCode, n.Load())
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("GET /token (Retry-After: 0 twice) took %v, want at least 1s (0.5s per retry)", d)
	}

	n.Store(0)
	resp, err = c.Post(srv.URL+"/token", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || n.Load() != 1 {
		t.Errorf("POST /token = %d after %d requests, want 429 after 1 (only GETs are sent again)", resp.StatusCode, n.Load())
	}

	n.Store(0)
	resp, err = c.Get(srv.URL + "/no-retry-after")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || n.Load() != 1 {
		t.Errorf("GET /no-retry-after = %d after %d requests, want 429 after 1", resp.StatusCode, n.Load())
	}
}

var (
	quayOnce sync.Once
	quay     *Registry
	quayErr  error
)

// startQuay starts one Quay for the tests of this package (stopped by
// TestMain), or skips without one.
func startQuay(t *testing.T) *Registry {
	t.Helper()
	o := SkipUnlessSetUp(t)
	quayOnce.Do(func() {
		o.Features = Features()
		quay, quayErr = Start(context.Background(), o)
	})
	if quayErr != nil {
		t.Fatal(quayErr)
	}
	return quay
}

func TestMain(m *testing.M) {
	code := m.Run()
	if quay != nil {
		quay.Close()
	}
	os.Exit(code)
}

// token asks for a token for scope as user:password and returns the
// status of the token endpoint's answer.
func tokenStatus(t *testing.T, c *http.Client, r *Registry, user, password, scope string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet,
		r.URL+"/v2/auth?service="+strings.TrimPrefix(r.URL, "http://")+"&scope="+scope, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, password)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestThrottledLogin checks that Quay (with bootstrap.py's handler)
// answers a login within the backoff after a wrong password 429 with
// Retry-After, and that the target's client gets the owner's token anyway.
func TestThrottledLogin(t *testing.T) {
	r := startQuay(t)
	scope := "repository:" + Org + "/throttle:pull"
	plain := &http.Client{}
	if got := tokenStatus(t, plain, r, "creator", "wrong", scope); got != http.StatusUnauthorized {
		t.Fatalf("token for creator with a wrong password = %d, want 401", got)
	}
	if got := tokenStatus(t, plain, r, "creator", "wrong", scope); got != http.StatusTooManyRequests {
		t.Errorf("token for creator with a wrong password again, within the backoff = %d, want 429", got)
	}
	retrying := &http.Client{Transport: RetryThrottled(nil)}
	if got := tokenStatus(t, retrying, r, "creator", Password, scope); got != http.StatusOK {
		t.Errorf("token for creator with the right password, through RetryThrottled = %d, want 200", got)
	}
}

// TestControlNamespace checks that SetNamespaceEnabled disables a
// namespace (a token request for one of its repositories: 405, as
// failures.Quay says) and enables it again (200).
func TestControlNamespace(t *testing.T) {
	r := startQuay(t)
	c, err := NewControl(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	const ns = "sellnsmall"
	scope := "repository:" + ns + "/ns-test:pull"
	client := &http.Client{Transport: RetryThrottled(nil)}
	if got := tokenStatus(t, client, r, Owner, Password, scope); got != http.StatusOK {
		t.Fatalf("token for %s before disabling it = %d, want 200", scope, got)
	}
	if err := c.SetNamespaceEnabled(t.Context(), ns, false); err != nil {
		t.Fatal(err)
	}
	exp, ok := failures.Quay.Lookup(failures.Auth, failures.NamespaceDisabled)
	if !ok {
		t.Fatalf("failures.Quay has no %s entry at %s", failures.NamespaceDisabled, failures.Auth)
	}
	want := exp.Status
	if got := tokenStatus(t, client, r, Owner, Password, scope); got != want {
		t.Errorf("token for %s with %s disabled = %d, want %d", scope, ns, got, want)
	}
	if err := c.SetNamespaceEnabled(t.Context(), ns, true); err != nil {
		t.Fatal(err)
	}
	if got := tokenStatus(t, client, r, Owner, Password, scope); got != http.StatusOK {
		t.Errorf("token for %s with %s enabled again = %d, want 200", scope, ns, got)
	}
}

// TestTargetRobot checks that the robot's token NewTarget reads from the
// API is a password Quay accepts.
func TestTargetRobot(t *testing.T) {
	r := startQuay(t)
	c, err := NewControl(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.RobotToken(t.Context(), Robot)
	if err != nil {
		t.Fatal(err)
	}
	vc, err := v2proto.New(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vc.Token(t.Context(), []string{"repository:" + Org + "/robot-test:push,pull"}, v2proto.WithCredentials(Robot, tok)); err != nil {
		t.Errorf("Token(as %s) = %v, want a token", Robot, err)
	}
	u := Users(tok)[conformance.Robot]
	if u.Name != Robot || u.Password != tok {
		t.Errorf("Users(tok)[robot] = %+v, want %s with the token", u, Robot)
	}
}

// TestQuayTableUnknownTag shows the entries failures.Quay gained since the
// 2020 harness (which sent no HEAD and deleted each manifest once): a HEAD
// of an unknown tag and a DELETE of a digest the repository does not hold
// answer 404, which the table expects at head-manifest and delete-manifest;
// without the entry the same answer is an unexpected failure.
func TestQuayTableUnknownTag(t *testing.T) {
	r := startQuay(t)
	repo := Org + "/unknown-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	owner := v2proto.WithCredentials(Owner, Password)
	setup, err := v2proto.New(r.URL, v2proto.WithTable(failures.Quay), v2proto.WithHTTPClient(&http.Client{Transport: RetryThrottled(nil)}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setup.Push(t.Context(), repo, []string{"latest"}, fixtures.Basic(), owner, v2proto.WithSchema(v2proto.Schema2)); err != nil {
		t.Fatal(err)
	}
	absent := "sha256:" + strings.Repeat("0", 64)
	for _, step := range []failures.Step{failures.HeadManifest, failures.DeleteManifest} {
		for _, tt := range []struct {
			name    string
			table   *failures.Table
			wantErr bool
		}{
			{"failures.Quay", failures.Quay, false},
			{"without the entry", failures.Quay.Without(step, failures.UnknownTag), true},
		} {
			c, err := v2proto.New(r.URL, v2proto.WithTable(tt.table), v2proto.WithHTTPClient(&http.Client{Transport: RetryThrottled(nil)}))
			if err != nil {
				t.Fatal(err)
			}
			exp := v2proto.ExpectFailure(failures.UnknownTag)
			if step == failures.HeadManifest {
				_, err = c.HeadManifest(t.Context(), repo, "no-such-tag", owner, exp)
			} else {
				err = c.Delete(t.Context(), repo, []string{absent}, owner, exp)
			}
			if (err != nil) != tt.wantErr {
				t.Errorf("%s with %s: the unknown-tag call = %v, want error: %v", step, tt.name, err, tt.wantErr)
			}
		}
	}
}
