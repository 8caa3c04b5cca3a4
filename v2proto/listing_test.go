package v2proto

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	digest "github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/failures"
)

// pagedList serves a tags or catalog list the way distribution v3 does:
// sorted, n and last honoured, a relative Link to the next page when more
// entries remain. absolute makes the Link absolute.
type pagedList struct {
	name     string // the name member; "" for the catalog
	key      string // "tags" or "repositories"
	entries  []string
	absolute bool

	mu       sync.Mutex
	requests []string // the request URIs
}

func (p *pagedList) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.requests = append(p.requests, r.URL.RequestURI())
	p.mu.Unlock()
	q := r.URL.Query()
	rest := p.entries
	if last := q.Get("last"); last != "" {
		i, _ := slices.BinarySearch(rest, last)
		if i < len(rest) && rest[i] == last {
			i++
		}
		rest = rest[i:]
	}
	page := rest
	more := false
	if ns := q.Get("n"); ns != "" {
		n, _ := strconv.Atoi(ns)
		if n < len(rest) {
			page, more = rest[:n], n > 0
		}
	}
	if more {
		next := url.Values{"n": {q.Get("n")}, "last": {page[len(page)-1]}}
		target := r.URL.Path + "?" + next.Encode()
		if p.absolute {
			target = "http://" + r.Host + target
		}
		w.Header().Set("Link", fmt.Sprintf("<%s>; rel=\"next\"", target))
	}
	w.Header().Set("Content-Type", "application/json")
	body := map[string]any{p.key: page}
	if p.name != "" {
		body["name"] = p.name
	}
	json.NewEncoder(w).Encode(body)
}

func tagNames(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("t%03d", i))
	}
	return out
}

func TestTagsPaging(t *testing.T) {
	ctx := context.Background()
	all := tagNames(25)
	for _, absolute := range []bool{false, true} {
		for _, n := range []int{1, 2, 10, 25, 50, 100} {
			t.Run(fmt.Sprintf("absolute=%v/n=%d", absolute, n), func(t *testing.T) {
				f := newFakeRegistry(t, "bearer")
				pl := &pagedList{name: "ns/repo", key: "tags", entries: all, absolute: absolute}
				f.route("GET /v2/ns/repo/tags/list", pl.ServeHTTP)
				res, err := f.client(t).Tags(ctx, "ns/repo", WithPageSize(n))
				if err != nil {
					t.Fatal(err)
				}
				pages := (len(all) + n - 1) / n
				var wantPages []Page
				last := ""
				for i := range pages {
					path := "/v2/ns/repo/tags/list?n=" + strconv.Itoa(n)
					if i > 0 {
						path = "/v2/ns/repo/tags/list?" + url.Values{"n": {strconv.Itoa(n)}, "last": {last}}.Encode()
					}
					size := min(n, len(all)-i*n)
					last = all[i*n+size-1]
					wantPages = append(wantPages, Page{Path: path, Entries: size, Next: i < pages-1})
				}
				want := &TagsResult{Name: "ns/repo", Tags: all, Pages: wantPages, Paginated: pages > 1, Sorted: true}
				if diff := cmp.Diff(want, res); diff != "" {
					t.Errorf("Tags mismatch (-want +got):\n%s", diff)
				}
				// The token asked for is the default pull scope, once for
				// all pages.
				if len(f.tokenReqs) != 1 || !cmp.Equal(f.tokenReqs[0].Query["scope"], []string{"repository:ns/repo:pull"}) {
					t.Errorf("token requests = %+v, want one for repository:ns/repo:pull", f.tokenReqs)
				}
			})
		}
	}
}

func TestTagsLastAndUnpaged(t *testing.T) {
	ctx := context.Background()
	f := newFakeRegistry(t, "none")
	pl := &pagedList{name: "ns/repo", key: "tags", entries: tagNames(5)}
	f.route("GET /v2/ns/repo/tags/list", pl.ServeHTTP)
	c := f.client(t)

	res, err := c.Tags(ctx, "ns/repo", WithLast("t001"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"t002", "t003", "t004"}; !cmp.Equal(res.Tags, want) || res.Paginated || len(res.Pages) != 1 {
		t.Errorf("Tags(last=t001) = %+v, want tags %q on one page", res, want)
	}
	res, err = c.Tags(ctx, "ns/repo", WithLast("t001"), WithPageSize(2))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"t002", "t003", "t004"}; !cmp.Equal(res.Tags, want) || !res.Paginated || len(res.Pages) != 2 {
		t.Errorf("Tags(last=t001, n=2) = %+v, want tags %q on two pages", res, want)
	}
	if got := pl.requests[len(pl.requests)-2]; got != "/v2/ns/repo/tags/list?last=t001&n=2" {
		t.Errorf("first request %q, want /v2/ns/repo/tags/list?last=t001&n=2", got)
	}
	// n=0: an empty page without Link.
	res, err = c.Tags(ctx, "ns/repo", WithPageSize(0))
	if err != nil || len(res.Tags) != 0 || res.Tags == nil {
		t.Errorf("Tags(n=0) = %+v, %v, want no tags (an empty, non-nil list)", res, err)
	}
}

