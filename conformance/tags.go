package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

const areaTags = "Tags paging"

// pageSizes are the page sizes of the paging scenarios (Quay's).
var pageSizes = []int{1, 2, 10, 50, 100}

func tagScenarios() []Scenario {
	return []Scenario{
		{
			ID: "tags-list", Area: areaTags,
			Requires: []Requirement{reqTagsLexicalOrder, reqTagsJSON},
			Explain: "GET /tags/list of a repository with some tags answers 200 {\"name\": <repo>, \"tags\": [...]} with " +
				"exactly those tags, in lexical order (distribution-spec: listing tags)",
			Origin: "O: <set>/tag-list; L38",
			Run:    runTagsList,
		},
		{
			ID: "tags-list-empty-repo", Area: areaTags,
			Requires: []Requirement{reqNonexistentRepo404, reqTagsMayBeEmpty},
			Explain:  "GET /tags/list of a repository with nothing pushed answers 404 (or 200 with no tags)",
			Origin:   "O: empty/tag list",
			Run:      runTagsListEmptyRepo,
		},
		{
			ID: "tags-paging-n", Area: areaTags,
			Requires: []Requirement{reqTagsNResults, reqTagsLinkMay},
			Explain: "walking /tags/list?n= for n in 1, 2, 10, 50, 100: every page holds at most n tags, and the union is " +
				"every tag without duplicates, the same on a second walk. With tag-link, Link: <...>; rel=\"next\" is " +
				"followed until absent (and must come when more tags remain); without it (Link is a MAY), the walk asks " +
				"for ?n=<n>&last=<the last tag received> until a page holds fewer than n; params: " +
				"lister {owner, org admin, another user of a public repository} × repository {a few tags, more than 100}",
			Origin: "Q: test_tags[4 repos × 5 sizes]; O: L39",
			Needs:  []Capability{TagPaging},
			Params: []string{"owner-few", "owner-many", "org-admin-few", "public-few"},
			Run:    runTagsPagingN,
		},
		{
			ID: "tags-paging-last", Area: areaTags,
			Requires: []Requirement{reqTagsLast, reqTagsLastWithoutN},
			Explain: "?last=<t>, with and without n, lists only the tags lexically after t (with n, every page: by Link " +
				"with tag-link, else by last)",
			Origin: "O: <set>/tag-list (the second request); L40",
			Needs:  []Capability{TagPaging},
			Run:    runTagsPagingLast,
		},
		{
			ID: "tags-paging-n-zero", Area: areaTags,
			Requires: []Requirement{reqTagsNZero},
			Explain: "GET /tags/list?n=0 of a repository with some tags answers 200 with an empty list and no Link header " +
				"(distribution-spec: listing tags)",
			Origin: "FINDINGS: a registry that lists every tag for n=0",
			Needs:  []Capability{TagPaging},
			Run:    runTagsPagingNZero,
		},
	}
}

// tagNames are the tags the listing scenarios push, out of order.
var tagNames = []string{"latest", "1.0", "b", "a", "v2", "A", "z-last"}

// pushTags pushes one manifest to repo under every tag of tags as role r:
// one push, then one PUT per further tag.
func (e *Env) pushTags(r Role, repo string, tags []string) error {
	pr, err := e.pushAs(r, repo, tags[:1], fixtures.Basic(), fmtS2)
	if err != nil {
		return err
	}
	m := pr.Manifests[0]
	o, err := e.as(r)
	if err != nil {
		return err
	}
	for _, t := range tags[1:] {
		if _, err := e.client.PushManifest(e.Ctx, repo, t, m.MediaType, m.Bytes, o...); err != nil {
			return err
		}
	}
	return nil
}

func runTagsList(e *Env) error {
	repo := e.Repo(Owner)
	if err := e.pushTags(Owner, repo, tagNames); err != nil {
		return err
	}
	tr, err := e.tagsOf(repo)
	if err != nil {
		return err
	}
	want := slices.Sorted(slices.Values(tagNames))
	got := slices.Sorted(slices.Values(tr.Tags))
	if !slices.Equal(got, want) {
		return e.Errorf("GET /v2/%s/tags/list = %q, want %q", repo, tr.Tags, want)
	}
	if !tr.Sorted {
		return e.Errorf("GET /v2/%s/tags/list = %q, want them in lexical order", repo, tr.Tags)
	}
	return nil
}

func runTagsListEmptyRepo(e *Env) error {
	repo := e.Repo(Owner)
	tr, err := e.tagsOf(repo)
	var se *v2proto.StatusError
	switch {
	case err == nil:
		if len(tr.Tags) != 0 {
			return e.Errorf("GET /v2/%s/tags/list of a repository never pushed = %q, want 404 or no tags", repo, tr.Tags)
		}
		return nil
	case errors.As(err, &se) && se.Got == http.StatusNotFound:
		return nil // a 4xx body MAY be in any format: NAME_UNKNOWN is not required
	}
	return err
}

