package v2proto

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/registrytest/registrytest/failures"
)

func recordTranscript() (Option, func() []Exchange) {
	var (
		mu sync.Mutex
		xs []Exchange
	)
	return WithTranscript(func(x Exchange) {
			mu.Lock()
			defer mu.Unlock()
			xs = append(xs, x)
		}), func() []Exchange {
			mu.Lock()
			defer mu.Unlock()
			return append([]Exchange(nil), xs...)
		}
}

// TestTranscript checks what WithTranscript records of a wanted answer, of
// one that met an expected failure and of an unwanted one.
func TestTranscript(t *testing.T) {
	f := newFakeRegistry(t, "none")
	f.route("GET /v2/ns/repo/manifests/bad", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/v2/ns/repo/blobs/uploads/x?_state=abc&digest=sha256:aa")
		w.Header().Set("Set-Cookie", "session=1")
		writeErrors(w, http.StatusBadRequest, failures.CodeDenied, "no")
	})
	opt, transcript := recordTranscript()
	c := f.client(t, opt)
	ctx := context.Background()
	req, _ := http.NewRequest("GET", "/v2/", nil)
	resp, err := c.Exchange(ctx, failures.Ping, req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	f.route("GET /v2/ns/repo/manifests/nope", func(w http.ResponseWriter, r *http.Request) {
		writeErrors(w, http.StatusNotFound, failures.CodeManifestUnknown, "no")
	})
	req, _ = http.NewRequest("GET", "/v2/ns/repo/manifests/nope", nil)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json")
	if _, err := c.Exchange(ctx, failures.GetManifest, req, ExpectFailure(failures.UnknownTag)); err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest("GET", "/v2/ns/repo/manifests/bad?_state=zz", nil)
	if _, err := c.Exchange(ctx, failures.GetManifest, req); err == nil {
		t.Fatal("Exchange(GET bad) succeeded")
	}
	want := []Exchange{
		{Step: failures.Ping, Method: "GET", Path: "/v2/", Status: 200,
			Header: http.Header{"Content-Type": {"application/json"}, "Content-Length": {"2"}, "Docker-Distribution-Api-Version": {"registry/2.0"}}},
		{Step: failures.GetManifest, Method: "GET", Path: "/v2/ns/repo/manifests/nope", Status: 404,
			RequestHeader: http.Header{"Accept": {"application/vnd.oci.image.manifest.v1+json"}},
			Header:        http.Header{"Content-Type": {"application/json"}, "Docker-Distribution-Api-Version": {"registry/2.0"}},
			Note:          "as expected: unknown-tag"},
		{Step: failures.GetManifest, Method: "GET", Path: "/v2/ns/repo/manifests/bad?_state=REDACTED", Status: 400,
			Header: http.Header{"Content-Type": {"application/json"}, "Docker-Distribution-Api-Version": {"registry/2.0"},
				"Location": {"/v2/ns/repo/blobs/uploads/x?_state=REDACTED&digest=sha256:aa"}},
			Codes: []string{failures.CodeDenied}, Body: `{"errors":[{"code":"DENIED","message":"no","detail":null}]}`, Note: "want 200"},
	}
	// Every call starts with a ping: keep the first.
	var got []Exchange
	for i, x := range transcript() {
		if i == 0 || x.Step != failures.Ping {
			got = append(got, x)
		}
	}
	ignore := cmpopts.IgnoreFields(Exchange{}, "Duration")
	// The fake's error bodies may end in a newline and carry a length.
	trim := cmp.Transformer("trim", func(s string) string { return strings.TrimSpace(s) })
	dropLength := cmp.Transformer("dropLength", func(h http.Header) http.Header {
		if h == nil {
			return nil
		}
		h = h.Clone()
		if h.Get("Content-Type") == "application/json" && len(h) > 1 && h.Get("Content-Length") != "2" {
			h.Del("Content-Length")
		}
		return h
	})
	if diff := cmp.Diff(want, got, ignore, trim, dropLength); diff != "" {
		t.Errorf("transcript (-want +got):\n%s", diff)
	}
}

// TestTranscriptSecrets sends a canary password and token through wanted
// and unwanted answers that echo them, in bodies and headers, and looks for
// them in every recorded exchange.
func TestTranscriptSecrets(t *testing.T) {
	basicCreds := base64.StdEncoding.EncodeToString([]byte("alice:" + canaryPassword))
	canaries := []string{canaryPassword, canaryToken, canaryState, basicCreds}
	echo := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "/v2/ns/repo/blobs/uploads/u?_state="+canaryState+"&echo="+r.Header.Get("Authorization"))
			w.Header().Set("Content-Range", r.Header.Get("Authorization"))
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+r.Header.Get("Authorization")+`"`)
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"errors":[{"code":"DENIED","message":"you sent %s and %s"}]}`, r.Header.Get("Authorization"), r.URL.RawQuery)
		}
	}
	var all []Exchange
	for _, mode := range []string{"bearer", "basic"} {
		f := newFakeRegistry(t, mode)
		f.users["alice"] = canaryPassword
		f.tokenPrefix = canaryToken
		f.route("GET /v2/ns/repo/manifests/echo", echo(400))
		f.route("GET /v2/ns/repo/manifests/ok", echo(200))
		f.route("PUT /v2/ns/repo/manifests/echo", echo(401))
		opt, transcript := recordTranscript()
		c := f.client(t, opt)
		ctx := context.Background()
		good := WithCredentials("alice", canaryPassword)
		scopes := WithScopes("repository:ns/repo:pull,push")
		c.Token(ctx, nil, WithCredentials("alice", canaryPassword+"x"))
		for _, tc := range []struct {
			method, path string
			step         failures.Step
			opts         []CallOption
		}{
			{"GET", "/v2/ns/repo/manifests/echo?_state=" + canaryState, failures.GetManifest, nil},
			{"GET", "/v2/ns/repo/manifests/ok", failures.GetManifest, nil},
			{"PUT", "/v2/ns/repo/manifests/echo", failures.PutManifest, []CallOption{ExpectFailure(failures.InvalidManifest)}},
		} {
			req, _ := http.NewRequest(tc.method, tc.path, strings.NewReader("body"))
			resp, err := c.Exchange(context.Background(), tc.step, req, append([]CallOption{good, scopes}, tc.opts...)...)
			if err == nil && resp != nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
		all = append(all, transcript()...)
	}
	if len(all) < 8 {
		t.Fatalf("only %d exchanges recorded; the test did not run the paths it claims: %+v", len(all), all)
	}
	text := fmt.Sprintf("%+v", all)
	for _, c := range canaries {
		if strings.Contains(text, c) {
			t.Errorf("secret %q shows in the transcript: %s", c, text)
		}
	}
	for _, want := range []string{"Bearer REDACTED", "Basic REDACTED", "_state=REDACTED", "you sent REDACTED"} {
		if !strings.Contains(text, want) {
			t.Errorf("the transcript holds no %q: the canaries did not go where the test claims: %s", want, text)
		}
	}
}
