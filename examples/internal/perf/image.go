// Package perf measures how fast v2proto pushes and pulls images, and how
// much memory it holds meanwhile, beside the ceiling of the same machine:
// a plain net/http client doing the least the protocol allows with the same
// bytes on the same registry, and sha256 over those bytes.
//
// The package holds the pieces the benchmarks of its tests are made of: an
// Image whose blobs are files ([NewImage]), the ceiling client ([Ceiling],
// [HashBlobs]), a sampler of the heap ([StartHeapMonitor]) and
// of the process's CPU time ([CPUTime]). The benchmarks (go test -bench)
// run them against distribution v3 in-process, on filesystem storage on
// tmpfs, interleaved with v2proto and go-containerregistry's remote
// package; PERFORMANCE.md has the figures and the command that reproduces
// them.
package perf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

// A FileBlob is a blob whose bytes are in a file: a v2proto.Blob whose
// Open returns the *os.File itself, so that an upload may hand the file to
// the kernel (sendfile: the ceiling, and v2proto with WithSendfile) instead
// of copying it through user space (v2proto's default).
type FileBlob struct {
	path      string
	digest    digest.Digest
	size      int64
	mediaType string
}

// Digest returns the blob's digest.
func (b *FileBlob) Digest() digest.Digest { return b.digest }

// Size returns the blob's length in bytes.
func (b *FileBlob) Size() int64 { return b.size }

// MediaType returns the media type the manifest gives the blob.
func (b *FileBlob) MediaType() string { return b.mediaType }

// Path returns the file's path.
func (b *FileBlob) Path() string { return b.path }

// Open returns the file, open for reading from its start: an *os.File.
func (b *FileBlob) Open() (io.ReadCloser, error) { return os.Open(b.path) }

// An Image is a Docker schema2 image, built by v2proto.BuildManifest from
// a fixtures chain, whose blobs are written out to files: the same bytes
// whichever client pushes them.
type Image struct {
	// Chain is the fixtures chain the image was built from; pushing it
	// with v2proto's Push puts the same manifest and blobs (its layers are
	// produced on the fly, not read from the files).
	Chain []fixtures.Image
	// Manifest is the manifest as BuildManifest built it.
	Manifest *v2proto.BuiltManifest
	// Layers are the layer blobs, base first; Config is the image config.
	Layers []*FileBlob
	Config *FileBlob
}

// Blobs returns the blobs in the order a push uploads them: the layers,
// then the config.
func (img *Image) Blobs() []*FileBlob {
	return append(append([]*FileBlob(nil), img.Layers...), img.Config)
}

// Size returns the bytes of the image's blobs, layers and config (the
// manifest left out): the bytes a push or a pull moves, and its MB/s
// numerator.
func (img *Image) Size() int64 {
	n := img.Config.size
	for _, l := range img.Layers {
		n += l.size
	}
	return n
}

// NewImage builds the schema2 image of chain (tag "v1" in repository
// "perf/image"; schema2 manifests name neither) and writes its blobs into
// dir, one file per blob named by the digest's hex. It reads every layer
// of chain about three times (digest, diff ID, file), so a 1 GiB layer
// takes a few seconds.
func NewImage(dir string, chain []fixtures.Image) (*Image, error) {
	m, err := v2proto.BuildManifest("perf/image", "v1", chain)
	if err != nil {
		return nil, fmt.Errorf("perf.NewImage: %v", err)
	}
	img := &Image{Chain: chain, Manifest: m}
	types := map[digest.Digest]string{}
	for _, img := range chain {
		if img.Layer != nil {
			types[img.Layer.Digest()] = img.Layer.DockerMediaType()
		}
	}
	for _, b := range m.Blobs {
		fb, err := writeBlob(dir, b, types[b.Digest()])
		if err != nil {
			return nil, fmt.Errorf("perf.NewImage: %v", err)
		}
		if b.Digest() == m.Config {
			fb.mediaType = "application/vnd.docker.container.image.v1+json"
			img.Config = fb
		} else {
			img.Layers = append(img.Layers, fb)
		}
	}
	if img.Config == nil {
		return nil, fmt.Errorf("perf.NewImage: config %s is not among the manifest's blobs", m.Config)
	}
	return img, nil
}

// writeBlob writes b to a file in dir and checks its length.
func writeBlob(dir string, b v2proto.Blob, mediaType string) (*FileBlob, error) {
	path := filepath.Join(dir, b.Digest().Encoded())
	rc, err := b.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(f, rc)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("writing %s: %v", path, err)
	}
	if n != b.Size() {
		return nil, fmt.Errorf("writing %s: %d bytes, want %d", path, n, b.Size())
	}
	return &FileBlob{path: path, digest: b.Digest(), size: n, mediaType: mediaType}, nil
}

// Remove removes the image's files.
func (img *Image) Remove() error {
	var errs []error
	for _, b := range img.Blobs() {
		if err := os.Remove(b.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