func runTagsPagingN(e *Env) error {
	who, size, _ := strings.Cut(e.Param, "-")
	lister, owner := Owner, Owner
	switch who {
	case "org":
		lister, owner = OrgAdmin, OrgAdmin
		size = strings.TrimPrefix(size, "admin-")
	case "public":
		lister = Other
	}
	repo := e.Repo(owner)
	tags := tagNames
	if size == "many" {
		tags = nil
		for i := range 105 {
			tags = append(tags, fmt.Sprintf("t%03d", i))
		}
	}
	if err := e.pushTags(owner, repo, tags); err != nil {
		return err
	}
	if who == "public" {
		if err := e.makePublic(repo); err != nil {
			return err
		}
	}
	want := slices.Sorted(slices.Values(tags))
	if !e.Has(TagLink) {
		return e.tagPagesByLast(lister, repo, want)
	}
	for _, n := range pageSizes {
		var first []string
		for walk := range 2 {
			o, err := e.as(lister, v2proto.WithPageSize(n))
			if err != nil {
				return err
			}
			tr, err := e.client.Tags(e.Ctx, repo, o...)
			if err != nil {
				return err
			}
			if len(tr.Duplicates) > 0 {
				return e.Errorf("GET /v2/%s/tags/list?n=%d (all pages): %q listed more than once", repo, n, tr.Duplicates)
			}
			got := slices.Sorted(slices.Values(tr.Tags))
			if !slices.Equal(got, want) {
				return e.Errorf("GET /v2/%s/tags/list?n=%d (all pages) = %q, want %q", repo, n, got, want)
			}
			if len(tags) > n && !tr.Paginated {
				return e.Errorf("GET /v2/%s/tags/list?n=%d = %d tags on one page, want pages of at most %d", repo, n, len(tr.Tags), n)
			}
			if walk == 0 {
				first = tr.Tags
			} else if !slices.Equal(first, tr.Tags) {
				return e.Errorf("GET /v2/%s/tags/list?n=%d: a second walk gave %q, want %q as the first", repo, n, tr.Tags, first)
			}
		}
	}
	return nil
}

func runTagsPagingLast(e *Env) error {
	repo := e.Repo(Owner)
	if err := e.pushTags(Owner, repo, tagNames); err != nil {
		return err
	}
	sorted := slices.Sorted(slices.Values(tagNames))
	for _, last := range []string{sorted[0], "b", sorted[len(sorted)-1]} {
		var want []string
		for _, t := range sorted {
			if t > last {
				want = append(want, t)
			}
		}
		for _, n := range []int{0, 2} {
			opts := []v2proto.CallOption{v2proto.WithLast(last)}
			q := "last=" + last
			if n > 0 {
				opts = append(opts, v2proto.WithPageSize(n))
				q += fmt.Sprintf("&n=%d", n)
			}
			var got []string
			if n > 0 && !e.Has(TagLink) {
				// Without Link, the pages are walked with last.
				tags, err := e.walkByLast(Owner, failures.ListTags, "/v2/"+repo+"/tags/list", "tags", n, last, pullScope(repo))
				if err != nil {
					return err
				}
				got = tags
			} else {
				tr, err := e.tagsOf(repo, opts...)
				if err != nil {
					return err
				}
				got = tr.Tags // with n, all the pages together
			}
			if !slices.Equal(got, want) {
				return e.Errorf("GET /v2/%s/tags/list?%s = %q, want %q", repo, q, got, want)
			}
		}
	}
	return nil
}

// tagPagesByLast walks repo's tags as lister for every page size with n
// and last, without Link (a MAY): every page holds exactly n tags but the
// last, the union is want without duplicates, and a second walk gives the
// same.
func (e *Env) tagPagesByLast(lister Role, repo string, want []string) error {
	path := "/v2/" + repo + "/tags/list"
	for _, n := range pageSizes {
		var first []string
		for walk := range 2 {
			got, err := e.walkByLast(lister, failures.ListTags, path, "tags", n, "", pullScope(repo))
			if err != nil {
				return skipIfLastIgnored(e, err)
			}
			if d := duplicates(got); len(d) > 0 {
				return e.Errorf("GET %s?n=%d&last=... (all pages): %q listed more than once", path, n, d)
			}
			if s := slices.Sorted(slices.Values(got)); !slices.Equal(s, want) {
				return e.Errorf("GET %s?n=%d&last=... (all pages) = %q, want %q", path, n, s, want)
			}
			if walk == 0 {
				first = got
			} else if !slices.Equal(first, got) {
				return e.Errorf("GET %s?n=%d&last=...: a second walk gave %q, want %q as the first", path, n, got, first)
			}
		}
	}
	return nil
}

