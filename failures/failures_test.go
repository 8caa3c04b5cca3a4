package failures

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAll(t *testing.T) {
	// Quay's 2020 enum, in its order (quay-seed.md 1.3), then the spec's
	// kinds.
	want := []Failure{
		"unauthenticated", "unauthorized", "invalid-authentication", "invalid-registry",
		"invalid-repository", "slash-repository", "app-repository", "unknown-tag",
		"anonymous-not-allowed", "disallowed-library-namespace", "missing-tag", "invalid-tag",
		"invalid-manifest", "invalid-manifest-in-list", "invalid-images", "unsupported-content-type",
		"invalid-blob", "namespace-disabled", "unauthorized-for-mount", "geo-blocked",
		"read-only", "mirror-only", "mirror-misconfigured", "mirror-robot-missing", "readonly-registry",
		"delete-disabled", "unsupported", "name-unknown", "denied", "too-many-requests", "blob-unknown",
		"upload-unknown", "digest-invalid", "range-invalid", "manifest-blob-unknown",
	}
	got := All()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("All() mismatch (-want +got):\n%s", diff)
	}
	for _, f := range got {
		if !f.Valid() {
			t.Errorf("Failure(%q).Valid() = false, want true", f)
		}
		if !f.Known() {
			t.Errorf("Failure(%q).Known() = false, want true", f)
		}
		if doc := f.Doc(); doc == "" || doc != oneLine(doc) {
			t.Errorf("Failure(%q).Doc() = %q, want a sentence on one line", f, doc)
		}
	}
	got[0] = "changed"
	if All()[0] != Unauthenticated {
		t.Errorf("All()[0] = %q after the caller changed its copy, want %q", All()[0], Unauthenticated)
	}
	if Failure("never-made-kind").Known() {
		t.Errorf(`Failure("never-made-kind").Known() = true, want false`)
	}
}

func TestSteps(t *testing.T) {
	want := []Step{
		"ping", "auth", "blob-head-check", "start-upload", "upload-chunk", "upload-status",
		"finish-upload", "cancel-upload", "mount-blob", "get-blob", "head-blob", "delete-blob",
		"put-manifest", "put-manifest-list", "get-manifest", "get-manifest-list", "head-manifest",
		"delete-manifest", "list-tags", "catalog", "referrers",
	}
	if diff := cmp.Diff(want, Steps()); diff != "" {
		t.Errorf("Steps() mismatch (-want +got):\n%s", diff)
	}
	// Quay's V2ProtocolSteps are all there with the same values.
	for _, s := range []string{"auth", "blob-head-check", "get-manifest", "get-manifest-list", "put-manifest",
		"put-manifest-list", "mount-blob", "catalog", "list-tags", "start-upload", "get-blob"} {
		if !Step(s).Known() {
			t.Errorf("Step(%q).Known() = false, want true", s)
		}
	}
}

func TestOCISuccess(t *testing.T) {
	want := map[Step]int{
		"ping": 200, "auth": 200, "blob-head-check": 404, "start-upload": 202, "upload-chunk": 202,
		"upload-status": 204, "finish-upload": 201, "cancel-upload": 204, "mount-blob": 201,
		"get-blob": 200, "head-blob": 200, "delete-blob": 202, "put-manifest": 201,
		"put-manifest-list": 201, "get-manifest": 200, "get-manifest-list": 200, "head-manifest": 200,
		"delete-manifest": 202, "list-tags": 200, "catalog": 200, "referrers": 200,
	}
	for _, tab := range []*Table{OCI, nil, NewTable("x"), Quay} {
		got := map[Step]int{}
		for _, s := range Steps() {
			got[s] = tab.Success(s)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("table %q: success statuses mismatch (-want +got):\n%s", tab.Name(), diff)
		}
	}
	if got := OCI.Entries(); len(got) != 0 {
		t.Errorf("OCI.Entries() = %v, want none", got)
	}
	if got := OCI.Success("nope"); got != 0 {
		t.Errorf(`OCI.Success("nope") = %d, want 0`, got)
	}
}