// serveJSON answers every request with status, the Link header link (if
// not empty) and body.
func serveJSON(status int, link, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if link != "" {
			w.Header().Set("Link", link)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

func TestTagsResults(t *testing.T) {
	ctx := context.Background()
	// Two pages; the second repeats a tag of the first and is out of order.
	f := newFakeRegistry(t, "none")
	f.route("GET /v2/ns/repo/tags/list", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("last") == "" {
			serveJSON(200, `</v2/ns/repo/tags/list?last=c>; rel="next"`, `{"name":"ns/repo","tags":["b","c"]}`)(w, r)
			return
		}
		serveJSON(200, "", `{"name":"ns/repo","tags":["c","a"],"extra":1}`)(w, r)
	})
	res, err := f.client(t).Tags(ctx, "ns/repo")
	if err != nil {
		t.Fatal(err)
	}
	want := &TagsResult{Name: "ns/repo", Tags: []string{"b", "c", "c", "a"}, Paginated: true, Duplicates: []string{"c"},
		Pages: []Page{{"/v2/ns/repo/tags/list", 2, true}, {"/v2/ns/repo/tags/list?last=c", 2, false}}}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("Tags mismatch (-want +got):\n%s", diff)
	}

	// null tags (2.8 after deleting every tag) and case-insensitive order.
	f.route("GET /v2/ns/null/tags/list", serveJSON(200, "", `{"name":"ns/null","tags":null}`))
	f.route("GET /v2/ns/fold/tags/list", serveJSON(200, "", `{"name":"ns/fold","tags":["a","B","c"]}`))
	res, err = f.client(t).Tags(ctx, "ns/null")
	if err != nil || len(res.Tags) != 0 || !res.Sorted {
		t.Errorf("Tags of null tags = %+v, %v, want none, sorted", res, err)
	}
	res, err = f.client(t).Tags(ctx, "ns/fold")
	if err != nil || !res.Sorted {
		t.Errorf("Tags of a, B, c = %+v, %v, want sorted (case-insensitively)", res, err)
	}
}

// TestListingAnyContentType checks that a JSON body is taken whatever its
// Content-Type: the spec asks for "a json body" (CUE sends text/plain).
func TestListingAnyContentType(t *testing.T) {
	ctx := context.Background()
	f := newFakeRegistry(t, "none")
	for _, ct := range []string{"text/plain; charset=utf-8", "text/html", "application/octet-stream", ""} {
		f.route("GET /v2/ns/repo/tags/list", func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = []string{ct}
			fmt.Fprint(w, `{"name":"ns/repo","tags":["a"]}`)
		})
		f.route("GET /v2/_catalog", func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = []string{ct}
			fmt.Fprint(w, `{"repositories":["ns/repo"]}`)
		})
		res, err := f.client(t).Tags(ctx, "ns/repo")
		if err != nil || !cmp.Equal(res.Tags, []string{"a"}) {
			t.Errorf("Tags with Content-Type %q = %+v, %v, want [a]", ct, res, err)
		}
		cat, err := f.client(t).Catalog(ctx)
		if err != nil || !cmp.Equal(cat.Repositories, []string{"ns/repo"}) {
			t.Errorf("Catalog with Content-Type %q = %+v, %v, want [ns/repo]", ct, cat, err)
		}
	}
}

