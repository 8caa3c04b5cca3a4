package v2proto

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/registrytest/registrytest/failures"
)

func TestTagPages(t *testing.T) {
	ctx := context.Background()
	f := newFakeRegistry(t, "bearer")
	pl := &pagedList{name: "ns/repo", key: "tags", entries: tagNames(5)}
	f.route("GET /v2/ns/repo/tags/list", pl.ServeHTTP)
	c := f.client(t)

	var got []*TagsPage
	for pg, err := range c.TagPages(ctx, "ns/repo", WithPageSize(2)) {
		if err != nil {
			t.Fatalf("TagPages: %v", err)
		}
		got = append(got, pg)
	}
	all := tagNames(5)
	want := []*TagsPage{
		{Page: Page{"/v2/ns/repo/tags/list?n=2", 2, true}, Name: "ns/repo", Tags: all[:2]},
		{Page: Page{"/v2/ns/repo/tags/list?last=" + all[1] + "&n=2", 2, true}, Name: "ns/repo", Tags: all[2:4]},
		{Page: Page{"/v2/ns/repo/tags/list?last=" + all[3] + "&n=2", 1, false}, Name: "ns/repo", Tags: all[4:]},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("TagPages mismatch (-want +got):\n%s", diff)
	}

	// Breaking out stops the walk: no further page is requested.
	pl.requests = nil
	for range c.TagPages(ctx, "ns/repo", WithPageSize(2)) {
		break
	}
	if len(pl.requests) != 1 {
		t.Errorf("pages requested after a break at the first = %q, want 1", pl.requests)
	}

	// An error is yielded once, with a nil page, after the good pages.
	f.route("GET /v2/ns/bad/tags/list", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("last") == "" {
			serveJSON(200, `</v2/ns/bad/tags/list?last=a>; rel="next"`, `{"name":"ns/bad","tags":["a"]}`)(w, r)
			return
		}
		serveJSON(200, "", `{"name":"ns/other","tags":["b"]}`)(w, r)
	})
	var pages, errs int
	var last error
	for pg, err := range c.TagPages(ctx, "ns/bad") {
		if err != nil {
			errs++
			last = err
			if pg != nil {
				t.Errorf("page %+v with error %v, want nil", pg, err)
			}
			continue
		}
		pages++
	}
	wantErr := `GET /v2/ns/bad/tags/list?last=a = 200, name "ns/other", want "ns/bad" (list-tags)`
	if pages != 1 || errs != 1 || last.Error() != wantErr {
		t.Errorf("TagPages of a bad second page: %d pages, %d errors (last %v), want 1, 1 (%s)", pages, errs, last, wantErr)
	}

	// The expected failure met: nothing yielded; missed: the error.
	other := WithScopes("repository:ns/other:pull")
	for pg, err := range c.TagPages(ctx, "ns/repo", other, ExpectFailure(failures.Unauthorized)) {
		t.Errorf("TagPages expecting unauthorized yielded %+v, %v, want nothing", pg, err)
	}
	var me *MissedFailureError
	for _, err := range c.TagPages(ctx, "ns/repo", ExpectFailure(failures.UnknownTag)) {
		if err != nil && !errors.As(err, &me) {
			t.Errorf("TagPages expecting unknown-tag: %v, want a *MissedFailureError", err)
		}
	}
	if me == nil || me.Call != "TagPages" {
		t.Errorf("TagPages expecting unknown-tag: missed failure %+v, want one of TagPages", me)
	}
}

func TestCatalogPages(t *testing.T) {
	ctx := context.Background()
	f := newFakeRegistry(t, "none")
	repos := []string{"a/x", "b/y", "c/z"}
	f.route("GET /v2/_catalog", (&pagedList{key: "repositories", entries: repos}).ServeHTTP)
	var got [][]string
	for pg, err := range f.client(t).CatalogPages(ctx, WithPageSize(2)) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, pg.Repositories)
	}
	if diff := cmp.Diff([][]string{repos[:2], repos[2:]}, got); diff != "" {
		t.Errorf("CatalogPages mismatch (-want +got):\n%s", diff)
	}
	// A page of null is an empty page, not a nil one.
	f.route("GET /v2/_catalog", serveJSON(200, "", `{"repositories":null}`))
	for pg, err := range f.client(t).CatalogPages(ctx) {
		if err != nil || pg.Repositories == nil || len(pg.Repositories) != 0 {
			t.Errorf("CatalogPages of null = %+v, %v, want an empty page", pg, err)
		}
	}
}
