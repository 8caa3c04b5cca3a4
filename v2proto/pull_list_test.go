package v2proto

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/internal/imagetest"
	"github.com/registrytest/registrytest/schema2"
)

// buildList builds a list of family f over children, each with its
// platform ("os/arch").
func buildList(t testing.TB, f schema2.Family, children []builtImage, platforms []string) builtImage {
	t.Helper()
	ims := make([]imagetest.Image, len(children))
	for i, c := range children {
		ims[i] = c.testImage()
	}
	return fromTestImage(imagetest.List(t, f, ims, platforms))
}

func TestPullList(t *testing.T) {
	s2a := buildImage(t, Schema2, pullRepo, "", fixtures.Basic())
	s2b := buildImage(t, Schema2, pullRepo, "", fixtures.Different())
	ocia := buildImage(t, OCI, pullRepo, "", fixtures.Basic())
	ocib := buildImage(t, OCI, pullRepo, "", fixtures.Different())
	listTypesAccept := schema2.MediaTypeManifestList + "," + v1.MediaTypeImageIndex
	tests := []struct {
		name      string
		family    schema2.Family
		children  []builtImage
		opts      []CallOption
		childWant string // the Accept of the child GETs
	}{
		{"docker list", schema2.Docker, []builtImage{s2a, s2b}, nil, listTypesAccept + "," + schema2.MediaTypeManifest},
		{"oci index", schema2.OCI, []builtImage{ocia, ocib}, nil, listTypesAccept + "," + v1.MediaTypeImageManifest},
		{"duplicate child", schema2.Docker, []builtImage{s2a, s2a}, nil, listTypesAccept + "," + schema2.MediaTypeManifest},
		{"list-only Accept", schema2.OCI, []builtImage{ocia, ocib}, []CallOption{WithAccept(schema2.MediaTypeManifestList, v1.MediaTypeImageIndex)}, listTypesAccept},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list := buildList(t, tt.family, tt.children, []string{"linux/amd64", "linux/arm"})
			m := newMemRegistry(t, pullRepo)
			for _, c := range tt.children {
				m.put("", c)
			}
			m.put("multi", list)
			res, err := memClient(t, m).PullList(context.Background(), pullRepo, []string{"multi"}, list.digest, tt.opts...)
			if err != nil {
				t.Fatalf("PullList: %v", err)
			}
			pl := res.Lists[0]
			if pl.Digest != list.digest || pl.Kind != indexKind(tt.family) || pl.Index == nil || len(pl.Index.Manifests) != 2 {
				t.Errorf("list = %s %v, want %s %v with 2 children", pl.Digest, pl.Kind, list.digest, indexKind(tt.family))
			}
			want := []string{"GET multi Accept=" + listTypesAccept}
			seen := map[digest.Digest]bool{}
			for i, c := range tt.children {
				if seen[c.digest] {
					continue
				}
				seen[c.digest] = true
				want = append(want, fmt.Sprintf("GET %s Accept=%s", c.digest, tt.childWant))
				if pl.Children[i].Digest != c.digest || pl.Children[i].Kind.IsIndex() || pl.Children[i].Document == nil {
					t.Errorf("child %d = %s %v, want %s parsed", i, pl.Children[i].Digest, pl.Children[i].Kind, c.digest)
				}
			}
			if diff := cmp.Diff(want, manifestRequests(m)); diff != "" {
				t.Errorf("manifest requests mismatch (-want +got):\n%s", diff)
			}
			if len(pl.Children) != len(seen) {
				t.Errorf("%d children, want %d", len(pl.Children), len(seen))
			}
			if gets := blobGets(m); len(gets) != 0 {
				t.Errorf("PullList fetched blobs %v", gets)
			}
		})
	}
}

