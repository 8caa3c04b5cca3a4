package schema1_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"flag"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/schema1"
)

var update = flag.Bool("update", false, "rewrite the golden files and the fuzz seed corpus under testdata")

// signTime is the fixed signing time of golden files.
var signTime = time.Date(2020, 6, 5, 12, 0, 0, 0, time.UTC)

// Keys derived from fixed seeds, made once per test binary (RSA takes a
// while).
var (
	es256Key = sync.OnceValue(func() *schema1.Key { return mustKey(schema1.ECKeyFromSeed(elliptic.P256(), []byte("es256"))) })
	es384Key = sync.OnceValue(func() *schema1.Key { return mustKey(schema1.ECKeyFromSeed(elliptic.P384(), []byte("es384"))) })
	es512Key = sync.OnceValue(func() *schema1.Key { return mustKey(schema1.ECKeyFromSeed(elliptic.P521(), []byte("es512"))) })
	rs256Key = sync.OnceValue(func() *schema1.Key { return mustKey(schema1.RSAKeyFromSeed(2048, []byte("rs256"))) })
	otherEC  = sync.OnceValue(func() *schema1.Key { return mustKey(schema1.ECKeyFromSeed(elliptic.P256(), []byte("other"))) })
	otherRSA = sync.OnceValue(func() *schema1.Key { return mustKey(schema1.RSAKeyFromSeed(2048, []byte("other"))) })
)

func mustKey(k *schema1.Key, err error) *schema1.Key {
	if err != nil {
		panic(err)
	}
	return k
}

// caChain is a CA certificate and a leaf certificate for es256Key, signed
// by the CA (made with crypto/rand: chain tests do not need fixed bytes).
type caChain struct {
	root, leaf *x509.Certificate
}

var testChain = sync.OnceValue(func() caChain {
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
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, root, es256Key().CryptoSigner().Public(), caKey)
	if err != nil {
		panic(err)
	}
	leaf, _ := x509.ParseCertificate(leafDER)
	return caChain{root: root, leaf: leaf}
})

// v1Image is the v1Compatibility JSON our test images carry.
type v1Image struct {
	ID      string         `json:"id"`
	Parent  string         `json:"parent,omitempty"`
	Created string         `json:"created,omitempty"`
	Config  map[string]any `json:"config,omitempty"`
	Size    int            `json:"Size,omitempty"`
}

func v1JSON(img v1Image) string {
	b, err := json.Marshal(img)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// sampleLayers returns n layers, base first, with a sound parent chain. The
// leaf's config holds comment (for unicode tests).
func sampleLayers(n int, comment string) []schema1.Layer {
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

// sampleBuilder returns a builder for a three-layer manifest signed by key
// (nil: unsigned) at signTime.
func sampleBuilder(key *schema1.Key) schema1.Builder {
	return schema1.Builder{
		Name:         "devtable/newrepo",
		Tag:          "latest",
		Architecture: "amd64",
		Layers:       sampleLayers(3, ""),
		Key:          key,
		Time:         signTime,
	}
}

func mustBuild(t testing.TB, b schema1.Builder) *schema1.Manifest {
	t.Helper()
	m, err := b.Build()
	if err != nil {
		t.Fatalf("Build() error: %v", err)
	}
	return m
}

// otherKey returns a key of the same kind (RSA, or ECDSA on the same
// curve) as k but another one.
func otherKey(k *schema1.PublicKey) *schema1.Key {
	switch k.Algorithm() {
	case "RS256":
		return otherRSA()
	case "ES384":
		return mustKey(schema1.ECKeyFromSeed(elliptic.P384(), []byte("other")))
	case "ES512":
		return mustKey(schema1.ECKeyFromSeed(elliptic.P521(), []byte("other")))
	}
	return otherEC()
}
