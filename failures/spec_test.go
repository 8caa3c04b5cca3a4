package failures

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// An answer is a status and the error codes of its body, written
// "404 MANIFEST_UNKNOWN" (or "400" for a body without codes).
type answer string

func (a answer) parse(t *testing.T) (int, []string) {
	t.Helper()
	words := strings.Fields(string(a))
	status, err := strconv.Atoi(words[0])
	if err != nil {
		t.Fatalf("bad answer %q in the test: %v", a, err)
	}
	return status, words[1:]
}

// specRows says, for every entry of Spec, which answers pass and which
// fail. It is written from the spec, apart from spec.go: every Spec entry
// must have exactly one row, and every row an entry. The failing answers
// include the registry bugs the suite must go on finding (FINDINGS.md:
// ggcr G3, G4, G5, G11; CUE R3, R5, R6).
var specRows = []struct {
	failures []Failure
	steps    []Step
	pass     []answer
	fail     []answer
}{
	{
		failures: []Failure{Unauthenticated, InvalidAuthentication, AnonymousNotAllowed, Unauthorized},
		steps:    append([]Step{Auth}, allSteps[2:]...),
		pass:     []answer{"401", "401 UNAUTHORIZED", "403", "403 DENIED", "401 DENIED"},
		fail:     []answer{"400", "404", "405", "500", "200 UNAUTHORIZED"},
	},
	{
		failures: []Failure{InvalidRepository, SlashRepository, DisallowedLibraryNamespace},
		steps:    []Step{Auth, BlobHeadCheck},
		pass:     []answer{"400", "400 NAME_INVALID", "401 UNAUTHORIZED", "403 DENIED"},
		// 404 at blob-head-check is the blob being absent: the refusal
		// shows at the next step.
		fail: []answer{"404", "404 NAME_INVALID", "405", "500"},
	},
	{
		failures: []Failure{InvalidRepository, SlashRepository, DisallowedLibraryNamespace},
		steps: []Step{StartUpload, MountBlob, GetBlob, HeadBlob, DeleteBlob, PutManifest, PutManifestList,
			GetManifest, GetManifestList, HeadManifest, DeleteManifest, ListTags, Referrers},
		pass: []answer{"400 NAME_INVALID", "400", "404", "404 NAME_UNKNOWN", "401", "403 DENIED"},
		fail: []answer{"405", "500", "500 NAME_INVALID", "202"},
	},
	{
		failures: []Failure{UnknownTag},
		steps:    []Step{GetManifest, GetManifestList, HeadManifest},
		pass:     []answer{"404", "404 MANIFEST_UNKNOWN", "404 NAME_UNKNOWN"},
		fail:     []answer{"400", "401", "410", "500", "200"},
	},
	{
		failures: []Failure{UnknownTag},
		steps:    []Step{DeleteManifest},
		pass:     []answer{"404 MANIFEST_UNKNOWN", "400 DIGEST_INVALID", "405 UNSUPPORTED", "404"},
		fail:     []answer{"202", "403", "500"},
	},
	{
		failures: []Failure{MissingTag, InvalidTag},
		steps:    []Step{PutManifest, PutManifestList},
		pass:     []answer{"400 MANIFEST_INVALID", "400 TAG_INVALID", "400", "404", "404 NAME_UNKNOWN"},
		fail:     []answer{"201", "405", "415", "500"},
	},
	{
		failures: []Failure{InvalidManifest},
		steps:    []Step{PutManifest, PutManifestList},
		pass:     []answer{"400 MANIFEST_INVALID", "400", "404"},
		fail:     []answer{"201", "415", "500 UNKNOWN"},
	},
	{
		failures: []Failure{InvalidImages},
		steps:    []Step{PutManifest},
		pass:     []answer{"400 MANIFEST_INVALID", "400", "404"},
		fail:     []answer{"201", "500"},
	},
	{
		failures: []Failure{InvalidBlob},
		steps:    []Step{PutManifest},
		pass:     []answer{"400 MANIFEST_BLOB_UNKNOWN", "404 MANIFEST_BLOB_UNKNOWN", "400 MANIFEST_INVALID MANIFEST_BLOB_UNKNOWN"},
		// CUE R3: 500 UNKNOWN. A body without the code breaks the MUST.
		fail: []answer{"400", "404 MANIFEST_UNKNOWN", "400 BLOB_UNKNOWN", "500 UNKNOWN", "500 MANIFEST_BLOB_UNKNOWN", "201"},
	},
	{
		failures: []Failure{ManifestBlobUnknown},
		steps:    []Step{PutManifest, PutManifestList},
		pass:     []answer{"400 MANIFEST_BLOB_UNKNOWN", "404 MANIFEST_BLOB_UNKNOWN"},
		// ggcr G5: 404 MANIFEST_UNKNOWN for an index whose child is absent.
		fail: []answer{"400", "404", "404 MANIFEST_UNKNOWN", "400 MANIFEST_INVALID", "500 UNKNOWN", "201"},
	},
	{
		failures: []Failure{InvalidManifestInList},
		steps:    []Step{PutManifestList},
		pass:     []answer{"400 MANIFEST_BLOB_UNKNOWN", "404 MANIFEST_BLOB_UNKNOWN", "400 MANIFEST_INVALID", "400", "404"},
		// ggcr G5; CUE R3.
		fail: []answer{"404 MANIFEST_UNKNOWN", "400 NAME_INVALID", "500 UNKNOWN", "201"},
	},
	{
		failures: []Failure{UnsupportedContentType},
		steps:    []Step{PutManifest, PutManifestList},
		pass:     []answer{"415", "400 MANIFEST_INVALID", "404", "501 UNSUPPORTED"},
		fail:     []answer{"201", "405", "500"},
	},
	{
		failures: []Failure{UnauthorizedForMount},
		steps:    []Step{MountBlob},
		pass:     []answer{"202", "404 BLOB_UNKNOWN", "401 UNAUTHORIZED", "403 DENIED"},
		fail:     []answer{"201", "400", "500"},
	},
	{
		failures: []Failure{ReadOnly, ReadonlyRegistry},
		steps:    []Step{StartUpload, MountBlob, PutManifest, PutManifestList},
		pass:     []answer{"405", "405 UNSUPPORTED", "401 UNAUTHORIZED", "403 DENIED"},
		fail:     []answer{"400", "404", "503", "202", "201"},
	},
	{
		failures: []Failure{ReadOnly, ReadonlyRegistry, DeleteDisabled},
		steps:    []Step{DeleteManifest, DeleteBlob},
		pass:     []answer{"405 UNSUPPORTED", "405", "400", "400 UNSUPPORTED"},
		fail:     []answer{"401", "403 DENIED", "404", "202", "500"},
	},
	{
		failures: []Failure{Unsupported},
		steps:    []Step{Referrers},
		pass:     []answer{"404", "404 NAME_UNKNOWN"},
		fail:     []answer{"400", "405", "200", "500"},
	},
	{
		failures: []Failure{Unsupported},
		steps:    []Step{Catalog, CancelUpload},
		// ggcr answers a cancel 400 NAME_INVALID, CUE 405.
		pass: []answer{"404", "405 UNSUPPORTED", "400 NAME_INVALID", "501"},
		fail: []answer{"200", "204", "401", "500"},
	},
	{
		failures: []Failure{NameUnknown},
		steps:    []Step{GetBlob, HeadBlob, DeleteBlob, GetManifest, GetManifestList, HeadManifest, DeleteManifest, ListTags},
		pass:     []answer{"404 NAME_UNKNOWN", "404 MANIFEST_UNKNOWN", "404"},
		fail:     []answer{"401", "400", "200", "500"},
	},
	{
		failures: []Failure{BlobUnknown},
		steps:    []Step{GetBlob, HeadBlob, DeleteBlob},
		pass:     []answer{"404 BLOB_UNKNOWN", "404"},
		// ggcr G11: DELETE of a missing blob is 500.
		fail: []answer{"200", "400", "500"},
	},
	{
		failures: []Failure{UploadUnknown},
		steps:    []Step{UploadChunk, UploadStatus, CancelUpload},
		pass:     []answer{"404 BLOB_UPLOAD_UNKNOWN", "404"},
		fail:     []answer{"400", "416", "500"},
	},
	{
		failures: []Failure{UploadUnknown},
		steps:    []Step{FinishUpload},
		pass:     []answer{"404 BLOB_UPLOAD_UNKNOWN", "400 BLOB_UPLOAD_INVALID"},
		fail:     []answer{"201", "416", "500"},
	},
	{
		failures: []Failure{DigestInvalid},
		steps:    []Step{StartUpload, FinishUpload, PutManifest, PutManifestList},
		pass:     []answer{"400 DIGEST_INVALID", "400", "404"},
		// CUE R5: POST ?digest= with a wrong digest is 500 UNKNOWN.
		fail: []answer{"201", "416", "500 UNKNOWN", "500 DIGEST_INVALID"},
	},
	{
		failures: []Failure{RangeInvalid},
		steps:    []Step{UploadChunk, FinishUpload},
		pass:     []answer{"416", "416 RANGE_INVALID", "416 BLOB_UPLOAD_INVALID"},
		// ggcr G4: 400 DIGEST_INVALID; CUE R6: 500.
		fail: []answer{"400 DIGEST_INVALID", "500", "202", "201"},
	},
	{
		failures: []Failure{Denied},
		steps:    allSteps[2:],
		pass:     []answer{"403 DENIED", "403"},
		fail:     []answer{"401", "404", "500"},
	},
	{
		failures: []Failure{TooManyRequests},
		steps:    allSteps,
		pass:     []answer{"429 TOOMANYREQUESTS", "429"},
		fail:     []answer{"503", "403", "200"},
	},
}

