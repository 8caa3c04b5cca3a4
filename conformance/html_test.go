package conformance

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/v2proto"
)

const (
	canaryPassword = "CANARYPWc0nf"
	canaryToken    = "CANARYTOKc0nf"
)

// echoRegistry is a registry that demands Basic credentials (alice,
// canaryPassword), hands a canary token in a header, and echoes the
// credentials it got in the bodies and headers of its answers.
func echoRegistry(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		if u, p, ok := r.BasicAuth(); !ok || u != "alice" || p != canaryPassword {
			w.Header().Set("WWW-Authenticate", `Basic realm="echo"`)
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"errors":[{"code":"UNAUTHORIZED","message":"credentials required"}]}`)
			return
		}
		auth := r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Location", "/v2/r/blobs/uploads/u?_state="+canaryToken+"&echo="+auth)
		switch r.URL.Path {
		case "/v2/":
			fmt.Fprint(w, "{}")
		case "/v2/r/manifests/ok":
			fmt.Fprint(w, "{}")
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"you sent %s <script>alert(1)</script>"}]}`, auth)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// echoScenarios fail (a MUST), warn (a SHOULD), pass, and fail as a known
// deviation, each after exchanges with the echo registry as the owner.
func echoScenarios() []Scenario {
	get := func(e *Env, ref string) error {
		as, err := e.As(Owner)
		if err != nil {
			return err
		}
		req, _ := http.NewRequest("GET", "/v2/r/manifests/"+ref, nil)
		req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json")
		resp, err := e.Client().Exchange(e.Ctx, failures.GetManifest, req, as...)
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	return []Scenario{
		{ID: "must-fail", Area: "A", Requires: []Requirement{reqMust}, Run: func(e *Env) error { return get(e, "missing") }},
		{ID: "should-warn", Area: "A", Requires: []Requirement{reqShould}, Run: func(e *Env) error {
			if err := get(e, "ok"); err != nil {
				return err
			}
			return errors.New("GET /v2/r/manifests/ok = 200 without Docker-Content-Digest <b>")
		}},
		{ID: "passes", Area: "B", Requires: []Requirement{reqMust}, Run: func(e *Env) error { return get(e, "ok") }},
		{ID: "known-fail", Area: "B", Requires: []Requirement{reqMust}, Run: func(e *Env) error { return get(e, "other") }},
		{ID: "new-client", Area: "B", Requires: []Requirement{reqMust}, Run: func(e *Env) error {
			c, err := e.NewClient(v2proto.WithTable(failures.OCI))
			if err != nil {
				return err
			}
			req, _ := http.NewRequest("GET", "/v2/r/manifests/other2", nil)
			_, err = c.Exchange(e.Ctx, failures.GetManifest, req, v2proto.WithCredentials("alice", canaryPassword))
			return err
		}},
	}
}

func echoReport(t *testing.T) *Report {
	srv := echoRegistry(t)
	target := &Target{Name: "echo <registry>", URL: srv.URL,
		Users:        map[Role]User{Owner: {Name: "alice", Password: canaryPassword, Namespace: "r"}},
		Capabilities: []Capability{Delete, Catalog},
		Known:        map[string]string{"known-fail": "answers 404 for <other>"}}
	rep := Check(context.Background(), target, WithScenarios(echoScenarios()))
	rep.CapabilityNotes = map[Capability]string{Delete: "measured: DELETE answered 202"}
	return rep
}

// TestCheckTranscript checks which results keep a transcript, that it
// holds the scenario's exchanges (those of NewClient's clients too), and
// that it is redacted.
func TestCheckTranscript(t *testing.T) {
	rep := echoReport(t)
	type row struct {
		Name    string
		Outcome Outcome
		Paths   []string
	}
	var got []row
	for _, r := range rep.Results {
		var paths []string
		for _, x := range r.Transcript {
			paths = append(paths, fmt.Sprintf("%s %s %d", x.Method, x.Path, x.Status))
		}
		got = append(got, row{r.Name(), r.Outcome, paths})
	}
	// A ping without credentials, then with them.
	ping, auth := "GET /v2/ 401", "GET /v2/ 200"
	want := []row{
		{"must-fail", Failed, []string{ping, auth, "GET /v2/r/manifests/missing 404"}},
		{"should-warn", Warned, []string{ping, auth, "GET /v2/r/manifests/ok 200"}},
		{"passes", Passed, nil},
		{"known-fail", Skipped, []string{ping, auth, "GET /v2/r/manifests/other 404"}},
		{"new-client", Failed, []string{ping, auth, "GET /v2/r/manifests/other2 404"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Check transcripts (-want +got):\n%s", diff)
	}
	if got := rep.Results[3].Known; got != "answers 404 for <other>" {
		t.Errorf("Results[3].Known = %q, want the deviation's description", got)
	}
	if got, want := rep.Table, failures.Distribution.Name(); got != want {
		t.Errorf("Report.Table = %q, want %q", got, want)
	}
	if diff := cmp.Diff([]Capability{Delete, Catalog}, rep.Capabilities); diff != "" {
		t.Errorf("Report.Capabilities (-want +got):\n%s", diff)
	}
}

// TestRecorderBounds checks that a transcript keeps the last MaxTranscript
// exchanges, in order, and cuts long fields.
func TestRecorderBounds(t *testing.T) {
	var r recorder
	long := strings.Repeat("é", MaxTranscriptLine)
	for i := range MaxTranscript + 7 {
		r.add(v2proto.Exchange{Method: "GET", Path: fmt.Sprintf("/v2/%d", i), Body: long, Header: http.Header{"Link": {long}}})
	}
	xs, dropped := r.transcript()
	if dropped != 7 || len(xs) != MaxTranscript {
		t.Fatalf("transcript() = %d exchanges, %d dropped, want %d, 7", len(xs), dropped, MaxTranscript)
	}
	if xs[0].Path != "/v2/7" || xs[len(xs)-1].Path != fmt.Sprintf("/v2/%d", MaxTranscript+6) {
		t.Errorf("transcript() runs from %s to %s, want /v2/7 to /v2/%d", xs[0].Path, xs[len(xs)-1].Path, MaxTranscript+6)
	}
	lines := TranscriptLines(Result{Transcript: xs, TranscriptDropped: dropped})
	if lines[0] != "(7 earlier exchanges not kept)" {
		t.Errorf("TranscriptLines()[0] = %q, want the count of dropped exchanges", lines[0])
	}
	for _, l := range lines {
		if len(l) > MaxTranscriptLine || strings.ContainsAny(l, "\n\r") || !strings.HasPrefix(l, "(") && !strings.HasPrefix(l, "GET") && !strings.HasPrefix(l, "  ") {
			t.Fatalf("TranscriptLines() has line %q (%d bytes), want one line of at most %d bytes", l, len(l), MaxTranscriptLine)
		}
	}
}

func TestTranscriptLines(t *testing.T) {
	res := Result{Transcript: []v2proto.Exchange{
		{Step: failures.GetManifest, Method: "GET", Path: "/v2/r/manifests/x", Status: 404, Codes: []string{failures.CodeManifestUnknown},
			RequestHeader: http.Header{"Accept": {"a/b"}, "Authorization": {"Basic REDACTED"}},
			Header:        http.Header{"Content-Type": {"application/json"}}, Body: "{\"errors\":\n[]}", Note: "want 200",
			Duration: 1500 * time.Microsecond},
		{Step: failures.Ping, Method: "GET", Path: "/v2/", Note: "connection refused"},
	}}
	want := []string{
		"GET /v2/r/manifests/x = 404 MANIFEST_UNKNOWN (get-manifest, 1.5ms): want 200",
		"  > Accept: a/b",
		"  > Authorization: Basic REDACTED",
		"  < Content-Type: application/json",
		`  body: {"errors":\n[]}`,
		"GET /v2/ = no answer (ping, 0s): connection refused",
	}
	if diff := cmp.Diff(want, TranscriptLines(res)); diff != "" {
		t.Errorf("TranscriptLines (-want +got):\n%s", diff)
	}
}

// TestReportsCarryNoSecret runs scenarios whose exchanges saw a canary
// password and Basic credentials (sent, and echoed in bodies and headers)
// and a canary _state, and looks for them in the text, JUnit and HTML
// reports, which must show the transcripts, redacted.
func TestReportsCarryNoSecret(t *testing.T) {
	rep := echoReport(t)
	canaries := []string{canaryPassword, canaryToken, base64.StdEncoding.EncodeToString([]byte("alice:" + canaryPassword))}
	for _, w := range []struct {
		name  string
		write func(*bytes.Buffer) error
		want  []string
	}{
		{"WriteText", func(b *bytes.Buffer) error { return rep.WriteText(b) }, []string{"transcript:", "you sent REDACTED"}},
		{"WriteJUnit", func(b *bytes.Buffer) error { return rep.WriteJUnit(b) }, []string{"transcript:", "you sent REDACTED"}},
		{"WriteHTML", func(b *bytes.Buffer) error { return rep.WriteHTML(b) }, []string{"Transcript: 3 exchanges", "you sent REDACTED", "_state=REDACTED"}},
	} {
		var b bytes.Buffer
		if err := w.write(&b); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		for _, c := range canaries {
			if strings.Contains(b.String(), c) {
				t.Errorf("%s output holds secret %q:\n%s", w.name, c, b.String())
			}
		}
		for _, s := range w.want {
			if !strings.Contains(b.String(), s) {
				t.Errorf("%s output holds no %q: the transcripts did not reach it:\n%s", w.name, s, b.String())
			}
		}
	}
}

// TestWriteTextTranscript checks that the transcript of a failure, and of
// no warning, follows its paragraph.
func TestWriteTextTranscript(t *testing.T) {
	rep := levelReport()
	x := v2proto.Exchange{Step: failures.FinishUpload, Method: "PUT", Path: "/v2/r/blobs/uploads/x", Status: 202, Note: "want 201"}
	rep.Results[1].Transcript = []v2proto.Exchange{x}
	rep.Results[2].Transcript = []v2proto.Exchange{x}
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `
FAIL must
    requirement: MUST (OCI distribution-spec v1.1, Pushing blobs): The registry MUST answer 201.
    https://example.com/spec#pushing-blobs
    PUT /v2/r/blobs/uploads/x = 202, want 201 (finish-upload)
    transcript:
        PUT /v2/r/blobs/uploads/x = 202 (finish-upload, 0s): want 201

FAIL panics
`
	if !strings.Contains(b.String(), want) {
		t.Errorf("WriteText = \n%s\nwant it to hold\n%s", b.String(), want)
	}
	if n := strings.Count(b.String(), "transcript:"); n != 1 {
		t.Errorf("WriteText holds %d transcripts, want 1 (the failure's)", n)
	}
	var j bytes.Buffer
	if err := rep.WriteJUnit(&j); err != nil {
		t.Fatal(err)
	}
	var suites junitSuites
	if err := xml.Unmarshal(j.Bytes(), &suites); err != nil {
		t.Fatal(err)
	}
	if got, want := suites.Suites[0].Cases[1].SystemOut, "transcript:\nPUT /v2/r/blobs/uploads/x = 202 (finish-upload, 0s): want 201\n"; got != want {
		t.Errorf("JUnit system-out of the failure = %q, want %q", got, want)
	}
}

// TestWriteHTML checks what the page shows and that it loads nothing: no
// script, no style sheet, image or frame from elsewhere, and links only to
// the requirements' URLs and to its own anchors.
func TestWriteHTML(t *testing.T) {
	rep := echoReport(t)
	rep.URL = "http://user:pw@127.0.0.1:1/?sig=SECRETSIG"
	var b bytes.Buffer
	if err := rep.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "<object", "<embed", " src=", "url(", "@import", "user:pw", "SECRETSIG"} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("WriteHTML output holds %q", bad)
		}
	}
	hrefs := regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(page, -1)
	var got []string
	for _, h := range hrefs {
		if !slices.Contains(got, h[1]) {
			got = append(got, h[1])
		}
	}
	slices.Sort(got)
	want := []string{"#r-known-fail", "#r-must-fail", "#r-new-client", "#r-should-warn", reqMust.URL}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("WriteHTML links (-want +got):\n%s", diff)
	}
	ids := regexp.MustCompile(`<div class="result ([a-zA-Z]+)" id="r-([^"]+)"`).FindAllStringSubmatch(page, -1)
	var sections []string
	for _, m := range ids {
		sections = append(sections, m[1]+" "+m[2])
	}
	if diff := cmp.Diff([]string{"FAIL must-fail", "FAIL new-client", "WARN should-warn", "known known-fail"}, sections); diff != "" {
		t.Errorf("WriteHTML sections (-want +got):\n%s", diff)
	}
	for _, s := range []string{
		"<title>registrytest conformance: echo &lt;registry&gt;</title>",
		"<code>http://127.0.0.1:1/?sig=REDACTED</code>",
		"<td><code>delete</code></td><td>measured: DELETE answered 202</td>",
		"<td><code>catalog</code></td><td>listed by the target</td>",
		"<blockquote>The registry MUST answer 201.</blockquote>",
		`<a href="https://example.com/spec#pushing-blobs">Pushing blobs</a>`,
		"Known deviation: answers 404 for &lt;other&gt;",
		"&lt;script&gt;alert(1)&lt;/script&gt;",
		"without Docker-Content-Digest &lt;b&gt;",
		"<td>all</td><td class=\"n FAIL\">2</td><td class=\"n WARN\">1</td><td class=\"n\">2</td><td class=\"n\">1</td><td class=\"n\">1</td>",
		"2 passed, 2 failed, 1 skipped, 1 warnings",
	} {
		if !strings.Contains(page, s) {
			t.Errorf("WriteHTML output holds no %q", s)
		}
	}
}

