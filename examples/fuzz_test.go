package examples_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/schema2"
	"github.com/registrytest/registrytest/v2proto"
)

// To copy this file into your module, copy registry_helper_test.go with it:
// it starts the registry under test (startRegistry, newRegistry). Put your
// registry's handler there; nothing else here depends on distribution.

// Bounds on what one fuzz input makes, so that every execution stays
// small and quick.
const (
	fuzzMaxLayers   = 4
	fuzzMaxSize     = 8 << 10
	fuzzMaxContents = 16 << 10
	fuzzMaxTags     = 3
	fuzzMaxTagLen   = 130 // one more than a tag may have
)

// tagAlphabet is what fuzz bytes are mapped to for tags: the characters a
// tag may hold. Where they stand (a leading '.' or '-') and how many there
// are (more than 128) is what makes a tag invalid.
const tagAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"

// validTag is the distribution spec's tag grammar.
var validTag = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127}$`)

// fuzzTags turns s into at most fuzzMaxTags tags (its comma-separated
// parts, each byte mapped into tagAlphabet, empty parts dropped), or
// ["latest"] when none is left.
func fuzzTags(s string) []string {
	var tags []string
	for part := range strings.SplitSeq(s, ",") {
		if len(tags) == fuzzMaxTags {
			break
		}
		if part == "" {
			continue
		}
		b := []byte(part[:min(len(part), fuzzMaxTagLen)])
		for i, c := range b {
			b[i] = tagAlphabet[int(c)%len(tagAlphabet)]
		}
		if !slices.Contains(tags, string(b)) {
			tags = append(tags, string(b))
		}
	}
	if len(tags) == 0 {
		return []string{"latest"}
	}
	return tags
}

// jsonRoundTrip returns what s reads back as from JSON: encoding/json
// writes each byte of invalid UTF-8 as U+FFFD.
func jsonRoundTrip(t *testing.T, s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out string
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func isASCII(b []byte) bool {
	return !slices.ContainsFunc(b, func(c byte) bool { return c >= 0x80 })
}

// fuzzImages builds the image chain of one fuzz input: layers random layers
// (of size bytes each, compressed as compression says, the ones whose bit
// is set in empty made empty), then a leaf whose layer holds contents and
// whose config has the label key=value.
func fuzzImages(seed uint64, layers, size int, empty, compression uint8, contents []byte, key, value string) []fixtures.Image {
	opts := []fixtures.Option{fixtures.WithLayerSize(int64(size))}
	switch compression % 3 {
	case 1:
		opts = append(opts, fixtures.WithoutCompression())
	case 2:
		opts = append(opts, fixtures.WithGzip(gzip.BestSpeed))
	}
	for i := range layers {
		if empty&(1<<i) != 0 {
			opts = append(opts, fixtures.WithEmptyLayers(i))
		}
	}
	images := fixtures.Chain(seed, layers, opts...)
	leaf := fixtures.Image{
		ID:     digest.FromBytes(fmt.Appendf(nil, "%d/%x", seed, contents)).Encoded(),
		Layer:  fixtures.LayerForContents(contents),
		Config: fixtures.Config{{Key: "Labels", Value: map[string]string{key: value}}},
	}
	if len(images) > 0 {
		leaf.ParentID = images[len(images)-1].ID
	}
	return append(images, leaf)
}

// FuzzPushPull builds an image from the fuzz input (random layers of
// several sizes and compressions, empty layers, a leaf layer of the input's
// bytes, a config label of the input's strings, the schema, ensure-ASCII,
// tags), pushes it with v2proto.Push to distribution v3, pulls it back by
// every tag and by digest, and checks that what the registry serves is
// what was built: the manifest's digest and bytes, the blobs in manifest
// order, the config's bytes, label and diff_ids. A tag outside the tag
// grammar must be refused with invalid-tag instead.
//
// The seed corpus is in testdata/fuzz/FuzzPushPull; run more with
//
//	go test ./examples -run '^$' -fuzz FuzzPushPull -fuzztime 60s -fuzzminimizetime 10x
//
// One execution makes some thirty HTTP exchanges (tens of them a second
// on two cores): without a small -fuzzminimizetime, minimizing each input
// that finds new coverage (60 s each by default) takes the whole run.
// Registry storage (a directory under os.TempDir, so $TMPDIR) grows by
// what each execution pushes (at most about 50 KB).
func FuzzPushPull(f *testing.F) {
	reg := startRegistry(f, nil) // no auth
	c, err := v2proto.New(reg.URL)
	if err != nil {
		f.Fatal(err)
	}
	var repos atomic.Int64

	f.Fuzz(func(t *testing.T, seed uint64, layers uint8, size uint16, empty, compression uint8, contents []byte, key, value string, oci, ascii bool, tagList string) {
		ctx := t.Context()
		images := fuzzImages(seed, int(layers)%(fuzzMaxLayers+1), int(size)%(fuzzMaxSize+1), empty, compression,
			contents[:min(len(contents), fuzzMaxContents)], key, value)
		var valid, invalid []string
		for _, tag := range fuzzTags(tagList) {
			if validTag.MatchString(tag) {
				valid = append(valid, tag)
			} else {
				invalid = append(invalid, tag)
			}
		}
		schema := v2proto.Schema2
		if oci {
			schema = v2proto.OCI
		}
		opts := []v2proto.CallOption{v2proto.WithSchema(schema)}
		if ascii {
			opts = append(opts, v2proto.WithBuild(v2proto.Build{EnsureASCII: true}))
		}
		repo := fmt.Sprintf("fuzz/pushpull-%d", repos.Add(1))

		built, err := v2proto.BuildManifest(repo, "", images, opts...)
		if err != nil {
			// An input the builder refuses, saying why (in the form
			// "…: what = got, want …"), is not a failure.
			if !strings.Contains(err.Error(), "want") {
				t.Fatalf("BuildManifest = %v: an error that does not say why", err)
			}
			t.Skipf("BuildManifest: %v", err)
		}
		var config []byte
		for _, b := range built.Blobs {
			if b.Digest() == built.Config {
				config = readBlob(t, b)
			}
		}
		if config == nil {
			t.Fatalf("BuildManifest: Blobs lack the config %s", built.Config)
		}
		if ascii && (!isASCII(built.Bytes) || !isASCII(config)) {
			t.Errorf("BuildManifest with Build.EnsureASCII: manifest %q, config %q, want ASCII only", built.Bytes, config)
		}

		if len(invalid) > 0 {
			// The registry refuses the tag when the manifest is put, after
			// the blobs were uploaded.
			_, err := c.Push(ctx, repo, invalid[:1], images, append(opts, v2proto.ExpectFailure(failures.InvalidTag))...)
			if err != nil {
				t.Fatalf("Push(%q, %q) expecting invalid-tag = %v, want nil", repo, invalid[:1], err)
			}
			opts = append(opts, v2proto.WithBlobChecks(v2proto.BlobChecks{Head: v2proto.HeadNone})) // the blobs are there now
		}
		if len(valid) == 0 {
			return
		}

		pushed, err := c.Push(ctx, repo, valid, images, opts...)
		if err != nil {
			t.Fatalf("Push(%q, %q) = %v, want nil", repo, valid, err)
		}
		if !pushed.Complete || len(pushed.Manifests) != len(valid) {
			t.Fatalf("Push(%q, %q): Complete = %v with %d manifests, want true with %d", repo, valid, pushed.Complete, len(pushed.Manifests), len(valid))
		}
		for _, pm := range pushed.Manifests {
			if diff := cmp.Diff(built.Bytes, pm.Bytes); diff != "" {
				t.Errorf("Push(%q) put at %s other bytes than BuildManifest built (-want +got):\n%s", repo, pm.Put.Reference, diff)
			}
			if pm.Put.Digest != built.Digest {
				t.Errorf("Push(%q) put at %s: Docker-Content-Digest %s, want %s", repo, pm.Put.Reference, pm.Put.Digest, built.Digest)
			}
		}

		// Pull by every tag and by digest, checking the manifests against
		// images (Pull compares the layers and verifies every blob).
		refs := append(slices.Clone(valid), string(built.Digest))
		pulled, err := c.Pull(ctx, repo, refs, images, v2proto.WithSchema(schema), v2proto.WithRequireMatchingType())
		if err != nil {
			t.Fatalf("Pull(%q, %q) = %v, want nil", repo, refs, err)
		}
		wantBlobs := []digest.Digest{built.Config}
		for _, l := range built.Layers {
			if !slices.Contains(wantBlobs, l) {
				wantBlobs = append(wantBlobs, l)
			}
		}
		for _, pm := range pulled.Manifests {
			if pm.Digest != built.Digest {
				t.Errorf("Pull(%q, %q): digest %s, want %s", repo, pm.Ref, pm.Digest, built.Digest)
			}
			if pm.ContentType != built.MediaType {
				t.Errorf("Pull(%q, %q): Content-Type %q, want %q", repo, pm.Ref, pm.ContentType, built.MediaType)
			}
			if diff := cmp.Diff(built.Bytes, pm.Bytes); diff != "" {
				t.Errorf("Pull(%q, %q): manifest differs from the one built (-want +got):\n%s", repo, pm.Ref, diff)
			}
			if diff := cmp.Diff(wantBlobs, pm.Blobs); diff != "" {
				t.Errorf("Pull(%q, %q): blobs (-want +got):\n%s", repo, pm.Ref, diff)
			}
		}

		// The config as served: the bytes built, the label as given (as
		// JSON carries it), and one diff_id per listed layer.
		var got bytes.Buffer
		if _, err := c.GetBlob(ctx, repo, built.Config, &got); err != nil {
			t.Fatalf("GetBlob(%q, %s) = %v, want nil", repo, built.Config, err)
		}
		if diff := cmp.Diff(config, got.Bytes()); diff != "" {
			t.Errorf("GetBlob(%q, config): bytes differ from the config built (-want +got):\n%s", repo, diff)
		}
		cfg, err := schema2.ParseConfig(got.Bytes())
		if err != nil {
			t.Fatalf("schema2.ParseConfig(config of %q) = %v, want nil", repo, err)
		}
		var labels map[string]string
		if cfg.Config != nil {
			labels = cfg.Config.Labels
		}
		wantLabels := map[string]string{jsonRoundTrip(t, key): jsonRoundTrip(t, value)}
		if diff := cmp.Diff(wantLabels, labels); diff != "" {
			t.Errorf("config of %q: Labels (-want +got):\n%s", repo, diff)
		}
		var wantDiffIDs []digest.Digest
		for _, im := range images {
			if !im.Empty {
				wantDiffIDs = append(wantDiffIDs, im.Layer.DiffID())
			}
		}
		if diff := cmp.Diff(wantDiffIDs, cfg.RootFS.DiffIDs); diff != "" {
			t.Errorf("config of %q: rootfs.diff_ids (-want +got):\n%s", repo, diff)
		}
	})
}

// readBlob returns the bytes of b.
func readBlob(t *testing.T, b v2proto.Blob) []byte {
	r, err := b.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, b.Size()+1))
	if err != nil {
		t.Fatal(err)
	}
	return data
}