func TestSpec(t *testing.T) {
	covered := map[key]bool{}
	for _, row := range specRows {
		for _, f := range row.failures {
			for _, s := range row.steps {
				k := key{s, f}
				if covered[k] {
					t.Errorf("two rows for %s at %s", f, s)
				}
				covered[k] = true
				e, ok := Spec.Lookup(s, f)
				if !ok {
					t.Errorf("Spec.Lookup(%s, %s) = _, false, want an entry", s, f)
					continue
				}
				for _, a := range row.pass {
					status, codes := a.parse(t)
					if !e.Matches(status, codes) {
						t.Errorf("Spec %s at %s = %v: Matches(%s) = false, want true", f, s, e, a)
					}
				}
				for _, a := range row.fail {
					status, codes := a.parse(t)
					if e.Matches(status, codes) {
						t.Errorf("Spec %s at %s = %v: Matches(%s) = true, want false", f, s, e, a)
					}
				}
			}
		}
	}
	for _, en := range Spec.Entries() {
		if !covered[key{en.Step, en.Failure}] {
			t.Errorf("Spec entry %s at %s = %v has no test row", en.Failure, en.Step, en.Expectation)
		}
	}
}

func TestSpecWellFormed(t *testing.T) {
	if Spec.Name() != "spec" {
		t.Errorf("Spec.Name() = %q, want %q", Spec.Name(), "spec")
	}
	for _, s := range Steps() {
		if got, want := Spec.Success(s), OCI.Success(s); got != want {
			t.Errorf("Spec.Success(%s) = %d, want the OCI %d", s, got, want)
		}
	}
	// The Quay concepts the spec does not describe.
	for _, f := range []Failure{InvalidRegistry, AppRepository, NamespaceDisabled, GeoBlocked, MirrorOnly,
		MirrorMisconfigured, MirrorRobotMissing} {
		if steps := Spec.StepsFor(f); len(steps) != 0 {
			t.Errorf("Spec maps the Quay concept %s at %v, want nowhere", f, steps)
		}
	}
	// Every other built-in kind is somewhere.
	for _, f := range All() {
		if len(Spec.StepsFor(f)) == 0 && !slices.Contains([]Failure{InvalidRegistry, AppRepository, NamespaceDisabled,
			GeoBlocked, MirrorOnly, MirrorMisconfigured, MirrorRobotMissing}, f) {
			t.Errorf("Spec maps %s nowhere", f)
		}
	}
	// Where a registry refuses is its choice: every entry lets its step
	// succeed.
	for _, en := range Spec.Entries() {
		if !en.Expectation.OrSuccess {
			t.Errorf("Spec %s at %s = %v, want OrSuccess", en.Failure, en.Step, en.Expectation)
		}
	}
	// The codes Spec requires: MANIFEST_BLOB_UNKNOWN, the one refusal whose
	// code a sentence requires, and the codes of invalid-manifest-in-list,
	// which it makes optional.
	for _, en := range Spec.Entries() {
		e := en.Expectation
		switch {
		case len(e.Codes) == 0:
		case en.Failure == InvalidManifestInList:
			if want := (Expectation{Status: 400, Also: []int{404}, Codes: []string{CodeManifestBlobUnknown, CodeManifestInvalid}, CodeOptional: true, OrSuccess: true}); !cmp.Equal(e, want) {
				t.Errorf("Spec %s at %s = %v, want %v", en.Failure, en.Step, e, want)
			}
		case !cmp.Equal(e.Codes, []string{CodeManifestBlobUnknown}) || e.CodeOptional:
			t.Errorf("Spec %s at %s = %v: a code required where no sentence requires one", en.Failure, en.Step, e)
		}
	}
}

