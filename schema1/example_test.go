package schema1_test

import (
	"crypto/elliptic"
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/schema1"
)

// A manifest of two layers, listed base first, signed with a key derived
// from a seed at a fixed time: the bytes and digest are the same on every
// run.
func ExampleBuilder() {
	key, err := schema1.ECKeyFromSeed(elliptic.P256(), []byte("example"))
	if err != nil {
		panic(err)
	}
	b := schema1.Builder{
		Name:         "library/busybox",
		Tag:          "latest",
		Architecture: "amd64",
		Layers: []schema1.Layer{
			{BlobSum: digest.FromString("base layer"), V1Compatibility: `{"id":"base"}`},
			{BlobSum: digest.FromString("leaf layer"), V1Compatibility: `{"id":"leaf","parent":"base"}`},
		},
		Key:  key,
		Time: time.Date(2020, 6, 5, 12, 0, 0, 0, time.UTC),
	}
	m, err := b.Build()
	if err != nil {
		panic(err)
	}
	fmt.Println(m.MediaType())
	fmt.Println(m.Digest())
	fmt.Println(m.Signatures[0].Algorithm, m.Signatures[0].Key.KeyID() == key.KeyID())

	// Without a key the manifest is unsigned (as in manifest lists); the
	// payload, and so the digest, is the same.
	b.Key = nil
	u, err := b.Build()
	if err != nil {
		panic(err)
	}
	fmt.Println(u.MediaType())
	fmt.Println(u.Digest() == m.Digest())
	// Output:
	// application/vnd.docker.distribution.manifest.v1+prettyjws
	// sha256:17b8135a254a1554cb43466bbddd56b8a93b7e3f5ffd0f5f4a69bb3de9db9cc1
	// ES256 true
	// application/vnd.docker.distribution.manifest.v1+json
	// true
}

func ExampleParse() {
	key, _ := schema1.ECKeyFromSeed(elliptic.P256(), []byte("example"))
	b := schema1.Builder{
		Name: "library/busybox", Tag: "latest", Architecture: "amd64",
		Layers: []schema1.Layer{
			{BlobSum: digest.FromString("base layer"), V1Compatibility: `{"id":"base"}`},
			{BlobSum: digest.FromString("leaf layer"), V1Compatibility: `{"id":"leaf","parent":"base"}`},
		},
		Key: key,
	}
	built, _ := b.Build()

	m, err := schema1.Parse(built.Raw) // verifies every signature
	if err != nil {
		panic(err)
	}
	leaf := m.Layers[len(m.Layers)-1]
	id, parent, _ := leaf.IDs()
	fmt.Println(m.Name, m.Tag, len(m.Layers), "layers, leaf", id, "on", parent)
	fmt.Println("signed:", m.Signed(), "digest equal:", m.Digest() == built.Digest())
	fmt.Println("parent chain:", m.ValidateParentChain())

	// A changed byte in the signed payload is caught.
	tampered := []byte(string(built.Raw))
	tampered[len(`{`+"\n"+`   "schemaVersion": 1,`+"\n"+`   "name": "library/b`)] = 'B'
	_, err = schema1.Parse(tampered)
	fmt.Println(err)
	// Output:
	// library/busybox latest 2 layers, leaf leaf on base
	// signed: true digest equal: true
	// parent chain: <nil>
	// schema1.Parse: signatures[0]: invalid signature
}
