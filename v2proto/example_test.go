package v2proto_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/v2proto"
)

// A registry that holds no manifest, to show how a call judges its answer.
func newEmptyRegistry() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		if r.URL.Path == "/v2/" {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`)
	}))
}

func ExampleExpectFailure() {
	srv := newEmptyRegistry()
	defer srv.Close()
	c, err := v2proto.New(srv.URL) // judged with failures.Distribution
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	get := func() *http.Request {
		req, _ := http.NewRequest(http.MethodGet, "/v2/ns/repo/manifests/latest", nil)
		return req
	}

	// Without an expected failure, the step must answer its success status.
	_, err = c.Exchange(ctx, failures.GetManifest, get())
	fmt.Println(err)
	var se *v2proto.StatusError
	if errors.As(err, &se) {
		fmt.Println(se.Step, se.Got, se.Codes)
	}

	// Expecting unknown-tag, the registry's 404 MANIFEST_UNKNOWN is what the
	// table maps at get-manifest: the call succeeds.
	resp, err := c.Exchange(ctx, failures.GetManifest, get(), v2proto.ExpectFailure(failures.UnknownTag))
	fmt.Println(resp.StatusCode, err)

	// Expecting a failure that the table (here Quay's) maps at other steps,
	// this step must still answer its success status.
	c, _ = v2proto.New(srv.URL, v2proto.WithTable(failures.Quay))
	_, err = c.Exchange(ctx, failures.GetManifest, get(), v2proto.ExpectFailure(failures.InvalidBlob))
	fmt.Println(err)
	// Output:
	// GET /v2/ns/repo/manifests/latest = 404 MANIFEST_UNKNOWN, want 200 (get-manifest)
	// get-manifest 404 [MANIFEST_UNKNOWN]
	// 404 <nil>
	// GET /v2/ns/repo/manifests/latest = 404 MANIFEST_UNKNOWN, want 200 (get-manifest; invalid-blob expected at put-manifest)
}
