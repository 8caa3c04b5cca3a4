// Package schema1test holds the signing keys, certificate chain and sample
// manifests that the schema1 tests and the registry interop tests (in the
// examples module) share.
package schema1test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/schema1"
)

// SignTime is the fixed signing time of golden files.
var SignTime = time.Date(2020, 6, 5, 12, 0, 0, 0, time.UTC)

// Keys derived from fixed seeds, made once per test binary (RSA takes a
// while).
var (
	ES256Key = sync.OnceValue(func() *schema1.Key { return MustKey(schema1.ECKeyFromSeed(elliptic.P256(), []byte("es256"))) })
	ES384Key = sync.OnceValue(func() *schema1.Key { return MustKey(schema1.ECKeyFromSeed(elliptic.P384(), []byte("es384"))) })
	ES512Key = sync.OnceValue(func() *schema1.Key { return MustKey(schema1.ECKeyFromSeed(elliptic.P521(), []byte("es512"))) })
	RS256Key = sync.OnceValue(func() *schema1.Key { return MustKey(schema1.RSAKeyFromSeed(2048, []byte("rs256"))) })
	OtherEC  = sync.OnceValue(func() *schema1.Key { return MustKey(schema1.ECKeyFromSeed(elliptic.P256(), []byte("other"))) })
	otherRSA = sync.OnceValue(func() *schema1.Key { return MustKey(schema1.RSAKeyFromSeed(2048, []byte("other"))) })
)

// MustKey returns k, or panics with err.
func MustKey(k *schema1.Key, err error) *schema1.Key {
	if err != nil {
		panic(err)
	}
	return k
}

// CAChain is a CA certificate and a leaf certificate for ES256Key, signed
// by the CA (made with crypto/rand: chain tests do not need fixed bytes).
type CAChain struct {
	Root, Leaf *x509.Certificate
}

// TestChain is made once per test binary.
var TestChain = sync.OnceValue(func() CAChain {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "registrytest schema1 CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		panic(err)
	}
	root, _ := x509.ParseCertificate(caDER)
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "registrytest schema1 signer"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, root, ES256Key().CryptoSigner().Public(), caKey)
	if err != nil {
		panic(err)
	}
	leaf, _ := x509.ParseCertificate(leafDER)
	return CAChain{Root: root, Leaf: leaf}
})

// v1Image is the v1Compatibility JSON our test images carry.
type v1Image struct {
	ID      string         `json:"id"`
	Parent  string         `json:"parent,omitempty"`
	Created string         `json:"created,omitempty"`
	Config  map[string]any `json:"config,omitempty"`
	Size    int            `json:"Size,omitempty"`
}

// v1JSON is img as JSON.
func v1JSON(img v1Image) string {
	b, err := json.Marshal(img)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// SampleLayers returns n layers, base first, with a sound parent chain. The
// leaf's config holds comment (for unicode tests).
func SampleLayers(n int, comment string) []schema1.Layer {
	layers := make([]schema1.Layer, n)
	parent := ""
	for i := range n {
		id := digest.FromString(fmt.Sprintf("image %d", i)).Encoded()
		img := v1Image{ID: id, Parent: parent, Created: "2020-06-05T12:00:00Z", Size: 100 + i}
		if i == n-1 && comment != "" {
			img.Config = map[string]any{"Labels": map[string]string{"comment": comment}}
		}
		layers[i] = schema1.Layer{
			BlobSum:         digest.FromString(fmt.Sprintf("layer %d", i)),
			V1Compatibility: v1JSON(img),
		}
		parent = id
	}
	return layers
}

// SampleBuilder returns a builder for a three-layer manifest signed by key
// (nil: unsigned) at SignTime.
func SampleBuilder(key *schema1.Key) schema1.Builder {
	return schema1.Builder{
		Name:         "devtable/newrepo",
		Tag:          "latest",
		Architecture: "amd64",
		Layers:       SampleLayers(3, ""),
		Key:          key,
		Time:         SignTime,
	}
}

// MustBuild builds b or fails t.
func MustBuild(t testing.TB, b schema1.Builder) *schema1.Manifest {
	t.Helper()
	m, err := b.Build()
	if err != nil {
		t.Fatalf("Build() error: %v", err)
	}
	return m
}

// OtherKey returns a key of the same kind (RSA, or ECDSA on the same
// curve) as k but another one.
func OtherKey(k *schema1.PublicKey) *schema1.Key {
	switch k.Algorithm() {
	case "RS256":
		return otherRSA()
	case "ES384":
		return MustKey(schema1.ECKeyFromSeed(elliptic.P384(), []byte("other")))
	case "ES512":
		return MustKey(schema1.ECKeyFromSeed(elliptic.P521(), []byte("other")))
	}
	return OtherEC()
}

// A BuilderCase is a named signing set-up.
type BuilderCase struct {
	Name string
	B    schema1.Builder
}

// BuilderCases are the signing set-ups every interop test covers.
func BuilderCases() []BuilderCase {
	withChain := SampleBuilder(ES256Key())
	withChain.Chain = []*x509.Certificate{TestChain().Leaf, TestChain().Root}
	unicodeRaw := SampleBuilder(ES256Key())
	unicodeRaw.Layers = SampleLayers(2, "Paweł 😱 <&>")
	unicodeASCII := unicodeRaw
	unicodeASCII.EnsureASCII = true
	return []BuilderCase{
		{"ES256", SampleBuilder(ES256Key())},
		{"ES384", SampleBuilder(ES384Key())},
		{"ES512", SampleBuilder(ES512Key())},
		{"RS256", SampleBuilder(RS256Key())},
		{"ES256-x5c", withChain},
		{"unicode-raw", unicodeRaw},
		{"unicode-ascii", unicodeASCII},
	}
}
