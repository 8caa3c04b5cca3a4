package v2proto

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/registrytest/registrytest/failures"
)

func TestNew(t *testing.T) {
	good := []string{"http://127.0.0.1:5000", "https://r.example/", "HTTP://h:1"}
	for _, u := range good {
		c, err := New(u)
		if err != nil {
			t.Errorf("New(%q): %v", u, err)
			continue
		}
		if strings.HasSuffix(c.BaseURL(), "/") {
			t.Errorf("New(%q).BaseURL() = %q, want no trailing slash", u, c.BaseURL())
		}
		if c.Table() != failures.Distribution {
			t.Errorf("New(%q).Table() = %q, want the default failures.Distribution", u, c.Table().Name())
		}
	}
	bad := map[string]string{
		"127.0.0.1:5000":            `v2proto.New("127.0.0.1:5000"): parse "127.0.0.1:5000": first path segment in URL cannot contain colon`,
		"localhost:5000":            `v2proto.New("localhost:5000"): scheme must be http or https`,
		"ftp://h":                   `v2proto.New("ftp://h"): scheme must be http or https`,
		"http://":                   `v2proto.New("http://"): no host`,
		"http://u:p@h":              `v2proto.New("http://u:p@h"): user info in the URL; pass credentials with WithCredentials`,
		"http://h/?x=1":             `v2proto.New("http://h/?x=1"): query or fragment in the URL`,
		"http://h/prefix":           `v2proto.New("http://h/prefix"): path "/prefix", want none (the API is at /v2/)`,
		"http://h/%zz":              `v2proto.New("http://h/%zz"): parse "http://h/%zz": invalid URL escape "%zz"`,
		"http://h#frag":             `v2proto.New("http://h#frag"): query or fragment in the URL`,
		"https://r.example/v2/repo": `v2proto.New("https://r.example/v2/repo"): path "/v2/repo", want none (the API is at /v2/)`,
	}
	for u, want := range bad {
		_, err := New(u)
		if err == nil || err.Error() != want {
			t.Errorf("New(%q) error = %v, want %s", u, err, want)
		}
	}
	tab := failures.Quay
	hc := &http.Client{Transport: &http.Transport{}, Timeout: time.Hour}
	c, _ := New("http://h", WithTable(tab), WithHTTPClient(hc), WithUserAgent("ua"), WithTable(nil), WithHTTPClient(nil))
	// The client uses a copy of hc with a redirect policy of its own.
	if c.Table() != tab || c.hc.Transport != hc.Transport || c.hc.Timeout != time.Hour || c.ua != "ua" {
		t.Errorf("options not applied: table %q, transport %p (want %p), ua %q", c.Table().Name(), c.hc.Transport, hc.Transport, c.ua)
	}
}