func TestListingBadAnswers(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		opts    []CallOption
		wantErr string
	}{
		{"page larger than n", serveJSON(200, "", `{"name":"ns/repo","tags":["a","b","c"]}`), []CallOption{WithPageSize(2)},
			"GET /v2/ns/repo/tags/list?n=2 = 200, page of 3 tags, want at most 2 (n=2) (list-tags)"},
		{"Link with n=0", serveJSON(200, `</v2/ns/repo/tags/list?n=0&last=x>; rel=next`, `{"name":"ns/repo","tags":[]}`), []CallOption{WithPageSize(0)},
			`GET /v2/ns/repo/tags/list?n=0 = 200, Link with rel="next", want none (n=0) (list-tags)`},
		{"wrong name", serveJSON(200, "", `{"name":"ns/other","tags":[]}`), nil,
			`GET /v2/ns/repo/tags/list = 200, name "ns/other", want "ns/repo" (list-tags)`},
		{"no name", serveJSON(200, "", `{"tags":[]}`), nil,
			`GET /v2/ns/repo/tags/list = 200, body without a name member, want {"name": "ns/repo", "tags": [...]} (list-tags)`},
		{"keys matched exactly", serveJSON(200, "", `{"name":"ns/repo","Tags":[]}`), nil,
			`GET /v2/ns/repo/tags/list = 200, body without a tags member, want {"name": "ns/repo", "tags": [...]} (list-tags)`},
		{"tags not strings", serveJSON(200, "", `{"name":"ns/repo","tags":[1,2]}`), nil,
			`GET /v2/ns/repo/tags/list = 200, body with tags [1,2], not an array of strings, want {"name": "ns/repo", "tags": [...]} (list-tags)`},
		{"not JSON", serveJSON(200, "", `<html>`), nil,
			`GET /v2/ns/repo/tags/list = 200, body that is not a JSON object, want {"name": "ns/repo", "tags": [...]} (list-tags)`},
		{"body over the cap", serveJSON(200, "", `{"name":"ns/repo","tags":["`+strings.Repeat("x", 200)+`"]}`), []CallOption{WithLimits(Limits{MaxPageBody: 100})},
			"GET /v2/ns/repo/tags/list = 200, body of more than 100 bytes, want at most 100 (Limits.MaxPageBody) (list-tags)"},
		{"entries over the limit", serveJSON(200, "", `{"name":"ns/repo","tags":["a","b","c"]}`), []CallOption{WithLimits(Limits{MaxEntries: 2})},
			"GET /v2/ns/repo/tags/list = 200, page of 3 tags after 0, want at most 2 tags in all (Limits.MaxEntries) (list-tags)"},
		{"garbage Link", serveJSON(200, `rel=next; <x?_state=SECRET>`, `{"name":"ns/repo","tags":[]}`), nil,
			"GET /v2/ns/repo/tags/list = 200, Link that does not parse at 0: want '<' to start a link, want links per RFC 8288 (list-tags)"},
		{"next on another host", serveJSON(200, `<http://elsewhere.example/v2/ns/repo/tags/list?_state=SECRET>; rel=next`, `{"name":"ns/repo","tags":["a"]}`), nil,
			`GET /v2/ns/repo/tags/list = 200, Link "http://elsewhere.example/v2/ns/repo/tags/list", want a next page on the registry's scheme and host "SELF" (list-tags)`},
		{"next on another scheme", serveJSON(200, `<https://SELFHOST/v2/ns/repo/tags/list?page=2>; rel=next`, `{"name":"ns/repo","tags":["a"]}`), nil,
			`GET /v2/ns/repo/tags/list = 200, Link "https://SELFHOST/v2/ns/repo/tags/list", want a next page on the registry's scheme and host "SELF" (list-tags)`},
		{"HTML content type, HTML body", serveJSONType("text/html", `<html>{"name":"ns/repo","tags":[]}`), nil,
			`GET /v2/ns/repo/tags/list = 200, body that is not a JSON object, want {"name": "ns/repo", "tags": [...]} (list-tags)`},
		{"next URL too long", serveJSON(200, `</v2/ns/repo/tags/list?last=`+strings.Repeat("a", MaxNextURL)+`>; rel=next`, `{"name":"ns/repo","tags":["a"]}`), nil,
			fmt.Sprintf("GET /v2/ns/repo/tags/list = 200, Link to a path and query of %d bytes, want at most %d (MaxNextURL) (list-tags)", len("/v2/ns/repo/tags/list?last=")+MaxNextURL, MaxNextURL)},
		{"two next links", serveJSON(200, `</a>; rel=next, </b>; rel=next`, `{"name":"ns/repo","tags":["a"]}`), nil,
			"GET /v2/ns/repo/tags/list = 200, Link with two next links, want at most one (list-tags)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeRegistry(t, "none")
			self, _ := url.Parse(f.srv.URL)
			f.route("GET /v2/ns/repo/tags/list", func(w http.ResponseWriter, r *http.Request) {
				tt.handler(&hostRewriter{ResponseWriter: w, host: self.Host}, r)
			})
			res, err := f.client(t).Tags(ctx, "ns/repo", tt.opts...)
			want := strings.ReplaceAll(strings.ReplaceAll(tt.wantErr, "SELFHOST", self.Host), "SELF", f.srv.URL)

			var re *ResponseError
			if !errors.As(err, &re) || err.Error() != want || res != nil {
				t.Errorf("Tags = %v, %v\nwant nil, *ResponseError %s", res, err, want)
			}
			if err != nil && strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error %q shows a secret query value", err)
			}
		})
	}
}

// hostRewriter replaces SELFHOST in the Link header with the server's
// host before the header is written.
type hostRewriter struct {
	http.ResponseWriter
	host string
}

func (h *hostRewriter) WriteHeader(status int) {
	if l := h.Header().Get("Link"); l != "" {
		h.Header().Set("Link", strings.ReplaceAll(l, "SELFHOST", h.host))
	}
	h.ResponseWriter.WriteHeader(status)
}

