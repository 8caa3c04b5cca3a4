package conformance

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/v2proto"
)

// TestScenariosRequire checks that every scenario names its requirements,
// each complete, and that the main one binds at some level a check can
// enforce (a MAY is never the main requirement: what the spec leaves open
// is a capability).
func TestScenariosRequire(t *testing.T) {
	for _, s := range Scenarios() {
		if len(s.Requires) == 0 {
			t.Errorf("scenario %s: Requires is empty, want its requirements", s.ID)
			continue
		}
		if l := s.Requires[0].Level; l == May {
			t.Errorf("scenario %s: Requires[0].Level = %s, want a level a check enforces", s.ID, l)
		}
		for i, r := range s.Requires {
			if r.Level == "" || r.Source == "" || r.Text == "" || r.URL == "" {
				t.Errorf("scenario %s: Requires[%d] = %+v, want Level, Source, Text and URL set", s.ID, i, r)
			}
		}
	}
}

// testEnv returns an Env of scenario id over a target at url with an
// owner and the OCI table (which maps no failure).
func testEnv(t *testing.T, url, id string, caps ...Capability) *Env {
	t.Helper()
	tg := &Target{Name: "fake", URL: url, Table: failures.OCI, Capabilities: caps,
		Users: map[Role]User{Owner: {Name: "owner", Password: "secret-pw", Namespace: "ns"}}}
	e, err := newEnv(t.Context(), tg, id, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// fakeTags serves /v2/ and /v2/ns/r/tags/list over tags, honouring n and
// last (ignoring last when ignoreLast, and n=0 when ignoreZero), without
// Link.
func fakeTags(t *testing.T, tags []string, ignoreLast bool, ignoreZero ...bool) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		if r.URL.Path == "/v2/" {
			return
		}
		if r.URL.Path != "/v2/ns/r/tags/list" {
			http.NotFound(w, r)
			return
		}
		list := tags
		if last := r.URL.Query().Get("last"); last != "" && !ignoreLast {
			i, _ := slices.BinarySearch(list, last)
			if i < len(list) && list[i] == last {
				i++
			}
			list = list[i:]
		}
		if ns := r.URL.Query().Get("n"); ns != "" {
			n, _ := strconv.Atoi(ns)
			if n == 0 && len(ignoreZero) > 0 && ignoreZero[0] {
				n = len(list)
			}
			list = list[:min(n, len(list))]
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"name": "ns/r", "tags": list})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestWalkByLast(t *testing.T) {
	tags := []string{"a", "b", "c", "d", "e"}
	for _, n := range []int{1, 2, 5, 10} {
		e := testEnv(t, fakeTags(t, tags, false).URL, "tags-paging-n")
		got, err := e.walkByLast(Owner, failures.ListTags, "/v2/ns/r/tags/list", "tags", n, "", pullScope("ns/r"))
		if err != nil {
			t.Fatalf("walkByLast(n=%d) error: %v", n, err)
		}
		if diff := cmp.Diff(tags, got); diff != "" {
			t.Errorf("walkByLast(n=%d) mismatch (-want +got):\n%s", n, diff)
		}
		got, err = e.walkByLast(Owner, failures.ListTags, "/v2/ns/r/tags/list", "tags", n, "b", pullScope("ns/r"))
		if err != nil {
			t.Fatalf("walkByLast(n=%d, last=b) error: %v", n, err)
		}
		if diff := cmp.Diff(tags[2:], got); diff != "" {
			t.Errorf("walkByLast(n=%d, last=b) mismatch (-want +got):\n%s", n, diff)
		}
	}
	// A registry that ignores last never ends the walk.
	e := testEnv(t, fakeTags(t, tags, true).URL, "tags-paging-n")
	if got, err := e.walkByLast(Owner, failures.ListTags, "/v2/ns/r/tags/list", "tags", 2, "", pullScope("ns/r")); err == nil {
		t.Errorf("walkByLast(n=2) over a registry ignoring last = %q, want an error", got)
	}
}

func TestJudgeMissingRefs(t *testing.T) {
	e := testEnv(t, "http://127.0.0.1:1", "valid-missing-blob-ref")
	refusal := func(status int, codes ...string) error {
		return &v2proto.StatusError{Step: failures.PutManifest, Method: http.MethodPut, Path: "/v2/ns/r/manifests/latest", Got: status, Codes: codes}
	}
	tests := []struct {
		name     string
		err      error
		accepted bool
		// level is the level the error is judged by: "" for no error,
		// "main" for the scenario's own (a plain error).
		level Level
	}{
		{"accepted", nil, true, ""},
		{"refused with the code", refusal(400, failures.CodeManifestBlobUnknown), false, ""},
		{"refused 404 with the code", refusal(404, failures.CodeManifestBlobUnknown), false, ""},
		{"refused with another code", refusal(404, failures.CodeManifestUnknown), false, "main"},
		{"refused without a body", refusal(400), false, Should},
		{"server error", refusal(500), false, Must},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			accepted, err := e.judgeMissingRefs("PUT /v2/ns/r/manifests/latest", tt.err)
			if accepted != tt.accepted {
				t.Errorf("judgeMissingRefs(%v) accepted = %v, want %v", tt.err, accepted, tt.accepted)
			}
			var level Level
			if err != nil {
				level = "main"
				if r, ok := violationOf(err); ok {
					level = r.Level
				}
			}
			if level != tt.level {
				t.Errorf("judgeMissingRefs(%v) = %v judged at %q, want %q", tt.err, err, level, tt.level)
			}
		})
	}
}

// fakeDocker serves /v2/ (with Docker-Distribution-API-Version when
// ping) and the start of uploads (with Docker-Upload-UUID when uuid).
func fakeDocker(t *testing.T, ping, uuid bool) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v2/":
			if ping {
				w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
			}
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/blobs/uploads/"):
			w.Header().Set("Location", r.URL.Path+"session-1")
			w.Header().Set("Range", "0-0")
			if uuid {
				w.Header().Set("Docker-Upload-UUID", "session-1")
			}
			w.WriteHeader(http.StatusAccepted)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestDockerHeaders runs the Docker compatibility checks that need no
// push against registries with and without the headers.
func TestDockerHeaders(t *testing.T) {
	for _, with := range []bool{true, false} {
		for _, c := range []struct {
			id, header string
			srv        *httptest.Server
			run        func(*Env) error
		}{
			{"docker-api-version", "Docker-Distribution-API-Version", fakeDocker(t, with, true), runDockerAPIVersion},
			// The client's own ping gets the API version: only the UUID
			// is missing.
			{"docker-upload-uuid", "Docker-Upload-UUID", fakeDocker(t, true, with), runDockerUploadUUID},
		} {
			err := c.run(testEnv(t, c.srv.URL, c.id))
			if with && err != nil {
				t.Errorf("%s with the header = %v, want nil", c.id, err)
			}
			if !with && (err == nil || !strings.Contains(err.Error(), c.header)) {
				t.Errorf("%s without the header = %v, want %s reported missing", c.id, err, c.header)
			}
		}
	}
}

func TestCheckNZero(t *testing.T) {
	tags := []string{"a", "b", "c"}
	if err := testEnv(t, fakeTags(t, tags, false).URL, "tags-paging-n-zero").checkNZero("ns/r"); err != nil {
		t.Errorf("checkNZero(a registry answering [] for n=0) = %v, want nil", err)
	}
	if err := testEnv(t, fakeTags(t, tags, false, true).URL, "tags-paging-n-zero").checkNZero("ns/r"); err == nil {
		t.Errorf("checkNZero(a registry listing every tag for n=0) = nil, want an error")
	}
}
