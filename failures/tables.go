package failures

// OCI is the table of the OCI distribution spec's success statuses, with no
// failure entries. Its name is "oci". Derive a table from it to describe a
// registry from scratch, exactly: [NewTable] and a nil *Table are OCI too.
// To judge a registry by what the spec allows, use [Spec], which has the
// same success statuses and an entry for every refusal the spec describes.
var OCI = NewTable("oci")

// Quay is exactly the table of Quay's 2020 test harness
// (V2Protocol.FAILURE_CODES at quay/quay 925c313, statuses only, no codes),
// with the OCI success statuses, which Quay adopted in 2020. Its name is
// "quay". Note the seed's one twist: unauthorized-for-mount maps to 202 at
// mount-blob, because Quay answers a refused mount by opening a plain upload
// session. Two entries were added since, for steps the harness never took
// that way: unknown-tag at head-manifest and at delete-manifest (a digest
// the repository does not hold), 404 (measured on Quay ffba0c70e by
// examples/internal/quayreg).
var Quay = quayTable()

func quayTable() *Table {
	t := NewTable("quay")
	add := func(s Step, status int, fs ...Failure) {
		for _, f := range fs {
			t = t.With(s, f, Expectation{Status: status})
		}
	}
	add(Auth, 401, Unauthenticated, InvalidAuthentication, AnonymousNotAllowed)
	add(Auth, 400, InvalidRegistry, InvalidRepository, SlashRepository)
	add(Auth, 405, AppRepository, NamespaceDisabled)
	add(MountBlob, 202, UnauthorizedForMount)
	add(MountBlob, 405, ReadonlyRegistry)
	add(GetManifest, 404, UnknownTag)
	add(HeadManifest, 404, UnknownTag)   // not in the 2020 harness (it sent no HEAD); measured on Quay ffba0c70e
	add(DeleteManifest, 404, UnknownTag) // not in the 2020 harness (it deleted once); measured on Quay ffba0c70e
	add(GetManifest, 401, Unauthorized, AnonymousNotAllowed)
	add(GetManifest, 400, DisallowedLibraryNamespace)
	add(GetBlob, 403, GeoBlocked)
	add(BlobHeadCheck, 400, DisallowedLibraryNamespace)
	add(StartUpload, 400, DisallowedLibraryNamespace)
	add(StartUpload, 401, ReadOnly, MirrorOnly, MirrorMisconfigured, MirrorRobotMissing)
	add(StartUpload, 405, ReadonlyRegistry)
	add(PutManifest, 400, DisallowedLibraryNamespace, InvalidImages, InvalidBlob, InvalidManifest)
	add(PutManifest, 404, MissingTag, InvalidTag)
	add(PutManifest, 415, UnsupportedContentType)
	add(PutManifest, 401, ReadOnly, MirrorOnly, MirrorMisconfigured, MirrorRobotMissing)
	add(PutManifest, 405, ReadonlyRegistry)
	add(PutManifestList, 400, InvalidManifestInList)
	add(PutManifestList, 401, ReadOnly, MirrorOnly, MirrorMisconfigured, MirrorRobotMissing)
	add(PutManifestList, 405, ReadonlyRegistry)
	return t
}

