package schema1reg_test

// Helpers of the registry tests (registry_dist28_test.go,
// registry_debian_test.go): raw net/http, no v2proto, so that this package
// is tested against real registries on its own.

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/registrytest/registrytest/failures"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/internal/schema1test"
	"github.com/registrytest/registrytest/schema1"
)

const maxBody = 4 << 20

// regClient talks to one registry.
type regClient struct {
	t    *testing.T
	base string // http://127.0.0.1:PORT
	hc   *http.Client
}

func newRegClient(t *testing.T, base string) *regClient {
	return &regClient{t: t, base: strings.TrimSuffix(base, "/"), hc: &http.Client{Timeout: 30 * time.Second}}
}

// do sends a request and returns the status, headers and body (read up to
// maxBody).
func (c *regClient) do(method, target string, hdr http.Header, body []byte) (int, http.Header, []byte) {
	c.t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		c.t.Fatal(err)
	}
	base, _ := url.Parse(c.base + "/")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, base.ResolveReference(u).String(), bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		c.t.Fatalf("%s %s: reading body: %v", method, target, err)
	}
	return resp.StatusCode, resp.Header, b
}

// pushBlob uploads b to repo monolithically: POST, then PUT ?digest=.
func (c *regClient) pushBlob(repo string, b []byte) digest.Digest {
	c.t.Helper()
	d := digest.FromBytes(b)
	status, hdr, body := c.do("POST", "/v2/"+repo+"/blobs/uploads/", nil, nil)
	if status != http.StatusAccepted {
		c.t.Fatalf("POST /v2/%s/blobs/uploads/ = %d %s, want 202", repo, status, body)
	}
	loc, err := url.Parse(hdr.Get("Location"))
	if err != nil || hdr.Get("Location") == "" {
		c.t.Fatalf("POST /v2/%s/blobs/uploads/: Location = %q, want an upload URL", repo, hdr.Get("Location"))
	}
	q := loc.Query()
	q.Set("digest", d.String())
	loc.RawQuery = q.Encode()
	status, _, body = c.do("PUT", loc.String(), http.Header{"Content-Type": {"application/octet-stream"}}, b)
	if status != http.StatusCreated {
		c.t.Fatalf("PUT upload ?digest=%s = %d %s, want 201", d, status, body)
	}
	return d
}

// putManifest PUTs raw as mediaType and returns the status, the
// Docker-Content-Digest header and the error codes of the body.
func (c *regClient) putManifest(repo, ref, mediaType string, raw []byte) (int, string, []string) {
	c.t.Helper()
	status, hdr, body := c.do("PUT", "/v2/"+repo+"/manifests/"+ref, http.Header{"Content-Type": {mediaType}}, raw)
	return status, hdr.Get("Docker-Content-Digest"), errorCodes(body)
}

func errorCodes(body []byte) []string {
	var e struct {
		Errors []struct{ Code string }
	}
	if json.Unmarshal(body, &e) != nil {
		return nil
	}
	var codes []string
	for _, x := range e.Errors {
		codes = append(codes, x.Code)
	}
	return codes
}

// testRegistry runs checkRegistrySchema1 against the registry at base and,
// with -update, writes the re-signed answer it returns as the fuzz seed
// named seed.
func testRegistry(t *testing.T, base, seed string) {
	t.Helper()
	resigned := checkRegistrySchema1(t, base)
	if *update && resigned != nil {
		writeSeed(t, seed, resigned)
	}
}