// TestNoSetHoldsSuccess checks the shipped tables: an expectation that
// holds a step's success status would take every success there for the
// expected failure.
func TestNoSetHoldsSuccess(t *testing.T) {
	for _, tab := range []*Table{Spec, Quay, Distribution} {
		for _, en := range tab.Entries() {
			if slices.Contains(en.Expectation.Statuses(), tab.Success(en.Step)) {
				t.Errorf("%s: %s at %s = %v holds the step's success status %d", tab.Name(), en.Failure, en.Step, en.Expectation, tab.Success(en.Step))
			}
			if tab != Spec && en.Expectation.OrSuccess {
				t.Errorf("%s: %s at %s = %v: an exact table with OrSuccess", tab.Name(), en.Failure, en.Step, en.Expectation)
			}
			if !en.Failure.Known() || !en.Failure.Valid() || en.Failure.Doc() == "" {
				t.Errorf("%s maps %q, not a documented built-in kind", tab.Name(), en.Failure)
			}
		}
	}
}

func TestSpecKindsOnlyInSpec(t *testing.T) {
	spec := All()[25:]
	for _, tab := range []*Table{Quay, Distribution, OCI} {
		for _, f := range spec {
			if steps := tab.StepsFor(f); len(steps) != 0 {
				t.Errorf("%s maps the spec's kind %s at %v, want nowhere", tab.Name(), f, steps)
			}
		}
	}
}

