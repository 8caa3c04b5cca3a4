package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/registrytest/registrytest/conformance"
	"github.com/registrytest/registrytest/examples/internal/conftarget"
	"github.com/registrytest/registrytest/examples/internal/cuereg"
	"github.com/registrytest/registrytest/examples/internal/distv3"
	"github.com/registrytest/registrytest/examples/internal/ggcrreg"
)

// runProgram runs the program with args and returns its exit code, standard
// output and standard error.
func runProgram(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

var countsRE = regexp.MustCompile(`(?m)^(\d+) passed, (\d+) failed, (\d+) skipped`)

// counts returns the figures of the report's closing line.
func counts(t *testing.T, stdout string) (passed, failed, skipped int) {
	t.Helper()
	m := countsRE.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no closing line \"N passed, N failed, N skipped\" in the output:\n%s", stdout)
	}
	p, _ := strconv.Atoi(m[1])
	f, _ := strconv.Atoi(m[2])
	s, _ := strconv.Atoi(m[3])
	return p, f, s
}

// wantExit checks that the exit code follows the report: 1 when a scenario
// failed, 0 otherwise.
func wantExit(t *testing.T, code int, stdout, stderr string) {
	t.Helper()
	_, f, _ := counts(t, stdout)
	want := 0
	if f > 0 {
		want = 1
	}
	if code != want {
		t.Errorf("run = %d with %d failed, want %d; stderr:\n%s", code, f, want, stderr)
	}
}

// TestURLAlone runs the program with -url alone against go-containerregistry
// and CUE (no auth): it probes, prints every capability with how it was
// found, runs the whole suite with the owner anonymous, and prints counts.
func TestURLAlone(t *testing.T) {
	for _, tc := range []struct {
		name string
		url  string
		caps []conformance.Capability
	}{
		{"ggcr", ggcrreg.Start(t, ggcrreg.Options{}).URL, conftarget.Capabilities(ggcrreg.Name, false)},
		{"cue", cuereg.Start(t, cuereg.Options{}).URL, conftarget.Capabilities(cuereg.Name, false)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			code, stdout, stderr := runProgram(t, "-url", tc.url)
			p, f, s := counts(t, stdout)
			t.Logf("-url %s (%s): %d passed, %d failed, %d skipped, exit %d, %s", tc.url, tc.name, p, f, s, code, time.Since(start).Round(time.Millisecond))
			if p == 0 {
				t.Errorf("-url %s alone: %d passed, want some:\n%s", tc.url, p, stdout)
			}
			if s == countJobs("") {
				t.Errorf("-url %s alone: every scenario skipped", tc.url)
			}
			wantExit(t, code, stdout, stderr)
			for _, c := range conformance.AllCapabilities() {
				if !regexp.MustCompile(`(?m)^  (yes|no) +` + regexp.QuoteMeta(string(c)) + ` +\S`).MatchString(stderr) {
					t.Errorf("stderr has no line for capability %s saying how it was found:\n%s", c, stderr)
				}
			}
			used := regexp.MustCompile(`capabilities used: (.*)`).FindStringSubmatch(stderr)
			if used == nil {
				t.Fatalf("stderr has no line \"capabilities used: ...\":\n%s", stderr)
			}
			if diff := cmp.Diff(capNames(sortCaps(tc.caps)), capNames(sortCaps(parseList(used[1])))); diff != "" {
				t.Errorf("capabilities used mismatch with those measured with the suite (-want +got):\n%s", diff)
			}
			if regexp.MustCompile(`(?m)^state-preloaded +skip`).MatchString(stdout) {
				t.Errorf("state-preloaded skipped: the program put no preloaded content:\n%s", stdout)
			}
		})
	}
}

func parseList(s string) []conformance.Capability {
	var cs []conformance.Capability
	for _, f := range strings.Split(strings.TrimSpace(s), ",") {
		if f != "" {
			cs = append(cs, conformance.Capability(f))
		}
	}
	return cs
}

