package hostile_test

import (
	"context"
	"errors"
	"fmt"
	. "github.com/registrytest/registrytest/v2proto"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/examples/internal/faultreg"
	"github.com/registrytest/registrytest/examples/internal/testreg"
	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
)

// pendingEnv, when set to 1, runs the hostile cases that show gaps not
// closed yet (each case says what fails); they are skipped otherwise.
const pendingEnv = "REGISTRYTEST_HOSTILE_PENDING"

// A hostileCase is one misbehaviour of the registry met by a flow.
type hostileCase struct {
	name  string
	rules []faultreg.Rule
	// call runs the flow.
	call func(ctx context.Context) error
	// deadline is the call's context deadline, 0 for none; with stall,
	// the deadline falls once one of the case's rules stalled (atStall).
	deadline time.Duration
	stall    bool
	// kind is the error wanted: "status", "response", "request", or "" for
	// none; step the step it must name; want its message, where "…" stands
	// for any text.
	kind string
	step failures.Step
	want string
	// check, when set, checks more after the call.
	check func(t *testing.T, err error)
	// pending, when set, says which gap the case shows: it is skipped
	// unless REGISTRYTEST_HOSTILE_PENDING=1.
	pending string
}

// run runs the cases on e, each with its rules alone.
func (e *hostileEnv) run(t *testing.T, cases []hostileCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.pending != "" && os.Getenv(pendingEnv) != "1" {
				t.Skipf("pending (%s=1 runs it): %s", pendingEnv, tc.pending)
			}
			e.f.Reset()
			var active []*faultreg.Active
			for _, r := range tc.rules {
				active = append(active, e.f.Add(r))
			}
			var err error
			if tc.stall {
				err = e.atStall(t, active, tc.call)
			} else {
				err = e.bounded(t, tc.deadline, tc.call)
			}
			t.Logf("error: %v", err)
			var got failures.Step
			switch tc.kind {
			case "":
				if err != nil {
					t.Errorf("error %v, want none", err)
				}
			case "status":
				if se := wantError[*StatusError](t, "the call", err, tc.want); se != nil {
					got = se.Step
				}
			case "response":
				if re := wantError[*ResponseError](t, "the call", err, tc.want); re != nil {
					got = re.Step
				}
			case "request":
				if qe := wantError[*RequestError](t, "the call", err, tc.want); qe != nil {
					got = qe.Step
				}
			default:
				t.Fatalf("kind %q", tc.kind)
			}
			if tc.kind != "" && got != tc.step {
				t.Errorf("the error names step %q, want %q", got, tc.step)
			}
			for i, a := range active {
				if a.Hits() == 0 {
					t.Errorf("rule %d (%s %s) never fired: the case does not test what it claims", i, a.Step, a.Path)
				}
			}
			if tc.check != nil {
				tc.check(t, err)
			}
		})
	}
}

// zeros is a digest that no content has.
var zeros = digest.Digest("sha256:" + strings.Repeat("0", 64))

// answerOf returns a fault answering 200 with body, the Content-Type ct
// and a Docker-Content-Digest that is body's digest: content that is
// consistent but wrong.
func answerOf(ct, body string) faultreg.Fault {
	return faultreg.Respond(http.StatusOK, http.Header{
		"Content-Type":          {ct},
		"Docker-Content-Digest": {digest.FromString(body).String()},
	}, body)
}

const schema2Type = "application/vnd.docker.distribution.manifest.v2+json"

