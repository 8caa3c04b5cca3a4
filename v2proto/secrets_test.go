package v2proto

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/registrytest/registrytest/failures"
)

const (
	canaryPassword = "CANARYPW7d1e"
	canaryToken    = "CANARYTOK93a"
	canaryState    = "CANARYSTATEf00"
)

// TestSecretsNeverShow runs a canary password and a canary token through
// every path that logs or fails (bad credentials at the token server and at
// a Basic registry, status errors whose bodies echo the secrets, redirects
// to URLs with signatures, transport errors on _state URLs, expected
// failures) and looks for them, and for the Basic credentials, in every log
// line and every error text.
func TestSecretsNeverShow(t *testing.T) {
	basicCreds := base64.StdEncoding.EncodeToString([]byte("alice:" + canaryPassword))
	canaries := []string{canaryPassword, canaryToken, canaryState, basicCreds}

	var texts []string // every error text and error field seen
	record := func(err error) {
		if err == nil {
			return
		}
		texts = append(texts, err.Error())
		var se *StatusError
		if errors.As(err, &se) {
			texts = append(texts, se.Path, se.Body)
			for _, e := range se.Errors {
				texts = append(texts, e.Message, string(e.Detail))
			}
		}
		var re *ResponseError
		if errors.As(err, &re) {
			texts = append(texts, re.Path, re.Got, re.Want)
		}
		var qe *RequestError
		if errors.As(err, &qe) {
			texts = append(texts, qe.Path)
		}
	}
	logf, lines := collectLogs()
	ctx := context.Background()

	// echo answers with every secret the request carried, in the body.
	echo := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"errors":[{"code":"DENIED","message":"you sent %s and %s","detail":{"auth":%q}}]}`,
				r.Header.Get("Authorization"), r.URL.RawQuery, r.Header.Get("Authorization"))
		}
	}
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A blob store behind a redirect: it echoes the signature.
		w.WriteHeader(403)
		fmt.Fprintf(w, "signature %s refused", r.URL.Query().Get("X-Signature"))
	}))
	defer storage.Close()

	for _, mode := range []string{"bearer", "basic"} {
		f := newFakeRegistry(t, mode)
		f.users["alice"] = canaryPassword
		f.tokenPrefix = canaryToken
		f.route("GET /v2/ns/repo/manifests/echo", echo(400))
		f.route("PUT /v2/ns/repo/manifests/echo", echo(401))
		f.route("GET /v2/ns/repo/blobs/sha256:aa", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, storage.URL+"/blob?X-Signature="+canaryToken+"&_state="+canaryState, http.StatusTemporaryRedirect)
		})
		f.route("GET /v2/ns/repo/blobs/sha256:bb", func(w http.ResponseWriter, r *http.Request) {
			// A redirect that cannot be followed: its Location shows up in
			// the client's error.
			w.Header().Set("Location", "http://[bad host/x?_state="+canaryState)
			w.WriteHeader(http.StatusFound)
		})
		c := f.client(t, WithLogf(logf))
		good := WithCredentials("alice", canaryPassword)
		scopes := WithScopes("repository:ns/repo:pull,push")

		// Bad credentials, with and without the expected failure.
		_, err := c.Token(ctx, nil, WithCredentials("alice", canaryPassword+"x"))
		record(err)
		_, err = c.Token(ctx, nil, WithCredentials("alice", canaryPassword+"x"), ExpectFailure(failures.Unauthenticated))
		record(err)
		// A good token (logged steps), then status errors that echo it.
		tok, err := c.Token(ctx, []string{"repository:ns/repo:pull,push"}, good)
		record(err)
		if mode == "bearer" && !strings.HasPrefix(tok, canaryToken) {
			t.Fatalf("Token = %q, want a canary token", tok)
		}
		for _, tc := range []struct {
			method, path string
			step         failures.Step
			opts         []CallOption
		}{
			{"GET", "/v2/ns/repo/manifests/echo?_state=" + canaryState, failures.GetManifest, nil},
			{"PUT", "/v2/ns/repo/manifests/echo", failures.PutManifest, []CallOption{ExpectFailure(failures.InvalidManifest)}},
			{"PUT", "/v2/ns/repo/manifests/echo", failures.PutManifest, []CallOption{ExpectFailure(failures.Unauthorized)}},
			{"GET", "/v2/ns/repo/blobs/sha256:aa", failures.GetBlob, nil},
			{"GET", "/v2/ns/repo/blobs/sha256:bb", failures.GetBlob, nil},
			{"GET", "/v2/ns/repo/blobs/sha256:aa", failures.GetBlob, []CallOption{ExpectFailure(failures.GeoBlocked)}},
		} {
			req, _ := http.NewRequest(tc.method, tc.path, strings.NewReader("body"))
			resp, err := c.Exchange(ctx, tc.step, req, append([]CallOption{good, scopes}, tc.opts...)...)
			if err == nil && resp != nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			record(err)
		}
		// A transport error on a _state URL.
		dead := httptest.NewServer(http.NotFoundHandler())
		deadURL := dead.URL
		dead.Close()
		cl := c.newCall("Flow", []CallOption{good})
		cl.addSecret(tok)
		req, _ := c.newRequest(ctx, http.MethodPatch, deadURL+"/v2/ns/repo/blobs/uploads/u?_state="+canaryState+"&sig="+canaryToken, nil)
		_, _, err = c.exchange(ctx, cl, failures.UploadChunk, req)
		record(err)
		if err == nil {
			t.Errorf("%s: PATCH to a closed server succeeded", mode)
		}
		// A Location that cannot be parsed.
		resp := &http.Response{StatusCode: 202, Header: http.Header{"Location": {"%zz?_state=" + canaryState}}, Request: req}
		_, err = c.location(cl, failures.StartUpload, resp)
		record(err)
	}

	all := append(lines(), texts...)
	if len(lines()) < 20 {
		t.Fatalf("only %d log lines; the test did not run the paths it claims:\n%s", len(lines()), strings.Join(lines(), "\n"))
	}
	for _, text := range all {
		for _, c := range canaries {
			if strings.Contains(text, c) {
				t.Errorf("secret %q shows in: %s", c, text)
			}
		}
	}
	// The paths did fail where they should: a sanity check that the
	// canaries went through them.
	joined := strings.Join(all, "\n")
	for _, want := range []string{"REDACTED", "401 UNAUTHORIZED", "400 DENIED", "redirected to", "_state=REDACTED"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no log line or error holds %q; logs and errors:\n%s", want, joined)
		}
	}
}
