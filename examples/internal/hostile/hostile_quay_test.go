package hostile_test

import (
	"context"
	"errors"
	"fmt"
	. "github.com/registrytest/registrytest/v2proto"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/examples/internal/faultreg"
	"github.com/registrytest/registrytest/examples/internal/testreg"
	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
)

// A quayFlow is the real flow that reaches a step of failures.Quay before
// any other step at which the table maps the failure.
type quayFlow struct {
	name string
	call func(ctx context.Context, opts ...CallOption) error
	// extra are rules the flow needs to reach the step (an earlier mapped
	// step answered as the table says).
	extra []faultreg.Rule
	// carryOn reports that the flow goes on after meeting the failure (the
	// mount-blob 202 of unauthorized-for-mount).
	carryOn bool
}

// TestQuayTable drives every (step, failure) entry of failures.Quay
// through the flow that meets it (Push, PushManifest, PushList, Pull, Tags,
// Catalog, Token), with a client judging by failures.Quay, against
// distribution v3 behind faultreg, which answers the table's status at
// that step where no real registry would. Each entry is run three ways:
// the mapped answer meets the expected failure (the call returns nil); an
// answer of another status there is a *StatusError naming the step and the
// failure; and without the fault the registry never refuses, which is a
// *MissedFailureError.
func TestQuayTable(t *testing.T) {
	e := newHostile(t, testreg.AuthToken, WithTable(failures.Quay))
	ctx := context.Background()

	// The content the flows start from.
	const src, lists = "quay/src", "quay/lists"
	images := fixtures.Basic()
	if _, err := e.c.Push(ctx, src, []string{"latest"}, images, e.creds); err != nil {
		t.Fatal(err)
	}
	built, err := BuildManifest(src, "latest", images)
	if err != nil {
		t.Fatal(err)
	}
	listRes, err := e.c.PushList(ctx, lists, []string{"list"}, fixtures.QuayList(), e.creds)
	if err != nil {
		t.Fatal(err)
	}
	list := listRes.Manifests[0].BuiltManifest
	mounts := map[digest.Digest]string{}
	for _, b := range built.Blobs {
		mounts[b.Digest()] = src
	}

	n := 0
	fresh := func() string { n++; return fmt.Sprintf("quay/t%d", n) }
	with := func(opts []CallOption, more ...CallOption) []CallOption {
		return append(append([]CallOption{e.creds}, more...), opts...)
	}
	push := func(more ...CallOption) func(ctx context.Context, opts ...CallOption) error {
		return func(ctx context.Context, opts ...CallOption) error {
			_, err := e.c.Push(ctx, fresh(), []string{"latest"}, images, with(opts, more...)...)
			return err
		}
	}
	flows := map[string]quayFlow{
		"Push":                 {name: "Push", call: push()},
		"Push, no head checks": {name: "Push", call: push(WithBlobChecks(BlobChecks{Head: HeadNone}))},
		"Push, mounts":         {name: "Push", call: push(WithUpload(Upload{Mounts: mounts}))},
		"PushManifest": {name: "PushManifest", call: func(ctx context.Context, opts ...CallOption) error {
			_, err := e.c.PushManifest(ctx, src, "again", built.MediaType, built.Bytes, with(opts)...)
			return err
		}},
		"PushManifest of a list": {name: "PushManifest", call: func(ctx context.Context, opts ...CallOption) error {
			_, err := e.c.PushManifest(ctx, lists, "again", list.MediaType, list.Bytes, with(opts)...)
			return err
		}},
		"PushList": {name: "PushList", call: func(ctx context.Context, opts ...CallOption) error {
			_, err := e.c.PushList(ctx, fresh(), []string{"list"}, fixtures.QuayList(), with(opts)...)
			return err
		}},
		"Pull": {name: "Pull", call: func(ctx context.Context, opts ...CallOption) error {
			_, err := e.c.Pull(ctx, src, []string{"latest"}, images, with(opts)...)
			return err
		}},
		"PullList": {name: "PullList", call: func(ctx context.Context, opts ...CallOption) error {
			_, err := e.c.PullList(ctx, lists, []string{"list"}, list.Digest, with(opts)...)
			return err
		}},
		"Tags": {name: "Tags", call: func(ctx context.Context, opts ...CallOption) error {
			_, err := e.c.Tags(ctx, src, with(opts)...)
			return err
		}},
		"Catalog": {name: "Catalog", call: func(ctx context.Context, opts ...CallOption) error {
			_, err := e.c.Catalog(ctx, with(opts)...)
			return err
		}},
		"HeadManifest": {name: "HeadManifest", call: func(ctx context.Context, opts ...CallOption) error {
			_, err := e.c.HeadManifest(ctx, src, "latest", with(opts)...)
			return err
		}},
		"Delete": {name: "Delete", call: func(ctx context.Context, opts ...CallOption) error {
			// Content of its own to delete, pushed without the options.
			repo := fresh()
			pr, err := e.c.Push(ctx, repo, []string{"latest"}, images, e.creds)
			if err != nil {
				return err
			}
			return e.c.Delete(ctx, repo, []string{string(pr.Manifests[0].Digest)}, with(opts)...)
		}},
		"Token": {name: "Token", call: func(ctx context.Context, opts ...CallOption) error {
			_, err := e.c.Token(ctx, []string{"repository:" + src + ":pull"}, with(opts)...)
			return err
		}},
	}
	authFlows := []string{"Push", "Pull", "PushList", "PullList", "Tags", "Catalog", "Token"}

	// flowFor returns the flow that reaches step first among the steps at
	// which the table maps f.
	flowFor := func(i int, en failures.Entry) quayFlow {
		earlier := func(steps ...failures.Step) bool {
			for _, s := range failures.Quay.StepsFor(en.Failure) {
				if slices.Contains(steps, s) {
					return true
				}
			}
			return false
		}
		switch en.Step {
		case failures.Auth:
			// Every flow starts with it: take them in turn.
			return flows[authFlows[i%len(authFlows)]]
		case failures.BlobHeadCheck:
			return flows["Push"]
		case failures.StartUpload:
			return flows["Push, no head checks"]
		case failures.MountBlob:
			f := flows["Push, mounts"]
			f.carryOn = en.Expectation.Status == http.StatusAccepted
			return f
		case failures.PutManifest:
			if earlier(failures.BlobHeadCheck, failures.StartUpload, failures.MountBlob) {
				return flows["PushManifest"]
			}
			return flows["Push"]
		case failures.PutManifestList:
			if earlier(failures.PutManifest) {
				return flows["PushManifest of a list"]
			}
			return flows["PushList"]
		case failures.GetBlob:
			return flows["Pull"]
		case failures.HeadManifest:
			return flows["HeadManifest"]
		case failures.DeleteManifest:
			return flows["Delete"]
		case failures.GetManifest:
			if earlier(failures.Auth) {
				// Quay's attempt_pull_without_token: the refusal at auth,
				// then the GETs without a token.
				f := flows["Pull"]
				f.extra = []faultreg.Rule{{Step: failures.Auth, Fault: answer(failures.Quay, en.Failure, failures.Auth)}}
				call := f.call
				f.call = func(ctx context.Context, opts ...CallOption) error {
					return call(ctx, append(opts, WithPullWithoutToken())...)
				}
				return f
			}
			return flows["Pull"]
		}
		t.Fatalf("no flow reaches %s", en.Step)
		return quayFlow{}
	}

	entries := failures.Quay.Entries()
	if len(entries) < 40 {
		t.Fatalf("failures.Quay has %d entries, want 40 or more", len(entries))
	}
	covered := map[string]bool{}
	for i, en := range entries {
		f := flowFor(i, en)
		covered[f.name] = true
		t.Run(fmt.Sprintf("%s/%s/%s", en.Step, en.Failure, f.name), func(t *testing.T) {
			run := func(fault faultreg.Fault) (error, *faultreg.Active) {
				e.f.Reset()
				for _, r := range f.extra {
					e.f.Add(r)
				}
				var a *faultreg.Active
				if fault != nil {
					// Every request of the step: a pull's blob GETs run
					// concurrently, and each must meet the same answer.
					a = e.f.Add(faultreg.Rule{Step: en.Step, Fault: fault})
				}
				err := e.bounded(t, 0, func(ctx context.Context) error { return f.call(ctx, ExpectFailure(en.Failure)) })
				return err, a
			}

			// The mapped answer: the failure is met.
			err, a := run(answer(failures.Quay, en.Failure, en.Step))
			if err != nil {
				t.Errorf("%s expecting %s, with %s answering %s: %v, want nil", f.name, en.Failure, en.Step, en.Expectation, err)
			}
			if a.Hits() == 0 {
				t.Errorf("the fault at %s answered no request: the flow did not reach the step", en.Step)
			}
			if !f.carryOn {
				// The call stopped there: nothing of a later step was sent
				// (blob GETs of a pull that were already on their way
				// aside).
				reqs := e.f.Requests()
				at := slices.IndexFunc(reqs, func(r faultreg.Request) bool { return r.Rule >= len(f.extra) })
				for _, r := range reqs[at+1:] {
					if !slices.Contains(r.Steps, failures.GetBlob) {
						t.Errorf("after meeting %s at %s, the call sent %s %s (%v)", en.Failure, en.Step, r.Method, r.Path, r.Steps)
					}
				}
			}

			// Another status there: a *StatusError naming the step and the
			// failure.
			err, _ = run(faultreg.Status(http.StatusTeapot, "TEAPOT"))
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("%s expecting %s, with %s answering 418: %v, want a *StatusError", f.name, en.Failure, en.Step, err)
			}
			want := StatusError{Step: en.Step, Got: http.StatusTeapot, Want: en.Expectation.Status, Failure: en.Failure, Mapped: true}
			if se.Step != want.Step || se.Got != want.Got || se.Want != want.Want || se.Failure != want.Failure || !se.Mapped {
				t.Errorf("StatusError = step %s, got %d, want %d, failure %s, mapped %v; want step %s, got 418, want %d, failure %s, mapped",
					se.Step, se.Got, se.Want, se.Failure, se.Mapped, en.Step, en.Expectation.Status, en.Failure)
			}
			codes := " TEAPOT"
			if se.Method == http.MethodHead {
				codes = "" // no body
			}
			wantMsg := fmt.Sprintf("… = 418%s, want %d for %s (%s)", codes, en.Expectation.Status, en.Failure, en.Step)
			if !matchText(se.Error(), wantMsg) {
				t.Errorf("message %q, want %q", se.Error(), wantMsg)
			}

			// No fault: distribution answers the step's success status
			// there, which does not meet the failure.
			err, _ = run(nil)
			if len(f.extra) > 0 {
				// Refused at auth, the pull goes on without a token: the
				// registry itself refuses the anonymous GET with 401, which
				// meets anonymous-not-allowed.
				if err != nil {
					t.Errorf("%s expecting %s with the refusal at auth only: %v, want nil (the registry's own 401)", f.name, en.Failure, err)
				}
				return
			}
			se = nil
			if !errors.As(err, &se) || se.Step != en.Step || !se.Mapped || se.Got != failures.Quay.Success(en.Step) || se.Failure != en.Failure {
				t.Errorf("%s expecting %s without the fault: %v, want a *StatusError at %s with status %d", f.name, en.Failure, err, en.Step, failures.Quay.Success(en.Step))
			}
		})
	}
	for _, name := range []string{"Push", "PushManifest", "PushList", "Pull", "PullList", "Tags", "Catalog", "Token", "HeadManifest", "Delete"} {
		if !covered[name] {
			t.Errorf("no entry ran through %s", name)
		}
	}
}

// answer returns the fault that produces what table says failure f is at
// step at: its status, with an error body of its first code
// when it names codes. For a 202 at mount-blob (Quay's
// unauthorized-for-mount) the answer is a real upload session: the mount
// asks for a blob the source does not hold, which distribution answers by
// opening a plain session.
func answer(table *failures.Table, f failures.Failure, at failures.Step) faultreg.Fault {
	exp, ok := table.Lookup(at, f)
	if !ok {
		panic(fmt.Sprintf("%s has no entry for %s at %s", table.Name(), f, at))
	}
	if at == failures.MountBlob && exp.Status == http.StatusAccepted {
		return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
			u := *r.URL
			q := u.Query()
			q.Set("mount", digest.FromString("in no repository").String())
			u.RawQuery = q.Encode()
			r2 := r.Clone(r.Context())
			r2.URL = &u
			r2.RequestURI = (&url.URL{Path: u.Path, RawQuery: u.RawQuery}).RequestURI()
			next.ServeHTTP(w, r2)
		}
	}
	return faultreg.Status(exp.Status, exp.Codes...)
}
