package perf_test

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"

	"github.com/registrytest/registrytest/examples/internal/perf"
)

// go-containerregistry (ggcr) v0.22.1's remote package, the client the
// benchmarks compare v2proto with. Its image is the perf.Image itself
// (manifest, config and layer files), seen through partial's compressed
// image interfaces, so that both clients move the same bytes.

// ggcrImage is a perf.Image as a partial.CompressedImageCore.
type ggcrImage struct{ img *perf.Image }

func (g ggcrImage) RawConfigFile() ([]byte, error) { return os.ReadFile(g.img.Config.Path()) }

func (g ggcrImage) MediaType() (types.MediaType, error) {
	return types.MediaType(g.img.Manifest.MediaType), nil
}

func (g ggcrImage) RawManifest() ([]byte, error) { return g.img.Manifest.Bytes, nil }

func (g ggcrImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	for _, b := range g.img.Blobs() {
		if string(b.Digest()) == h.String() {
			return ggcrLayer{b}, nil
		}
	}
	return nil, fmt.Errorf("ggcrImage.LayerByDigest(%s): no such blob", h)
}

// ggcrLayer is a perf.FileBlob as a partial.CompressedLayer: Compressed
// returns the *os.File.
type ggcrLayer struct{ b *perf.FileBlob }

func (l ggcrLayer) Digest() (v1.Hash, error)           { return v1.NewHash(string(l.b.Digest())) }
func (l ggcrLayer) Compressed() (io.ReadCloser, error) { return l.b.Open() }
func (l ggcrLayer) Size() (int64, error)               { return l.b.Size(), nil }
func (l ggcrLayer) MediaType() (types.MediaType, error) {
	return types.MediaType(l.b.MediaType()), nil
}

// ggcrRef returns the reference of repo:tag on the registry at host.
func ggcrRef(host, repo, tag string) (name.Reference, error) {
	return name.NewTag(host+"/"+repo+":"+tag, name.Insecure)
}

// ggcrPush pushes img with remote.Write, jobs blobs at once.
func ggcrPush(ctx context.Context, host, repo, tag string, img *perf.Image, jobs int) error {
	ref, err := ggcrRef(host, repo, tag)
	if err != nil {
		return err
	}
	gi, err := partial.CompressedToImage(ggcrImage{img})
	if err != nil {
		return err
	}
	return remote.Write(ref, gi, remote.WithContext(ctx), remote.WithJobs(jobs))
}

// ggcrPull pulls repo:tag with remote.Image: the manifest, the config
// (RawConfigFile) and each layer's Compressed stream read to its end, which
// ggcr verifies (digest and size), jobs layers at once. With buf nil the
// layers are read as a ggcr user discarding them would, io.Copy to
// io.Discard (which reads 8 KiB at a time); otherwise in reads of len(buf).
func ggcrPull(ctx context.Context, host, repo, tag string, jobs, buf int) error {
	ref, err := ggcrRef(host, repo, tag)
	if err != nil {
		return err
	}
	img, err := remote.Image(ref, remote.WithContext(ctx))
	if err != nil {
		return err
	}
	if _, err := img.RawConfigFile(); err != nil {
		return err
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	g, _ := errgroup.WithContext(ctx)
	g.SetLimit(jobs)
	for _, l := range layers {
		g.Go(func() error {
			rc, err := l.Compressed()
			if err != nil {
				return err
			}
			defer rc.Close()
			if buf == 0 {
				_, err = io.Copy(io.Discard, rc)
			} else {
				_, err = io.CopyBuffer(writerOnly{io.Discard}, rc, make([]byte, buf))
			}
			return err
		})
	}
	return g.Wait()
}

// writerOnly hides io.Discard's ReadFrom (8 KiB reads), so that
// io.CopyBuffer uses its buffer.
type writerOnly struct{ io.Writer }