// checkRegistrySchema1 runs the schema1 checks against a 2.8 registry:
// manifests we sign (ES256, ES384, ES512, RS256, x5c) are accepted with
// our digest; the registry's re-signed answer parses and verifies with
// Parse and has the same digest; tampered manifests are refused with 400
// MANIFEST_UNVERIFIED. It returns one re-signed answer (for the fuzz
// corpus).
func checkRegistrySchema1(t *testing.T, base string) []byte {
	c := newRegClient(t, base)
	repo := "schema1test/repo"

	// Real blobs: base first.
	contents := [][]byte{[]byte("base layer contents"), []byte("middle layer contents"), []byte("leaf layer contents")}
	layers := schema1test.SampleLayers(len(contents), "")
	for i, b := range contents {
		layers[i].BlobSum = c.pushBlob(repo, b)
	}

	withChain := func(b schema1.Builder) schema1.Builder {
		b.Chain = []*x509.Certificate{schema1test.TestChain().Leaf, schema1test.TestChain().Root}
		return b
	}
	var resigned []byte
	for _, tc := range []struct {
		tag string
		b   schema1.Builder
	}{
		{"es256", schema1test.SampleBuilder(schema1test.ES256Key())},
		{"es384", schema1test.SampleBuilder(schema1test.ES384Key())},
		{"es512", schema1test.SampleBuilder(schema1test.ES512Key())},
		{"rs256", schema1test.SampleBuilder(schema1test.RS256Key())},
		{"x5c", withChain(schema1test.SampleBuilder(schema1test.ES256Key()))},
		{"unicode", func() schema1.Builder {
			b := schema1test.SampleBuilder(schema1test.ES256Key())
			b.Layers = schema1test.SampleLayers(3, "Paweł 😱")
			return b
		}()},
	} {
		t.Run(tc.tag, func(t *testing.T) {
			c := newRegClient(t, base)
			b := tc.b
			b.Name, b.Tag = repo, tc.tag
			// Keep the builder's v1Compatibility, use the pushed blobs.
			ls := append([]schema1.Layer(nil), b.Layers...)
			for i := range ls {
				ls[i].BlobSum = layers[i].BlobSum
			}
			b.Layers = ls
			m := schema1test.MustBuild(t, b)

			status, got, codes := c.putManifest(repo, tc.tag, m.MediaType(), m.Raw)
			if status != http.StatusCreated || got != m.Digest().String() {
				t.Fatalf("PUT /v2/%s/manifests/%s = %d %v, Docker-Content-Digest %q; want 201, %s", repo, tc.tag, status, codes, got, m.Digest())
			}

			for _, ref := range []string{tc.tag, m.Digest().String()} {
				status, hdr, body := c.do("GET", "/v2/"+repo+"/manifests/"+ref, http.Header{"Accept": {schema1.MediaTypeSignedManifest}}, nil)
				if status != http.StatusOK {
					t.Fatalf("GET /v2/%s/manifests/%s = %d %s, want 200", repo, ref, status, body)
				}
				if ct := hdr.Get("Content-Type"); ct != schema1.MediaTypeSignedManifest {
					t.Errorf("GET %s: Content-Type = %q, want %q", ref, ct, schema1.MediaTypeSignedManifest)
				}
				if d := hdr.Get("Docker-Content-Digest"); d != m.Digest().String() {
					t.Errorf("GET %s: Docker-Content-Digest = %q, want %s", ref, d, m.Digest())
				}
				pm, err := schema1.Parse(body)
				if err != nil {
					t.Fatalf("Parse(GET %s) error: %v\n%s", ref, err, body)
				}
				if pm.Digest() != m.Digest() || !bytes.Equal(pm.Payload, m.Payload) {
					t.Errorf("Parse(GET %s).Digest() = %s, want %s (same payload)", ref, pm.Digest(), m.Digest())
				}
				// The registry re-signs with its own key: other bytes,
				// exactly one signature, by a key that is not ours.
				if bytes.Equal(body, m.Raw) {
					t.Errorf("GET %s returned our bytes, want the registry's re-signed document", ref)
				}
				if len(pm.Signatures) != 1 || pm.Signatures[0].Key.Equal(b.Key.Public()) {
					t.Errorf("GET %s: %d signatures, first by %v; want 1 by the registry's key (not ours, %s)", ref, len(pm.Signatures), pm.Signatures, b.Key.KeyID())
				}
				if diff := layersDiff(m.Layers, pm.Layers); diff != "" {
					t.Errorf("GET %s: %s", ref, diff)
				}
				resigned = body
			}

			// Tampered documents are refused by the registry as by us:
			// 400 MANIFEST_UNVERIFIED for ECDSA signatures. For RSA the
			// 2.8 registries answer 500 UNKNOWN: they map only libtrust's
			// error text "invalid signature" (what ECDSA verification
			// says) to MANIFEST_UNVERIFIED, and libtrust's RSA error reads
			// "invalid RS256 signature: crypto/rsa: verification error".
			wantStatus, wantCode := http.StatusBadRequest, failures.CodeManifestUnverified
			if b.Key.Algorithm() == "RS256" {
				wantStatus, wantCode = http.StatusInternalServerError, failures.CodeUnknown
			}
			for name, doc := range tamperings(t, m) {
				if _, err := schema1.Parse(doc); !errors.Is(err, schema1.ErrInvalidSignature) {
					t.Errorf("%s: Parse = %v, want ErrInvalidSignature", name, err)
				}
				status, _, codes := c.putManifest(repo, tc.tag+"-bad", m.MediaType(), doc)
				if status != wantStatus || !contains(codes, wantCode) {
					t.Errorf("%s: PUT = %d %v, want %d [%s]", name, status, codes, wantStatus, wantCode)
				}
			}
		})
	}

	t.Run("unsigned refused", func(t *testing.T) {
		c := newRegClient(t, base)
		b := schema1test.SampleBuilder(nil)
		b.Name, b.Layers = repo, layers
		m := schema1test.MustBuild(t, b)
		status, _, codes := c.putManifest(repo, "unsigned", m.MediaType(), m.Raw)
		if status != http.StatusBadRequest || !contains(codes, failures.CodeManifestInvalid) {
			t.Errorf("PUT unsigned = %d %v, want 400 [MANIFEST_INVALID]", status, codes)
		}
	})
	return resigned
}

func layersDiff(want, got []schema1.Layer) string {
	if len(want) != len(got) {
		return fmt.Sprintf("%d layers, want %d", len(got), len(want))
	}
	for i := range want {
		if want[i] != got[i] {
			return fmt.Sprintf("Layers[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