func sortCaps(cs []conformance.Capability) []conformance.Capability {
	var out []conformance.Capability
	for _, c := range conformance.AllCapabilities() {
		for _, x := range cs {
			if x == c {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// TestCapabilitiesOverride checks that -capabilities edits the probed set
// (+cap, -cap) and that a full list replaces it without probing.
func TestCapabilitiesOverride(t *testing.T) {
	url := ggcrreg.Start(t, ggcrreg.Options{}).URL

	code, stdout, stderr := runProgram(t, "-url", url, "-capabilities", "-referrers,+cancel", "-run", "^(ref-empty|cancel-upload/sha256-no-data)$")
	if !strings.Contains(stderr, "  no  referrers") || !strings.Contains(stderr, "  yes cancel") {
		t.Errorf("stderr does not show referrers off and cancel on:\n%s", stderr)
	}
	if !regexp.MustCompile(`(?m)^ref-empty +skip .*lacks capability referrers`).MatchString(stdout) {
		t.Errorf("ref-empty with -referrers: not skipped for lack of referrers:\n%s", stdout)
	}
	if regexp.MustCompile(`(?m)^cancel-upload/sha256-no-data +skip`).MatchString(stdout) {
		t.Errorf("cancel-upload with +cancel: skipped, want run:\n%s", stdout)
	}
	wantExit(t, code, stdout, stderr)

	code, stdout, stderr = runProgram(t, "-url", url, "-capabilities", "post-digest,delete", "-run", "^ping$")
	if !strings.Contains(stderr, "nothing probed") || strings.Contains(stderr, "probe:") {
		t.Errorf("-capabilities as a full list: probes ran, want none:\n%s", stderr)
	}
	if !strings.Contains(stderr, "capabilities used: post-digest,delete\n") {
		t.Errorf("-capabilities post-digest,delete: stderr does not say those are used:\n%s", stderr)
	}
	wantExit(t, code, stdout, stderr)

	_, _, stderr = runProgram(t, "-url", url, "-probe=false", "-run", "^ping$")
	if !strings.Contains(stderr, "capabilities used: "+strings.Join(capNames(defaultCaps), ",")+"\n") {
		t.Errorf("-probe=false: stderr does not say the defaults are used:\n%s", stderr)
	}
}

// TestReportFiles checks that -junit and -html write the report to their
// files: JUnit XML naming the scenario run, and an HTML page.
func TestReportFiles(t *testing.T) {
	url := ggcrreg.Start(t, ggcrreg.Options{}).URL
	const scenario = "tags-list-empty-repo"
	dir := t.TempDir()
	junit, html := filepath.Join(dir, "report.xml"), filepath.Join(dir, "report.html")
	code, stdout, stderr := runProgram(t, "-url", url, "-run", "^"+scenario+"$", "-junit", junit, "-html", html)
	wantExit(t, code, stdout, stderr)
	for _, f := range []struct{ path, want string }{{junit, "<testsuite"}, {junit, scenario}, {html, "<html"}, {html, scenario}} {
		b, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatalf("-junit/-html: %v", err)
		}
		if !strings.Contains(string(b), f.want) {
			t.Errorf("%s holds no %q:\n%s", filepath.Base(f.path), f.want, b)
		}
	}
}

// TestKnownFile checks that a scenario listed in a -known file changes its
// verdict: a failure becomes a skip with the description, a pass becomes a
// failure (the list is out of date).
func TestKnownFile(t *testing.T) {
	url := cuereg.Start(t, cuereg.Options{}).URL
	const scenario = "tags-list-empty-repo"
	code, stdout, _ := runProgram(t, "-url", url, "-run", "^"+scenario+"$")
	p, f, _ := counts(t, stdout)
	if p+f != 1 {
		t.Fatalf("-run %s: %d passed, %d failed, want one of them:\n%s", scenario, p, f, stdout)
	}
	file := filepath.Join(t.TempDir(), "known.tsv")
	text := "# known deviations\n\n" + scenario + "\tthe description of the deviation\n"
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code2, stdout2, stderr2 := runProgram(t, "-url", url, "-run", "^"+scenario+"$", "-known", file)
	p2, f2, s2 := counts(t, stdout2)
	switch {
	case p == 1 && (f2 != 1 || code2 != 1 || !strings.Contains(stdout2, "passed, but the target lists it as a known deviation")):
		t.Errorf("a passing scenario listed in -known: %d failed, exit %d, want 1 failed (list out of date), exit 1:\n%s%s", f2, code2, stdout2, stderr2)
	case f == 1 && (s2 != 1 || code2 != 0 || !strings.Contains(stdout2, "the description of the deviation")):
		t.Errorf("a failing scenario listed in -known: %d skipped, exit %d, want 1 skipped with the description, exit 0 (before: exit %d):\n%s%s", s2, code2, code, stdout2, stderr2)
	}
	if p2+f2+s2 != 1 {
		t.Errorf("with -known: %d results, want 1", p2+f2+s2)
	}
}

func TestParseKnown(t *testing.T) {
	got, err := parseKnown("k", "# c\n  # indented comment\n\nping\tone\r\nblob-*/sha512\t two words \n")
	if err != nil {
		t.Fatalf("parseKnown = %v", err)
	}
	want := map[string]string{"ping": "one", "blob-*/sha512": "two words"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseKnown mismatch (-want +got):\n%s", diff)
	}
	for _, tc := range []struct{ text, err string }{
		{"ping one\n", `k:1: "ping one", want scenario-pattern<TAB>description`},
		{"# x\nping\t\n", `k:2: "ping\t", want scenario-pattern<TAB>description`},
		{"\tdesc\n", `k:1: "\tdesc", want scenario-pattern<TAB>description`},
		{"[a\tdesc\n", `k:1: pattern "[a": syntax error in pattern`},
		{"a\tx\na\ty\n", `k:2: pattern "a" given twice`},
	} {
		_, err := parseKnown("k", tc.text)
		if err == nil || err.Error() != tc.err {
			t.Errorf("parseKnown(%q) = %v, want %s", tc.text, err, tc.err)
		}
	}
}

func TestParseCaps(t *testing.T) {
	def := []conformance.Capability{conformance.Delete, conformance.Mount}
	for _, tc := range []struct {
		in   string
		want []conformance.Capability
	}{
		{"", def},
		{"+cancel", []conformance.Capability{conformance.Delete, conformance.Mount, conformance.Cancel}},
		{"-mount,+range", []conformance.Capability{conformance.Delete, conformance.Range}},
		{"delete, range", []conformance.Capability{conformance.Delete, conformance.Range}},
	} {
		got, err := parseCaps(tc.in, def)
		if err != nil {
			t.Errorf("parseCaps(%q) = %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("parseCaps(%q) mismatch (-want +got):\n%s", tc.in, diff)
		}
	}
	if _, err := parseCaps("+nope", def); err == nil {
		t.Errorf("parseCaps(%q) = nil error, want unknown capability", "+nope")
	}
}

// TestNothingPushes runs -url against a registry with token auth and no
// -owner: nothing that pushes could run, so the program says what to give
// and exits 2 without running the suite.
func TestNothingPushes(t *testing.T) {
	reg := distv3.Start(t, conftarget.Options())
	code, stdout, stderr := runProgram(t, "-url", reg.URL)
	if code != 2 || !strings.Contains(stderr, "nothing that pushes could run") || !strings.Contains(stderr, "-owner user:password") {
		t.Errorf("-url (token auth) without -owner = exit %d, stderr:\n%s\nwant exit 2 and a message that asks for -owner user:password", code, stderr)
	}
	if countsRE.MatchString(stdout) {
		t.Errorf("the suite ran:\n%s", stdout)
	}
	code, _, stderr = runProgram(t, "-url", reg.URL, "-capabilities", "auth,delete")
	if code != 2 || !strings.Contains(stderr, "-owner") {
		t.Errorf("-url with -capabilities auth,... and no -owner = exit %d, stderr:\n%s\nwant exit 2 asking for -owner", code, stderr)
	}
	code, stdout, stderr = runProgram(t, "-url", reg.URL, "-owner", "owner:"+conftarget.Password("owner"), "-namespaces", "owner=owner", "-run", "^blob-post-put/sha256$")
	if !strings.Contains(stderr, "  yes auth") || !strings.Contains(stderr, "  yes token") || !strings.Contains(stderr, "  no  roles") {
		t.Errorf("-url with -owner: stderr does not show auth, token and no roles:\n%s", stderr)
	}
	wantExit(t, code, stdout, stderr)
}

// TestFlagErrors checks that bad flags exit 2 with a message naming the
// flag.
func TestFlagErrors(t *testing.T) {
	url := ggcrreg.Start(t, ggcrreg.Options{}).URL
	missing := filepath.Join(t.TempDir(), "missing")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"-registry", "nope"}, "-registry"},
		{[]string{"-url", url, "-capabilities", "+nope"}, "-capabilities"},
		{[]string{"-registry", "ggcr", "-capabilities", "+nope"}, "-capabilities"},
		{[]string{"-url", url, "-known", missing}, "-known"},
		{[]string{"-url", url, "-table", missing}, "-table"},
		{[]string{"-url", url, "-owner", "nocolon"}, "-owner"},
		{[]string{"-url", url, "-namespaces", "nobody=x"}, "-namespaces"},
		{[]string{"-url", url, "-run", "("}, "-run"},
	} {
		code, _, stderr := runProgram(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("run(%q) = %d, stderr %q; want 2 and a message with %q", tc.args, code, stderr, tc.want)
		}
	}
}

// TestRegistries runs -registry ggcr and -registry cue on one scenario.
func TestRegistries(t *testing.T) {
	for _, r := range []string{"ggcr", "cue"} {
		code, stdout, stderr := runProgram(t, "-registry", r, "-run", "^ping$")
		if p, _, _ := counts(t, stdout); p != 1 {
			t.Errorf("-registry %s -run ^ping$: %d passed, want 1:\n%s%s", r, p, stdout, stderr)
		}
		wantExit(t, code, stdout, stderr)
	}
}
