package failures_test

import (
	"fmt"
	"strings"

	"github.com/registrytest/registrytest/failures"
)

// A registry team maps a refusal of its own: pushing over an immutable tag,
// which their registry answers with 409 or 412 and DENIED, or no code.
func ExampleNewFailure() {
	tagImmutable := failures.NewFailure("immutable-tag", "A push over a tag the repository keeps immutable.")
	table := failures.Distribution.
		With(failures.PutManifest, tagImmutable, failures.Expectation{
			Status: 409, Also: []int{412}, Codes: []string{failures.CodeDenied}, CodeOptional: true,
		}).
		Named("my-registry")
	e, _ := table.Lookup(failures.PutManifest, tagImmutable)
	fmt.Println(tagImmutable, "=", e, "at", table.StepsFor(tagImmutable))
	fmt.Println(tagImmutable.Doc())
	fmt.Println(e.Matches(412, nil), e.Matches(409, []string{failures.CodeDenied}), e.Matches(409, []string{failures.CodeNameInvalid}))
	// Output:
	// immutable-tag = 409 or 412 DENIED or no code at [put-manifest]
	// A push over a tag the repository keeps immutable.
	// true true false
}

// What the spec allows, and what one registry answers, for the same
// refusal. Spec's ", or success": the registry may also let this step
// through and refuse at a later one (a call that meets no refusal fails).
func ExampleSpec() {
	for _, f := range []failures.Failure{failures.InvalidTag, failures.InvalidBlob, failures.DeleteDisabled} {
		for _, s := range failures.Spec.StepsFor(f) {
			spec, _ := failures.Spec.Lookup(s, f)
			dist, ok := failures.Distribution.Lookup(s, f)
			if !ok {
				fmt.Printf("%s at %s: spec %v; distribution: no entry\n", f, s, spec)
				continue
			}
			fmt.Printf("%s at %s: spec %v; distribution %v\n", f, s, spec, dist)
		}
	}
	// Output:
	// invalid-tag at put-manifest: spec 400 or 404, or success; distribution 404
	// invalid-tag at put-manifest-list: spec 400 or 404, or success; distribution 404
	// invalid-blob at put-manifest: spec 400 or 404 MANIFEST_BLOB_UNKNOWN, or success; distribution 400 MANIFEST_BLOB_UNKNOWN
	// delete-disabled at delete-blob: spec 400 or 405, or success; distribution: no entry
	// delete-disabled at delete-manifest: spec 400 or 405, or success; distribution: no entry
}

// The text form of a table: a file a test or the conformance program reads
// with ParseTable.
func ExampleParseTable() {
	text := `# my registry: distribution's answers, but an invalid tag is 400 or 404
base distribution
name my-registry
put-manifest invalid-tag 400,404 MANIFEST_INVALID TAG_INVALID none
failure quota-exceeded a push beyond the repository's quota
put-manifest quota-exceeded 403 DENIED
`
	table, err := failures.ParseTable(strings.NewReader(text))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range []failures.Failure{failures.InvalidTag, "quota-exceeded"} {
		e, _ := table.Lookup(failures.PutManifest, f)
		fmt.Println(table.Name(), f, "=", e)
	}
	// Output:
	// my-registry invalid-tag = 400 or 404 MANIFEST_INVALID or TAG_INVALID or no code
	// my-registry quota-exceeded = 403 DENIED
}