// duplicates returns the entries of list that appear more than once, each
// once.
func duplicates(list []string) []string {
	seen := map[string]int{}
	var out []string
	for _, s := range list {
		if seen[s]++; seen[s] == 2 {
			out = append(out, s)
		}
	}
	return out
}

// makePublic makes repo readable by anyone through the target's Control,
// or returns the error of Skip when it cannot.
func (e *Env) makePublic(repo string) error {
	c, ok := e.Target.Control.(PublicRepos)
	if !ok {
		return e.Skip("the target's Control cannot set state %s", StateMakePublic)
	}
	if err := c.MakePublic(e.Ctx, repo); err != nil {
		return fmt.Errorf("making %s public: %w", repo, err)
	}
	return nil
}

func runTagsPagingNZero(e *Env) error {
	repo := e.Repo(Owner)
	if err := e.pushTags(Owner, repo, tagNames[:3]); err != nil {
		return err
	}
	return e.checkNZero(repo)
}

// checkNZero GETs repo's tags/list?n=0, which must be an empty list
// without Link.
func (e *Env) checkNZero(repo string) error {
	path := "/v2/" + repo + "/tags/list?n=0"
	resp, body, err := e.exchange(failures.ListTags, http.MethodGet, path, nil, nil, pullScope(repo))
	if err != nil {
		return err
	}
	var list struct {
		Tags []string `json:"tags"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return e.Violates(reqTagsJSON, e.Errorf("GET %s = 200 with body %.200q: %v, want a JSON body", path, body, err))
	}
	if len(list.Tags) != 0 {
		return e.Errorf("GET %s = tags %q, want an empty list", path, list.Tags)
	}
	if l := resp.Header.Get("Link"); l != "" {
		return e.Errorf("GET %s = Link %q, want no Link header", path, l)
	}
	return nil
}

// walkByLast lists path (tags/list or _catalog) page by page as role r
// with scopes, without following Link: each request asks for n entries
// after the last one received (?n=<n>&last=<last>; the first request
// after last, when not empty), until a page holds
// fewer than n. It checks what the spec requires of each page (at most n
// entries, exactly n unless the list ends there, a JSON body) and returns
// every entry, in order.
func (e *Env) walkByLast(r Role, step failures.Step, path, key string, n int, last string, scopes ...string) ([]string, error) {
	var all []string
	for page := 0; ; page++ {
		if page > 1000 {
			return nil, e.Errorf("GET %s?n=%d: more than 1000 pages, want the list to end", path, n)
		}
		q := url.Values{"n": {strconv.Itoa(n)}}
		if last != "" {
			q.Set("last", last)
		}
		p := path + "?" + q.Encode()
		_, body, err := e.exchangeAs(r, step, http.MethodGet, p, nil, nil, scopes...)
		if err != nil {
			return nil, err
		}
		var list map[string]json.RawMessage
		var entries []string
		if err := json.Unmarshal(body, &list); err == nil && list[key] != nil {
			err = json.Unmarshal(list[key], &entries)
		}
		if err != nil {
			return nil, e.Violates(reqTagsJSON, e.Errorf("GET %s = body %.200q: %v, want a JSON body with %q", p, body, err, key))
		}
		if len(entries) > n {
			return nil, e.Errorf("GET %s = %d entries, want at most %d", p, len(entries), n)
		}
		for _, t := range entries {
			if slices.Contains(all, t) {
				// The page repeats an entry: the registry did not honour
				// last. That requirement is tags-paging-last's (one bug,
				// one failure); paging by n cannot be walked without it.
				return nil, &lastIgnoredError{e.Violates(reqTagsLast, e.Errorf("GET %s = %q, which repeats %q, want only entries after %q", p, entries, t, last))}
			}
		}
		all = append(all, entries...)
		if len(entries) < n || len(entries) == 0 {
			return all, nil
		}
		last = entries[len(entries)-1]
	}
}

// A lastIgnoredError is walkByLast's error when a page repeats an entry:
// the registry did not honour last, a violation of reqTagsLast.
type lastIgnoredError struct{ err error }

func (l *lastIgnoredError) Error() string { return l.err.Error() }
func (l *lastIgnoredError) Unwrap() error { return l.err }

// skipIfLastIgnored turns err into a skip when it is a lastIgnoredError: a
// scenario that pages by n (tags-paging-n, cat-paging) cannot walk the
// pages without last, and last is tags-paging-last's requirement (one bug,
// one failure).
func skipIfLastIgnored(e *Env, err error) error {
	var l *lastIgnoredError
	if errors.As(err, &l) {
		return e.Skip("paging by n cannot be walked without last (tags-paging-last checks it): %v", l.err)
	}
	return err
}