func TestListingLoops(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// page returns the Link header and the body of the n-th page (from 1).
		page      func(n int) (link, body string)
		opts      []CallOption
		want      string
		wantCalls int
	}{
		{
			name: "same URL",
			page: func(n int) (string, string) {
				return `</v2/_catalog?last=b&n=2>; rel="next"`, fmt.Sprintf(`{"repositories":["r%d"]}`, n)
			},
			opts:      []CallOption{WithPageSize(2)},
			want:      `GET /v2/_catalog?last=b&n=2 = 200, Link "/v2/_catalog?last=b&n=2", a URL requested before, want a new page (a pagination loop) (catalog)`,
			wantCalls: 2,
		},
		{
			name: "repeating page",
			page: func(n int) (string, string) {
				return fmt.Sprintf(`</v2/_catalog?last=p%d>; rel="next"`, n+1), `{"repositories":["a","b"]}`
			},
			want:      `GET /v2/_catalog?last=p2 = 200, page repeating page 1 (2 repositories), want a new page (a pagination loop) (catalog)`,
			wantCalls: 2,
		},
		{
			// Pages of 103 bytes: the third passes 250.
			name: "total body limit",
			page: func(n int) (string, string) {
				return fmt.Sprintf(`</v2/_catalog?last=r%d>; rel="next"`, n), fmt.Sprintf(`{"repositories":["r%d%s"]}`, n, strings.Repeat("x", 80))
			},
			opts:      []CallOption{WithLimits(Limits{MaxTotalBody: 250, MaxPageBody: 200})},
			want:      `GET /v2/_catalog?last=r2 = 200, body of more than 44 bytes after 206, want at most 250 in all (Limits.MaxTotalBody) (catalog)`,
			wantCalls: 3,
		},
		{
			name: "page limit",
			page: func(n int) (string, string) {
				return fmt.Sprintf(`</v2/_catalog?last=r%d>; rel="next"`, n), fmt.Sprintf(`{"repositories":["r%d"]}`, n)
			},
			opts:      []CallOption{WithLimits(Limits{MaxPages: 5})},
			want:      `GET /v2/_catalog?last=r4 = 200, Link to a page after 5 pages, want at most 5 pages (Limits.MaxPages) (catalog)`,
			wantCalls: 5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeRegistry(t, "none")
			var calls int
			f.route("GET /v2/_catalog", func(w http.ResponseWriter, r *http.Request) {
				calls++
				link, body := tt.page(calls)
				serveJSON(200, link, body)(w, r)
			})
			_, err := f.client(t).Catalog(ctx, tt.opts...)
			if err == nil || err.Error() != tt.want || calls != tt.wantCalls {
				t.Errorf("Catalog = %v after %d requests, want %s after %d", err, calls, tt.want, tt.wantCalls)
			}
		})
	}
	t.Run("default limits", func(t *testing.T) {
		// Without a limit, or with one <= 0, the defaults apply.
		c := newFakeRegistry(t, "none").client(t)
		for _, opts := range [][]CallOption{nil, {WithLimits(Limits{MaxPages: 0, MaxPageBody: -1, MaxEntries: 0, MaxTotalBody: 0})}} {
			o := c.newCall("Catalog", opts).listing
			if o.pagesLimit() != DefaultMaxPages || o.bodyLimit() != DefaultMaxPageBody || o.entriesLimit() != DefaultMaxEntries || o.totalLimit() != DefaultMaxTotalBody {
				t.Errorf("limits %d, %d, %d, %d, want the defaults", o.pagesLimit(), o.bodyLimit(), o.entriesLimit(), o.totalLimit())
			}
		}
	})
}

func TestListingContext(t *testing.T) {
	f := newFakeRegistry(t, "none")
	release := make(chan struct{})
	defer close(release)
	f.route("GET /v2/_catalog", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "" {
			serveJSON(200, `</v2/_catalog?page=2>; rel="next"`, `{"repositories":["a"]}`)(w, r)
			return
		}
		// Headers, then a body that never ends.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		fmt.Fprint(w, `{"repositories":["b"`)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := f.client(t).Catalog(ctx)
	var qe *RequestError
	if !errors.As(err, &qe) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Catalog with a body that never ends = %v, want a *RequestError wrapping context.DeadlineExceeded", err)
	}
}

func TestCatalog(t *testing.T) {
	ctx := context.Background()
	f := newFakeRegistry(t, "bearer")
	repos := []string{"a/x", "b/y", "c/z"}
	pl := &pagedList{key: "repositories", entries: repos}
	f.route("GET /v2/_catalog", pl.ServeHTTP)
	res, err := f.client(t).Catalog(ctx, WithPageSize(2), WithCredentials("alice", "s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	want := &CatalogResult{Repositories: repos, Paginated: true, Sorted: true,
		Pages: []Page{{"/v2/_catalog?n=2", 2, true}, {"/v2/_catalog?last=b%2Fy&n=2", 1, false}}}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("Catalog mismatch (-want +got):\n%s", diff)
	}
	if len(f.tokenReqs) != 1 || !cmp.Equal(f.tokenReqs[0].Query["scope"], []string{"registry:catalog:*"}) {
		t.Errorf("token requests = %+v, want one for registry:catalog:*", f.tokenReqs)
	}
	// Not a JSON object of the catalog's form.
	f.route("GET /v2/_catalog", serveJSON(200, "", `{"repositories":"a"}`))
	_, err = f.client(t).Catalog(ctx)
	if want := `GET /v2/_catalog = 200, body with repositories "a", not an array of strings, want {"repositories": [...]} (catalog)`; err == nil || err.Error() != want {
		t.Errorf("Catalog = %v, want %s", err, want)
	}
}