func TestHostilePull(t *testing.T) {
	e := newHostile(t, testreg.AuthToken)
	ctx := context.Background()
	images := fixtures.Basic()
	res, err := e.c.Push(ctx, hostileRepo, []string{"latest"}, images, e.creds)
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifests[0].Digest
	layer := images[0].Layer
	ld, lsize := layer.Digest(), layer.Size()
	pull := func(ref string) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			_, err := e.c.Pull(ctx, hostileRepo, []string{ref}, images, e.creds)
			return err
		}
	}
	onManifest := func(f faultreg.Fault) []faultreg.Rule {
		return []faultreg.Rule{{Step: failures.GetManifest, Fault: f}}
	}
	onLayer := func(f faultreg.Fault) []faultreg.Rule {
		return []faultreg.Rule{{Step: failures.GetBlob, Path: string(ld) + "$", Fault: f}}
	}
	getM := "GET /v2/hostile/repo/manifests/latest"
	getL := "GET /v2/hostile/repo/blobs/" + ld.String()
	big := `{"schemaVersion":2,"x":"` + strings.Repeat("a", 5<<20) + `"}`
	e.run(t, []hostileCase{
		{name: "manifest digest header", rules: onManifest(faultreg.SetHeader("Docker-Content-Digest", zeros.String())), call: pull("latest"),
			kind: "response", step: failures.GetManifest,
			want: fmt.Sprintf("%s = 200, Docker-Content-Digest %s, want %s (the body's) (get-manifest)", getM, zeros, m)},
		{name: "manifest digest header by digest", rules: onManifest(faultreg.SetHeader("Docker-Content-Digest", zeros.String())), call: pull(m.String()),
			kind: "response", step: failures.GetManifest,
			want: fmt.Sprintf("GET /v2/hostile/repo/manifests/%s = 200, Docker-Content-Digest %s, want %s (get-manifest)", m, zeros, m)},
		{name: "manifest bytes", rules: onManifest(faultreg.Corrupt()), call: pull("latest"),
			kind: "response", step: failures.GetManifest,
			want: fmt.Sprintf("%s = 200, Docker-Content-Digest %s, want sha256:… (the body's) (get-manifest)", getM, m)},
		{name: "manifest bytes by digest, no header", call: pull(m.String()),
			rules: onManifest(faultreg.Rewrite(func(_ *http.Request, r *faultreg.Response) {
				r.Header.Del("Docker-Content-Digest")
				r.Body[len(r.Body)-2] ^= 0x20 // a letter's case, or a space
			})),
			kind: "response", step: failures.GetManifest,
			want: fmt.Sprintf("GET /v2/hostile/repo/manifests/%s = 200, body digest sha256:…, want %s (get-manifest)", m, m)},
		{name: "blob digest header", rules: onLayer(faultreg.SetHeader("Docker-Content-Digest", zeros.String())), call: pull("latest"),
			kind: "response", step: failures.GetBlob,
			want: fmt.Sprintf("%s = 200, Docker-Content-Digest %q, want %s (get-blob)", getL, zeros, ld)},
		{name: "blob bytes", rules: onLayer(faultreg.Corrupt()), call: pull("latest"),
			kind: "response", step: failures.GetBlob,
			want: fmt.Sprintf("%s = 200, body digest sha256:…, want %s (get-blob)", getL, ld)},
		{name: "manifest shorter than Content-Length", rules: onManifest(faultreg.Truncate(20)), call: pull("latest"),
			kind: "request", step: failures.GetManifest,
			want: getM + ": reading the body: unexpected EOF (get-manifest)"},
		{name: "manifest Content-Length too big", rules: onManifest(faultreg.ContentLength(100)), call: pull("latest"),
			kind: "request", step: failures.GetManifest,
			want: getM + ": reading the body: unexpected EOF (get-manifest)"},
		{name: "manifest Content-Length too small", rules: onManifest(faultreg.ContentLength(-10)), call: pull("latest"),
			kind: "response", step: failures.GetManifest,
			want: fmt.Sprintf("%s = 200, Docker-Content-Digest %s, want sha256:… (the body's) (get-manifest)", getM, m)},
		{name: "blob shorter than Content-Length", rules: onLayer(faultreg.Truncate(20)), call: pull("latest"),
			kind: "request", step: failures.GetBlob,
			want: getL + ": reading the body: unexpected EOF (get-blob)"},
		{name: "blob Content-Length too big", rules: onLayer(faultreg.ContentLength(100)), call: pull("latest"),
			kind: "response", step: failures.GetBlob,
			want: fmt.Sprintf("%s = 200, Content-Length %d, want %d (get-blob)", getL, lsize+100, lsize)},
		{name: "blob Content-Length too small", rules: onLayer(faultreg.ContentLength(-3)), call: pull("latest"),
			kind: "response", step: failures.GetBlob,
			want: fmt.Sprintf("%s = 200, Content-Length %d, want %d (get-blob)", getL, lsize-3, lsize)},
		// Bytes past the body are not taken for a part of it, and do not
		// upset the next exchange on a new connection.
		{name: "bytes after the body", rules: append(onManifest(faultreg.Trailing("garbage")), onLayer(faultreg.Trailing("HTTP/1.1 200 OK\r\n\r\n"))...),
			call: pull("latest")},
		{name: "endless manifest", rules: onManifest(faultreg.Endless(200, http.Header{"Content-Type": {schema2Type}}, `{"x":"`)), call: pull("latest"),
			kind: "response", step: failures.GetManifest,
			want: getM + " = 200, body more than 4194304 bytes, want a manifest of at most 4194304 bytes (MaxManifestBody) (get-manifest)"},
		{name: "endless blob", rules: onLayer(faultreg.Endless(200, nil, "")), call: pull("latest"),
			kind: "response", step: failures.GetBlob,
			want: fmt.Sprintf("%s = 200, body more than %d bytes, want %d bytes (get-blob)", getL, lsize, lsize)},
		{name: "manifest over 4 MiB", rules: onManifest(answerOf(schema2Type, big)), call: pull("latest"),
			kind: "response", step: failures.GetManifest,
			want: fmt.Sprintf("%s = 200, Content-Length %d, want at most 4194304 (MaxManifestBody) (get-manifest)", getM, len(big))},
		{name: "manifest not JSON", rules: onManifest(answerOf(schema2Type, "<html>oops</html>")), call: pull("latest"),
			kind: "response", step: failures.GetManifest,
			want: getM + ` = 200, body "schema2.Detect: body = not JSON (invalid character '<' looking for beginning of value), want a JSON object", want a manifest of its Content-Type (get-manifest)`},
		{name: "manifest Content-Type", rules: onManifest(faultreg.SetHeader("Content-Type", "text/plain")), call: pull("latest"),
			kind: "response", step: failures.GetManifest,
			want: getM + ` = 200, Content-Type "text/plain", want a manifest media type (get-manifest)`},
		{name: "manifest Content-Type of another kind", rules: onManifest(faultreg.SetHeader("Content-Type", "application/vnd.oci.image.index.v1+json")), call: pull("latest"),
			kind: "response", step: failures.GetManifest,
			want: getM + ` = 200, body "schema2.Detect: body = a docker-manifest document, want an oci-index document, as Content-Type \"application/vnd.oci.image.index.v1+json\" says", want a manifest of its Content-Type (get-manifest)`},
		{name: "200 with an error body", rules: onManifest(answerOf(schema2Type, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"no"}]}`)), call: pull("latest"),
			kind: "response", step: failures.GetManifest,
			want: getM + ` = 200, body "schema2.Detect: schemaVersion is missing, want 1 or 2", want a manifest of its Content-Type (get-manifest)`},
		{name: "200 with an error body as JSON", rules: onManifest(answerOf("application/json", `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"no"}]}`)), call: pull("latest"),
			kind: "response", step: failures.GetManifest,
			want: getM + ` = 200, Content-Type "application/json", want a manifest media type (get-manifest)`},
		{name: "manifest stalls before headers", rules: onManifest(faultreg.Stall(-1)), call: pull("latest"), stall: true,
			kind: "request", step: failures.GetManifest,
			want: getM + ": context deadline exceeded (get-manifest)"},
		{name: "manifest stalls mid-body", rules: onManifest(faultreg.Stall(10)), call: pull("latest"), stall: true,
			kind: "request", step: failures.GetManifest,
			want: getM + ": reading the body: context deadline exceeded (get-manifest)"},
		{name: "blob stalls mid-body", rules: onLayer(faultreg.Stall(10)), call: pull("latest"), stall: true,
			kind: "request", step: failures.GetBlob,
			want: getL + ": reading the body: context deadline exceeded (get-blob)"},
		{name: "blob on another host", rules: onLayer(e.f.Other.ToOther(http.StatusTemporaryRedirect, false)), call: pull("latest"),
			check: func(t *testing.T, _ error) { noCredentialsAt(t, e.f.Other) }},
		{name: "blob on another port", rules: onLayer(e.f.Other.ToOther(http.StatusFound, true)), call: pull("latest"),
			check: func(t *testing.T, _ error) { noCredentialsAt(t, e.f.Other) }},
		{name: "blob redirect loop", rules: onLayer(faultreg.Redirect(http.StatusFound, func(r *http.Request) string { return r.URL.Path })), call: pull("latest"),
			kind: "request", step: failures.GetBlob,
			want: getL + ": stopped after 10 redirects (get-blob)"},
		{name: "manifest 401 after a good token", rules: onManifest(faultreg.Status(401, failures.CodeUnauthorized)), call: pull("latest"),
			kind: "status", step: failures.GetManifest,
			want: getM + " = 401 UNAUTHORIZED, want 200 (get-manifest)"},
	})
}

// noCredentialsAt checks that every request o received had no
// Authorization, and that there was one.
func noCredentialsAt(t *testing.T, o *faultreg.Other) {
	t.Helper()
	reqs := o.Requests()
	if len(reqs) == 0 {
		t.Errorf("the other host got no request")
	}
	for _, r := range reqs {
		if r.Authorization != "" {
			t.Errorf("the other host got %s %s with Authorization", r.Method, r.Path)
		}
	}
}

func TestHostileListing(t *testing.T) {
	e := newHostile(t, testreg.AuthToken)
	ctx := context.Background()
	if _, err := e.c.Push(ctx, hostileRepo, []string{"a", "b", "c"}, fixtures.Basic(), e.creds); err != nil {
		t.Fatal(err)
	}
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	tags := func(opts ...CallOption) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			_, err := e.c.Tags(ctx, hostileRepo, append([]CallOption{e.creds}, opts...)...)
			return err
		}
	}
	catalog := func(opts ...CallOption) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			_, err := e.c.Catalog(ctx, append([]CallOption{e.creds}, opts...)...)
			return err
		}
	}
	onTags := func(f faultreg.Fault) []faultreg.Rule {
		return []faultreg.Rule{{Step: failures.ListTags, Fault: f}}
	}
	// endlessCatalog answers every page with name(i) and a Link to page
	// i+1.
	endlessCatalog := func(name func(i int) string) []faultreg.Rule {
		return []faultreg.Rule{{Step: failures.Catalog, Fault: func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
			var i int
			fmt.Sscan(r.URL.Query().Get("page"), &i)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Link", fmt.Sprintf(`</v2/_catalog?page=%d>; rel="next"`, i+1))
			fmt.Fprintf(w, `{"repositories":[%q]}`, name(i))
		}}}
	}
	// slowly makes the rules' faults wait 1 ms: DefaultMaxPages pages
	// then take longer than the deadline.
	slowly := func(rules []faultreg.Rule) []faultreg.Rule {
		for i := range rules {
			rules[i].Fault = faultreg.Delay(time.Millisecond, rules[i].Fault)
		}
		return rules
	}
	list := "GET /v2/hostile/repo/tags/list?n=1"
	e.run(t, []hostileCase{
		{name: "Link loop", rules: onTags(faultreg.SetHeader("Link", `</v2/hostile/repo/tags/list?n=1>; rel="next"`)), call: tags(WithPageSize(1)),
			kind: "response", step: failures.ListTags,
			want: list + ` = 200, Link "/v2/hostile/repo/tags/list?n=1", a URL requested before, want a new page (a pagination loop) (list-tags)`},
		{name: "Link to a repeated page", rules: onTags(faultreg.EditHeader("Link", func(r *http.Request, _ []string) []string {
			return []string{fmt.Sprintf(`</v2/hostile/repo/tags/list?n=1&x=%d>; rel="next"`, len(r.URL.RawQuery))}
		})), call: tags(WithPageSize(1)),
			kind: "response", step: failures.ListTags,
			want: `GET /v2/hostile/repo/tags/list?n=1&x=REDACTED = 200, page repeating page 1 (1 tags), want a new page (a pagination loop) (list-tags)`},
		{name: "Link to another host", rules: onTags(faultreg.SetHeader("Link", `<`+e.f.Other.URL+`/v2/hostile/repo/tags/list?n=1&last=a>; rel="next"`)), call: tags(WithPageSize(1)),
			kind: "response", step: failures.ListTags,
			want: list + ` = 200, Link "` + e.f.Other.URL + `/v2/hostile/repo/tags/list", want a next page on the registry's scheme and host "` + e.f.URL + `" (list-tags)`},
		{name: "Link to another scheme", rules: onTags(faultreg.SetHeader("Link", `<https://`+strings.TrimPrefix(e.f.URL, "http://")+`/v2/hostile/repo/tags/list?n=1&last=a>; rel="next"`)), call: tags(WithPageSize(1)),
			kind: "response", step: failures.ListTags,
			want: list + ` = 200, Link "https://127.0.0.1:…/v2/hostile/repo/tags/list", want a next page on the registry's scheme and host "` + e.f.URL + `" (list-tags)`},
		{name: "malformed Link", rules: onTags(faultreg.SetHeader("Link", `</v2/x; rel="next"`)), call: tags(WithPageSize(1)),
			kind: "response", step: failures.ListTags,
			want: list + ` = 200, Link that does not parse at 7: white space or control character 0x20 in the target URI, want links per RFC 8288 (list-tags)`},
		{name: "huge Link", rules: onTags(faultreg.SetHeader("Link", `</v2/hostile/repo/tags/list?last=`+strings.Repeat("a", 100<<10)+`>; rel="next"`)), call: tags(WithPageSize(1)),
			kind: "response", step: failures.ListTags,
			want: list + ` = 200, Link v2proto.ParseLink: Link values of 102446 bytes, want at most 65536, want links per RFC 8288 (list-tags)`},
		{name: "page larger than n", rules: onTags(faultreg.Respond(200, jsonHeader, `{"name":"hostile/repo","tags":["a","b","c"]}`)), call: tags(WithPageSize(1)),
			kind: "response", step: failures.ListTags,
			want: list + ` = 200, page of 3 tags, want at most 1 (n=1) (list-tags)`},
		{name: "200 with an error body", rules: onTags(faultreg.Respond(200, jsonHeader, `{"errors":[{"code":"DENIED","message":"no"}]}`)), call: tags(WithPageSize(1)),
			kind: "response", step: failures.ListTags,
			want: list + ` = 200, body without a name member, want {"name": "hostile/repo", "tags": [...]} (list-tags)`},
		{name: "not JSON", rules: onTags(faultreg.Respond(200, jsonHeader, `<html>`)), call: tags(WithPageSize(1)),
			kind: "response", step: failures.ListTags,
			want: list + ` = 200, body that is not a JSON object, want {"name": "hostile/repo", "tags": [...]} (list-tags)`},
		{name: "tags of the wrong type", rules: onTags(faultreg.Respond(200, jsonHeader, `{"name":"hostile/repo","tags":[1,{}]}`)), call: tags(WithPageSize(1)),
			kind: "response", step: failures.ListTags,
			want: list + ` = 200, body with tags [1,{}], not an array of strings, want {"name": "hostile/repo", "tags": [...]} (list-tags)`},
		// The spec asks for "a json body", not a media type: a JSON body
		// under another Content-Type is taken.
		{name: "other Content-Type", rules: onTags(faultreg.SetHeader("Content-Type", "text/plain; charset=utf-8")), call: tags(WithPageSize(1))},
		{name: "endless page", rules: onTags(faultreg.Endless(200, jsonHeader, `{"name":"hostile/repo","tags":["`)), call: tags(WithPageSize(1)),
			kind: "response", step: failures.ListTags,
			want: list + ` = 200, body of more than 4194304 bytes, want at most 4194304 (Limits.MaxPageBody) (list-tags)`},
		{name: "page stalls", rules: onTags(faultreg.Stall(5)), call: tags(WithPageSize(1)), stall: true,
			kind: "request", step: failures.ListTags,
			want: list + `: reading the body: context deadline exceeded (list-tags)`},
		{name: "catalog that never ends, page limit", rules: endlessCatalog(func(i int) string { return fmt.Sprintf("r%d", i) }), call: catalog(WithLimits(Limits{MaxPages: 50})),
			kind: "response", step: failures.Catalog,
			want: `GET /v2/_catalog?page=REDACTED = 200, Link to a page after 50 pages, want at most 50 pages (Limits.MaxPages) (catalog)`},
		{name: "catalog that never ends, deadline", rules: slowly(endlessCatalog(func(i int) string { return fmt.Sprintf("r%d", i) })), call: catalog(), deadline: hostileDeadline,
			kind: "request", step: failures.Catalog,
			want: `GET /v2/_catalog?page=…: … deadline exceeded (catalog)`},
		{name: "catalog of big names", rules: endlessCatalog(func(i int) string { return strings.Repeat("r", 1<<20) + fmt.Sprint(i) }), call: catalog(WithLimits(Limits{MaxTotalBody: 8 << 20})),
			kind: "response", step: failures.Catalog,
			want: `GET /v2/_catalog?page=REDACTED = 200, … at most 8388608 in all (Limits.MaxTotalBody) (catalog)`},
		{name: "catalog with growing Links", rules: []faultreg.Rule{{Step: failures.Catalog, Fault: func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
			next := r.URL.Query().Get("last") + strings.Repeat("x", 1<<10)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Link", `</v2/_catalog?last=`+next+`>; rel="next"`)
			fmt.Fprint(w, `{"repositories":[]}`)
		}}}, call: catalog(),
			kind: "response", step: failures.Catalog,
			want: `GET /v2/_catalog?last=xxx…... = 200, Link to a … of … bytes, want at most 8192 (MaxNextURL) (catalog)`},
		{name: "catalog with long Links", rules: []faultreg.Rule{{Step: failures.Catalog, Fault: func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
			var i int
			fmt.Sscan(r.URL.Query().Get("page"), &i)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Link", fmt.Sprintf(`</v2/_catalog?x=%s&page=%d>; rel="next"`, strings.Repeat("x", 8000), i+1))
			fmt.Fprint(w, `{"repositories":[]}`)
		}}}, call: catalog(), deadline: hostileDeadline,
			kind: "request", step: failures.Catalog,
			want: `GET /v2/_catalog?x=REDACTED&page=REDACTED: … deadline exceeded (catalog)`},
	})
}

