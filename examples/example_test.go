package examples_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

// To copy this file into your module, copy registry_helper_test.go with it:
// it starts the registry under test (startRegistry, newRegistry). Put your
// registry's handler there; nothing else here depends on distribution.

// Push an image to a registry (here distribution v3 in-process, started by
// newRegistry in registry_helper_test.go) and pull it back: Pull checks the
// manifest against the images pushed and verifies every blob's digest while
// it streams. The images come from a seed, so the digests are the same on
// every run.
func Example_pushAndPull() {
	reg, err := newRegistry(nil) // no auth
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close()
	c, err := v2proto.New(reg.URL)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	images := fixtures.Chain(1, 2, fixtures.WithLayerSize(4096))
	pushed, err := c.Push(ctx, "ns/app", []string{"v1"}, images, v2proto.WithSchema(v2proto.OCI))
	if err != nil {
		log.Fatal(err)
	}
	m := pushed.Manifest("v1")
	fmt.Println("pushed", m.Digest)

	res, err := c.Pull(ctx, "ns/app", []string{"v1", string(m.Digest)}, images, v2proto.WithSchema(v2proto.OCI))
	if err != nil {
		log.Fatal(err)
	}
	for _, pm := range res.Manifests {
		ref := pm.Ref
		if ref == string(m.Digest) {
			ref = "by digest"
		}
		fmt.Printf("pulled %s: %s %s, %d blobs verified\n", ref, pm.Kind, pm.Digest, len(pm.Blobs))
	}
	fmt.Println("config", res.Manifests[0].Blobs[0])
	for i, l := range images {
		fmt.Printf("layer %d %s\n", i, l.Layer.Digest())
	}
	// Output:
	// pushed sha256:7f5be92681da4dedeb1fa2f9eb43827ef25a31af944e60847e7725df9edbd81a
	// pulled v1: oci-manifest sha256:7f5be92681da4dedeb1fa2f9eb43827ef25a31af944e60847e7725df9edbd81a, 3 blobs verified
	// pulled by digest: oci-manifest sha256:7f5be92681da4dedeb1fa2f9eb43827ef25a31af944e60847e7725df9edbd81a, 3 blobs verified
	// config sha256:5ac4cda1f559992565755077f19509f45d96e9653a38d1ec60c2e86070dc7982
	// layer 0 sha256:6ce17c97153ecd3bbbd9d140dbf0ddcd7bed2508f03322d53e5a2c36f1e4f067
	// layer 1 sha256:1dc74544dca2d60597f4fc93560ea9cd92f45e34d6a7d6bfbd53d4dc32cc5652
}

// Expect a failure: a user who may only pull is refused when the push
// starts its first upload. With ExpectFailure the call succeeds exactly
// when the registry refuses it the way the client's table says (here
// failures.Distribution: 401 UNAUTHORIZED at start-upload); without it,
// the refusal is an error that names the step. Expecting a failure the
// registry does not produce is an error too.
func Example_expectedFailure() {
	// Token auth: the registry trusts a fixtures.TokenIssuer holding these
	// accounts (see newRegistry).
	reg, err := newRegistry([]fixtures.TokenUser{
		{Name: "alice", Password: "alice-pw", Grants: []fixtures.TokenGrant{{Name: "alice/*", Actions: []string{"*"}}}},
		{Name: "reader", Password: "reader-pw", Grants: []fixtures.TokenGrant{{Name: "*", Actions: []string{"pull"}}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close()
	c, err := v2proto.New(reg.URL)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	alice := v2proto.WithCredentials("alice", "alice-pw")
	reader := v2proto.WithCredentials("reader", "reader-pw")
	if _, err := c.Push(ctx, "alice/app", []string{"v1"}, fixtures.Basic(), alice); err != nil {
		log.Fatal(err)
	}

	// One upload at a time, so that the error names the first blob.
	images := fixtures.Chain(2, 1)
	res, err := c.Push(ctx, "alice/app", []string{"v2"}, images, reader, v2proto.ExpectFailure(failures.Unauthorized))
	fmt.Println("expecting unauthorized:", res, err)
	_, err = c.Push(ctx, "alice/app", []string{"v2"}, images, reader, v2proto.WithLimits(v2proto.Limits{Concurrency: 1}))
	fmt.Println(err)
	var se *v2proto.StatusError
	if errors.As(err, &se) {
		fmt.Println(se.Step, se.Got, se.Codes)
	}

	_, err = c.Pull(ctx, "alice/app", []string{"v1"}, fixtures.Basic(), reader, v2proto.ExpectFailure(failures.UnknownTag))
	fmt.Println(err)
	// Output:
	// expecting unauthorized: <nil> <nil>
	// blob sha256:86bfec8e035db43e39f1b63f086b56b2dd50de3bbbcbb61902b4bce1895eaac1: POST /v2/alice/app/blobs/uploads/ = 401 UNAUTHORIZED, want 202 (start-upload)
	// start-upload 401 [UNAUTHORIZED]
	// GET /v2/alice/app/manifests/v1 = 200, want 404 MANIFEST_UNKNOWN for unknown-tag (get-manifest)
}

// Derive a table for a registry that answers a refusal differently from
// distribution, and see where a failure shows.
func Example_derivedTable() {
	table := failures.Distribution.
		With(failures.StartUpload, failures.Unauthorized, failures.Expectation{Status: 403, Codes: []string{failures.CodeDenied}}).
		Named("my-registry")
	e, _ := table.Lookup(failures.StartUpload, failures.Unauthorized)
	fmt.Println(table.Name(), failures.StartUpload, failures.Unauthorized, "=", e)
	e, _ = failures.Distribution.Lookup(failures.StartUpload, failures.Unauthorized)
	fmt.Println(failures.Distribution.Name(), failures.StartUpload, failures.Unauthorized, "=", e)
	fmt.Println("readonly-registry shows at", table.StepsFor(failures.ReadonlyRegistry))
	// Output:
	// my-registry start-upload unauthorized = 403 DENIED
	// distribution start-upload unauthorized = 401 UNAUTHORIZED
	// readonly-registry shows at [start-upload mount-blob delete-blob put-manifest put-manifest-list delete-manifest]
}
