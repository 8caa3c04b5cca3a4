package itest

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/registrytest/registrytest/examples/internal/testreg"
	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/v2proto"
)

// testSecrets runs the canary user's password, the tokens the registry's
// issuer grants it and the _state values of upload sessions through logged
// and failing calls (a wrong password, refusals, status errors on upload
// URLs, expected failures) on the htpasswd and token registries, and looks
// for them in every log line and error text.
func (e *env) testSecrets(t *testing.T) {
	for _, reg := range []*testreg.Registry{e.basic, e.token} {
		t.Run(reg.Auth.String(), func(t *testing.T) {
			var (
				mu    sync.Mutex
				lines []string
			)
			logf := func(format string, args ...any) {
				mu.Lock()
				defer mu.Unlock()
				lines = append(lines, fmt.Sprintf(format, args...))
			}
			c, err := v2proto.New(reg.URL, v2proto.WithLogf(logf))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			canary := v2proto.WithCredentials("canary", canaryPassword)
			wrong := v2proto.WithCredentials("canary", canaryPassword+"-wrong")
			repo := "itest/secrets"
			secrets := []string{canaryPassword, base64.StdEncoding.EncodeToString([]byte("canary:" + canaryPassword))}
			var texts []string
			note := func(err error) {
				if err != nil {
					texts = append(texts, err.Error())
				}
			}

			if tok, err := c.Token(ctx, []string{"repository:" + repo + ":pull,push"}, canary); err != nil {
				t.Fatal(err)
			} else if tok != "" {
				secrets = append(secrets, tok)
			}
			_, err = c.Token(ctx, nil, wrong)
			note(err)
			_, err = c.Token(ctx, nil, wrong, v2proto.ExpectFailure(failures.Unauthenticated))
			note(err)

			// An upload session, then requests on its URL that fail.
			resp, err := c.Exchange(ctx, failures.StartUpload, request("POST", "/v2/"+repo+"/blobs/uploads/", "", nil), canary, scope(repo))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			loc := nextURL(t, resp, "")
			u, _ := url.Parse(loc)
			state := u.Query().Get("_state")
			if state == "" {
				t.Fatalf("upload Location %s has no _state: the test cannot check its redaction", u.Path)
			}
			secrets = append(secrets, state, url.QueryEscape(state))
			_, err = c.Exchange(ctx, failures.FinishUpload, request("PUT", loc+"&digest="+digestOf([]byte("other")), "application/octet-stream", []byte("x")), canary, scope(repo))
			note(err)
			_, err = c.Exchange(ctx, failures.UploadStatus, request("GET", loc, "", nil), canary)
			note(err)
			_, err = c.Exchange(ctx, failures.CancelUpload, request("DELETE", loc, "", nil), canary, scope(repo), v2proto.ExpectFailure(failures.UnknownTag))
			note(err)
			_, err = c.Exchange(ctx, failures.GetManifest, request("GET", "/v2/"+repo+"/manifests/nope", "", nil), canary, scope(repo))
			note(err)

			if len(lines) < 10 || len(texts) < 4 {
				t.Fatalf("%d log lines and %d errors: the calls did not run as the test claims", len(lines), len(texts))
			}
			for _, text := range append(lines, texts...) {
				for _, s := range secrets {
					if strings.Contains(text, s) {
						t.Errorf("a secret shows in: %s", text)
					}
				}
			}
		})
	}
}