func TestPing(t *testing.T) {
	t.Run("open", func(t *testing.T) {
		f := newFakeRegistry(t, "none")
		p, err := f.client(t).Ping(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := &PingResult{Status: 200, APIVersion: "registry/2.0"}
		if diff := cmp.Diff(want, p); diff != "" {
			t.Errorf("Ping mismatch (-want +got):\n%s", diff)
		}
		if p.Auth() != nil {
			t.Errorf("Auth() = %v, want nil", p.Auth())
		}
	})
	t.Run("no API version", func(t *testing.T) {
		// OPTIONAL (spec v1.1.1, "Legacy Docker support HTTP headers"):
		// a registry without the header is accepted, with or without auth.
		for _, status := range []int{200, 401} {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if status == 401 {
					w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
				}
				w.WriteHeader(status)
			}))
			defer srv.Close()
			c, _ := New(srv.URL)
			p, err := c.Ping(context.Background())
			if err != nil {
				t.Fatalf("Ping of a %d without Docker-Distribution-API-Version: %v, want no error", status, err)
			}
			if p.Status != status || p.APIVersion != "" {
				t.Errorf("Ping = {Status: %d, APIVersion: %q}, want {%d, \"\"}", p.Status, p.APIVersion, status)
			}
		}
	})
	t.Run("basic", func(t *testing.T) {
		f := newFakeRegistry(t, "basic")
		p, err := f.client(t).Ping(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != 401 || p.Auth() == nil || !p.Auth().Is("basic") || p.Auth().Param("realm") != "fake" {
			t.Errorf("Ping = %+v, want 401 with a Basic challenge, realm fake", p)
		}
		// Ping never sends credentials.
		if got := f.requests[0]; got != "GET /v2/ " {
			t.Errorf("ping request = %q, want no Authorization", got)
		}
	})
	t.Run("bearer", func(t *testing.T) {
		f := newFakeRegistry(t, "bearer")
		p, err := f.client(t).Ping(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		ch := p.Auth()
		if ch == nil || !ch.Is("Bearer") || ch.Param("realm") != f.tokenSrv.URL+"/token" || ch.Param("service") != "fake-registry" {
			t.Errorf("Ping.Auth() = %+v, want the Bearer challenge", ch)
		}
	})

	bad := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"empty API version", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Docker-Distribution-API-Version", "")
		}, `GET /v2/ = 200, Docker-Distribution-API-Version "", want "registry/2.0" (ping)`},
		{"wrong API version", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Docker-Distribution-API-Version", "registry/3.0")
		}, `GET /v2/ = 200, Docker-Distribution-API-Version "registry/3.0", want "registry/2.0" (ping)`},
		{"401 without challenge", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
			w.WriteHeader(401)
		}, `GET /v2/ = 401, WWW-Authenticate "", want a Bearer or Basic challenge (ping)`},
		{"401 with another scheme", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
			w.Header().Set("WWW-Authenticate", `Negotiate abc`)
			w.WriteHeader(401)
		}, `GET /v2/ = 401, WWW-Authenticate "Negotiate abc", want a Bearer or Basic challenge (ping)`},
		{"401 with a bad header", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
			w.Header().Set("WWW-Authenticate", `Bearer realm="x`)
			w.WriteHeader(401)
		}, `GET /v2/ = 401, WWW-Authenticate "Bearer realm=\"x", want challenges per RFC 7235 (v2proto.ParseChallenges: WWW-Authenticate "Bearer realm=\"x" at 15: unterminated quoted string) (ping)`},
		{"bearer with a relative realm", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
			w.Header().Set("WWW-Authenticate", `Bearer realm="/token"`)
			w.WriteHeader(401)
		}, `GET /v2/ = 401, WWW-Authenticate "Bearer realm=\"/token\"", want a Bearer challenge with an http or https realm (ping)`},
		{"500", func(w http.ResponseWriter, r *http.Request) {
			writeErrors(w, 500, failures.CodeUnknown, "boom")
		}, `GET /v2/ = 500 UNKNOWN, want 200 or 401 (ping)`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			c, _ := New(srv.URL)
			_, err := c.Ping(context.Background())
			if err == nil || err.Error() != tt.want {
				t.Errorf("Ping error = %v, want %s", err, tt.want)
			}
		})
	}
}

func TestStatusErrorMessages(t *testing.T) {
	tests := []struct {
		err  *StatusError
		want string
	}{
		{&StatusError{Step: failures.GetManifest, Method: "GET", Path: "/v2/ns/repo/manifests/latest", Got: 401, Codes: []string{failures.CodeUnauthorized}, Want: 200},
			"GET /v2/ns/repo/manifests/latest = 401 UNAUTHORIZED, want 200 (get-manifest)"},
		{&StatusError{Step: failures.GetManifest, Method: "GET", Path: "/v2/ns/repo/manifests/latest", Got: 200, Want: 404, WantCodes: []string{failures.CodeManifestUnknown}, Failure: failures.UnknownTag, Mapped: true},
			"GET /v2/ns/repo/manifests/latest = 200, want 404 MANIFEST_UNKNOWN for unknown-tag (get-manifest)"},
		{&StatusError{Step: failures.PutManifest, Method: "PUT", Path: "/v2/r/manifests/t", Got: 400, Codes: []string{failures.CodeManifestInvalid, failures.CodeBlobUnknown}, Want: 400, WantCodes: []string{failures.CodeManifestBlobUnknown, "X"}, Failure: failures.InvalidBlob, Mapped: true},
			"PUT /v2/r/manifests/t = 400 MANIFEST_INVALID BLOB_UNKNOWN, want 400 MANIFEST_BLOB_UNKNOWN or X for invalid-blob (put-manifest)"},
		{&StatusError{Step: failures.StartUpload, Method: "POST", Path: "/v2/r/blobs/uploads/", Got: 401, Codes: []string{failures.CodeUnauthorized}, Want: 202, Failure: failures.ReadOnly, FailureSteps: []failures.Step{failures.PutManifest, failures.PutManifestList}},
			"POST /v2/r/blobs/uploads/ = 401 UNAUTHORIZED, want 202 (start-upload; read-only expected at put-manifest or put-manifest-list)"},
		{&StatusError{Step: failures.StartUpload, Method: "POST", Path: "/v2/r/blobs/uploads/", Got: 500, Want: 202, Failure: failures.GeoBlocked},
			"POST /v2/r/blobs/uploads/ = 500, want 202 (start-upload; geo-blocked expected, but the table maps it at no step)"},
		{&StatusError{Step: failures.Ping, Method: "GET", Path: "/v2/", Got: 500, Want: 200, Also: []int{401}},
			"GET /v2/ = 500, want 200 or 401 (ping)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %s\nwant %s", got, tt.want)
		}
	}
	me := &MissedFailureError{Call: "Pull", Failure: failures.UnknownTag, Table: "distribution", Steps: []failures.Step{failures.GetManifest, failures.HeadManifest}}
	if got, want := me.Error(), "Pull: want unknown-tag at get-manifest or head-manifest (table distribution), but the call reached none of these steps"; got != want {
		t.Errorf("Error() = %s\nwant %s", got, want)
	}
	me = &MissedFailureError{Call: "Pull", Failure: failures.GeoBlocked, Table: "distribution"}
	if got, want := me.Error(), "Pull: want geo-blocked, but table distribution maps it at no step"; got != want {
		t.Errorf("Error() = %s\nwant %s", got, want)
	}
}

