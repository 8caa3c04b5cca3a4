package examples_test

import (
	"context"
	"fmt"
	"log"

	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

// To copy this file into your module, copy registry_helper_test.go with it:
// it starts the registry under test (startRegistry, newRegistry). Put your
// registry's handler there; nothing else here depends on distribution.

// Push builds a manifest from Quay's basic images, uploads its blobs and
// puts it at a tag, checking every answer of the registry (here
// distribution v3 in-process, started by newRegistry in
// registry_helper_test.go).
func Example_push() {
	reg, err := newRegistry(nil) // no auth
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close()
	c, err := v2proto.New(reg.URL)
	if err != nil {
		log.Fatal(err)
	}
	res, err := c.Push(context.Background(), "ns/app", []string{"latest"}, fixtures.Basic())
	if err != nil {
		log.Fatal(err)
	}
	m := res.Manifest("latest")
	fmt.Println(m.MediaType)
	fmt.Println(len(m.Layers), "layers;", len(res.Blobs), "blobs uploaded")
	fmt.Println("put at", m.Put.Reference, "with digest", m.Put.Digest == m.Digest)
	// Output:
	// application/vnd.docker.distribution.manifest.v2+json
	// 2 layers; 3 blobs uploaded
	// put at latest with digest true
}

// Chunks are [start, end) slices; each PATCH sends Content-Range
// "start-(end-1)", and a chunk may name the status the registry must
// answer, such as Quay's 416 for a chunk that leaves a gap.
func Example_pushBlobChunks() {
	reg, err := newRegistry(nil) // no auth
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close()
	c, err := v2proto.New(reg.URL)
	if err != nil {
		log.Fatal(err)
	}
	blob := fixtures.RandomBlob(1, 300, "application/octet-stream")
	res, err := c.PushBlob(context.Background(), "ns/chunks", blob, v2proto.WithUpload(v2proto.Upload{Chunks: []v2proto.Chunk{
		{Start: 0, End: 100},
		{Start: 101, End: v2proto.ChunkToEnd, Status: 416}, // a gap: refused
		{Start: 100, End: v2proto.ChunkToEnd},
	}}))
	if err != nil {
		log.Fatal(err)
	}
	for _, ch := range res.Chunks {
		fmt.Printf("[%d,%d): %d, session holds %s\n", ch.Start, ch.End, ch.Status, ch.StatusRange)
	}
	fmt.Println("finished:", res.Finished)
	// Output:
	// [0,100): 202, session holds 0-99
	// [101,300): 416, session holds 0-99
	// [100,300): 202, session holds 0-299
	// finished: true
}
