package itest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	digest "github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/examples/internal/testreg"
	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/v2proto"
)

// listingBehaviour is what a registry was measured to do with listings.
type listingBehaviour struct {
	// tagsPaged: tags/list honours n and last and sends a next Link.
	tagsPaged bool
	// tagsSorted: tags/list lists tags in lexical order.
	tagsSorted bool
	// tagsExtraPage: when the tags end exactly at the end of a full page,
	// the registry still sends a next Link, to an empty page.
	tagsExtraPage bool
	// catalogExtraPage: when the repositories end exactly at the end of a
	// full page, the registry still sends a next Link, to an empty page.
	catalogExtraPage bool
	// deletedTags: what tags/list answers for a repository whose only tag
	// went with its manifest: "null" (200, "tags": null), "empty" (200,
	// "tags": []) or "404" (NAME_UNKNOWN).
	deletedTags string
}

// listingMeasured holds each registry's measured behaviour, by
// testreg.Info.Name.
var listingMeasured = map[string]listingBehaviour{
	"distribution-v3.1.2":          {tagsPaged: true, tagsSorted: true, tagsExtraPage: true, catalogExtraPage: false, deletedTags: "empty"},
	"docker-distribution-v2.8.3":   {tagsPaged: false, tagsSorted: false, catalogExtraPage: false, deletedTags: "null"},
	"debian-docker-registry-2.8.2": {tagsPaged: false, tagsSorted: false, catalogExtraPage: false, deletedTags: "null"},
}

// The media types of the content pushed here.
const (
	lsOCIManifest = "application/vnd.oci.image.manifest.v1+json"
	lsOCIIndex    = "application/vnd.oci.image.index.v1+json"
	lsOCIConfig   = "application/vnd.oci.image.config.v1+json"
	lsOCILayer    = "application/vnd.oci.image.layer.v1.tar+gzip"
	lsEmptyJSON   = "application/vnd.oci.empty.v1+json"
)

// The page sizes of Quay's test_tags and test_catalog.
var lsPageSizes = []int{1, 2, 10, 50, 100}

// RunListing checks v2proto's listing flows (Tags, Catalog, Referrers) on a
// registry with token auth started by start: tags and catalog paging at
// the page sizes of Quay's tests, last, an empty repository, the catalog
// scope, and the referrers tag-schema fallback (distribution has no
// referrers API). What the registry does differently from the OCI spec
// (2.8 ignores n and last on tags/list and lists tags unsorted) is asserted
// by name from listingMeasured, and logged.
func RunListing(t *testing.T, start testreg.StartFunc) {
	reg := start(t, testreg.Options{Auth: testreg.AuthToken})
	b, ok := listingMeasured[reg.Name]
	if !ok {
		t.Fatalf("no measured listing behaviour for registry %q", reg.Name)
	}
	admin := lsCreds(t, reg, "admin")
	t.Run("tags-paging", func(t *testing.T) { lsTagsPaging(t, reg, b, admin) })
	t.Run("tags-last", func(t *testing.T) { lsTagsLast(t, reg, b, admin) })
	t.Run("tags-empty", func(t *testing.T) { lsTagsEmpty(t, reg, b, admin) })
	t.Run("catalog-paging", func(t *testing.T) { lsCatalogPaging(t, reg, b, admin) })
	t.Run("catalog-scope", func(t *testing.T) { lsCatalogScope(t, reg, admin) })
	t.Run("referrers", func(t *testing.T) { lsReferrers(t, reg, admin) })
}

func lsCreds(t *testing.T, reg *testreg.Registry, name string) v2proto.CallOption {
	t.Helper()
	u, ok := reg.User(name)
	if !ok {
		t.Fatalf("registry has no user %q", name)
	}
	return v2proto.WithCredentials(u.Name, u.Password)
}