func TestCodes(t *testing.T) {
	// The spec's table, code-1 to code-14.
	want := []string{"BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID",
		"MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID", "MANIFEST_UNKNOWN", "NAME_INVALID", "NAME_UNKNOWN",
		"SIZE_INVALID", "UNAUTHORIZED", "DENIED", "UNSUPPORTED", "TOOMANYREQUESTS"}
	got := SpecCodes()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SpecCodes() mismatch (-want +got):\n%s", diff)
	}
	got[0] = "CHANGED"
	if SpecCodes()[0] != CodeBlobUnknown {
		t.Errorf("SpecCodes()[0] = %q after the caller changed its copy, want %q", SpecCodes()[0], CodeBlobUnknown)
	}
	docker := map[string]string{
		CodeTagInvalid: "TAG_INVALID", CodeManifestUnverified: "MANIFEST_UNVERIFIED", CodeRangeInvalid: "RANGE_INVALID",
		CodePaginationNumberInvalid: "PAGINATION_NUMBER_INVALID", CodeUnknown: "UNKNOWN", CodeUnavailable: "UNAVAILABLE",
	}
	for c, w := range docker {
		if c != w || slices.Contains(want, c) {
			t.Errorf("Docker code %q: want %q, not one of the spec's", c, w)
		}
	}
	// "The `code` field MUST be a unique identifier, containing only
	// uppercase alphabetic characters and underscores."
	for _, c := range append(SpecCodes(), CodeTagInvalid, CodeManifestUnverified, CodeRangeInvalid,
		CodePaginationNumberInvalid, CodeUnknown, CodeUnavailable) {
		if strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != "" || checkCode(c) != nil {
			t.Errorf("code %q is not upper-case letters and underscores", c)
		}
	}
}

