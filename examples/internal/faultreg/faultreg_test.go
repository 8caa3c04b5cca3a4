package faultreg_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/registrytest/registrytest/examples/internal/distv3"
	"github.com/registrytest/registrytest/examples/internal/faultreg"
	"github.com/registrytest/registrytest/examples/internal/testreg"
	"github.com/registrytest/registrytest/failures"
)

// do sends method url with body and header (name, value pairs) and returns
// the status, headers and body, failing the test on a transport error.
func do(t *testing.T, method, u string, body []byte, header ...string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := send(context.Background(), method, u, body, header...)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, u, err)
	}
	return resp.StatusCode, resp.Header, b
}

func send(ctx context.Context, method, u string, body []byte, header ...string) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return http.DefaultClient.Do(req)
}

// pushBlob uploads b to repo through base (POST, then PUT ?digest=) and
// returns its digest.
func pushBlob(t *testing.T, base, repo string, b []byte, header ...string) string {
	t.Helper()
	dgst := fmt.Sprintf("sha256:%x", sha256.Sum256(b))
	st, h, body := do(t, "POST", base+"/v2/"+repo+"/blobs/uploads/", nil, header...)
	if st != 202 {
		t.Fatalf("POST upload = %d %s, want 202", st, body)
	}
	loc, err := url.Parse(h.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if loc.IsAbs() && "http://"+loc.Host != base {
		t.Fatalf("upload Location %s is not on the front %s", loc, base)
	}
	u, _ := url.Parse(base)
	loc = u.ResolveReference(loc)
	q := loc.Query()
	q.Set("digest", dgst)
	loc.RawQuery = q.Encode()
	if st, _, body := do(t, "PUT", loc.String(), b, header...); st != 201 {
		t.Fatalf("PUT upload = %d %s, want 201", st, body)
	}
	return dgst
}

func steps(reqs []faultreg.Request) []string {
	var out []string
	for _, r := range reqs {
		var s []string
		for _, st := range r.Steps {
			s = append(s, string(st))
		}
		out = append(out, r.Method+" "+strings.Join(s, "|"))
	}
	return out
}

func TestFrontPassesThrough(t *testing.T) {
	f := faultreg.Front(t, distv3.Start(t, testreg.Options{}))
	if st, h, _ := do(t, "GET", f.URL+"/v2/", nil); st != 200 || h.Get("Docker-Distribution-API-Version") != "registry/2.0" {
		t.Fatalf("GET /v2/ through the front = %d %v, want 200 registry/2.0", st, h)
	}
	blob := []byte("hello through the front")
	dgst := pushBlob(t, f.URL, "ns/repo", blob)
	st, h, got := do(t, "GET", f.URL+"/v2/ns/repo/blobs/"+dgst, nil)
	if st != 200 || !bytes.Equal(got, blob) || h.Get("Docker-Content-Digest") != dgst {
		t.Errorf("GET blob = %d %q %v, want 200 %q with its digest", st, got, h, blob)
	}
	want := []string{"GET ping", "POST start-upload", "PUT finish-upload", "GET get-blob"}
	if diff := cmp.Diff(want, steps(f.Requests())); diff != "" {
		t.Errorf("Requests (-want +got):\n%s", diff)
	}
}

func TestFrontTokenRealm(t *testing.T) {
	reg := distv3.Start(t, testreg.Options{Auth: testreg.AuthToken})
	f := faultreg.Front(t, reg)
	st, h, _ := do(t, "GET", f.URL+"/v2/", nil)
	wantCh := fmt.Sprintf(`Bearer realm=%q`, f.TokenURL())
	if st != 401 || !strings.HasPrefix(h.Get("WWW-Authenticate"), wantCh) {
		t.Fatalf("GET /v2/ = %d, WWW-Authenticate %q, want 401 starting %s", st, h.Get("WWW-Authenticate"), wantCh)
	}
	tokURL := f.TokenURL() + "?service=" + url.QueryEscape(reg.Service) + "&scope=" + url.QueryEscape("repository:ns/repo:pull,push")
	req, _ := http.NewRequest("GET", tokURL, nil)
	req.SetBasicAuth("admin", "admin-password")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tr struct {
		Token string `json:"token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tr)
	resp.Body.Close()
	if resp.StatusCode != 200 || err != nil || tr.Token == "" {
		t.Fatalf("token request through the front = %d, %v, token %q", resp.StatusCode, err, tr.Token)
	}
	bearer := []string{"Authorization", "Bearer " + tr.Token}
	if st, _, body := do(t, "GET", f.URL+"/v2/", nil, bearer...); st != 200 {
		t.Fatalf("GET /v2/ with the token = %d %s", st, body)
	}
	pushBlob(t, f.URL, "ns/repo", []byte("x"), bearer...)
	want := []string{"GET ping", "GET auth", "GET auth", "POST start-upload", "PUT finish-upload"}
	if diff := cmp.Diff(want, steps(f.Requests())); diff != "" {
		t.Errorf("Requests (-want +got):\n%s", diff)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		method, path, header string
		want                 []failures.Step
	}{
		{"GET", "/v2/", "", []failures.Step{failures.Ping}},
		{"GET", "/v2/", "Basic eA==", []failures.Step{failures.Auth}},
		{"GET", faultreg.TokenPath + "?scope=x", "", []failures.Step{failures.Auth}},
		{"POST", "/v2/a/b/blobs/uploads/", "", []failures.Step{failures.StartUpload}},
		{"POST", "/v2/a/b/blobs/uploads/?mount=sha256:aa&from=c/d", "", []failures.Step{failures.MountBlob}},
		{"PATCH", "/v2/a/b/blobs/uploads/u-1?_state=x", "", []failures.Step{failures.UploadChunk}},
		{"PUT", "/v2/a/b/blobs/uploads/u-1?digest=sha256:aa", "", []failures.Step{failures.FinishUpload}},
		{"GET", "/v2/a/b/blobs/uploads/u-1", "", []failures.Step{failures.UploadStatus}},
		{"DELETE", "/v2/a/b/blobs/uploads/u-1", "", []failures.Step{failures.CancelUpload}},
		{"HEAD", "/v2/a/blobs/sha256:aa", "", []failures.Step{failures.BlobHeadCheck, failures.HeadBlob}},
		{"GET", "/v2/a/blobs/sha256:aa", "", []failures.Step{failures.GetBlob}},
		{"DELETE", "/v2/a/blobs/sha256:aa", "", []failures.Step{failures.DeleteBlob}},
		{"PUT", "/v2/a/manifests/latest", "application/vnd.oci.image.manifest.v1+json", []failures.Step{failures.PutManifest}},
		{"PUT", "/v2/a/manifests/latest", "application/vnd.oci.image.index.v1+json", []failures.Step{failures.PutManifestList}},
		{"PUT", "/v2/a/manifests/latest", "application/vnd.docker.distribution.manifest.list.v2+json; charset=x", []failures.Step{failures.PutManifestList}},
		{"GET", "/v2/a/manifests/latest", "", []failures.Step{failures.GetManifest, failures.GetManifestList}},
		{"HEAD", "/v2/a/manifests/latest", "", []failures.Step{failures.HeadManifest}},
		{"DELETE", "/v2/a/manifests/sha256:aa", "", []failures.Step{failures.DeleteManifest}},
		{"GET", "/v2/a/b/tags/list?n=2", "", []failures.Step{failures.ListTags}},
		{"GET", "/v2/_catalog?n=2", "", []failures.Step{failures.Catalog}},
		{"GET", "/v2/a/referrers/sha256:aa", "", []failures.Step{failures.Referrers}},
		// A repository named like a route keeps its meaning.
		{"GET", "/v2/x/manifests/y/blobs/sha256:aa", "", []failures.Step{failures.GetBlob}},
		{"GET", "/elsewhere", "", nil},
		{"POST", "/v2/a/blobs/sha256:aa", "", nil},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, "http://x"+tt.path, nil)
		if strings.HasPrefix(tt.path, "/v2/") && tt.path != "/v2/" {
			req.Header.Set("Content-Type", tt.header)
		} else if tt.header != "" {
			req.Header.Set("Authorization", tt.header)
		}
		if diff := cmp.Diff(tt.want, faultreg.Classify(req)); diff != "" {
			t.Errorf("Classify(%s %s %q) (-want +got):\n%s", tt.method, tt.path, tt.header, diff)
		}
	}
}

// fake is a tiny upstream for the fault tests: every path answers 200 with
// the path as the body, and a digest header.
var fake = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body := "body of " + r.URL.Path
	w.Header().Set("Docker-Content-Digest", fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(body))))
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	io.Copy(io.Discard, r.Body)
	io.WriteString(w, body)
})

func TestRuleMatching(t *testing.T) {
	f := faultreg.Start(t, fake, faultreg.Options{})
	second := f.Add(faultreg.Rule{Step: failures.GetManifest, Nth: 2, Fault: faultreg.Status(404, failures.CodeManifestUnknown)})
	byPath := f.Add(faultreg.Rule{Method: "GET", Path: `/manifests/other$`, Fault: faultreg.Status(418)})
	var got []int
	for _, ref := range []string{"a", "b", "other", "c", "other"} {
		st, _, _ := do(t, "GET", f.URL+"/v2/ns/manifests/"+ref, nil)
		got = append(got, st)
	}
	// b is the second GET of a manifest; "other" the third and fifth.
	if diff := cmp.Diff([]int{200, 404, 418, 200, 418}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if second.Hits() != 1 || byPath.Hits() != 2 {
		t.Errorf("Hits = %d, %d, want 1, 2", second.Hits(), byPath.Hits())
	}
	var rules []int
	for _, r := range f.Requests() {
		rules = append(rules, r.Rule)
	}
	if diff := cmp.Diff([]int{-1, 0, 1, -1, 1}, rules); diff != "" {
		t.Errorf("Request.Rule (-want +got):\n%s", diff)
	}
	f.Reset()
	if st, _, _ := do(t, "GET", f.URL+"/v2/ns/manifests/other", nil); st != 200 || len(f.Requests()) != 1 {
		t.Errorf("after Reset: %d, %d requests, want 200 and 1", st, len(f.Requests()))
	}
}

func TestFaults(t *testing.T) {
	f := faultreg.Start(t, fake, faultreg.Options{})
	path := "/v2/ns/blobs/sha256:x"
	want := []byte("body of " + path)

	f.Add(faultreg.Rule{Path: "status", Fault: faultreg.Status(400, failures.CodeManifestInvalid, failures.CodeDenied)})
	st, h, body := do(t, "GET", f.URL+"/status", nil)
	var eb struct{ Errors []struct{ Code string } }
	if err := json.Unmarshal(body, &eb); st != 400 || err != nil || len(eb.Errors) != 2 || eb.Errors[1].Code != failures.CodeDenied || h.Get("Content-Type") != "application/json" {
		t.Errorf("Status(400, codes) = %d %s %q", st, h.Get("Content-Type"), body)
	}

	f.Reset()
	f.Add(faultreg.Rule{Fault: faultreg.SetHeader("Docker-Content-Digest", "sha256:wrong")})
	if _, h, body := do(t, "GET", f.URL+path, nil); h.Get("Docker-Content-Digest") != "sha256:wrong" || !bytes.Equal(body, want) {
		t.Errorf("SetHeader: %v %q", h, body)
	}

	f.Reset()
	f.Add(faultreg.Rule{Fault: faultreg.Corrupt()})
	if _, h, body := do(t, "GET", f.URL+path, nil); len(body) != len(want) || bytes.Equal(body, want) || h.Get("Content-Length") != fmt.Sprint(len(want)) {
		t.Errorf("Corrupt: body %q (length %s), want %q with one byte changed", body, h.Get("Content-Length"), want)
	}

	f.Reset()
	f.Add(faultreg.Rule{Fault: faultreg.ContentLength(10)})
	resp, err := send(context.Background(), "GET", f.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) || !bytes.Equal(b, want) || resp.ContentLength != int64(len(want)+10) {
		t.Errorf("ContentLength(10): read %q, %v, Content-Length %d, want the body then unexpected EOF", b, err, resp.ContentLength)
	}

	f.Reset()
	f.Add(faultreg.Rule{Fault: faultreg.ContentLength(-5)})
	if _, _, body := do(t, "GET", f.URL+path, nil); !bytes.Equal(body, want[:len(want)-5]) {
		t.Errorf("ContentLength(-5): body %q, want %q", body, want[:len(want)-5])
	}

	f.Reset()
	f.Add(faultreg.Rule{Fault: faultreg.Truncate(4)})
	resp, err = send(context.Background(), "GET", f.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) || !bytes.Equal(b, want[:4]) || resp.ContentLength != int64(len(want)) {
		t.Errorf("Truncate(4): read %q, %v, Content-Length %d, want 4 bytes then unexpected EOF", b, err, resp.ContentLength)
	}

	f.Reset()
	f.Add(faultreg.Rule{Fault: faultreg.Trailing("HTTP/1.1 200 OK\r\n\r\nextra")})
	for i := 0; i < 2; i++ {
		if st, _, body := do(t, "GET", f.URL+path, nil); st != 200 || !bytes.Equal(body, want) {
			t.Errorf("Trailing: %d %q, want the body alone", st, body)
		}
	}

	f.Reset()
	endless := f.Add(faultreg.Rule{Fault: faultreg.Endless(200, http.Header{"Content-Type": {"application/json"}}, `{"token":"`)})
	resp, err = send(context.Background(), "GET", f.URL+"/token", nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, io.LimitReader(resp.Body, 8<<20))
	resp.Body.Close()
	if n != 8<<20 || err != nil {
		t.Errorf("Endless: read %d bytes, %v, want 8 MiB", n, err)
	}
	waitFor(t, "the endless fault to end when the client left", func() bool { return endless.Written() >= 8<<20 })

	f.Reset()
	f.Add(faultreg.Rule{Fault: faultreg.Stall(5)})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	resp, err = send(ctx, "GET", f.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, context.DeadlineExceeded) || !bytes.Equal(b, want[:5]) {
		t.Errorf("Stall(5): read %q, %v, want %q then the deadline", b, err, want[:5])
	}

	f.Reset()
	f.Add(faultreg.Rule{Method: "PATCH", Fault: faultreg.Hangup(3)})
	if _, err := send(context.Background(), "PATCH", f.URL+"/v2/ns/blobs/uploads/u", bytes.Repeat([]byte("z"), 1<<20)); err == nil {
		t.Errorf("Hangup(3): PATCH got an answer, want a transport error")
	}

	f.Reset()
	f.Add(faultreg.Rule{Path: "^/loop$", Fault: faultreg.Redirect(307, func(r *http.Request) string { return r.URL.Path })})
	if _, err := send(context.Background(), "GET", f.URL+"/loop", nil); err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") {
		t.Errorf("Redirect to itself: %v, want the client to stop after 10 redirects", err)
	}

	f.Reset()
	f.Add(faultreg.Rule{Fault: faultreg.Delay(time.Millisecond, faultreg.Pass())})
	if st, _, body := do(t, "GET", f.URL+path, nil); st != 200 || !bytes.Equal(body, want) {
		t.Errorf("Delay(Pass): %d %q", st, body)
	}
}

func TestToOther(t *testing.T) {
	f := faultreg.Start(t, fake, faultreg.Options{})
	f.Add(faultreg.Rule{Path: "/a$", Fault: f.Other.ToOther(307, false)})
	f.Add(faultreg.Rule{Path: "/b$", Fault: f.Other.ToOther(302, true)})
	for _, p := range []string{"/v2/ns/blobs/a", "/v2/ns/blobs/b"} {
		st, _, body := do(t, "GET", f.URL+p, nil, "Authorization", "Bearer secret")
		if st != 200 || string(body) != "body of "+p {
			t.Errorf("GET %s redirected to the other host = %d %q", p, st, body)
		}
	}
	reqs := f.Other.Requests()
	if len(reqs) != 2 {
		t.Fatalf("Other saw %d requests, want 2", len(reqs))
	}
	// net/http drops Authorization for another host name, not for another
	// port: that is why clients must strip it themselves.
	if reqs[0].Authorization != "" || reqs[1].Authorization != "Bearer secret" {
		t.Errorf("Authorization at the other host: %q (localhost), %q (127.0.0.1), want \"\" and the header", reqs[0].Authorization, reqs[1].Authorization)
	}
	if !strings.HasPrefix(f.Other.URL, "http://localhost:") || !strings.HasPrefix(f.Other.SameHostnameURL, "http://127.0.0.1:") {
		t.Errorf("Other URLs %s, %s", f.Other.URL, f.Other.SameHostnameURL)
	}
	f.Other.Handle("GET /token", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "tok") }))
	if st, _, body := do(t, "GET", f.Other.URL+"/token", nil); st != 200 || string(body) != "tok" {
		t.Errorf("Other.Handle: %d %q", st, body)
	}
}

func TestCloseEndsStalls(t *testing.T) {
	f, err := faultreg.New(fake, faultreg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.Add(faultreg.Rule{Fault: faultreg.Stall(-1)})
	errc := make(chan error, 1)
	go func() {
		_, err := send(context.Background(), "GET", f.URL+"/v2/", nil)
		errc <- err
	}()
	waitFor(t, "the request to reach the front", func() bool { return len(f.Requests()) == 1 })
	closed := make(chan struct{})
	go func() { f.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return within 10 s with a stalled request")
	}
	if err := <-errc; err == nil {
		t.Errorf("the stalled request got an answer, want an error")
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := faultreg.New(fake, faultreg.Options{TokenRealm: "/token"}); err == nil {
		t.Errorf("New with a relative TokenRealm: nil error")
	}
	if _, err := faultreg.NewProxy("ftp://x", faultreg.Options{}); err == nil {
		t.Errorf("NewProxy(ftp://x): nil error")
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("waited 10 s for %s", what)
}