func lsClient(t *testing.T, reg *testreg.Registry) *v2proto.Client {
	t.Helper()
	c, err := v2proto.New(reg.URL, v2proto.WithLogf(t.Logf))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// lsSeeder pushes test data with plain net/http, with a token per
// repository from the registry's token server.
type lsSeeder struct {
	t     *testing.T
	reg   *testreg.Registry
	tok   *v2proto.Client // for tokens only; it does not log
	creds v2proto.CallOption
	hc    *http.Client
}

func newSeeder(t *testing.T, reg *testreg.Registry, creds v2proto.CallOption) *lsSeeder {
	tok, err := v2proto.New(reg.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &lsSeeder{t: t, reg: reg, tok: tok, creds: creds, hc: &http.Client{}}
}

func (s *lsSeeder) do(repo, method, target, contentType string, body []byte, want int) *http.Response {
	s.t.Helper()
	token, err := s.tok.Token(context.Background(), []string{"repository:" + repo + ":pull,push,delete"}, s.creds)
	if err != nil {
		s.t.Fatalf("seeding: token for %s: %v", repo, err)
	}
	u, err := url.Parse(s.reg.URL)
	if err != nil {
		s.t.Fatal(err)
	}
	ref, err := url.Parse(target)
	if err != nil {
		s.t.Fatal(err)
	}
	req, err := http.NewRequest(method, u.ResolveReference(ref).String(), bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		s.t.Fatalf("seeding: %s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != want {
		s.t.Fatalf("seeding: %s %s = %d %s, want %d", method, ref.Path, resp.StatusCode, msg, want)
	}
	return resp
}

// blob uploads data to repo (POST, then PUT ?digest= with the bytes).
func (s *lsSeeder) blob(repo string, data []byte) (string, int) {
	s.t.Helper()
	d := lsDigest(data)
	resp := s.do(repo, "POST", "/v2/"+repo+"/blobs/uploads/", "", nil, http.StatusAccepted)
	loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
	if err != nil {
		s.t.Fatalf("seeding: upload Location %q: %v", resp.Header.Get("Location"), err)
	}
	q := loc.Query()
	q.Set("digest", d)
	loc.RawQuery = q.Encode()
	s.do(repo, "PUT", loc.String(), "application/octet-stream", data, http.StatusCreated)
	return d, len(data)
}

// manifest puts body at repo:ref.
func (s *lsSeeder) manifest(repo, ref, contentType string, body []byte) {
	s.t.Helper()
	s.do(repo, "PUT", "/v2/"+repo+"/manifests/"+ref, contentType, body, http.StatusCreated)
}

// image pushes a small OCI image to repo (its blobs and its manifest,
// untagged: by digest) and returns the manifest and its digest.
func (s *lsSeeder) image(repo, seed string) ([]byte, string) {
	s.t.Helper()
	cd, cn := s.blob(repo, []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"comment":"`+seed+`"}`))
	ld, ln := s.blob(repo, []byte("layer of "+seed))
	m := fmt.Appendf(nil, `{"schemaVersion":2,"mediaType":%q,"config":{"mediaType":%q,"digest":%q,"size":%d},"layers":[{"mediaType":%q,"digest":%q,"size":%d}]}`,
		lsOCIManifest, lsOCIConfig, cd, cn, lsOCILayer, ld, ln)
	d := lsDigest(m)
	s.manifest(repo, d, lsOCIManifest, m)
	return m, d
}

func lsDigest(b []byte) string { return fmt.Sprintf("sha256:%x", sha256.Sum256(b)) }

// lsTagNames returns n tags t000, t001, ... in lexical order.
func lsTagNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("t%03d", i)
	}
	return out
}

// lsPushTags tags one image with every tag of tags in repo, in a
// scrambled order (so that directory order is not lexical order).
func lsPushTags(t *testing.T, s *lsSeeder, repo string, tags []string) {
	t.Helper()
	m, _ := s.image(repo, repo)
	order := slices.Clone(tags)
	for i := range order {
		j := (i*37 + 11) % len(order)
		order[i], order[j] = order[j], order[i]
	}
	for _, tag := range order {
		s.manifest(repo, tag, lsOCIManifest, m)
	}
}

// lsPageError reports whether err is Tags' *ResponseError for a page
// larger than n.
func lsPageError(err error, n int) bool {
	var re *v2proto.ResponseError
	return errors.As(err, &re) && re.Step == failures.ListTags && re.What == "page" &&
		re.Want == fmt.Sprintf("at most %d (n=%d)", n, n)
}

func lsTagsPaging(t *testing.T, reg *testreg.Registry, b listingBehaviour, admin v2proto.CallOption) {
	ctx := context.Background()
	c := lsClient(t, reg)
	repo := "ls/tags"
	all := lsTagNames(105) // more than the largest page size
	lsPushTags(t, newSeeder(t, reg, admin), repo, all)

	// Without n: one page of every tag, in the registry's order.
	res, err := c.Tags(ctx, repo, admin)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(all, res.Tags, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("Tags without n: tags mismatch (-want +got):\n%s", diff)
	}
	if len(res.Pages) != 1 || res.Paginated || res.Sorted != b.tagsSorted || res.Duplicates != nil {
		t.Errorf("Tags without n = %d pages, paginated %v, sorted %v, duplicates %q; want 1 page, not paginated, sorted %v (%s), no duplicates",
			len(res.Pages), res.Paginated, res.Sorted, res.Duplicates, b.tagsSorted, reg.Name)
	}
	t.Logf("%s: tags/list without n: %d tags on one page, sorted: %v", reg.Name, len(res.Tags), res.Sorted)

	for _, n := range lsPageSizes {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			res, err := c.Tags(ctx, repo, admin, v2proto.WithPageSize(n))
			if !b.tagsPaged {
				// The registry ignores n: the first page holds every tag.
				if !lsPageError(err, n) {
					t.Fatalf("Tags(n=%d) on %s = %v, want the ResponseError of a page of %d tags, want at most %d", n, reg.Name, err, len(all), n)
				}
				t.Logf("%s ignores n: %v", reg.Name, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(all, res.Tags); diff != "" {
				t.Errorf("Tags(n=%d) mismatch (-want +got):\n%s", n, diff)
			}
			pages := (len(all) + n - 1) / n
			if len(all)%n == 0 && b.tagsExtraPage {
				pages++
			}
			if len(res.Pages) != pages || !res.Paginated || !res.Sorted || res.Duplicates != nil {
				t.Errorf("Tags(n=%d) = %d pages, paginated %v, sorted %v, duplicates %q; want %d pages, paginated, sorted, no duplicates",
					n, len(res.Pages), res.Paginated, res.Sorted, res.Duplicates, pages)
			}
			// The registry's Link: relative, last then n.
			if len(res.Pages) > 1 {
				want := fmt.Sprintf("/v2/%s/tags/list?last=%s&n=%d", repo, all[n-1], n)
				if res.Pages[1].Path != want {
					t.Errorf("second page requested at %s, want %s", res.Pages[1].Path, want)
				}
			}
			t.Logf("%s: tags n=%d: %d pages", reg.Name, n, len(res.Pages))
		})
	}
	// n=0: an empty list and no Link (the flow checks the Link).
	res, err = c.Tags(ctx, repo, admin, v2proto.WithPageSize(0))
	switch {
	case b.tagsPaged && (err != nil || len(res.Tags) != 0):
		t.Errorf("Tags(n=0) = %+v, %v, want no tags", res, err)
	case !b.tagsPaged && !lsPageError(err, 0):
		t.Errorf("Tags(n=0) on %s = %v, want the ResponseError of a page larger than 0", reg.Name, err)
	}
	// A second walk gives the same (Quay's test_tags calls twice).
	again, err := c.Tags(ctx, repo, admin)
	if err != nil || !cmp.Equal(again.Tags, mustTags(t, c, repo, admin)) {
		t.Errorf("a second Tags = %v, %v, want the same tags", again, err)
	}
}

func mustTags(t *testing.T, c *v2proto.Client, repo string, opts ...v2proto.CallOption) []string {
	t.Helper()
	res, err := c.Tags(context.Background(), repo, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return res.Tags
}

func lsTagsLast(t *testing.T, reg *testreg.Registry, b listingBehaviour, admin v2proto.CallOption) {
	ctx := context.Background()
	c := lsClient(t, reg)
	repo := "ls/last"
	all := lsTagNames(12)
	lsPushTags(t, newSeeder(t, reg, admin), repo, all)

	res, err := c.Tags(ctx, repo, admin, v2proto.WithLast("t004"))
	if err != nil {
		t.Fatal(err)
	}
	want := all[5:]
	if !b.tagsPaged {
		want = all // last is ignored
	}
	if diff := cmp.Diff(want, res.Tags, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("Tags(last=t004) on %s mismatch (-want +got):\n%s", reg.Name, diff)
	}
	t.Logf("%s: tags last=t004: %d tags", reg.Name, len(res.Tags))

	res, err = c.Tags(ctx, repo, admin, v2proto.WithLast("t004"), v2proto.WithPageSize(3))
	if !b.tagsPaged {
		if !lsPageError(err, 3) {
			t.Errorf("Tags(last=t004, n=3) on %s = %v, want the ResponseError of a page larger than 3", reg.Name, err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(all[5:], res.Tags); diff != "" || len(res.Pages) != 3 {
		t.Errorf("Tags(last=t004, n=3) = %d pages, mismatch (-want +got):\n%s", len(res.Pages), diff)
	}
	// Past the last tag: nothing.
	res, err = c.Tags(ctx, repo, admin, v2proto.WithLast("t999"))
	if err != nil || len(res.Tags) != 0 {
		t.Errorf("Tags(last=t999) = %+v, %v, want no tags", res, err)
	}
}

func lsTagsEmpty(t *testing.T, reg *testreg.Registry, b listingBehaviour, admin v2proto.CallOption) {
	ctx := context.Background()
	c := lsClient(t, reg)
	// A repository nothing was pushed to: 404 NAME_UNKNOWN.
	_, err := c.Tags(ctx, "ls/never-pushed", admin)
	var se *v2proto.StatusError
	if !errors.As(err, &se) || se.Step != failures.ListTags || se.Got != 404 || !slices.Equal(se.Codes, []string{failures.CodeNameUnknown}) {
		t.Errorf("Tags of an empty repository = %v, want 404 NAME_UNKNOWN at list-tags", err)
	}

	// A repository whose only tag went with its manifest.
	repo := "ls/deleted"
	s := newSeeder(t, reg, admin)
	m, d := s.image(repo, repo)
	s.manifest(repo, "gone", lsOCIManifest, m)
	s.do(repo, "DELETE", "/v2/"+repo+"/manifests/"+d, "", nil, http.StatusAccepted)
	res, err := c.Tags(ctx, repo, admin)
	got := "empty"
	switch {
	case errors.As(err, &se) && se.Got == 404:
		got = "404"
	case err != nil:
		t.Fatal(err)
	case len(res.Tags) != 0:
		t.Fatalf("Tags after the delete = %q, want none", res.Tags)
	}
	if got == "empty" {
		// Tell null from [] with a raw request.
		tok, err := c.Token(ctx, []string{"repository:" + repo + ":pull"}, admin)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", reg.URL+"/v2/"+repo+"/tags/list", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		if bytes.Contains(body, []byte(`"tags":null`)) {
			got = "null"
		}
	}
	if got != b.deletedTags {
		t.Errorf("tags/list after deleting the only tag's manifest on %s: %s, want %s", reg.Name, got, b.deletedTags)
	}
	t.Logf("%s: tags/list after deleting the only tag's manifest: %s", reg.Name, got)
}

func lsCatalogPaging(t *testing.T, reg *testreg.Registry, b listingBehaviour, admin v2proto.CallOption) {
	ctx := context.Background()
	c := lsClient(t, reg)
	s := newSeeder(t, reg, admin)
	var pushed []string
	for i := range 24 {
		repo := fmt.Sprintf("ls/cat-%02d", i)
		s.image(repo, repo)
		pushed = append(pushed, repo)
	}
	// Everything in the registry, to know where pages end.
	full, err := c.Catalog(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	total := len(full.Repositories)
	for _, r := range pushed {
		if !slices.Contains(full.Repositories, r) {
			t.Errorf("Catalog lacks %s", r)
		}
	}
	if !full.Sorted || full.Duplicates != nil || len(full.Pages) != 1 {
		t.Errorf("Catalog without n = %d pages, sorted %v, duplicates %q; want 1 page, sorted, no duplicates", len(full.Pages), full.Sorted, full.Duplicates)
	}
	for _, n := range lsPageSizes {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			res, err := c.Catalog(ctx, admin, v2proto.WithPageSize(n))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(full.Repositories, res.Repositories); diff != "" {
				t.Errorf("Catalog(n=%d) mismatch with the catalog without n (-want +got):\n%s", n, diff)
			}
			pages := (total + n - 1) / n
			if total%n == 0 && b.catalogExtraPage {
				pages++
			}
			if len(res.Pages) != pages || res.Paginated != (pages > 1) || !res.Sorted || res.Duplicates != nil {
				t.Errorf("Catalog(n=%d) of %d repositories = %d pages, paginated %v, sorted %v, duplicates %q; want %d pages, sorted, no duplicates",
					n, total, len(res.Pages), res.Paginated, res.Sorted, res.Duplicates, pages)
			}
			if len(res.Pages) > 1 {
				want := "/v2/_catalog?last=" + url.QueryEscape(res.Repositories[n-1]) + fmt.Sprintf("&n=%d", n)
				if res.Pages[1].Path != want {
					t.Errorf("second page requested at %s, want %s", res.Pages[1].Path, want)
				}
			}
			t.Logf("%s: catalog n=%d: %d repositories on %d pages", reg.Name, n, total, len(res.Pages))
		})
	}
	t.Run("last", func(t *testing.T) {
		res, err := c.Catalog(ctx, admin, v2proto.WithLast("ls/cat-09"))
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, r := range full.Repositories {
			if r > "ls/cat-09" {
				want = append(want, r)
			}
		}
		if diff := cmp.Diff(want, res.Repositories); diff != "" {
			t.Errorf("Catalog(last=ls/cat-09) mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("n over maxentries", func(t *testing.T) {
		n := reg.CatalogMaxEntries + 1
		_, err := c.Catalog(ctx, admin, v2proto.WithPageSize(n))
		var se *v2proto.StatusError
		if !errors.As(err, &se) || se.Got != 400 || !slices.Equal(se.Codes, []string{failures.CodePaginationNumberInvalid}) {
			t.Errorf("Catalog(n=%d) = %v, want 400 PAGINATION_NUMBER_INVALID", n, err)
		}
	})
}

func lsCatalogScope(t *testing.T, reg *testreg.Registry, admin v2proto.CallOption) {
	ctx := context.Background()
	c := lsClient(t, reg)
	refusals := []struct {
		name string
		opts []v2proto.CallOption
	}{
		{"token without registry:catalog:*", []v2proto.CallOption{admin, v2proto.WithScopes("repository:ls/tags:pull")}},
		{"user without the catalog grant", []v2proto.CallOption{lsCreds(t, reg, "reader")}},
		{"anonymous", nil},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Catalog(ctx, tt.opts...)
			var se *v2proto.StatusError
			if !errors.As(err, &se) || se.Step != failures.Catalog || se.Got != 401 {
				t.Errorf("Catalog = %v, want 401 at catalog", err)
			}
			res, err := c.Catalog(ctx, append(tt.opts, v2proto.ExpectFailure(failures.Unauthorized))...)
			if res != nil || err != nil {
				t.Errorf("Catalog expecting unauthorized = %+v, %v, want nil, nil", res, err)
			}
		})
	}
	// With the scope (the default one), it answers.
	if _, err := c.Catalog(ctx, admin); err != nil {
		t.Errorf("Catalog with registry:catalog:* = %v", err)
	}
	if _, err := c.Catalog(ctx, admin, v2proto.ExpectFailure(failures.Unauthorized)); err == nil {
		t.Errorf("Catalog with the scope, expecting unauthorized = nil, want an error")
	}
}

func lsReferrers(t *testing.T, reg *testreg.Registry, admin v2proto.CallOption) {
	ctx := context.Background()
	c := lsClient(t, reg)
	s := newSeeder(t, reg, admin)
	repo := "ls/ref"
	m, subject := s.image(repo, "subject")
	s.manifest(repo, "image", lsOCIManifest, m)

	// Two artifacts whose subject is the image.
	empty, emptySize := s.blob(repo, []byte("{}"))
	const sbom, sig = "application/vnd.example.sbom.v1", "application/vnd.example.signature.v1"
	var descs []string
	var digests []digest.Digest
	for _, at := range []string{sbom, sig} {
		layer, layerSize := s.blob(repo, []byte("content of "+at))
		a := fmt.Appendf(nil, `{"schemaVersion":2,"mediaType":%q,"artifactType":%q,"config":{"mediaType":%q,"digest":%q,"size":%d},"layers":[{"mediaType":"application/octet-stream","digest":%q,"size":%d}],"subject":{"mediaType":%q,"digest":%q,"size":%d},"annotations":{"org.example.kind":%q}}`,
			lsOCIManifest, at, lsEmptyJSON, empty, emptySize, layer, layerSize, lsOCIManifest, subject, len(m), at)
		d := lsDigest(a)
		s.manifest(repo, d, lsOCIManifest, a)
		descs = append(descs, fmt.Sprintf(`{"mediaType":%q,"digest":%q,"size":%d,"artifactType":%q,"annotations":{"org.example.kind":%q}}`, lsOCIManifest, d, len(a), at, at))
		digests = append(digests, digest.Digest(d))
	}

	// The API answers 404: the tag schema, which has no tag yet.
	res, err := c.Referrers(ctx, repo, digest.Digest(subject), admin)
	if err != nil {
		t.Fatal(err)
	}
	if !res.TagSchema || res.TagSchemaFound || len(res.Manifests) != 0 || res.Pages != nil {
		t.Errorf("Referrers before the tag-schema index = %+v, want the tag schema used, no tag, no referrers", res)
	}
	_, err = c.Referrers(ctx, repo, digest.Digest(subject), admin, v2proto.WithReferrersMode(v2proto.ReferrersAPIOnly))
	var se *v2proto.StatusError
	if !errors.As(err, &se) || se.Step != failures.Referrers || se.Got != 404 {
		t.Errorf("Referrers, API only = %v, want 404 at referrers (%s has no referrers API)", err, reg.Name)
	}

	// The tag-schema index, as a client that pushes referrers writes it.
	index := fmt.Appendf(nil, `{"schemaVersion":2,"mediaType":%q,"manifests":[%s]}`, lsOCIIndex, strings.Join(descs, ","))
	s.manifest(repo, v2proto.ReferrersTag(digest.Digest(subject)), lsOCIIndex, index)
	res, err = c.Referrers(ctx, repo, digest.Digest(subject), admin)
	if err != nil {
		t.Fatal(err)
	}
	var got []digest.Digest
	for _, d := range res.Manifests {
		got = append(got, d.Digest)
	}
	if !res.TagSchema || !res.TagSchemaFound || res.TagSchemaIgnored != "" || !slices.Equal(got, digests) {
		t.Errorf("Referrers = %+v, want the tag schema's two artifacts %q", res, digests)
	}
	res, err = c.Referrers(ctx, repo, digest.Digest(subject), admin, v2proto.WithArtifactType(sig))
	if err != nil {
		t.Fatal(err)
	}
	if mt := res.Matching(); len(mt) != 1 || mt[0].Digest != digests[1] || mt[0].ArtifactType != sig ||
		mt[0].Annotations["org.example.kind"] != sig || res.FilterApplied() {
		t.Errorf("Referrers(artifactType=%s).Matching() = %+v, want only %s, filtered by the client", sig, mt, digests[1])
	}
	// The tag-schema-only mode skips the API.
	res, err = c.Referrers(ctx, repo, digest.Digest(subject), admin, v2proto.WithReferrersMode(v2proto.ReferrersTagSchemaOnly))
	if err != nil || len(res.Manifests) != 2 || !res.TagSchema {
		t.Errorf("Referrers, tag schema only = %+v, %v, want the two artifacts", res, err)
	}
	t.Logf("%s: referrers API 404; the tag schema listed %d referrers", reg.Name, len(res.Manifests))
}