func TestPullListBadAnswers(t *testing.T) {
	s2a := buildImage(t, Schema2, pullRepo, "", fixtures.Basic())
	s2b := buildImage(t, Schema2, pullRepo, "", fixtures.Different())
	list := buildList(t, schema2.Docker, []builtImage{s2a, s2b}, []string{"linux/amd64", "linux/arm"})
	nested := buildList(t, schema2.OCI, []builtImage{list}, []string{"linux/amd64"})
	ctx := context.Background()

	setup := func(t *testing.T) *memRegistry {
		m := newMemRegistry(t, pullRepo)
		m.put("", s2a)
		m.put("", s2b)
		m.put("multi", list)
		m.put("image", s2a)
		m.put("nested", nested)
		return m
	}
	t.Run("want another digest", func(t *testing.T) {
		m := setup(t)
		_, err := memClient(t, m).PullList(ctx, pullRepo, []string{"multi"}, s2a.digest)
		want := fmt.Sprintf("GET /v2/%s/manifests/multi = 200, Docker-Content-Digest %s, want %s (the list pushed) (get-manifest-list)", pullRepo, list.digest, s2a.digest)
		if err == nil || err.Error() != want {
			t.Errorf("PullList: %v\nwant %s", err, want)
		}
	})
	t.Run("not a list", func(t *testing.T) {
		m := setup(t)
		_, err := memClient(t, m).PullList(ctx, pullRepo, []string{"image"}, "")
		want := fmt.Sprintf(`GET /v2/%s/manifests/image = 200, Content-Type %q, want %q or %q (get-manifest-list)`, pullRepo, schema2.MediaTypeManifest, schema2.MediaTypeManifestList, v1.MediaTypeImageIndex)
		if err == nil || err.Error() != want {
			t.Errorf("PullList: %v\nwant %s", err, want)
		}
	})
	t.Run("child is a list", func(t *testing.T) {
		m := setup(t)
		_, err := memClient(t, m).PullList(ctx, pullRepo, []string{"nested"}, "")
		want := fmt.Sprintf(`GET /v2/%s/manifests/%s = 200, Content-Type %q, want an image manifest, not a list (manifests[0] of nested) (get-manifest)`, pullRepo, list.digest, schema2.MediaTypeManifestList)
		if err == nil || err.Error() != want {
			t.Errorf("PullList: %v\nwant %s", err, want)
		}
	})
	t.Run("child served with another digest", func(t *testing.T) {
		m := setup(t)
		m.manifests[string(s2b.digest)] = memManifest{body: s2a.manifest, mediaType: s2a.mediaType, digest: s2b.digest}
		_, err := memClient(t, m).PullList(ctx, pullRepo, []string{"multi"}, "")
		want := fmt.Sprintf(`GET /v2/%s/manifests/%s = 200, Docker-Content-Digest %s, want %s (the body's) (get-manifest)`, pullRepo, s2b.digest, s2b.digest, s2a.digest)
		if err == nil || err.Error() != want {
			t.Errorf("PullList: %v\nwant %s", err, want)
		}
	})
	t.Run("missing child", func(t *testing.T) {
		m := setup(t)
		delete(m.manifests, string(s2b.digest))
		_, err := memClient(t, m).PullList(ctx, pullRepo, []string{"multi"}, "")
		var se *StatusError
		if !errors.As(err, &se) || se.Step != failures.GetManifest || se.Got != 404 {
			t.Errorf("PullList with a missing child: %v, want a 404 *StatusError at get-manifest", err)
		}
	})
	t.Run("unknown tag expected", func(t *testing.T) {
		m := setup(t)
		res, err := memClient(t, m).PullList(ctx, pullRepo, []string{"nope"}, "", ExpectFailure(failures.UnknownTag))
		if err != nil || res != nil {
			t.Errorf("PullList expecting unknown-tag = %v, %v, want nil, nil", res, err)
		}
	})
}

// TestLegacyPullOfList: a registry answers a pull whose Accept lacks the
// list types with the linux/amd64 child; Pull with that child's images
// checks it.
func TestLegacyPullOfList(t *testing.T) {
	amd := buildImage(t, Schema2, pullRepo, "", fixtures.Basic())
	arm := buildImage(t, Schema2, pullRepo, "", fixtures.Different())
	list := buildList(t, schema2.Docker, []builtImage{amd, arm}, []string{"linux/amd64", "linux/arm"})
	m := newMemRegistry(t, pullRepo)
	m.put("", amd)
	m.put("", arm)
	m.put("multi", list)
	m.override = func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/manifests/multi") || strings.Contains(r.Header.Get("Accept"), schema2.MediaTypeManifestList) {
			return false
		}
		w.Header().Set("Content-Type", amd.mediaType)
		w.Header().Set("Docker-Content-Digest", string(amd.digest))
		w.Write(amd.manifest)
		return true
	}
	c := memClient(t, m)
	res, err := c.Pull(context.Background(), pullRepo, []string{"multi"}, fixtures.Basic(), WithAccept(schema2.MediaTypeManifest))
	if err != nil || res.Manifests[0].Digest != amd.digest {
		t.Fatalf("legacy Pull of a list: %v, want the amd64 child", err)
	}
	// The arm child's images do not match.
	_, err = c.Pull(context.Background(), pullRepo, []string{"multi"}, fixtures.Different(), WithAccept(schema2.MediaTypeManifest))
	if err == nil {
		t.Errorf("legacy Pull of a list compared with the arm child's images succeeded")
	}
	// A pull that accepts lists gets the list, which images cannot match.
	_, err = c.Pull(context.Background(), pullRepo, []string{"multi"}, fixtures.Basic())
	want := fmt.Sprintf(`GET /v2/%s/manifests/multi = 200, Content-Type %q, want an image manifest (images were given) (get-manifest)`, pullRepo, schema2.MediaTypeManifestList)
	if err == nil || err.Error() != want {
		t.Errorf("Pull of a list with images: %v\nwant %s", err, want)
	}
}

func indexKind(f schema2.Family) schema2.Kind {
	if f == schema2.OCI {
		return schema2.KindOCIIndex
	}
	return schema2.KindDockerList
}