func TestParseErrorBody(t *testing.T) {
	tests := []struct {
		body string
		want []RegistryError
	}{
		{`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"latest"}}]}`,
			[]RegistryError{{Code: failures.CodeManifestUnknown, Message: "manifest unknown", Detail: []byte(`{"Tag":"latest"}`)}}},
		{`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null},{"code":"DENIED"}]}`,
			[]RegistryError{{Code: failures.CodeUnauthorized, Message: "authentication required"}, {Code: failures.CodeDenied}}},
		{`{"errors":[{"code":42,"message":["x"]},"junk",{"code":"OK"}]}`,
			[]RegistryError{{}, {Code: "OK"}}},
		{`404 page not found`, nil},
		{`{"errors":"x"}`, nil},
		{``, nil},
	}
	for _, tt := range tests {
		got := parseErrorBody([]byte(tt.body))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseErrorBody(%s) mismatch (-want +got):\n%s", tt.body, diff)
		}
	}
}

func FuzzParseErrorBody(f *testing.F) {
	f.Add([]byte(`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"latest"}}]}`))
	f.Add([]byte(`{"errors":[{"code":42,"message":["x"]},"junk",{"code":"OK"}]}`))
	f.Add([]byte(`<html>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		errs := parseErrorBody(b)
		for _, c := range codesOf(errs) {
			if c == "" {
				t.Fatalf("codesOf gave an empty code")
			}
		}
	})
}

// collectLogs returns a logf and a function giving the lines so far.
func collectLogs() (func(string, ...any), func() []string) {
	var mu sync.Mutex
	var lines []string
	return func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			lines = append(lines, fmt.Sprintf(format, args...))
		}, func() []string {
			mu.Lock()
			defer mu.Unlock()
			return append([]string(nil), lines...)
		}
}

func TestBearerToken(t *testing.T) {
	f := newFakeRegistry(t, "bearer")
	c := f.client(t)
	ctx := context.Background()
	tok, err := c.Token(ctx, []string{"repository:ns/repo:pull,push", "repository:other/repo:pull"}, WithCredentials("alice", "s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	if tok != "tok-1" {
		t.Errorf("Token = %q, want tok-1", tok)
	}
	want := tokenRequest{User: "alice", Query: map[string][]string{
		"service": {"fake-registry"},
		"scope":   {"repository:ns/repo:pull,push", "repository:other/repo:pull"},
		"account": {"alice"},
	}}
	if diff := cmp.Diff([]tokenRequest{want}, f.tokenReqs); diff != "" {
		t.Errorf("token request mismatch (-want +got):\n%s", diff)
	}

	// Cached per credentials and scope set: the same set in another order
	// is the same token; another set, no credentials, or other
	// credentials are not.
	tok2, err := c.Token(ctx, []string{"repository:other/repo:pull", "repository:ns/repo:pull,push"}, WithCredentials("alice", "s3cret"))
	if err != nil || tok2 != "tok-1" {
		t.Errorf("Token(same scopes) = %q, %v, want the cached tok-1", tok2, err)
	}
	tok3, err := c.Token(ctx, []string{"repository:ns/repo:pull"}, WithCredentials("alice", "s3cret"))
	if err != nil || tok3 != "tok-2" {
		t.Errorf("Token(other scopes) = %q, %v, want a new tok-2", tok3, err)
	}
	tok4, err := c.Token(ctx, []string{"repository:ns/repo:pull"})
	if err != nil || tok4 != "tok-3" {
		t.Errorf("Token(anonymous) = %q, %v, want a new tok-3", tok4, err)
	}
	if got := f.tokenReqs[len(f.tokenReqs)-1]; got.User != "" || got.Query.Has("account") {
		t.Errorf("anonymous token request = %+v, want no credentials and no account", got)
	}
	f.users["bob"] = "pw"
	tok5, err := c.Token(ctx, []string{"repository:ns/repo:pull"}, WithCredentials("bob", "pw"))
	if err != nil || tok5 != "tok-4" {
		t.Errorf("Token(bob) = %q, %v, want a new tok-4", tok5, err)
	}
	// No scope at all: no scope parameter.
	if _, err := c.Token(ctx, nil, WithCredentials("alice", "s3cret")); err != nil {
		t.Fatal(err)
	}
	if got := f.tokenReqs[len(f.tokenReqs)-1]; got.Query.Has("scope") {
		t.Errorf("token request without scopes = %v, want no scope parameter", got.Query)
	}
}

func TestTokenAccessTokenAndExpiry(t *testing.T) {
	f := newFakeRegistry(t, "bearer")
	f.accessKey = "access_token"
	c := f.client(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	ctx := context.Background()
	scopes := []string{"repository:a/b:pull"}
	get := func() string {
		t.Helper()
		tok, err := c.Token(ctx, scopes)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	f.expiresIn = 100
	if got := get(); got != "tok-1" {
		t.Fatalf("Token = %q, want tok-1 (from access_token)", got)
	}
	now = now.Add(89 * time.Second)
	if got := get(); got != "tok-1" {
		t.Errorf("Token after 89 s of 100 = %q, want the cached tok-1", got)
	}
	now = now.Add(2 * time.Second)
	if got := get(); got != "tok-2" {
		t.Errorf("Token after 91 s of 100 = %q, want a new tok-2", got)
	}
	// No expires_in: 60 s.
	f.expiresIn = nil
	now = now.Add(time.Hour)
	if got := get(); got != "tok-3" {
		t.Errorf("Token = %q, want tok-3", got)
	}
	now = now.Add(53 * time.Second)
	if got := get(); got != "tok-3" {
		t.Errorf("Token after 53 s of the default 60 = %q, want the cached tok-3", got)
	}
	now = now.Add(2 * time.Second)
	if got := get(); got != "tok-4" {
		t.Errorf("Token after 55 s of the default 60 = %q, want a new tok-4", got)
	}
}

func TestTokenBadAnswers(t *testing.T) {
	tests := []struct {
		body string
		want string
	}{
		{`not json`, `token response that is not a JSON object, want {"token": "..."} (auth)`},
		{`{"token":""}`, `token response with no "token" or "access_token" string, want a token (auth)`},
		{`{"token":42}`, `token response with no "token" or "access_token" string, want a token (auth)`},
		{`{"token":"a b"}`, `token response with a token holding spaces or control characters, want a token fit for an Authorization header (auth)`},
		{`{"token":"t","expires_in":"soon"}`, `token response with expires_in a string, want a number of seconds (auth)`},
		{`{"token":"t","expires_in":-5}`, `token response with expires_in "-5", want a number of seconds (auth)`},
		{`{"token":"t","expires_in":1e400}`, `token response with expires_in "1e400", want a number of seconds (auth)`},
	}
	for _, tt := range tests {
		f := newFakeRegistry(t, "bearer")
		f.tokenBody = func(string) string { return tt.body }
		_, err := f.client(t).Token(context.Background(), nil)
		var re *ResponseError
		if !errors.As(err, &re) || !strings.HasSuffix(err.Error(), tt.want) {
			t.Errorf("Token with answer %s: error = %v, want a *ResponseError ending %s", tt.body, err, tt.want)
		}
	}
	// A big expires_in is clamped, not overflowed.
	f := newFakeRegistry(t, "bearer")
	f.expiresIn = 1e300
	c := f.client(t)
	if _, err := c.Token(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	for _, ct := range c.tokens {
		if !ct.expires.After(time.Now().Add(300 * 24 * time.Hour)) {
			t.Errorf("expires_in 1e300 gave expiry %v, want about a year ahead", ct.expires)
		}
	}
}

func TestBasicAuth(t *testing.T) {
	f := newFakeRegistry(t, "basic")
	f.route("GET /v2/ns/repo/tags/list", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"name":"ns/repo","tags":["a"]}`)
	})
	c := f.client(t)
	ctx := context.Background()
	tok, err := c.Token(ctx, []string{"repository:ns/repo:pull"}, WithCredentials("alice", "s3cret"))
	if err != nil || tok != "" {
		t.Fatalf("Token on a Basic registry = %q, %v, want \"\", nil", tok, err)
	}
	req, _ := http.NewRequest(http.MethodGet, "/v2/ns/repo/tags/list", nil)
	resp, err := c.Exchange(ctx, failures.ListTags, req, WithCredentials("alice", "s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	basic := "Basic YWxpY2U6czNjcmV0"
	want := []string{
		"GET /v2/ ", "GET /v2/ " + basic, // Token: ping, auth
		"GET /v2/ ", "GET /v2/ " + basic, "GET /v2/ns/repo/tags/list " + basic, // Exchange
	}
	if diff := cmp.Diff(want, f.requests); diff != "" {
		t.Errorf("requests mismatch (-want +got):\n%s", diff)
	}

	// A wrong password: unauthenticated is met at auth (401).
	f.requests = nil
	resp, err = c.Exchange(ctx, failures.ListTags, req, WithCredentials("alice", "wrong"), ExpectFailure(failures.Unauthenticated))
	if err != nil || resp != nil {
		t.Errorf("Exchange(wrong password, expect unauthenticated) = %v, %v, want nil, nil", resp, err)
	}
	if len(f.requests) != 2 {
		t.Errorf("requests = %q, want ping and auth only", f.requests)
	}
	// Without the expected failure it is a StatusError at auth.
	_, err = c.Exchange(ctx, failures.ListTags, req, WithCredentials("alice", "wrong"))
	if err == nil || err.Error() != "GET /v2/ = 401 UNAUTHORIZED, want 200 (auth)" {
		t.Errorf("Exchange(wrong password) error = %v, want GET /v2/ = 401 UNAUTHORIZED, want 200 (auth)", err)
	}
	// Anonymous on a Basic registry: the auth step is GET /v2/ without
	// credentials.
	_, err = c.Exchange(ctx, failures.ListTags, req, ExpectFailure(failures.AnonymousNotAllowed))
	if err != nil {
		t.Errorf("anonymous Exchange expecting anonymous-not-allowed: %v", err)
	}
}

// TestExpectedFailureRule checks the rule of DESIGN.md on the exchange
// function: success statuses without an expected failure; the mapped
// status (and codes) at a mapped step, which stops the call; success at
// unmapped steps; an error when no mapped step is reached.
func TestExpectedFailureRule(t *testing.T) {
	f := newFakeRegistry(t, "none")
	f.route("GET /v2/ns/repo/manifests/gone", func(w http.ResponseWriter, r *http.Request) {
		writeErrors(w, 404, failures.CodeManifestUnknown, "manifest unknown")
	})
	f.route("GET /v2/ns/repo/manifests/noname", func(w http.ResponseWriter, r *http.Request) {
		writeErrors(w, 404, failures.CodeNameUnknown, "repository name not known to registry")
	})
	f.route("GET /v2/ns/repo/manifests/there", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{}`)
	})
	f.route("POST /v2/ns/repo/blobs/uploads/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/v2/ns/repo/blobs/uploads/u1?_state=abc")
		w.WriteHeader(202)
	})
	logf, lines := collectLogs()
	c := f.client(t, WithLogf(logf))
	ctx := context.Background()
	get := func(ref string) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, "/v2/ns/repo/manifests/"+ref, nil)
		return req
	}
	tests := []struct {
		name string
		step failures.Step
		ref  string
		opts []CallOption
		// wantBody: the response comes back with its body open; wantNoBody:
		// with the expected failure met.
		wantBody bool
		want     string
	}{
		{"success", failures.GetManifest, "there", nil, true, ""},
		{"unwanted failure", failures.GetManifest, "gone", nil, false,
			"GET /v2/ns/repo/manifests/gone = 404 MANIFEST_UNKNOWN, want 200 (get-manifest)"},
		{"expected failure met", failures.GetManifest, "gone", []CallOption{ExpectFailure(failures.UnknownTag)}, false, ""},
		{"expected failure, wrong code", failures.GetManifest, "noname", []CallOption{ExpectFailure(failures.UnknownTag)}, false,
			"GET /v2/ns/repo/manifests/noname = 404 NAME_UNKNOWN, want 404 MANIFEST_UNKNOWN for unknown-tag (get-manifest)"},
		{"expected failure, success status", failures.GetManifest, "there", []CallOption{ExpectFailure(failures.UnknownTag)}, false,
			"GET /v2/ns/repo/manifests/there = 200, want 404 MANIFEST_UNKNOWN for unknown-tag (get-manifest)"},
		{"expected failure never reached", failures.GetBlob, "there", []CallOption{ExpectFailure(failures.UnknownTag)}, false,
			"Exchange: want unknown-tag at get-manifest or get-manifest-list or head-manifest or delete-manifest (table distribution), but the call reached none of these steps"},
		{"expected failure elsewhere, step fails", failures.GetBlob, "gone", []CallOption{ExpectFailure(failures.InvalidBlob)}, false,
			"GET /v2/ns/repo/manifests/gone = 404 MANIFEST_UNKNOWN, want 200 (get-blob; invalid-blob expected at put-manifest)"},
		{"expected failure mapped nowhere", failures.GetManifest, "there", []CallOption{ExpectFailure(failures.GeoBlocked)}, false,
			"Exchange: want geo-blocked, but table distribution maps it at no step"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := c.Exchange(ctx, tt.step, get(tt.ref), tt.opts...)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Exchange: %v", err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if tt.wantBody != (len(body) > 0) {
					t.Errorf("Exchange body = %q, want body open: %v", body, tt.wantBody)
				}
				return
			}
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Exchange error = %v\nwant %s", err, tt.want)
			}
			if resp != nil {
				t.Errorf("Exchange response = %v with an error, want nil", resp)
			}
		})
	}
	var se *StatusError
	_, err := c.Exchange(ctx, failures.GetManifest, get("noname"), ExpectFailure(failures.UnknownTag))
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a *StatusError", err)
	}
	wantSE := &StatusError{
		Step: failures.GetManifest, Method: "GET", Path: "/v2/ns/repo/manifests/noname",
		Got: 404, Codes: []string{failures.CodeNameUnknown},
		Errors: []RegistryError{{Code: failures.CodeNameUnknown, Message: "repository name not known to registry"}},
		Body:   `{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry","detail":null}]}`,
		Want:   404, WantCodes: []string{failures.CodeManifestUnknown}, Failure: failures.UnknownTag, Mapped: true,
	}
	if diff := cmp.Diff(wantSE, se); diff != "" {
		t.Errorf("StatusError mismatch (-want +got):\n%s", diff)
	}

	// The in-package flow view: a met failure stops the call with the
	// response's headers readable; a flow may carry on, and later steps must
	// then succeed (Quay's mount-blob 202).
	cl := c.newCall("Flow", []CallOption{ExpectFailure(failures.UnauthorizedForMount)})
	c.table = failures.Quay
	defer func() { c.table = failures.Distribution }()
	req, _ := c.newRequest(ctx, http.MethodPost, "/v2/ns/repo/blobs/uploads/?mount=sha256:x&from=other/repo", nil)
	resp, stop, err := c.exchange(ctx, cl, failures.MountBlob, req)
	if err != nil || !stop || resp.Header.Get("Location") == "" || resp.Body != http.NoBody {
		t.Fatalf("exchange(mount-blob) = %v, %v, %v, want the 202 with stop and its Location", resp, stop, err)
	}
	loc, err := c.location(cl, failures.MountBlob, resp)
	if err != nil || loc.String() != f.srv.URL+"/v2/ns/repo/blobs/uploads/u1?_state=abc" {
		t.Errorf("location = %v, %v, want the absolute upload URL", loc, err)
	}
	_, stop, err = c.exchange(ctx, cl, failures.GetManifest, get("gone"))
	if err == nil || stop || err.Error() != "GET /v2/ns/repo/manifests/gone = 404 MANIFEST_UNKNOWN, want 200 (get-manifest)" {
		t.Errorf("exchange after the failure was met = %v, %v, want a StatusError wanting success", stop, err)
	}
	if err := cl.end(c, nil); err != nil {
		t.Errorf("end after the failure was met: %v", err)
	}

	for _, l := range lines() {
		if strings.Contains(l, "abc") {
			t.Errorf("log line shows the _state value: %s", l)
		}
	}
	wantLine := "get-manifest: GET /v2/ns/repo/manifests/gone = 404 MANIFEST_UNKNOWN ("
	found := false
	for _, l := range lines() {
		if strings.HasPrefix(l, wantLine) && strings.HasSuffix(l, "unknown-tag as expected") {
			found = true
		}
	}
	if !found {
		t.Errorf("no log line %q...unknown-tag as expected in:\n%s", wantLine, strings.Join(lines(), "\n"))
	}
}

func TestContextHonoured(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, _ := New(srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.Ping(ctx)
		errc <- err
	}()
	cancel()
	err := <-errc
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Ping with a cancelled context: error = %v, want one wrapping context.Canceled", err)
	}
	var re *RequestError
	if !errors.As(err, &re) || re.Step != failures.Ping {
		t.Errorf("Ping with a cancelled context: error = %#v, want a *RequestError at ping", err)
	}
}

// endless is a body that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func TestBoundedReads(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		switch r.URL.Path {
		case "/v2/":
			if r.Header.Get("Authorization") == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="http://`+r.Host+`/token"`)
				w.WriteHeader(401)
			}
		case "/token":
			w.Write([]byte(`{"token":"`))
			io.Copy(w, io.LimitReader(endless{}, 2*MaxTokenBody))
		default:
			w.WriteHeader(500)
			io.Copy(w, io.LimitReader(endless{}, 1<<30))
		}
	}))
	defer srv.Close()
	c, _ := New(srv.URL)
	_, err := c.Token(context.Background(), nil)
	if err == nil || !strings.HasSuffix(err.Error(), fmt.Sprintf("token response more than %d bytes, want a token response (auth)", MaxTokenBody)) {
		t.Errorf("Token with an endless answer: %v", err)
	}

	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		if r.URL.Path == "/v2/" {
			return
		}
		w.WriteHeader(500)
		io.Copy(w, io.LimitReader(endless{}, 1<<30))
	}))
	defer srv2.Close()
	c2, _ := New(srv2.URL)
	req, _ := http.NewRequest(http.MethodGet, "/v2/a/b/manifests/c", nil)
	_, err = c2.Exchange(context.Background(), failures.GetManifest, req)
	var se *StatusError
	if !errors.As(err, &se) {
		t.Fatalf("Exchange with an endless 500: %v, want a *StatusError", err)
	}
	if len(se.Body) > MaxBodyExcerpt+3 {
		t.Errorf("StatusError.Body holds %d bytes, want at most %d", len(se.Body), MaxBodyExcerpt+3)
	}
}