func TestListingExpectedFailure(t *testing.T) {
	ctx := context.Background()
	f := newFakeRegistry(t, "bearer")
	f.route("GET /v2/ns/repo/tags/list", serveJSON(200, "", `{"name":"ns/repo","tags":["a"]}`))
	c := f.client(t)
	// A token for another repository: 401 at list-tags.
	other := WithScopes("repository:ns/other:pull")
	_, err := c.Tags(ctx, "ns/repo", other)
	var se *StatusError
	if !errors.As(err, &se) || se.Step != failures.ListTags || se.Got != 401 {
		t.Errorf("Tags with a token for another repository = %v, want a 401 StatusError at list-tags", err)
	}
	res, err := c.Tags(ctx, "ns/repo", other, ExpectFailure(failures.Unauthorized))
	if res != nil || err != nil {
		t.Errorf("Tags expecting unauthorized = %v, %v, want nil, nil", res, err)
	}
	// Expecting a failure mapped at list-tags that does not come.
	_, err = c.Tags(ctx, "ns/repo", ExpectFailure(failures.Unauthorized))
	if !errors.As(err, &se) || !se.Mapped || se.Got != 200 || se.Want != 401 {
		t.Errorf("Tags expecting unauthorized on a good token = %v, want a StatusError: 200, want 401 for unauthorized", err)
	}
	// Expecting a failure mapped at other steps only.
	_, err = c.Tags(ctx, "ns/repo", ExpectFailure(failures.UnknownTag))
	var me *MissedFailureError
	if !errors.As(err, &me) || me.Call != "Tags" {
		t.Errorf("Tags expecting unknown-tag = %v, want a *MissedFailureError", err)
	}
	// A repository that does not exist.
	_, err = c.Tags(ctx, "ns/nope")
	if !errors.As(err, &se) || se.Got != 404 || !slices.Equal(se.Codes, []string{failures.CodeNameUnknown}) {
		t.Errorf("Tags of a missing repository = %v, want 404 NAME_UNKNOWN", err)
	}
	// Names that cannot stand in a path.
	for _, name := range []string{"", "a?b", "a#b", "a b", "/abs", "a%2fb"} {
		if _, err := c.Tags(ctx, name); err == nil || !strings.HasPrefix(err.Error(), "v2proto.Tags: name ") {
			t.Errorf("Tags(%q) = %v, want a v2proto.Tags: name error", name, err)
		}
	}
}

// referrersResponder is a small referrers API: the referrers of one
// subject, filtered by artifactType, paged by pageSize with a Link.
type referrersResponder struct {
	subject   digest.Digest
	referrers []v1.Descriptor
	pageSize  int  // 0: one page
	noFilter  bool // ignore artifactType (a registry without filtering)
	lieFilter bool // claim the filter but do not apply it
	ct        string

	mu       sync.Mutex
	requests []string
}

func (rr *referrersResponder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rr.mu.Lock()
	rr.requests = append(rr.requests, r.URL.RequestURI())
	rr.mu.Unlock()
	d := digest.Digest(r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:])
	if d.Validate() != nil {
		writeErrors(w, 400, failures.CodeDigestInvalid, "invalid digest")
		return
	}
	list := []v1.Descriptor{}
	if d == rr.subject {
		list = rr.referrers
	}
	q := r.URL.Query()
	if at := q.Get("artifactType"); at != "" && !rr.noFilter {
		if !rr.lieFilter {
			var kept []v1.Descriptor
			for _, x := range list {
				if x.ArtifactType == at {
					kept = append(kept, x)
				}
			}
			list = kept
		}
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	start, _ := strconv.Atoi(q.Get("start"))
	list = list[min(start, len(list)):]
	if rr.pageSize > 0 && len(list) > rr.pageSize {
		list = list[:rr.pageSize]
		next := url.Values{"start": {strconv.Itoa(start + rr.pageSize)}}
		if at := q.Get("artifactType"); at != "" {
			next.Set("artifactType", at)
		}
		w.Header().Set("Link", fmt.Sprintf(`<%s?%s>; rel="next"`, r.URL.Path, next.Encode()))
	}
	ct := rr.ct
	if ct == "" {
		ct = v1.MediaTypeImageIndex
	}
	w.Header().Set("Content-Type", ct)
	if list == nil {
		list = []v1.Descriptor{}
	}
	json.NewEncoder(w).Encode(v1.Index{Versioned: specsVersioned(), MediaType: v1.MediaTypeImageIndex, Manifests: list})
}

func specsVersioned() specs.Versioned { return specs.Versioned{SchemaVersion: 2} }

func referrer(seed, artifactType string) v1.Descriptor {
	return v1.Descriptor{MediaType: v1.MediaTypeImageManifest, Digest: digest.FromString(seed), Size: int64(100 + len(seed)),
		ArtifactType: artifactType, Annotations: map[string]string{"org.example.seed": seed}}
}