func TestOpenKinds(t *testing.T) {
	// A kind of the user's own, never made with NewFailure: valid, mapped,
	// looked up, ordered after the built-in kinds.
	quota := Failure("quota-exceeded")
	if !quota.Valid() || quota.Known() || quota.Doc() != "" {
		t.Errorf("Failure(quota-exceeded): Valid %v, Known %v, Doc %q, want true, false, \"\"", quota.Valid(), quota.Known(), quota.Doc())
	}
	tab := Distribution.
		With(PutManifest, quota, Expectation{Status: 403, Codes: []string{CodeDenied}}).
		With(PutManifest, "a-first", Expectation{Status: 409})
	if e, ok := tab.Lookup(PutManifest, quota); !ok || !e.Matches(403, []string{CodeDenied}) {
		t.Errorf("Lookup(put-manifest, quota-exceeded) = %v, %v, want 403 DENIED, true", e, ok)
	}
	if diff := cmp.Diff([]Step{PutManifest}, tab.StepsFor(quota)); diff != "" {
		t.Errorf("StepsFor(quota-exceeded) mismatch (-want +got):\n%s", diff)
	}
	var order []Failure
	for _, en := range tab.Entries() {
		if en.Step == PutManifest {
			order = append(order, en.Failure)
		}
	}
	// Built-in kinds in the order of All, then the user's, by name.
	want := []Failure{Unauthorized, MissingTag, InvalidTag, InvalidManifest, UnsupportedContentType, InvalidBlob, ReadonlyRegistry, "a-first", quota}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("Entries() order at put-manifest mismatch (-want +got):\n%s", diff)
	}
	// Its text form declares it, and reads back.
	text := tab.String()
	if !strings.Contains(text, "\nfailure quota-exceeded\n") || !strings.Contains(text, "\nfailure a-first\n") {
		t.Errorf("String() declares no failure directive for the kinds of the user's own:\n%s", text)
	}
	back, err := ParseTable(strings.NewReader(text))
	if err != nil {
		t.Fatalf("ParseTable(String()): %v", err)
	}
	if diff := cmp.Diff(tableState(tab), tableState(back)); diff != "" {
		t.Errorf("ParseTable(String()) mismatch (-want +got):\n%s", diff)
	}
}