func TestExpectedFailureHead(t *testing.T) {
	f := newFakeRegistry(t, "none")
	f.route("HEAD /v2/ns/repo/manifests/gone", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(404)
	})
	tab := failures.OCI.With(failures.HeadManifest, failures.UnknownTag, failures.Expectation{Status: 404, Codes: []string{failures.CodeManifestUnknown}})
	c := f.client(t, WithTable(tab))
	req, _ := http.NewRequest(http.MethodHead, "/v2/ns/repo/manifests/gone", nil)
	resp, err := c.Exchange(context.Background(), failures.HeadManifest, req, ExpectFailure(failures.UnknownTag))
	if err != nil || resp == nil || resp.StatusCode != 404 {
		t.Errorf("HEAD expecting unknown-tag (404 MANIFEST_UNKNOWN) = %v, %v, want the 404 met: a HEAD answer has no codes to check", resp, err)
	}
}

// BenchmarkExchange measures one call (ping, cached token, one GET) on a
// token registry.
func BenchmarkExchange(b *testing.B) {
	f := newFakeRegistry(b, "bearer")
	f.route("GET /v2/ns/repo/tags/list", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{}`) })
	c, _ := New(f.srv.URL)
	ctx := context.Background()
	opts := []CallOption{WithCredentials("alice", "s3cret"), WithScopes("repository:ns/repo:pull")}
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodGet, "/v2/ns/repo/tags/list", nil)
		resp, err := c.Exchange(ctx, failures.ListTags, req, opts...)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}