func TestReferrersAPI(t *testing.T) {
	ctx := context.Background()
	subject := digest.FromString("the subject")
	const sbom, sig = "application/vnd.example.sbom.v1", "application/vnd.example.signature.v1"
	refs := []v1.Descriptor{referrer("r1", sbom), referrer("r2", sig), referrer("r3", sbom), referrer("r4", "")}
	tests := []struct {
		name      string
		rr        *referrersResponder
		opts      []CallOption
		subject   digest.Digest
		want      []v1.Descriptor
		pages     int
		applied   []string
		matching  []v1.Descriptor
		requested string // the first request
	}{
		{"all, one page", &referrersResponder{}, nil, subject, refs, 1, nil, refs, "/v2/ns/repo/referrers/" + string(subject)},
		{"all, pages of 1", &referrersResponder{pageSize: 1}, nil, subject, refs, 4, nil, refs, ""},
		{"no referrers", &referrersResponder{}, nil, digest.FromString("other"), []v1.Descriptor{}, 1, nil, nil, ""},
		{"filter applied", &referrersResponder{pageSize: 1}, []CallOption{WithArtifactType(sbom)}, subject,
			[]v1.Descriptor{refs[0], refs[2]}, 2, []string{"artifactType"}, []v1.Descriptor{refs[0], refs[2]},
			"/v2/ns/repo/referrers/" + string(subject) + "?artifactType=application%2Fvnd.example.sbom.v1"},
		{"filter not applied", &referrersResponder{noFilter: true}, []CallOption{WithArtifactType(sig)}, subject,
			refs, 1, nil, []v1.Descriptor{refs[1]}, ""},
		{"filter matching nothing", &referrersResponder{}, []CallOption{WithArtifactType("application/x-none")}, subject,
			[]v1.Descriptor{}, 1, []string{"artifactType"}, nil, ""},
		{"content type with parameters", &referrersResponder{ct: v1.MediaTypeImageIndex + "; charset=utf-8"}, nil, subject, refs, 1, nil, refs, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeRegistry(t, "bearer")
			tt.rr.subject, tt.rr.referrers = subject, refs
			f.route("GET /v2/ns/repo/referrers/"+string(tt.subject), tt.rr.ServeHTTP)
			res, err := f.client(t).Referrers(ctx, "ns/repo", tt.subject, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, res.Manifests, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Manifests mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.matching, res.Matching(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Matching mismatch (-want +got):\n%s", diff)
			}
			if len(res.Pages) != tt.pages || !cmp.Equal(res.FiltersApplied, tt.applied) || res.TagSchema || res.FilterApplied() != (tt.applied != nil) {
				t.Errorf("Referrers = %+v, want %d pages, filters %q, API used", res, tt.pages, tt.applied)
			}
			if tt.requested != "" && tt.rr.requests[0] != tt.requested {
				t.Errorf("first request %q, want %q", tt.rr.requests[0], tt.requested)
			}
		})
	}
}

func TestReferrersBadAnswers(t *testing.T) {
	ctx := context.Background()
	subject := digest.FromString("the subject")
	path := "/v2/ns/repo/referrers/" + string(subject)
	refs := []v1.Descriptor{referrer("r1", "a/b"), referrer("r2", "c/d")}
	tests := []struct {
		name    string
		h       http.HandlerFunc
		opts    []CallOption
		wantErr string
	}{
		{"lying filter", (&referrersResponder{subject: subject, referrers: refs, lieFilter: true}).ServeHTTP, []CallOption{WithArtifactType("a/b")},
			`GET ` + path + `?artifactType=a%2Fb = 200, manifests[1].artifactType "c/d", want "a/b" (OCI-Filters-Applied: artifactType) (referrers)`},
		{"wrong content type", (&referrersResponder{subject: subject, referrers: refs, ct: "application/json"}).ServeHTTP, nil,
			`GET ` + path + ` = 200, Content-Type "application/json", want "application/vnd.oci.image.index.v1+json" (referrers)`},
		{"not an index", serveJSONType(v1.MediaTypeImageIndex, `{"schemaVersion":2,"manifests":[{"digest":"x"}]}`), nil,
			"GET " + path + ` = 200, body not an image index: schema2.ParseIndex: manifests[0].mediaType is missing, want an OCI image index (referrers)`},
		{"a docker list", serveJSONType(v1.MediaTypeImageIndex, `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[]}`), nil,
			"GET " + path + ` = 200, body of mediaType "application/vnd.docker.distribution.manifest.list.v2+json", want an OCI image index (referrers)`},
		{"404 with API only", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, []CallOption{WithReferrersMode(ReferrersAPIOnly)},
			"GET " + path + " = 404, want 200 (referrers)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeRegistry(t, "none")
			f.route("GET "+path, tt.h)
			res, err := f.client(t).Referrers(ctx, "ns/repo", subject, tt.opts...)
			if err == nil || res != nil {
				t.Fatalf("Referrers = %+v, nil, want an error %s", res, tt.wantErr)
			}
			// The schema2 message may word the rule its own way: compare
			// up to the first rule word where it is quoted.
			if got := err.Error(); got != tt.wantErr && !(strings.Contains(tt.name, "not an index") && strings.HasPrefix(got, "GET "+path+" = 200, body not an image index: schema2.ParseIndex: manifests[0]")) {
				t.Errorf("Referrers error:\n got %s\nwant %s", got, tt.wantErr)
			}
		})
	}
	f := newFakeRegistry(t, "none")
	for _, bad := range []digest.Digest{"", "sha256", ":abc", "sha256:", "SHA256:abc", "sha256:ab/cd", "sha256:ab?c", "sha256+:ab", "+sha:ab"} {
		if _, err := f.client(t).Referrers(ctx, "ns/repo", bad); err == nil || !strings.HasPrefix(err.Error(), "v2proto.Referrers: subject ") {
			t.Errorf("Referrers(%q) = %v, want a v2proto.Referrers: subject error", bad, err)
		}
	}
}

