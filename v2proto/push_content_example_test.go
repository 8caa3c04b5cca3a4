package v2proto_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/v2proto"
)

// newTinyRegistry is a minimal registry for the example: one repository's
// blobs and manifests in memory, uploads in a POST, PATCH and PUT, and no
// Docker headers (which the spec makes OPTIONAL) but the ping's. It logs
// manifest PUTs.
func newTinyRegistry(log func(string)) *httptest.Server {
	var mu sync.Mutex
	blobs := map[string][]byte{}
	uploads := map[string][]byte{}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		body, _ := io.ReadAll(r.Body)
		p := r.URL.Path
		switch {
		case p == "/v2/":
			w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		case strings.Contains(p, "/blobs/uploads/") && r.Method == http.MethodPost:
			id := fmt.Sprint(len(uploads))
			uploads[id] = nil
			w.Header().Set("Location", "/upload/"+id)
			w.WriteHeader(http.StatusAccepted)
		case strings.HasPrefix(p, "/upload/") && r.Method == http.MethodPatch:
			id := strings.TrimPrefix(p, "/upload/")
			uploads[id] = append(uploads[id], body...)
			w.Header().Set("Location", p)
			w.Header().Set("Range", fmt.Sprintf("0-%d", len(uploads[id])-1))
			w.WriteHeader(http.StatusAccepted)
		case strings.HasPrefix(p, "/upload/") && r.Method == http.MethodPut:
			d := r.URL.Query().Get("digest")
			blobs[d] = append(uploads[strings.TrimPrefix(p, "/upload/")], body...)
			w.Header().Set("Location", "/v2/repo/blobs/"+d)
			w.WriteHeader(http.StatusCreated)
		case strings.HasPrefix(p, "/v2/repo/blobs/"):
			b, ok := blobs[strings.TrimPrefix(p, "/v2/repo/blobs/")]
			if !ok {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			w.Header().Set("Content-Length", fmt.Sprint(len(b)))
			w.Write(b)
		case strings.HasPrefix(p, "/v2/repo/manifests/") && r.Method == http.MethodPut:
			ref := strings.TrimPrefix(p, "/v2/repo/manifests/")
			log("PUT " + ref)
			w.Header().Set("Location", "/v2/repo/manifests/"+string(digest.FromBytes(body)))
			w.WriteHeader(http.StatusCreated)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
}

// PushContent pushes a graph: an artifact (raw bytes) whose subject is an
// image (built by BuildManifest), and an index of the image, tagged. The
// image goes first; pushed again, every blob is found and skipped.
func ExampleClient_PushContent() {
	names := map[string]string{} // digest -> name, for the log
	srv := newTinyRegistry(func(s string) {
		if n, ok := names[strings.TrimPrefix(s, "PUT ")]; ok {
			s = "PUT " + n
		}
		fmt.Println(s)
	})
	defer srv.Close()
	c, err := v2proto.New(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	// An image from its layer bytes.
	layer := v2proto.BytesBlob([]byte("layer bytes"))
	config := v2proto.BytesBlob([]byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`))
	imageBody := fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"config":{"mediaType":%q,"digest":%q,"size":%d},`+
		`"layers":[{"mediaType":%q,"digest":%q,"size":%d}]}`, v1.MediaTypeImageManifest,
		v1.MediaTypeImageConfig, config.Digest(), config.Size(), v1.MediaTypeImageLayer, layer.Digest(), layer.Size())
	image, err := v2proto.ParseContent(v1.MediaTypeImageManifest, []byte(imageBody), []v2proto.Blob{config, layer})
	if err != nil {
		fmt.Println(err)
		return
	}
	// An artifact about the image, and an index of the image.
	empty := v2proto.BytesBlob([]byte("{}"))
	artifactBody := fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"artifactType":"application/vnd.example.sbom",`+
		`"config":{"mediaType":%q,"digest":%q,"size":2},"layers":[{"mediaType":%q,"digest":%q,"size":2}],`+
		`"subject":{"mediaType":%q,"digest":%q,"size":%d}}`, v1.MediaTypeImageManifest, v1.MediaTypeEmptyJSON,
		empty.Digest(), v1.MediaTypeEmptyJSON, empty.Digest(), v1.MediaTypeImageManifest, image.Digest, len(image.Bytes))
	artifact, err := v2proto.ParseContent(v1.MediaTypeImageManifest, []byte(artifactBody), []v2proto.Blob{empty})
	if err != nil {
		fmt.Println(err)
		return
	}
	indexBody := fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"manifests":[{"mediaType":%q,"digest":%q,"size":%d}]}`,
		v1.MediaTypeImageIndex, v1.MediaTypeImageManifest, image.Digest, len(image.Bytes))
	index, err := v2proto.ParseContent(v1.MediaTypeImageIndex, []byte(indexBody), nil, "latest")
	if err != nil {
		fmt.Println(err)
		return
	}

	names[string(image.Digest)], names[string(artifact.Digest)] = "<image digest>", "<artifact digest>"
	for range 2 {
		res, err := c.PushContent(ctx, "repo", []v2proto.Content{artifact, index, image})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%d blobs, %d skipped, %d lapses tolerated\n", len(res.Blobs), len(res.Skipped), len(res.Tolerated()))
	}
	fmt.Println(image.Digest == digest.FromString(imageBody))
	// Output:
	// PUT <image digest>
	// PUT <artifact digest>
	// PUT latest
	// 3 blobs, 0 skipped, 0 lapses tolerated
	// PUT <image digest>
	// PUT <artifact digest>
	// PUT latest
	// 3 blobs, 3 skipped, 0 lapses tolerated
	// true
}