// TestWriteHTMLBudget checks that WriteHTML cuts transcripts to
// HTMLTranscriptBudget when a run has many long ones.
func TestWriteHTMLBudget(t *testing.T) {
	long := strings.Repeat("x", MaxTranscriptLine)
	var xs []v2proto.Exchange
	for range MaxTranscript {
		xs = append(xs, v2proto.Exchange{Method: "GET", Path: "/v2/" + long, Body: long, Header: http.Header{"Link": {long}, "Location": {long}}})
	}
	rep := &Report{Target: "big"}
	for i := range 400 {
		rep.Results = append(rep.Results, Result{ID: fmt.Sprintf("s%d", i), Area: "A", Outcome: Failed, Detail: long, Transcript: xs})
	}
	var b bytes.Buffer
	if err := rep.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	if b.Len() > 2<<20 {
		t.Errorf("WriteHTML of 400 failures with full transcripts wrote %d bytes, want at most 2 MiB", b.Len())
	}
	if !strings.Contains(b.String(), "earlier lines cut to keep the page small") {
		t.Errorf("WriteHTML did not say it cut transcripts")
	}
}

func TestRedactedURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://127.0.0.1:5000", "http://127.0.0.1:5000"},
		{"https://bob:secret@reg.example/", "https://reg.example/"},
		{"https://reg.example/?token=abc&x=1", "https://reg.example/?token=REDACTED&x=REDACTED"},
		{"https://bob:s@[bad/?t=1", "[bad/"},
	} {
		if got := redactedURL(tc.in); got != tc.want {
			t.Errorf("redactedURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
