package browsertest

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/registrytest/registrytest/conformance"
	"github.com/registrytest/registrytest/examples/internal/distv3"
	"github.com/registrytest/registrytest/examples/internal/testreg"
	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

const canaryPassword = "CANARYPWbr0wser"

var (
	reqManifest = conformance.Requirement{Level: conformance.Must, Source: conformance.OCIDistribution, Section: "Pulling manifests",
		URL:  "https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#pulling-manifests",
		Text: "If the manifest is not found in the repository, the response code MUST be 404 Not Found."}
	reqDigest = conformance.Requirement{Level: conformance.Should, Source: conformance.OCIDistribution, Section: "Pulling manifests",
		URL:  "https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#pulling-manifests",
		Text: "The Docker-Content-Digest header SHOULD be present on the response & carry the digest <of the manifest>."}
)

// tokenCatcher is a transport that notes every Authorization value the
// client sends (the Basic credentials, the Bearer tokens), so that the test
// can look for them in the reports.
type tokenCatcher struct {
	mu      sync.Mutex
	secrets map[string]bool
}

func (c *tokenCatcher) RoundTrip(r *http.Request) (*http.Response, error) {
	if a := r.Header.Get("Authorization"); a != "" {
		_, v, _ := strings.Cut(a, " ")
		c.mu.Lock()
		c.secrets[v] = true
		c.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

// scenarios fail a MUST (a pull of a manifest that was never pushed,
// wanted as a success), warn a SHOULD, pass, and fail as a known
// deviation, each after real exchanges with the registry as the owner.
func scenarios() []conformance.Scenario {
	get := func(e *conformance.Env, repo, ref string) error {
		as, err := e.As(conformance.Owner)
		if err != nil {
			return err
		}
		req, _ := http.NewRequest("GET", "/v2/"+repo+"/manifests/"+ref, nil)
		req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json")
		as = append(as, v2proto.WithScopes("repository:"+repo+":pull"))
		resp, err := e.Client().Exchange(e.Ctx, failures.GetManifest, req, as...)
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	return []conformance.Scenario{
		{ID: "browser-must", Area: "Manifests", Requires: []conformance.Requirement{reqManifest}, Run: func(e *conformance.Env) error {
			return get(e, e.Repo(conformance.Owner), "never-pushed")
		}},
		{ID: "browser-should", Area: "Manifests", Requires: []conformance.Requirement{reqDigest}, Run: func(e *conformance.Env) error {
			err := get(e, e.Repo(conformance.Owner), "missing-too")
			return errors.New("GET /v2/<repo>/manifests/missing-too: no Docker-Content-Digest & \"quotes\" (" + err.Error() + ")")
		}},
		{ID: "browser-pass", Area: "Base", Run: func(e *conformance.Env) error { return nil }},
		{ID: "browser-known", Area: "Base", Requires: []conformance.Requirement{reqManifest}, Run: func(e *conformance.Env) error {
			return get(e, e.Repo(conformance.Owner), "known")
		}},
	}
}

// chromium returns the path of the chromium binary: under CI=true a
// missing one fails the test, elsewhere it skips it.
func chromium(t *testing.T) string {
	path, err := exec.LookPath("chromium")
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("chromium not found (%v): .ci/run installs it with apt-get install chromium", err)
	}
	t.Skipf("chromium not found (%v): apt-get install chromium", err)
	return ""
}

// headless runs chromium headless on the file with args added, and returns
// its standard output.
func headless(t *testing.T, bin, file string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	all := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + t.TempDir()}, args...)
	cmd := exec.CommandContext(ctx, bin, append(all, "file://"+file)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// domText escapes s as a browser serializes a text node.
func domText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\u00a0", "&nbsp;").Replace(s)
}

// A run is the report of scenarios with a failure, a warning and a known
// deviation against distribution v3 (token auth, a canary password), as
// HTML and JUnit, and the secrets the client sent.
type run struct {
	rep         *conformance.Report
	html, junit bytes.Buffer
	secrets     []string
	failed      []conformance.Result // failures and warnings
}

func newRun(t *testing.T) *run {
	reg := distv3.Start(t, testreg.Options{Auth: testreg.AuthToken, Users: []fixtures.TokenUser{
		{Name: "alice", Password: canaryPassword, Grants: []fixtures.TokenGrant{{Name: "alice/*", Actions: []string{"*"}}}},
	}})
	catcher := &tokenCatcher{secrets: map[string]bool{}}
	target := &conformance.Target{
		Name: reg.Name, URL: reg.URL, HTTPClient: &http.Client{Transport: catcher},
		Users:        map[conformance.Role]conformance.User{conformance.Owner: {Name: "alice", Password: canaryPassword, Namespace: "alice"}},
		Capabilities: []conformance.Capability{conformance.Auth, conformance.Token},
		Known:        map[string]string{"browser-known": "answers 404 for a manifest never pushed <by design>"},
	}
	r := &run{rep: conformance.Check(context.Background(), target, conformance.WithScenarios(scenarios()))}
	r.rep.CapabilityNotes = map[conformance.Capability]string{conformance.Auth: "found by a ping: 401 with a Bearer challenge"}
	for _, res := range r.rep.Results {
		if res.Outcome == conformance.Failed || res.Outcome == conformance.Warned {
			r.failed = append(r.failed, res)
		}
	}
	if len(r.failed) != 2 || r.failed[0].Outcome != conformance.Failed || r.failed[1].Outcome != conformance.Warned {
		t.Fatalf("Check = %+v, want a failure and a warning", r.rep.Results)
	}
	for _, res := range r.failed {
		if len(res.Transcript) == 0 {
			t.Errorf("%s has no transcript", res.Name())
		}
	}
	if err := r.rep.WriteHTML(&r.html); err != nil {
		t.Fatal(err)
	}
	if err := r.rep.WriteJUnit(&r.junit); err != nil {
		t.Fatal(err)
	}
	r.secrets = []string{canaryPassword, base64.StdEncoding.EncodeToString([]byte("alice:" + canaryPassword))}
	catcher.mu.Lock()
	defer catcher.mu.Unlock()
	for s := range catcher.secrets {
		r.secrets = append(r.secrets, s)
	}
	if len(r.secrets) < 4 {
		t.Fatalf("the client sent %d secrets, want the Basic credentials and a token at least", len(r.secrets)-2)
	}
	return r
}

// checkNoSecret fails the test when out holds one of r's secrets.
func (r *run) checkNoSecret(t *testing.T, name, out string) {
	t.Helper()
	for _, s := range r.secrets {
		if strings.Contains(out, s) {
			t.Errorf("the %s holds the secret %q", name, s)
		}
	}
}

// TestReportSecrets checks that neither the HTML report nor the JUnit file
// of a run whose transcripts saw the canary password, the Basic
// credentials and the Bearer tokens holds any of them, and that both carry
// the transcripts, redacted.
func TestReportSecrets(t *testing.T) {
	r := newRun(t)
	r.checkNoSecret(t, "HTML report", r.html.String())
	r.checkNoSecret(t, "JUnit file", r.junit.String())
	for name, out := range map[string]string{"HTML report": r.html.String(), "JUnit file": r.junit.String()} {
		for _, want := range []string{"Authorization: Bearer REDACTED", "Authorization: Basic REDACTED", "MANIFEST_UNKNOWN (get-manifest"} {
			if !strings.Contains(out, want) {
				t.Errorf("the %s holds no %q: the transcripts did not reach it", name, want)
			}
		}
	}
}

// TestReportInChromium has headless Chromium render the report of a run
// (see newRun): every failure's and warning's ID, error and requirement
// are in the rendered page, which loads nothing (no script, style sheet,
// image, frame or font; its only http(s) URLs in attributes are links to
// the spec) and holds no secret. It takes a screenshot too, copied with
// the page into $REPORT_SCREENSHOT_DIR when that is set.
func TestReportInChromium(t *testing.T) {
	bin := chromium(t)
	r := newRun(t)
	html, failed := &r.html, r.failed
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, html.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	// The page fetches nothing: no element that loads, no http(s) URL but
	// in the href of a link.
	lower := strings.ToLower(html.String())
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "<frame", "<object", "<embed", "<video", "<audio", "<source", "@import", "url(", "@font-face", " src=", "srcset="} {
		if strings.Contains(lower, bad) {
			t.Errorf("the report holds %q", bad)
		}
	}
	links := 0
	for _, m := range regexp.MustCompile(`(?i)([a-z-]+)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]*)`).FindAllStringSubmatch(html.String(), -1) {
		if m[1] != "href" || !strings.HasPrefix(m[2], "https://github.com/opencontainers/distribution-spec/") {
			t.Errorf("the report holds a URL in an attribute other than a spec link's href: %q", m[0])
		}
		links++
	}
	if links == 0 {
		t.Errorf("the report links no spec: the check of its URLs saw none")
	}

	dom := string(headless(t, bin, page, "--dump-dom"))
	if !strings.Contains(dom, "<h1>registrytest conformance: "+r.rep.Target+"</h1>") {
		t.Fatalf("the rendered page has no title heading:\n%s", dom)
	}
	for _, res := range failed {
		for _, want := range []string{res.ID, domText(res.Detail), domText(res.Requirement.Text)} {
			if !strings.Contains(dom, want) {
				t.Errorf("the rendered page holds no %q (%s)", want, res.Name())
			}
		}
	}
	for _, want := range []string{"Known deviation: answers 404 for a manifest never pushed &lt;by design&gt;", "GET /v2/alice/browser-must-", "Authorization: Bearer REDACTED", "found by a ping"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered page holds no %q", want)
		}
	}
	r.checkNoSecret(t, "rendered page", dom)

	shot := filepath.Join(dir, "report.png")
	headless(t, bin, page, "--screenshot="+shot, "--window-size=1280,2000", "--hide-scrollbars")
	png, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) || len(png) < 10<<10 {
		t.Errorf("the screenshot is %d bytes, not a PNG of a page", len(png))
	}
	if d := os.Getenv("REPORT_SCREENSHOT_DIR"); d != "" {
		for _, f := range []string{"report.png", "report.html"} {
			b, _ := os.ReadFile(filepath.Join(dir, f))
			if err := os.WriteFile(filepath.Join(d, f), b, 0o644); err != nil {
				t.Error(err)
			}
		}
	}
}
