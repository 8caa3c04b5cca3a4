package v2proto_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/schema2"
	"github.com/registrytest/registrytest/v2proto"
)

// exampleRegistry serves one OCI image of images at ns/repo:latest.
func exampleRegistry(images []fixtures.Image) *httptest.Server {
	blobs := map[string][]byte{}
	config, _ := schema2.Config{Architecture: "amd64", OS: "linux", RootFS: schema2.RootFS{Type: "layers"}}.Build(schema2.OCI, schema2.Options{})
	blobs[string(config.Digest())] = config.Bytes()
	m := schema2.OCI.NewManifest(config.Descriptor())
	for _, im := range images {
		b, _ := im.Layer.Bytes()
		blobs[string(im.Layer.Digest())] = b
		m.Layers = append(m.Layers, schema2.OCI.Layer(im.Layer.Digest(), im.Layer.Size()))
	}
	manifest, _ := m.Build(schema2.Options{})
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		switch p := r.URL.Path; {
		case p == "/v2/":
		case p == "/v2/ns/repo/manifests/latest" || p == "/v2/ns/repo/manifests/"+string(manifest.Digest()):
			w.Header().Set("Content-Type", manifest.MediaType())
			w.Header().Set("Docker-Content-Digest", string(manifest.Digest()))
			w.Write(manifest.Bytes())
		case strings.HasPrefix(p, "/v2/ns/repo/blobs/") && blobs[strings.TrimPrefix(p, "/v2/ns/repo/blobs/")] != nil:
			w.Write(blobs[strings.TrimPrefix(p, "/v2/ns/repo/blobs/")])
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`)
		}
	}))
}

// Pull an image by tag and compare it with the images it was built from:
// every blob is fetched and verified while it streams. A tag that does not
// exist is an expected failure.
func ExampleClient_Pull() {
	images := fixtures.Basic()
	srv := exampleRegistry(images)
	defer srv.Close()
	c, err := v2proto.New(srv.URL)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	res, err := c.Pull(ctx, "ns/repo", []string{"latest"}, images, v2proto.WithSchema(v2proto.OCI))
	if err != nil {
		fmt.Println(err)
		return
	}
	pm := res.Manifests[0]
	fmt.Println(pm.Kind, len(pm.Blobs), "blobs verified")
	fmt.Println(pm.Blobs[1] == images[0].Layer.Digest(), pm.Digest == digest.FromBytes(pm.Bytes))

	res, err = c.Pull(ctx, "ns/repo", []string{"nope"}, images, v2proto.ExpectFailure(failures.UnknownTag))
	fmt.Println(res, err)
	_, err = c.Pull(ctx, "ns/repo", []string{"nope"}, images)
	fmt.Println(err)
	// Output:
	// oci-manifest 3 blobs verified
	// true true
	// <nil> <nil>
	// GET /v2/ns/repo/manifests/nope = 404 MANIFEST_UNKNOWN, want 200 (get-manifest)
}