func serveJSONType(ct, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ct)
		fmt.Fprint(w, body)
	}
}

func TestReferrersTagSchema(t *testing.T) {
	ctx := context.Background()
	subject := digest.FromString("the subject")
	tag := ReferrersTag(subject)
	refs := []v1.Descriptor{referrer("r1", "a/b"), referrer("r2", "c/d"), referrer("r1", "a/b")}
	index, _ := json.Marshal(v1.Index{Versioned: specsVersioned(), MediaType: v1.MediaTypeImageIndex, Manifests: refs})
	notFound := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(404)
		fmt.Fprint(w, "404 page not found\n")
	}
	tests := []struct {
		name       string
		api        http.HandlerFunc // nil: the fake's 404 NAME_UNKNOWN
		tagH       http.HandlerFunc // nil: 404 MANIFEST_UNKNOWN
		opts       []CallOption
		want       *ReferrersResult
		apiAsked   bool
		wantAccept string
	}{
		{"API 404, tag found", notFound, serveJSONType(v1.MediaTypeImageIndex, string(index)), nil,
			&ReferrersResult{Subject: subject, Manifests: refs, TagSchema: true, TagSchemaFound: true, Duplicates: []digest.Digest{refs[0].Digest}},
			true, v1.MediaTypeImageIndex},
		{"API 404, tag found, filter", notFound, serveJSONType(v1.MediaTypeImageIndex, string(index)), []CallOption{WithArtifactType("c/d")},
			&ReferrersResult{Subject: subject, ArtifactType: "c/d", Manifests: refs, TagSchema: true, TagSchemaFound: true, Duplicates: []digest.Digest{refs[0].Digest}},
			true, ""},
		{"API 404, no tag", nil, nil, nil,
			&ReferrersResult{Subject: subject, TagSchema: true}, true, ""},
		{"tag schema only", nil, serveJSONType(v1.MediaTypeImageIndex, string(index)), []CallOption{WithReferrersMode(ReferrersTagSchemaOnly)},
			&ReferrersResult{Subject: subject, Manifests: refs, TagSchema: true, TagSchemaFound: true, Duplicates: []digest.Digest{refs[0].Digest}},
			false, ""},
		{"tag holds a manifest", notFound, serveJSONType(v1.MediaTypeImageManifest, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]}`), nil,
			&ReferrersResult{Subject: subject, TagSchema: true, TagSchemaFound: true, TagSchemaIgnored: "the tag holds a oci-manifest, not an OCI image index"},
			true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeRegistry(t, "bearer")
			var apiAsked bool
			if tt.api != nil {
				f.route("GET /v2/ns/repo/referrers/"+string(subject), func(w http.ResponseWriter, r *http.Request) { apiAsked = true; tt.api(w, r) })
			}
			var accept string
			if tt.tagH != nil {
				f.route("GET /v2/ns/repo/manifests/"+tag, func(w http.ResponseWriter, r *http.Request) { accept = r.Header.Get("Accept"); tt.tagH(w, r) })
			}
			res, err := f.client(t).Referrers(ctx, "ns/repo", subject, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			ignoreWording := cmpopts.IgnoreFields(ReferrersResult{}, "TagSchemaIgnored")
			if diff := cmp.Diff(tt.want, res, cmpopts.EquateEmpty(), ignoreWording); diff != "" {
				t.Errorf("Referrers mismatch (-want +got):\n%s", diff)
			}
			if (tt.want.TagSchemaIgnored == "") != (res.TagSchemaIgnored == "") {
				t.Errorf("TagSchemaIgnored = %q, want %q", res.TagSchemaIgnored, tt.want.TagSchemaIgnored)
			}
			if tt.api != nil && apiAsked != tt.apiAsked {
				t.Errorf("referrers API asked: %v, want %v", apiAsked, tt.apiAsked)
			}
			if tt.wantAccept != "" && accept != tt.wantAccept {
				t.Errorf("tag schema Accept %q, want %q", accept, tt.wantAccept)
			}
		})
	}
	// The tag schema step may carry an expected failure: the Distribution
	// table maps unknown-tag at get-manifest-list.
	f := newFakeRegistry(t, "none")
	f.route("GET /v2/ns/repo/referrers/"+string(subject), notFound)
	f.route("GET /v2/ns/repo/manifests/"+tag, func(w http.ResponseWriter, r *http.Request) {
		writeErrors(w, 404, failures.CodeManifestUnknown, "manifest unknown")
	})
	res, err := f.client(t).Referrers(ctx, "ns/repo", subject, ExpectFailure(failures.UnknownTag))
	if res != nil || err != nil {
		t.Errorf("Referrers expecting unknown-tag (met at the tag schema) = %+v, %v, want nil, nil", res, err)
	}
}

func TestReferrersTag(t *testing.T) {
	a64 := strings.Repeat("a", 64)
	tests := []struct {
		d    digest.Digest
		want string
	}{
		{digest.Digest("sha256:" + a64), "sha256-" + a64},
		{digest.Digest("sha512:" + strings.Repeat("a", 128)), "sha512-" + a64},
		// The spec's third example.
		{"test+algorithm+using+algorithm+separators+and+lots+of+characters+to+excercise+overall+truncation:alsoSome=InTheEncodedSectionToShowHyphenReplacementAndLotsAndLotsOfCharactersToExcerciseEncodedTruncation",
			"test-algorithm-using-algorithm-s-alsoSome-InTheEncodedSectionToShowHyphenReplacementAndLotsAndLot"},
	}
	for _, tt := range tests {
		if got := ReferrersTag(tt.d); got != tt.want {
			t.Errorf("ReferrersTag(%q) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// FuzzListing lets the fuzzer choose what the pages of a listing answer
// (status, Link, Content-Type, body) and checks that Tags, Catalog and
// Referrers return in time, without panicking, with a result or one of the
// package's errors, within their page limit.
func FuzzListing(f *testing.F) {
	f.Add(uint16(200), `</v2/_catalog?last=a&n=1>; rel="next"`, "application/json", `{"repositories":["a"],"name":"x","tags":["a"]}`)
	f.Add(uint16(200), `<?p=SELF>; rel=next`, v1.MediaTypeImageIndex, `{"schemaVersion":2,"manifests":[]}`)
	f.Add(uint16(200), `<http://[::1>; rel=next`, "", `{"name":"x","tags":null}`)
	f.Add(uint16(404), ``, "text/plain", `404 page not found`)
	f.Add(uint16(200), `</a>; rel="next last", <//evil/x>; rel=next`, "application/json", "\xff{")
	f.Fuzz(func(t *testing.T, status uint16, link, ct, body string) {
		var calls int
		var mu sync.Mutex
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
			if r.URL.Path == "/v2/" {
				return
			}
			mu.Lock()
			calls++
			n := calls
			mu.Unlock()
			if link != "" {
				w.Header().Set("Link", strings.ReplaceAll(link, "SELF", strconv.Itoa(n)))
			}
			w.Header().Set("Content-Type", ct)
			w.WriteHeader(200 + int(status)%400)
			fmt.Fprint(w, body)
		}))
		defer srv.Close()
		c, err := New(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		check := func(err error) {
			var (
				se *StatusError
				re *ResponseError
				qe *RequestError
			)
			if err != nil && !errors.As(err, &se) && !errors.As(err, &re) && !errors.As(err, &qe) {
				t.Errorf("error %T %v is none of the package's", err, err)
			}
		}
		limit := WithLimits(Limits{MaxPages: 20})
		_, err = c.Tags(ctx, "x", limit, WithPageSize(1))
		check(err)
		_, err = c.Catalog(ctx, limit)
		check(err)
		_, err = c.Referrers(ctx, "x", digest.FromString("s"), limit, WithArtifactType("a/b"))
		check(err)
		if calls > 3*20+1 {
			t.Errorf("%d page requests, want at most %d", calls, 3*20+1)
		}
	})
}