func TestHostilePush(t *testing.T) {
	e := newHostile(t, testreg.AuthToken)
	// Each case pushes to a repository of its own, where no blob is yet,
	// and its rules match that repository only (requests of an earlier
	// case may still be on their way).
	n := 0
	pushWith := func(opts ...CallOption) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			n++
			_, err := e.c.Push(ctx, fmt.Sprintf("hostile/push%d", n), []string{"latest"}, fixtures.Basic(), append([]CallOption{e.creds}, opts...)...)
			return err
		}
	}
	push := pushWith()
	// pushOne uploads one blob at a time: when a blob's upload stalls, no
	// other is in flight whose next exchange the deadline could end first.
	pushOne := pushWith(WithLimits(Limits{Concurrency: 1}))
	rules := 0
	on := func(step failures.Step, f faultreg.Fault) []faultreg.Rule {
		rules++
		return []faultreg.Rule{{Step: step, Path: fmt.Sprintf("^/v2/hostile/push%d/", rules), Nth: 1, Fault: f}}
	}
	every := func(rules []faultreg.Rule) []faultreg.Rule {
		rules[0].Nth = 0
		return rules
	}
	e.f.Other.Handle("PATCH /", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
	}))
	blobErr := func(t *testing.T, err error) {
		var be *BlobError
		if !errors.As(err, &be) || be.Digest == "" {
			t.Errorf("error %T, want a *BlobError naming the blob", err)
		}
	}
	e.run(t, []hostileCase{
		{name: "put-manifest digest header", rules: on(failures.PutManifest, faultreg.SetHeader("Docker-Content-Digest", zeros.String())), call: push,
			kind: "response", step: failures.PutManifest,
			want: fmt.Sprintf(`PUT /v2/hostile/push…/manifests/latest = 201, Docker-Content-Digest %q, want "sha256:…" (put-manifest)`, zeros)},
		{name: "finish-upload digest header", rules: on(failures.FinishUpload, faultreg.SetHeader("Docker-Content-Digest", zeros.String())), call: push,
			kind: "response", step: failures.FinishUpload, check: blobErr,
			want: fmt.Sprintf(`blob sha256:…: PUT /v2/hostile/push…/blobs/uploads/…?_state=REDACTED&digest=sha256%%3A… = 201, Docker-Content-Digest %q, want "sha256:…" (finish-upload)`, zeros)},
		{name: "upload Location of another scheme", rules: on(failures.StartUpload, faultreg.EditHeader("Location", func(_ *http.Request, vs []string) []string {
			return []string{strings.Replace(vs[0], "http://", "ftp://", 1)}
		})), call: push,
			kind: "response", step: failures.StartUpload, check: blobErr,
			want: `blob sha256:…: POST /v2/hostile/push…/blobs/uploads/ = 202, Location "ftp://127.0.0.1:…/v2/hostile/push…/blobs/uploads/…?_state=REDACTED", want an http or https URL (start-upload)`},
		{name: "upload Location on another host", rules: on(failures.StartUpload, faultreg.EditHeader("Location", func(_ *http.Request, vs []string) []string {
			return []string{strings.Replace(vs[0], e.f.URL, e.f.Other.SameHostnameURL, 1)}
		})), call: push,
			kind: "status", step: failures.UploadChunk, check: func(t *testing.T, err error) { blobErr(t, err); noCredentialsAt(t, e.f.Other) },
			want: `blob sha256:…: PATCH ` + e.f.Other.SameHostnameURL + `/v2/hostile/push…/blobs/uploads/…?_state=REDACTED = 404, want 202 (upload-chunk)`},
		{name: "no upload Location", rules: on(failures.StartUpload, faultreg.SetHeader("Location", "")), call: push,
			kind: "response", step: failures.StartUpload, check: blobErr,
			want: `blob sha256:…: POST /v2/hostile/push…/blobs/uploads/ = 202, Location "", want a URL (start-upload)`},
		// Every PATCH: net/http may retry one on a new connection.
		{name: "connection closed mid-upload", rules: every(on(failures.UploadChunk, faultreg.Hangup(10))), call: push,
			kind: "request", step: failures.UploadChunk, check: blobErr,
			want: `blob sha256:…: PATCH /v2/hostile/push…/blobs/uploads/…?_state=REDACTED: EOF (upload-chunk)`},
		{name: "put-manifest stalls", rules: on(failures.PutManifest, faultreg.Stall(-1)), call: push, stall: true,
			kind: "request", step: failures.PutManifest,
			want: `PUT /v2/hostile/push…/manifests/latest: context deadline exceeded (put-manifest)`},
		{name: "finish-upload stalls", rules: on(failures.FinishUpload, faultreg.Stall(-1)), call: pushOne, stall: true,
			kind: "request", step: failures.FinishUpload, check: blobErr,
			want: `blob sha256:…: PUT /v2/hostile/push…/blobs/uploads/…: context deadline exceeded (finish-upload)`},
		{name: "start-upload 200 error body", rules: on(failures.StartUpload, faultreg.Respond(200, http.Header{"Content-Type": {"application/json"}}, `{"errors":[{"code":"DENIED"}]}`)), call: push,
			kind: "status", step: failures.StartUpload, check: blobErr,
			want: `blob sha256:…: POST /v2/hostile/push…/blobs/uploads/ = 200 DENIED, want 202 (start-upload)`},
	})
}