func TestNewFailure(t *testing.T) {
	f := NewFailure("test-tag-immutable", "A push over an immutable tag.")
	if f != "test-tag-immutable" || !f.Known() || !f.Valid() || f.Doc() != "A push over an immutable tag." {
		t.Errorf("NewFailure(test-tag-immutable, ...) = %q: Known %v, Valid %v, Doc %q", f, f.Known(), f.Valid(), f.Doc())
	}
	if g := NewFailure("test-tag-immutable", "A push over an immutable tag."); g != f {
		t.Errorf("NewFailure again with the same doc = %q, want %q", g, f)
	}
	if slices.Contains(All(), f) {
		t.Errorf("All() holds %q, a kind made with NewFailure", f)
	}
	if got := Spec.With(PutManifest, f, Expectation{Status: 409}).String(); !strings.Contains(got, "\nfailure test-tag-immutable A push over an immutable tag.\n") {
		t.Errorf("String() of a table mapping %q has no failure directive with its doc:\n%s", f, got)
	}
	if got := UnknownTag.Doc(); got != builtinDocs[UnknownTag] || got == "" {
		t.Errorf("UnknownTag.Doc() = %q", got)
	}

	for _, tt := range []struct {
		name, kind, doc string
		want            string
	}{
		{"built-in", "unknown-tag", "x", `failures.NewFailure: "unknown-tag" is a built-in kind`},
		{"another doc", "test-tag-immutable", "Another meaning.", `failures.NewFailure: "test-tag-immutable" made twice, with docs "A push over an immutable tag." and "Another meaning."`},
		{"not kebab-case", "Tag_Immutable", "x", `failures.NewFailure: failure "Tag_Immutable", want a kebab-case name (lower-case letters and digits in words joined by single hyphens, starting with a letter, at most 100 bytes)`},
		{"empty", "", "x", `failures.NewFailure: failure "", want a kebab-case name (lower-case letters and digits in words joined by single hyphens, starting with a letter, at most 100 bytes)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if got := fmt.Sprint(recover()); got != tt.want {
					t.Errorf("NewFailure(%q, %q) panic = %s, want %s", tt.kind, tt.doc, got, tt.want)
				}
			}()
			NewFailure(tt.kind, tt.doc)
		})
	}
}

func TestValid(t *testing.T) {
	for _, tt := range []struct {
		f    Failure
		want bool
	}{
		{"unknown-tag", true},
		{"a", true},
		{"quota-exceeded2", true},
		{"x-509-invalid", true},
		{Failure(strings.Repeat("a", 100)), true},
		{Failure(strings.Repeat("a", 101)), false},
		{"", false},
		{"-a", false},
		{"a-", false},
		{"a--b", false},
		{"2fa-required", false},
		{"Unknown-tag", false},
		{"unknown_tag", false},
		{"unknown tag", false},
		{"ünknown", false},
	} {
		if got := tt.f.Valid(); got != tt.want {
			t.Errorf("Failure(%q).Valid() = %v, want %v", tt.f, got, tt.want)
		}
	}
}

func TestStatuses(t *testing.T) {
	e := Expectation{Status: 400, Also: []int{404, 405}}
	got := e.Statuses()
	if diff := cmp.Diff([]int{400, 404, 405}, got); diff != "" {
		t.Errorf("Statuses() mismatch (-want +got):\n%s", diff)
	}
	got[1] = 0
	if e.Also[0] != 404 {
		t.Errorf("changing Statuses() changed Also: %v", e.Also)
	}
}

// TestWithNormalizes checks that a table holds one form of each
// expectation, shares no slice with the caller, and hands out copies.
func TestWithNormalizes(t *testing.T) {
	also, codes := []int{404}, []string{CodeTagInvalid}
	tab := OCI.
		With(PutManifest, InvalidTag, Expectation{Status: 400, Also: also, Codes: codes, CodeOptional: true}).
		With(PutManifest, MissingTag, Expectation{Status: 400, Also: []int{}, Codes: []string{}, CodeOptional: true})
	also[0], codes[0] = 500, "CHANGED"
	e, _ := tab.Lookup(PutManifest, InvalidTag)
	if want := (Expectation{Status: 400, Also: []int{404}, Codes: []string{CodeTagInvalid}, CodeOptional: true}); !cmp.Equal(e, want) {
		t.Errorf("Lookup(invalid-tag) = %#v, want %#v", e, want)
	}
	e.Also[0] = 600
	if e, _ := tab.Lookup(PutManifest, InvalidTag); e.Also[0] != 404 {
		t.Errorf("changing what Lookup returned changed the table: %v", e)
	}
	if e, _ := tab.Lookup(PutManifest, MissingTag); !cmp.Equal(e, Expectation{Status: 400}) {
		t.Errorf("Lookup(missing-tag) = %#v, want Expectation{Status: 400} (empty slices as nil, CodeOptional without codes false)", e)
	}
}