// TestQuayExact compares Quay with the seed's 2020 FAILURE_CODES, written
// out here on its own (quay-seed.md 2.2), plus the two entries measured on
// Quay since (unknown-tag at head-manifest and delete-manifest;
// examples/internal/quayreg shows them on a real Quay).
func TestQuayExact(t *testing.T) {
	seed := map[string]map[string]int{
		"auth": {
			"unauthenticated": 401, "invalid-authentication": 401, "invalid-registry": 400,
			"app-repository": 405, "anonymous-not-allowed": 401, "invalid-repository": 400,
			"slash-repository": 400, "namespace-disabled": 405,
		},
		"mount-blob": {"unauthorized-for-mount": 202, "readonly-registry": 405},
		"get-manifest": {
			"unknown-tag": 404, "unauthorized": 401, "disallowed-library-namespace": 400,
			"anonymous-not-allowed": 401,
		},
		"head-manifest":   {"unknown-tag": 404}, // measured, not the seed's
		"delete-manifest": {"unknown-tag": 404}, // measured, not the seed's
		"get-blob":        {"geo-blocked": 403},
		"blob-head-check": {"disallowed-library-namespace": 400},
		"start-upload": {
			"disallowed-library-namespace": 400, "read-only": 401, "mirror-only": 401,
			"mirror-misconfigured": 401, "mirror-robot-missing": 401, "readonly-registry": 405,
		},
		"put-manifest": {
			"disallowed-library-namespace": 400, "missing-tag": 404, "invalid-tag": 404,
			"invalid-images": 400, "invalid-blob": 400, "unsupported-content-type": 415,
			"read-only": 401, "mirror-only": 401, "mirror-misconfigured": 401,
			"mirror-robot-missing": 401, "readonly-registry": 405, "invalid-manifest": 400,
		},
		"put-manifest-list": {
			"invalid-manifest-in-list": 400, "read-only": 401, "mirror-only": 401,
			"mirror-misconfigured": 401, "mirror-robot-missing": 401, "readonly-registry": 405,
		},
	}
	got := map[string]map[string]int{}
	for _, e := range Quay.Entries() {
		if len(e.Expectation.Codes) != 0 {
			t.Errorf("Quay entry %s %s has codes %q, want none (the seed has statuses only)", e.Step, e.Failure, e.Expectation.Codes)
		}
		if got[string(e.Step)] == nil {
			got[string(e.Step)] = map[string]int{}
		}
		got[string(e.Step)][string(e.Failure)] = e.Expectation.Status
	}
	if diff := cmp.Diff(seed, got); diff != "" {
		t.Errorf("Quay entries mismatch (-want +got):\n%s", diff)
	}
	if Quay.Name() != "quay" {
		t.Errorf("Quay.Name() = %q, want %q", Quay.Name(), "quay")
	}
	// READ_ONLY appears twice in the seed's START_UPLOAD dict: one entry.
	n := 0
	for _, e := range Quay.Entries() {
		if e.Step == StartUpload && e.Failure == ReadOnly {
			n++
		}
	}
	if n != 1 {
		t.Errorf("Quay has %d entries for read-only at start-upload, want 1", n)
	}
	if diff := cmp.Diff([]Step{StartUpload, PutManifest, PutManifestList}, Quay.StepsFor(ReadOnly)); diff != "" {
		t.Errorf("Quay.StepsFor(read-only) mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Step{Auth, GetManifest}, Quay.StepsFor(AnonymousNotAllowed)); diff != "" {
		t.Errorf("Quay.StepsFor(anonymous-not-allowed) mismatch (-want +got):\n%s", diff)
	}
	if e, ok := Quay.Lookup(MountBlob, UnauthorizedForMount); !ok || e.Status != 202 {
		t.Errorf("Quay.Lookup(mount-blob, unauthorized-for-mount) = %v, %v, want 202, true", e, ok)
	}
	if got := Quay.StepsFor("tag-immutable"); got != nil {
		t.Errorf("Quay.StepsFor(tag-immutable) = %v, want nil", got)
	}
}

func TestDistributionWellFormed(t *testing.T) {
	if Distribution.Name() != "distribution" {
		t.Errorf("Distribution.Name() = %q, want %q", Distribution.Name(), "distribution")
	}
	for _, s := range Steps() {
		if got, want := Distribution.Success(s), OCI.Success(s); got != want {
			t.Errorf("Distribution.Success(%s) = %d, want the OCI %d", s, got, want)
		}
	}
	quayOnly := []Failure{SlashRepository, AppRepository, DisallowedLibraryNamespace, NamespaceDisabled,
		GeoBlocked, ReadOnly, MirrorOnly, MirrorMisconfigured, MirrorRobotMissing, InvalidRegistry}
	for _, f := range quayOnly {
		if steps := Distribution.StepsFor(f); len(steps) != 0 {
			t.Errorf("Distribution maps the Quay concept %s at %v, want nowhere", f, steps)
		}
	}
}

func TestImmutable(t *testing.T) {
	base := NewTable("base").With(GetManifest, UnknownTag, Expectation{Status: 404, Codes: []string{CodeManifestUnknown}})
	before := base.String()

	codes := []string{"A", "B"}
	d1 := base.With(PutManifest, InvalidManifest, Expectation{Status: 400, Codes: codes})
	codes[0] = "CHANGED"
	d2 := base.Without(GetManifest, UnknownTag)
	d3 := base.WithSuccess(CancelUpload, 202)
	d4 := base.Named("renamed")
	e, _ := base.Lookup(GetManifest, UnknownTag)
	e.Codes[0] = "MUTATED"
	for _, en := range base.Entries() {
		en.Expectation.Codes[0] = "MUTATED"
	}

	if after := base.String(); after != before {
		t.Errorf("deriving changed the base table (-before +after):\n%s", cmp.Diff(before, after))
	}
	if e, _ := d1.Lookup(PutManifest, InvalidManifest); !cmp.Equal(e, Expectation{Status: 400, Codes: []string{"A", "B"}}) {
		t.Errorf("d1.Lookup(put-manifest, invalid-manifest) = %v, want 400 A or B (the codes as passed to With)", e)
	}
	if _, ok := d2.Lookup(GetManifest, UnknownTag); ok {
		t.Errorf("Without left the entry in the derived table")
	}
	if got := d3.Success(CancelUpload); got != 202 {
		t.Errorf("WithSuccess(cancel-upload, 202).Success(cancel-upload) = %d, want 202", got)
	}
	if got := base.Success(CancelUpload); got != 204 {
		t.Errorf("base.Success(cancel-upload) = %d after WithSuccess on it, want 204", got)
	}
	if d4.Name() != "renamed" || base.Name() != "base" {
		t.Errorf("Named: derived %q, base %q, want renamed, base", d4.Name(), base.Name())
	}
	if _, ok := d4.Lookup(GetManifest, UnknownTag); !ok {
		t.Errorf("Named dropped the entries")
	}
	// The shipped tables do not move either.
	q := Quay.String()
	Quay.With(GetBlob, UnknownTag, Expectation{Status: 404}).Without(Auth, Unauthenticated).WithSuccess(Ping, 401).Named("x")
	if Quay.String() != q {
		t.Errorf("deriving from Quay changed Quay")
	}
}

func TestNilTable(t *testing.T) {
	var tab *Table
	if tab.Name() != "" || tab.Success(BlobHeadCheck) != 404 || len(tab.Entries()) != 0 || len(tab.StepsFor(UnknownTag)) != 0 {
		t.Errorf("nil table does not behave as OCI")
	}
	if _, ok := tab.Lookup(GetManifest, UnknownTag); ok {
		t.Errorf("nil.Lookup found an entry")
	}
	d := tab.With(GetManifest, UnknownTag, Expectation{Status: 404})
	if e, ok := d.Lookup(GetManifest, UnknownTag); !ok || e.Status != 404 {
		t.Errorf("nil.With(...).Lookup = %v, %v, want 404, true", e, ok)
	}
}

// tagInvalid is the example: 400 or 404, with MANIFEST_INVALID or
// TAG_INVALID or no code.
var (
	tagInvalid = Expectation{Status: 400, Also: []int{404},
		Codes: []string{CodeManifestInvalid, CodeTagInvalid}, CodeOptional: true}
	tagInvalidText = "400 or 404 MANIFEST_INVALID or TAG_INVALID or no code"
)

func TestExpectation(t *testing.T) {
	tests := []struct {
		e      Expectation
		status int
		codes  []string
		want   bool
		str    string
	}{
		{Expectation{Status: 404}, 404, nil, true, "404"},
		{Expectation{Status: 404}, 404, []string{"X"}, true, "404"},
		{Expectation{Status: 404}, 400, nil, false, "404"},
		{Expectation{Status: 404, Codes: []string{CodeManifestUnknown}}, 404, []string{CodeNameUnknown, CodeManifestUnknown}, true, "404 MANIFEST_UNKNOWN"},
		{Expectation{Status: 404, Codes: []string{CodeManifestUnknown}}, 404, []string{CodeNameUnknown}, false, "404 MANIFEST_UNKNOWN"},
		{Expectation{Status: 404, Codes: []string{CodeManifestUnknown}}, 404, nil, false, "404 MANIFEST_UNKNOWN"},
		{Expectation{Status: 400, Codes: []string{"A", "B"}}, 400, []string{"B"}, true, "400 A or B"},
		// Sets of statuses.
		{Expectation{Status: 400, Also: []int{404}}, 404, nil, true, "400 or 404"},
		{Expectation{Status: 400, Also: []int{404}}, 400, []string{"X"}, true, "400 or 404"},
		{Expectation{Status: 400, Also: []int{404}}, 405, nil, false, "400 or 404"},
		{Expectation{Status: 401, Also: []int{403, 405}}, 405, nil, true, "401 or 403 or 405"},
		// A code, or none.
		{tagInvalid, 404, nil, true, tagInvalidText},
		{tagInvalid, 400, []string{CodeTagInvalid}, true, tagInvalidText},
		{tagInvalid, 404, []string{CodeNameUnknown, CodeManifestInvalid}, true, tagInvalidText},
		{tagInvalid, 400, []string{CodeNameInvalid}, false, tagInvalidText},
		{tagInvalid, 405, nil, false, tagInvalidText},
		{Expectation{Status: 404, Codes: []string{CodeManifestUnknown}, CodeOptional: false}, 404, []string{}, false, "404 MANIFEST_UNKNOWN"},
		// OrSuccess is the table's to apply: Matches judges the refusal.
		{Expectation{Status: 401, Also: []int{403}, OrSuccess: true}, 403, nil, true, "401 or 403, or success"},
		{Expectation{Status: 401, Also: []int{403}, OrSuccess: true}, 200, nil, false, "401 or 403, or success"},
		{Expectation{Status: 400, Codes: []string{CodeManifestBlobUnknown}, OrSuccess: true}, 400, nil, false, "400 MANIFEST_BLOB_UNKNOWN, or success"},
		{Expectation{Status: 400, Codes: []string{"A"}, CodeOptional: true, OrSuccess: true}, 400, nil, true, "400 A or no code, or success"},
		// CodeOptional without codes changes nothing.
		{Expectation{Status: 404, CodeOptional: true}, 404, []string{"X"}, true, "404"},
	}
	for _, tt := range tests {
		if got := tt.e.Matches(tt.status, tt.codes); got != tt.want {
			t.Errorf("%v.Matches(%d, %q) = %v, want %v", tt.e, tt.status, tt.codes, got, tt.want)
		}
		if got := tt.e.String(); got != tt.str {
			t.Errorf("Expectation%v.String() = %q, want %q", tt.e, got, tt.str)
		}
	}
}

func TestWithPanics(t *testing.T) {
	tests := []struct {
		name string
		f    func()
	}{
		{"unknown step", func() { OCI.With("nope", UnknownTag, Expectation{Status: 404}) }},
		{"empty failure", func() { OCI.With(GetManifest, "", Expectation{Status: 404}) }},
		{"upper-case failure", func() { OCI.With(GetManifest, "Unknown-Tag", Expectation{Status: 404}) }},
		{"failure with a double hyphen", func() { OCI.With(GetManifest, "unknown--tag", Expectation{Status: 404}) }},
		{"failure with a trailing hyphen", func() { OCI.With(GetManifest, "unknown-", Expectation{Status: 404}) }},
		{"failure starting with a digit", func() { OCI.With(GetManifest, "4xx", Expectation{Status: 404}) }},
		{"failure with a space", func() { OCI.With(GetManifest, "unknown tag", Expectation{Status: 404}) }},
		{"failure of 101 bytes", func() { OCI.With(GetManifest, Failure(strings.Repeat("a", 101)), Expectation{Status: 404}) }},
		{"also status 600", func() { OCI.With(GetManifest, UnknownTag, Expectation{Status: 404, Also: []int{600}}) }},
		{"also repeats status", func() { OCI.With(GetManifest, UnknownTag, Expectation{Status: 404, Also: []int{400, 404}}) }},
		{"also repeats itself", func() { OCI.With(GetManifest, UnknownTag, Expectation{Status: 404, Also: []int{400, 400}}) }},
		{"code none", func() { OCI.With(GetManifest, UnknownTag, Expectation{Status: 404, Codes: []string{"none"}}) }},
		{"status 99", func() { OCI.With(GetManifest, UnknownTag, Expectation{Status: 99}) }},
		{"status 600", func() { OCI.With(GetManifest, UnknownTag, Expectation{Status: 600}) }},
		{"empty code", func() { OCI.With(GetManifest, UnknownTag, Expectation{Status: 404, Codes: []string{""}}) }},
		{"code with space", func() { OCI.With(GetManifest, UnknownTag, Expectation{Status: 404, Codes: []string{"A B"}}) }},
		{"success unknown step", func() { OCI.WithSuccess("nope", 200) }},
		{"success status 0", func() { OCI.WithSuccess(Ping, 0) }},
		{"name with newline", func() { OCI.Named("a\nb") }},
		{"name with leading space", func() { OCI.Named(" a") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("no panic")
				}
			}()
			tt.f()
		})
	}
}