func ExampleClient_Tags() {
	// A registry that pages its tags two at a time, as distribution v3 does.
	all := []string{"1.0", "1.1", "2.0", "latest"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		if r.URL.Path != "/v2/library/app/tags/list" {
			return
		}
		rest := all
		if last := r.URL.Query().Get("last"); last != "" {
			rest = rest[slices.Index(rest, last)+1:]
		}
		if len(rest) > 2 {
			w.Header().Set("Link", fmt.Sprintf(`</v2/library/app/tags/list?n=2&last=%s>; rel="next"`, rest[1]))
			rest = rest[:2]
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"name": "library/app", "tags": rest})
	}))
	defer srv.Close()

	c, _ := New(srv.URL)
	res, err := c.Tags(context.Background(), "library/app", WithPageSize(2))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Tags)
	for _, p := range res.Pages {
		fmt.Println(p.Path, p.Entries, p.Next)
	}
	fmt.Println("paginated:", res.Paginated, "sorted:", res.Sorted)
	// Output:
	// [1.0 1.1 2.0 latest]
	// /v2/library/app/tags/list?n=2 2 true
	// /v2/library/app/tags/list?n=2&last=1.1 2 false
	// paginated: true sorted: true
}

// BenchmarkTags walks 1000 tags in pages of 100 from an httptest server
// (ping, 10 pages, no auth).
func BenchmarkTags(b *testing.B) {
	f := newFakeRegistry(b, "none")
	pl := &pagedList{name: "ns/repo", key: "tags", entries: tagNames(1000)}
	f.route("GET /v2/ns/repo/tags/list", pl.ServeHTTP)
	c := f.client(b)
	ctx := context.Background()
	for b.Loop() {
		res, err := c.Tags(ctx, "ns/repo", WithPageSize(100))
		if err != nil || len(res.Tags) != 1000 {
			b.Fatal(res, err)
		}
	}
}