// Distribution is the table of what distribution answers: the registry of
// github.com/distribution/distribution v3 and github.com/docker/distribution
// 2.8 (which Debian's docker-registry 2.8.2 is). Its name is
// "distribution". Every entry was measured on all three, in-process or as
// a process, without auth, with htpasswd (Basic) and with token (Bearer)
// auth, and is checked by the tests in internal/itest of this module.
//
// The success statuses are the OCI spec's; distribution answers them all,
// except that it has no referrers API (GET /v2/<name>/referrers/<digest>
// answers 404).
//
// The entries, by failure:
//
//   - unauthenticated, invalid-authentication (an unknown user),
//     anonymous-not-allowed: auth 401. With htpasswd, distribution answers
//     GET /v2/ itself; with token auth, the token server answers, so the
//     entries carry no error code.
//   - unauthorized (a token without the action the request needs):
//     401 UNAUTHORIZED at start-upload, mount-blob (also when the token does
//     not grant pull on the mount's source), put-manifest,
//     put-manifest-list, get-manifest, get-manifest-list, get-blob,
//     delete-manifest, delete-blob, list-tags and catalog; 401 with no body
//     at head-manifest. Not at blob-head-check: a client that may pull but
//     not push gets 404 there and is refused at start-upload.
//   - unknown-tag: 404 MANIFEST_UNKNOWN at get-manifest, get-manifest-list
//     and delete-manifest (by digest; a 2.8 DELETE by tag is 400
//     DIGEST_INVALID), 404 at head-manifest; for a missing repository too.
//   - missing-tag (PUT /v2/<name>/manifests/) and invalid-tag (".fail",
//     "-fail", 129 characters): 404 with no error body at put-manifest and
//     put-manifest-list (no route matches).
//   - invalid-manifest (a body that is not a manifest) and
//     unsupported-content-type (a Content-Type distribution does not know):
//     400 MANIFEST_INVALID at put-manifest.
//   - invalid-blob: 400 MANIFEST_BLOB_UNKNOWN at put-manifest;
//     invalid-manifest-in-list (a child that is not in the repository):
//     400 MANIFEST_BLOB_UNKNOWN at put-manifest-list.
//   - unauthorized-for-mount: 202 at mount-blob when the source repository
//     does not hold the blob (distribution opens an upload session). A source
//     the token does not grant pull on is 401 instead: see unauthorized.
//   - readonly-registry (storage.maintenance.readonly): 405 with no error
//     code at start-upload, mount-blob, put-manifest, put-manifest-list,
//     delete-manifest and delete-blob; reads work.
//
// Failure kinds that are Quay concepts (namespaces, repository states,
// geo-blocking, application repositories, a token service the server does
// not know) have no entry, nor have the spec's kinds ([DeleteDisabled] to
// [ManifestBlobUnknown]): every entry here has its proof in internal/itest. invalid-repository has none either: a name of
// 256 characters makes all three answer 500.
var Distribution = distributionTable()

func distributionTable() *Table {
	t := NewTable("distribution")
	add := func(f Failure, status int, codes []string, steps ...Step) {
		for _, s := range steps {
			t = t.With(s, f, Expectation{Status: status, Codes: codes})
		}
	}
	unauthorized := []string{CodeUnauthorized}
	add(Unauthenticated, 401, nil, Auth)
	add(InvalidAuthentication, 401, nil, Auth)
	add(AnonymousNotAllowed, 401, nil, Auth)

	add(Unauthorized, 401, unauthorized, StartUpload, MountBlob, PutManifest, PutManifestList,
		GetManifest, GetManifestList, GetBlob, DeleteManifest, DeleteBlob, ListTags, Catalog)
	add(Unauthorized, 401, nil, HeadManifest)

	add(UnknownTag, 404, []string{CodeManifestUnknown}, GetManifest, GetManifestList, DeleteManifest)
	add(UnknownTag, 404, nil, HeadManifest)

	add(MissingTag, 404, nil, PutManifest, PutManifestList)
	add(InvalidTag, 404, nil, PutManifest, PutManifestList)
	add(InvalidManifest, 400, []string{CodeManifestInvalid}, PutManifest)
	add(UnsupportedContentType, 400, []string{CodeManifestInvalid}, PutManifest)
	add(InvalidBlob, 400, []string{CodeManifestBlobUnknown}, PutManifest)
	add(InvalidManifestInList, 400, []string{CodeManifestBlobUnknown}, PutManifestList)

	add(UnauthorizedForMount, 202, nil, MountBlob)
	add(ReadonlyRegistry, 405, nil, StartUpload, MountBlob, PutManifest, PutManifestList, DeleteManifest, DeleteBlob)
	return t
}