func TestEntriesOrder(t *testing.T) {
	tab := NewTable("").
		With(PutManifest, ReadOnly, Expectation{Status: 401}).
		With(Auth, NamespaceDisabled, Expectation{Status: 405}).
		With(PutManifest, InvalidTag, Expectation{Status: 404}).
		With(Auth, Unauthenticated, Expectation{Status: 401})
	var got []string
	for _, e := range tab.Entries() {
		got = append(got, string(e.Step)+" "+string(e.Failure))
	}
	want := []string{"auth unauthenticated", "auth namespace-disabled", "put-manifest invalid-tag", "put-manifest read-only"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Entries() order mismatch (-want +got):\n%s", diff)
	}
}

// tableState is everything a table holds, for comparisons.
func tableState(tab *Table) map[string]any {
	succ := map[Step]int{}
	for _, s := range Steps() {
		succ[s] = tab.Success(s)
	}
	return map[string]any{"name": tab.Name(), "success": succ, "entries": tab.Entries()}
}

// roundTripDefined is a kind of this test's own, with a doc of several
// lines.
var roundTripDefined = NewFailure("round-trip-defined", "A kind\nof the\ttests' own.")

func TestRoundTrip(t *testing.T) {
	custom := Distribution.Named("custom name with spaces").
		WithSuccess(CancelUpload, 202).
		With(PutManifest, MissingTag, Expectation{Status: 400, Codes: []string{CodeTagInvalid, CodeNameInvalid}}).
		Without(Auth, Unauthenticated).
		With(PutManifest, InvalidTag, tagInvalid).
		With(PutManifest, Failure("round-trip-undefined"), Expectation{Status: 409, Also: []int{412}}).
		With(GetManifest, roundTripDefined, Expectation{Status: 451}).
		With(Auth, Unauthorized, Expectation{Status: 401, Also: []int{403}, Codes: []string{CodeDenied}, CodeOptional: true, OrSuccess: true})
	for _, tab := range []*Table{OCI, Spec, Quay, Distribution, custom, NewTable("")} {
		var b strings.Builder
		n, err := tab.WriteTo(&b)
		if err != nil || n != int64(b.Len()) {
			t.Fatalf("%q.WriteTo = %d, %v, want %d, nil", tab.Name(), n, err, b.Len())
		}
		back, err := ParseTable(strings.NewReader(b.String()))
		if err != nil {
			t.Fatalf("ParseTable(WriteTo(%q)): %v\n%s", tab.Name(), err, b.String())
		}
		if diff := cmp.Diff(tableState(tab), tableState(back)); diff != "" {
			t.Errorf("ParseTable(WriteTo(%q)) mismatch (-want +got):\n%s", tab.Name(), diff)
		}
	}
}

func TestParseTable(t *testing.T) {
	text := `
# a comment
	# an indented comment
base distribution
name my registry
success cancel-upload 202
put-manifest missing-tag 400 TAG_INVALID NAME_INVALID
without get-manifest unknown-tag
get-blob geo-blocked 403
put-manifest invalid-tag 400,404 none MANIFEST_INVALID TAG_INVALID
failure tag-immutable   a push over an immutable tag
put-manifest tag-immutable 409,412,403
delete-manifest delete-disabled 405 UNSUPPORTED
auth denied success,403
`
	got, err := ParseTable(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	want := Distribution.Named("my registry").
		WithSuccess(CancelUpload, 202).
		With(PutManifest, MissingTag, Expectation{Status: 400, Codes: []string{CodeTagInvalid, CodeNameInvalid}}).
		Without(GetManifest, UnknownTag).
		With(GetBlob, GeoBlocked, Expectation{Status: 403}).
		With(PutManifest, InvalidTag, tagInvalid).
		With(PutManifest, "tag-immutable", Expectation{Status: 409, Also: []int{412, 403}}).
		With(DeleteManifest, DeleteDisabled, Expectation{Status: 405, Codes: []string{CodeUnsupported}}).
		With(Auth, Denied, Expectation{Status: 403, OrSuccess: true})
	if diff := cmp.Diff(tableState(want), tableState(got)); diff != "" {
		t.Errorf("ParseTable mismatch (-want +got):\n%s", diff)
	}

	// Without base: OCI, unnamed; a base keeps its name.
	got, err = ParseTable(strings.NewReader("auth unauthenticated 401\n"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(tableState(NewTable("").With(Auth, Unauthenticated, Expectation{Status: 401})), tableState(got)); diff != "" {
		t.Errorf("ParseTable without base mismatch (-want +got):\n%s", diff)
	}
	for _, base := range []*Table{OCI, Spec, Quay, Distribution} {
		got, err = ParseTable(strings.NewReader("base " + base.Name() + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tableState(base), tableState(got)); diff != "" {
			t.Errorf("ParseTable(base %s) mismatch (-want +got):\n%s", base.Name(), diff)
		}
	}
	// A kind made with NewFailure needs no failure directive.
	got, err = ParseTable(strings.NewReader("get-manifest round-trip-defined 451\n"))
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := got.Lookup(GetManifest, roundTripDefined); !ok || e.Status != 451 {
		t.Errorf("ParseTable(get-manifest round-trip-defined 451).Lookup = %v, %v, want 451, true", e, ok)
	}
	// A failure directive is allowed for a known kind, and declares nothing
	// beyond its line's kind.
	if _, err := ParseTable(strings.NewReader("failure unknown-tag\nget-manifest unknown-tag 404\n")); err != nil {
		t.Errorf("ParseTable with a failure directive for a built-in kind: %v", err)
	}
}

func TestParseTableErrors(t *testing.T) {
	tests := []struct {
		text string
		want string
	}{
		{"get-manfest unknown-tag 404", `failures.ParseTable: line 1: unknown step "get-manfest"`},
		{"\nget-manifest unknwn-tag 404", `failures.ParseTable: line 2: unknown failure "unknwn-tag" (declare a kind of your own with a failure directive first)`},
		{"without get-manifest unknwn-tag", `failures.ParseTable: line 1: unknown failure "unknwn-tag" (declare a kind of your own with a failure directive first)`},
		{"get-manifest never-made-kind 409\nfailure never-made-kind", `failures.ParseTable: line 1: unknown failure "never-made-kind" (declare a kind of your own with a failure directive first)`},
		{"failure", `failures.ParseTable: line 1: failure takes a kind and an optional doc, got no kind`},
		{"failure Tag-Immutable x", `failures.ParseTable: line 1: failure "Tag-Immutable", want a kebab-case name (lower-case letters and digits in words joined by single hyphens, starting with a letter, at most 100 bytes)`},
		{"failure tag-immutable\nfailure tag-immutable", `failures.ParseTable: line 2: second failure directive for tag-immutable`},
		{"get-manifest unknown-tag 404,", `failures.ParseTable: line 1: status "", want three digits`},
		{"get-manifest unknown-tag 404,40", `failures.ParseTable: line 1: status "40", want three digits`},
		{"get-manifest unknown-tag 404,400,404", `failures.ParseTable: line 1: status 404 given twice`},
		{"get-manifest unknown-tag 404,600", `failures.ParseTable: line 1: status 600, want 100..599`},
		{"get-manifest unknown-tag 404 none", `failures.ParseTable: line 1: none without a code: write the statuses alone for an answer with any body`},
		{"get-manifest unknown-tag 404 A none none", `failures.ParseTable: line 1: none given twice`},
		{"get-manifest unknown-tag success", `failures.ParseTable: line 1: success without a status`},
		{"get-manifest unknown-tag 404,success,success", `failures.ParseTable: line 1: success given twice`},
		{"get-manifest unknown-tag 404,succes", `failures.ParseTable: line 1: status "succes", want three digits`},
		{"get-manifest unknown-tag 4040", `failures.ParseTable: line 1: status "4040", want three digits`},
		{"get-manifest unknown-tag +40", `failures.ParseTable: line 1: status "+40", want three digits`},
		{"get-manifest unknown-tag 099", `failures.ParseTable: line 1: status 99, want 100..599`},
		{"get-manifest unknown-tag", `failures.ParseTable: line 1: want STEP FAILURE STATUS [CODE...], got "get-manifest unknown-tag"`},
		{"get-manifest unknown-tag 404\nget-manifest unknown-tag 400", `failures.ParseTable: line 2: second entry for unknown-tag at get-manifest`},
		{"name a\nbase quay", `failures.ParseTable: line 2: base must be the first directive`},
		{"base nope", `failures.ParseTable: line 1: unknown base table "nope", want oci, spec, quay or distribution`},
		{"base", `failures.ParseTable: line 1: base takes one table name, got 0 words`},
		{"name a\nname b", `failures.ParseTable: line 2: second name directive`},
		{"success ping", `failures.ParseTable: line 1: success takes a step and a status, got 1 words`},
		{"success ping 200\nsuccess ping 401", `failures.ParseTable: line 2: second success status for step ping`},
		{"success pong 200", `failures.ParseTable: line 1: unknown step "pong"`},
		{"without auth", `failures.ParseTable: line 1: without takes a step and a failure, got 1 words`},
		{"auth unauthenticated 401\nwithout auth unauthenticated", `failures.ParseTable: line 2: without auth unauthenticated after an entry for the same pair`},
		{"name a\x01b", `failures.ParseTable: line 1: table name "a\x01b", want printable characters with no space at either end`},
		{"auth unauthenticated 401 A\x01B", `failures.ParseTable: line 1: error code "A\x01B", want a word of printable characters`},
		{strings.Repeat("x", 70000), `failures.ParseTable: line 1: bufio.Scanner: token too long`},
	}
	for _, tt := range tests {
		_, err := ParseTable(strings.NewReader(tt.text))
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseTable(%.40q) error = %v, want %s", tt.text, err, tt.want)
		}
	}
}

func FuzzParseTable(f *testing.F) {
	f.Add(Quay.String())
	f.Add(Distribution.String())
	f.Add(Spec.String())
	f.Add("base spec\nput-manifest invalid-tag 400,404 MANIFEST_INVALID TAG_INVALID none\n")
	f.Add("failure tag-immutable a push over\tan immutable tag\nput-manifest tag-immutable 409,412\nwithout put-manifest tag-immutable\n")
	f.Add("get-manifest unknown-tag 404,400 none\nget-blob blob-unknown 404,404\n")
	f.Add("auth unauthorized success,401,403 DENIED none\nping too-many-requests 429,success\n")
	f.Add("base distribution\nname x\nsuccess cancel-upload 202\nwithout get-manifest unknown-tag\n")
	f.Add("put-manifest missing-tag 400 TAG_INVALID NAME_INVALID\n# c\n\n")
	f.Add("name \u00e9t\u00e9\nauth unauthenticated 401 \u00c9\n")
	f.Add("base\nname\n")
	f.Fuzz(func(t *testing.T, text string) {
		tab, err := ParseTable(strings.NewReader(text))
		if err != nil {
			return
		}
		back, err := ParseTable(strings.NewReader(tab.String()))
		if err != nil {
			t.Fatalf("ParseTable(String()) of a parsed table: %v\n%s", err, tab.String())
		}
		if diff := cmp.Diff(tableState(tab), tableState(back)); diff != "" {
			t.Fatalf("round trip mismatch (-want +got):\n%s", diff)
		}
	})
}
