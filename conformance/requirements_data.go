// Requirements the scenarios cite: one sentence, one variable.
//
// The sentences are quoted verbatim from their sources (after whitespace
// is normalised); a registry behaviour (Quay) names the test of its own
// that checks it. The list was drawn from the researchers' table of every
// scenario's requirements (level, source, section, sentence).

package conformance

import "github.com/registrytest/registrytest/failures"

var (
	reqPing200 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Determining Support",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#determining-support",
		Text:    "If the response is `200 OK`, then the registry implements this specification.",
	}
	reqDockerAPIVersionHeader = Requirement{
		Level: Should, Source: DockerAPI,
		Section: "API Version Check",
		URL:     "https://github.com/distribution/distribution/blob/v2.8.3/docs/spec/api.md#api-version-check",
		Text:    "When a `200 OK` or `401 Unauthorized` response is returned, the \"Docker-Distribution-API-Version\" header should be set to \"registry/2.0\".",
	}
	reqLegacyHeadersOptional = Requirement{
		Level: May, Source: OCIDistribution,
		Section: "Legacy Docker support HTTP headers",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#legacy-docker-support-http-headers",
		Text:    "These headers are OPTIONAL and clients SHOULD NOT depend on them.",
	}
	reqTokenBadCredentials401 = Requirement{
		Level: Should, Source: DockerAPI,
		Section: "auth/token.md, Requesting a Token",
		URL:     "https://github.com/distribution/distribution/blob/v2.8.3/docs/spec/auth/token.md#requesting-a-token",
		Text:    "If an attempt to authenticate to the token server fails, the token server should return a `401 Unauthorized` response indicating that the provided credentials are invalid.",
	}
	reqTokenIntersection = Requirement{
		Level: Must, Source: DockerAPI,
		Section: "auth/token.md, Requesting a Token",
		URL:     "https://github.com/distribution/distribution/blob/v2.8.3/docs/spec/auth/token.md#requesting-a-token",
		Text:    "Once the token server has determined what access the client has to the resources requested in the `scope` parameter, it will take the intersection of the set of requested actions on each resource and the set of actions that the client has in fact been granted.",
	}
	reqTokenNoAccessEmpty = Requirement{
		Level: Must, Source: DockerAPI,
		Section: "auth/token.md, Requesting a Token",
		URL:     "https://github.com/distribution/distribution/blob/v2.8.3/docs/spec/auth/token.md#requesting-a-token",
		Text:    "If the client has no access to the repository then the intersected set would be empty, `[]`.",
	}
	reqTokenSubsetNotError = Requirement{
		Level: Must, Source: DockerAPI,
		Section: "auth/token.md, Requesting a Token",
		URL:     "https://github.com/distribution/distribution/blob/v2.8.3/docs/spec/auth/token.md#requesting-a-token",
		Text:    "If the client only has a subset of the requested access **it must not be considered an error** as it is not the responsibility of the token server to indicate authorization errors as part of this workflow.",
	}
	quayAuthCredentialKinds = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_login[5 valid rows], test_push_pull_logging (registry part): robot/app/OAuth credentials are Quay concepts; OCI: 'This endpoint MAY be used for authentication/authorization purposes, but this is out of the purview of this specification.'",
	}
	reqToken401 = Requirement{
		Level: Must, Source: DockerAPI,
		Section: "auth/token.md, Requesting a Token",
		URL:     "https://github.com/distribution/distribution/blob/v2.8.3/docs/spec/auth/token.md#requesting-a-token",
		Text:    "If the registry requires authorization it will return a `401 Unauthorized` HTTP response with information on how to authenticate.",
	}
	quayAuthPullPublicAnonymous = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_pull_publicrepo_anonymous (last pull); public repositories are a registry policy, not in OCI or Docker API",
	}
	quayAuthAnonymousOff = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_pull_publicrepo_no_anonymous_access",
	}
	quayAuthOrgMemberAccess = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_basic_organization_flow (organizations/roles are Quay concepts)",
	}
	reqNameRegexp = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Pulling manifests",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pulling-manifests",
		Text:    "Throughout this document, `<name>` MUST match the following regular expression:",
	}
	quayNameRepoTooLong = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_push_reponame[Name too long]",
	}
	reqTagRegexp = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Pulling manifests",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pulling-manifests",
		Text:    "Throughout this document, `<reference>` as a tag MUST be at most 128 characters in length and MUST match the following regular expression:",
	}
	quayNameTagMissing = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_tag_validaton[\"\"] (OCI: '`<reference>` MUST be either a) a digest or b) a tag.' constrains the client; the registry's answer is unspecified; end-7 lists failure 404)",
	}
	quayNameTagInvalid = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_tag_validaton[x*129, .fail, -fail] (OCI tag regex constrains the client; TAG_INVALID is a legacy code: 'These error codes are OPTIONAL and clients SHOULD NOT depend on them.')",
	}
	reqDockerLibraryAlias = Requirement{
		Level: Must, Source: DockerAPI,
		Section: "Docker Hub convention (no sentence of the Docker API)",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_library_support (Docker Hub convention: x == library/x); no OCI or Docker API sentence",
	}
	reqDockerStreamUpload = Requirement{
		Level: Must, Source: DockerAPI,
		Section: "Stream upload",
		URL:     "https://github.com/distribution/distribution/blob/v2.8.3/docs/spec/api.md#stream-upload",
		Text:    "Upload a stream of data to upload without completing the upload.",
	}
	reqFinishUpload201 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "POST then PUT",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#post-then-put",
		Text:    "Upon successful completion of the request, the response MUST have code `201 Created` and MUST have the following header:",
	}
	reqStartUpload202 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "POST then PUT",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#post-then-put",
		Text:    "Upon success, the response MUST have a code of `202 Accepted`, and MUST include the following header:",
	}
	reqBlobLocationPullable = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "POST then PUT",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#post-then-put",
		Text:    "With `<blob-location>` being a pullable blob URL.",
	}
	reqSinglePOSTMay = Requirement{
		Level: May, Source: OCIDistribution,
		Section: "Single POST",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#single-post",
		Text:    "Registries MAY support pushing blobs using a single POST request.",
	}
	reqSinglePOSTFallback202 = Requirement{
		Level: Should, Source: OCIDistribution,
		Section: "Single POST",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#single-post",
		Text:    "Registries that do not support single request monolithic uploads SHOULD return a `202 Accepted` status code and `Location` header and clients SHOULD proceed with a subsequent PUT request, as described by the [POST then PUT upload method](#post-then-put).",
	}
	reqSinglePOST201 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Single POST",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#single-post",
		Text:    "Successful completion of the request MUST return a `201 Created` and MUST include the following header:",
	}
	reqEndpointsBlobPut = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Endpoints (end-4b, end-6)",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#endpoints",
		Text:    "| end-6 | `PUT` | `/v2/<name>/blobs/uploads/<reference>?digest=<digest>` | `201` | `404`/`400` |",
	}
	reqErrorBodyAnyFormat = Requirement{
		Level: May, Source: OCIDistribution,
		Section: "Error Codes",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#error-codes",
		Text:    "A `4XX` response code from the registry MAY return a body in any format.",
	}
	reqDockerCancelUpload = Requirement{
		Level: Must, Source: DockerAPI,
		Section: "Canceling an Upload",
		URL:     "https://github.com/distribution/distribution/blob/v2.8.3/docs/spec/api.md#canceling-an-upload",
		Text:    "After this request is issued, the upload uuid will no longer be valid and the registry server will dump all intermediate data.",
	}
	reqCancel204 = Requirement{
		Level: Should, Source: OCIDistribution,
		Section: "Cancel a blob upload (unreleased main, 967efdc)",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/967efdc079b91785ad18c77cc4f8991a47feefbf/spec.md#cancel-a-blob-upload",
		Text:    "If successful, the response SHOULD be a `204 No Content` response code.",
	}
	reqBlobMissing404 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Pulling blobs",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pulling-blobs",
		Text:    "If the blob is not found in the registry, the response code MUST be `404 Not Found`.",
	}
	reqHeadMissing404 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Checking if content exists in the registry",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#checking-if-content-exists-in-the-registry",
		Text:    "If the blob or manifest is not found in the registry, the response code MUST be `404 Not Found`.",
	}
	reqRangeShould = Requirement{
		Level: Should, Source: OCIDistribution,
		Section: "Pulling blobs (v1.1.1)",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#pulling-blobs",
		Text:    "A registry SHOULD support the `Range` request header in accordance with [RFC 9110](https://www.rfc-editor.org/rfc/rfc9110.html#name-range-requests).",
	}
	reqChunk202 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Pushing a blob in chunks",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-a-blob-in-chunks",
		Text:    "Each successful chunk upload MUST have a `202 Accepted` response code, and MUST have the following headers:",
	}
	reqUploadStatus204 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Pushing a blob in chunks",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-a-blob-in-chunks",
		Text:    "The response to an active upload `<location>` MUST be a `204 No Content` response code, and MUST have the following headers:",
	}
	reqChunkMinLength = Requirement{
		Level: Should, Source: OCIDistribution,
		Section: "Pushing a blob in chunks",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-a-blob-in-chunks",
		Text:    "If the registry has a minimum chunk size, the `POST` response SHOULD include the following header, where `<size>` is the size in bytes (see the blob `PATCH` definition for usage):",
	}
	reqFinalChunkInPut = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Pushing a blob in chunks",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-a-blob-in-chunks",
		Text:    "The final chunk MAY be uploaded using a `PATCH` request or it MAY be uploaded in the closing `PUT` request.",
	}
	reqChunkOutOfOrder416 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Pushing a blob in chunks",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-a-blob-in-chunks",
		Text:    "If a chunk is uploaded out of order, the registry MUST respond with a `416 Requested Range Not Satisfiable` code.",
	}
	reqChunksInOrder = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Pushing a blob in chunks",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-a-blob-in-chunks",
		Text:    "Chunks MUST be uploaded in order, with the first byte of a chunk being the last chunk's `<end-of-range>` plus one.",
	}
	reqMount201 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Mounting a blob from another repository",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#mounting-a-blob-from-another-repository",
		Text:    "The response to a successful mount MUST be `201 Created`, and MUST contain the following header:",
	}
	reqMountFallback202 = Requirement{
		Level: Should, Source: OCIDistribution,
		Section: "",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#mounting-a-blob-from-another-repository",
		Text:    "Alternatively, if a registry does not support cross-repository mounting or is unable to mount the requested blob, it SHOULD return a `202`.",
	}
	reqMountFromOptional = Requirement{
		Level: May, Source: OCIDistribution,
		Section: "Mounting a blob from another repository",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#mounting-a-blob-from-another-repository",
		Text:    "The registry MAY treat the `from` parameter as optional, and it MAY cross-mount the blob if it can be found.",
	}
	quayMountEmptyLayers = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_blob_mounting_with_empty_layers (OCI: 'The response to a successful mount MUST be `201 Created`'; whether to mount is the registry's choice)",
	}
	reqGetManifest200 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Pulling manifests",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pulling-manifests",
		Text:    "A GET request to an existing manifest URL MUST provide the expected manifest, with a response code that MUST be `200 OK`.",
	}
	reqContentTypeMatchesPush = Requirement{
		Level: Should, Source: OCIDistribution,
		Section: "Pulling manifests",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pulling-manifests",
		Text:    "The `Content-Type` header SHOULD match what the client [pushed as the manifest's `Content-Type`](#pushing-manifests).",
	}
	quayPushEmptyLayer = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_empty_layer (schema2/OCI leave the 32-byte empty layer out of layers: a client/builder convention)",
	}
	quayPushEmptyLayerAgain = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_empty_layer_push_again (re-uploading existing blobs must work again: POST 202 … PUT 201, OCI MUSTs of POST then PUT)",
	}
	quayPushMultiLayerUncompressed = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_multi_layer_images_push_pull (uncompressed tar sent with the tar.gzip media type: the registry must not validate layer contents; image-spec gives no registry rule)",
	}
	quayPushSameBlobTwice = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_push_pull_same_blobs (client de-duplication; registry only needs to accept a manifest listing one digest twice)",
	}
	reqBlobsMayBeEmpty = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Pushing Manifests",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-manifests",
		Text:    "However, the list of blobs MAY be empty.",
	}
	reqMayRejectMissingRefs = Requirement{
		Level: May, Source: OCIDistribution,
		Section: "Push",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#push",
		Text:    "A registry MAY reject a manifest uploaded to the manifest endpoint with descriptors in other fields that reference a manifest or blob that does not exist in the registry.",
	}
	quayS1BadParentChain = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_invalid_parent, test_wrong_image_order (schema1 v1Compatibility chain validation)",
	}
	reqDockerV1Fallback = Requirement{
		Level: Must, Source: DockerAPI,
		Section: "content-negotiation.md of OCI distribution-spec v1.1.0 (non-normative table)",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/content-negotiation.md",
		Text:    "`v1`, `linux/amd64`, for backward compatibility with old, non-v2 clients",
	}
	reqManifestExactBytes = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Pushing Manifests",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-manifests",
		Text:    "The registry MUST store the manifest in the exact byte representation provided by the client.",
	}
	reqHeadExisting200 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Checking if content exists in the registry",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#checking-if-content-exists-in-the-registry",
		Text:    "A HEAD request to an existing blob or manifest URL MUST return `200 OK`.",
	}
	reqManifest4MB = Requirement{
		Level: Should, Source: OCIDistribution,
		Section: "Pushing Manifests",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-manifests",
		Text:    "Client and registry implementations SHOULD expect to be able to support manifest pushes of at least 4 megabytes.",
	}
	reqUnknownArtifactTypeNoError = Requirement{
		Level: MustNot, Source: OCIImage,
		Section: "manifest.md, artifactType",
		URL:     "https://github.com/opencontainers/image-spec/blob/v1.1.0/manifest.md#image-manifest-property-descriptions",
		Text:    "Implementations storing or copying image manifests MUST NOT error on encountering an `artifactType` that is unknown to the implementation.",
	}
	reqUnknownConfigTypeNoError = Requirement{
		Level: MustNot, Source: OCIImage,
		Section: "manifest.md, config.mediaType",
		URL:     "https://github.com/opencontainers/image-spec/blob/v1.1.0/manifest.md#image-manifest-property-descriptions",
		Text:    "Implementations storing or copying image manifests MUST NOT error on encountering a value that is unknown to the implementation.",
	}
	reqUnknownPropertyNoError = Requirement{
		Level: ShouldNot, Source: OCIImage,
		Section: "considerations.md, Extensibility",
		URL:     "https://github.com/opencontainers/image-spec/blob/v1.1.0/considerations.md#extensibility",
		Text:    "Implementations processing content SHOULD NOT generate an error if they encounter an unknown property in a known media type.",
	}
	quayListPushAgain = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_push_pull_manifest_list_again",
	}
	quayListDuplicateChild = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_push_pull_manifest_list_duplicate_manifest (image-index allows any descriptors; no rule against duplicates)",
	}
	reqRejectManifestBlobUnknown = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Push",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#push",
		Text:    "When a manifest is rejected for this reason, it MUST result in one or more `MANIFEST_BLOB_UNKNOWN` errors.",
	}
	quayListArchMismatch = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_attempt_push_mismatched_manifest (platform validation; capability validates-platform)",
	}
	reqDockerV2Fallback = Requirement{
		Level: Must, Source: DockerAPI,
		Section: "content-negotiation.md of OCI distribution-spec v1.1.0 (non-normative table)",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/content-negotiation.md",
		Text:    "`v2`, matching `Accept` header (`linux/amd64` for backward compatibility)",
	}
	reqNestedIndex = Requirement{
		Level: Must, Source: OCIImage,
		Section: "image-index.md, manifests[].mediaType",
		URL:     "https://github.com/opencontainers/image-spec/blob/v1.1.0/image-index.md#image-index-property-descriptions",
		Text:    "`application/vnd.oci.image.index.v1+json` (nested index)",
	}
	reqIndexManifestsMayBeEmpty = Requirement{
		Level: Must, Source: OCIImage,
		Section: "image-index.md, manifests",
		URL:     "https://github.com/opencontainers/image-spec/blob/v1.1.0/image-index.md#image-index-property-descriptions",
		Text:    "While this property MUST be present, the size of the array MAY be zero.",
	}
	reqPullReferenceDigestOrTag = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Pulling manifests",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pulling-manifests",
		Text:    "`<reference>` MUST be either (a) the digest of the manifest or (b) a tag.",
	}
	reqDigestHeaderShould = Requirement{
		Level: Should, Source: OCIDistribution,
		Section: "Pulling manifests",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pulling-manifests",
		Text:    "A successful response SHOULD contain the digest of the uploaded blob in the header `Docker-Content-Digest`.",
	}
	reqPushReferenceDigestOrTag = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Pushing Manifests",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-manifests",
		Text:    "`<name>` is the namespace of the repository, and the `<reference>` MUST be either a) a digest or b) a tag.",
	}
	reqTagParamMay = Requirement{
		Level: May, Source: OCIDistribution,
		Section: "Pushing Manifests (unreleased main, 967efdc)",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/967efdc079b91785ad18c77cc4f8991a47feefbf/spec.md#pushing-manifests",
		Text:    "When pushing a manifest by digest, the registry MAY support the pushing of tags specified by addition of `tag` query parameters.",
	}
	reqOCITagHeader = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Pushing Manifests (unreleased main, 967efdc)",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/967efdc079b91785ad18c77cc4f8991a47feefbf/spec.md#pushing-manifests",
		Text:    "MUST include an `OCI-Tag` response header, in accordance with [RFC 9110 (section 5)](https://www.rfc-editor.org/rfc/rfc9110#section-5) semantics, for each accepted tag.",
	}
	reqClientAccept = Requirement{
		Level: Should, Source: OCIDistribution,
		Section: "Pulling manifests",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pulling-manifests",
		Text:    "The client SHOULD include an `Accept` header indicating which manifest content types it supports.",
	}
	reqManifestMissing404 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Pulling manifests",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pulling-manifests",
		Text:    "If the manifest is not found in the registry, the response code MUST be `404 Not Found`.",
	}
	quayValidConfigNoHistory = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_malformed_schema2_config (image-spec config.md: history is OPTIONAL, so the default 'accept' is right; rejection is a capability)",
	}
	quayValidContentTypeMismatch = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test (2019): test_unsupported_manifest_content_type. OCI only constrains the client: 'If a manifest includes a `mediaType` field, clients MUST set the `Content-Type` header to the value specified by the `mediaType` field.'",
	}
	reqManifestPutDigestEqual = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Pushing Manifests",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-manifests",
		Text:    "The Docker-Content-Digest header returns the canonical digest of the uploaded blob, and MUST be equal to the client provided digest.",
	}
	reqInvalidDigest400 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Listing Referrers",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers",
		Text:    "If the request is invalid, such as a `<digest>` with an invalid syntax, a `400 Bad Request` MUST be returned.",
	}
	reqErrorCodeField = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Error Codes",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#error-codes",
		Text:    "The `code` field MUST be one of the following:",
	}
	reqDeleteManifest202 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Deleting Manifests",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#deleting-manifests",
		Text:    "Upon success, the registry MUST respond with a `202 Accepted` code.",
	}
	reqDockerDeleteGone404 = Requirement{
		Level: Must, Source: DockerAPI,
		Section: "Deleting an Image",
		URL:     "https://github.com/distribution/distribution/blob/v2.8.3/docs/spec/api.md#deleting-an-image",
		Text:    "If the image had already been deleted or did not exist, a `404 Not Found` response will be issued instead.",
	}
	reqTagDeleteMay = Requirement{
		Level: May, Source: OCIDistribution,
		Section: "Content Management",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#content-management",
		Text:    "Similarly, a registry MAY implement tag deletion, while others MAY allow deletion only by manifest.",
	}
	reqTagDeleteDisabled = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Deleting tags",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#deleting-tags",
		Text:    "If tag deletion is disabled, the registry MUST respond with either a `400 Bad Request` or a `405 Method Not Allowed`.",
	}
	reqDeleteBlob202 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Deleting Blobs",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#deleting-blobs",
		Text:    "Upon success, the registry MUST respond with code `202 Accepted`.",
	}
	reqDeleteBlobMissing404 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Deleting Blobs",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#deleting-blobs",
		Text:    "If the blob is not found, a `404 Not Found` code MUST be returned.",
	}
	reqTagsLexicalOrder = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Listing Tags",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-tags",
		Text:    "If the list is not empty, the tags MUST be in lexical order (i.e. case-insensitive alphanumeric order).",
	}
	reqTagsJSON = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Listing Tags",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-tags",
		Text:    "Upon success, the response MUST be a json body in the following format:",
	}
	reqNonexistentRepo404 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Pushing Manifests",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-manifests",
		Text:    "An attempt to pull a nonexistent repository MUST return response code `404 Not Found`.",
	}
	reqTagsMayBeEmpty = Requirement{
		Level: May, Source: OCIDistribution,
		Section: "Listing Tags",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-tags",
		Text:    "The list of tags MAY be empty if there are no tags on the repository.",
	}
	reqTagsNResults = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Listing Tags",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-tags",
		Text:    "Otherwise, the response MUST include `<int>` results.",
	}
	reqTagsLinkMay = Requirement{
		Level: May, Source: OCIDistribution,
		Section: "Listing Tags (v1.1.1)",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#listing-tags",
		Text:    "A `Link` header MAY be included in the response when additional tags are available.",
	}
	reqTagsLast = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Listing Tags",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-tags",
		Text:    "A request of this sort will return up to `<int>` tags, beginning non-inclusively with `<tagname>`.",
	}
	reqTagsLastWithoutN = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Listing Tags",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-tags",
		Text:    "When using the `last` query parameter, the `n` parameter is OPTIONAL.",
	}
	reqDockerCatalogContents = Requirement{
		Level: Must, Source: DockerAPI,
		Section: "",
		URL:     "https://github.com/distribution/distribution/blob/v2.8.3/docs/spec/api.md#listing-repositories",
		Text:    "Note that the contents of the response are specific to the registry implementation.",
	}
	quayCatAnonymousPrivate = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_catalog[(False, None)], test_private_catalog_no_access",
	}
	quayCatAnonymousPublic = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_catalog[(True, None)]",
	}
	reqReferrersNo404 = Requirement{
		Level: MustNot, Source: OCIDistribution,
		Section: "Listing Referrers",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers",
		Text:    "If the registry supports the referrers API, the registry MUST NOT return a `404 Not Found` to a referrers API requests.",
	}
	reqReferrersEmptyList = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Listing Referrers",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers",
		Text:    "If a query results in no matching referrers, an empty manifest list MUST be returned.",
	}
	reqReferrersContentType = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Listing Referrers",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers",
		Text:    "The `Content-Type` header MUST be set to `application/vnd.oci.image.index.v1+json`.",
	}
	reqOCISubjectHeader = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Pushing Manifests with Subject",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-manifests-with-subject",
		Text:    "When processing a request for an image manifest with the `subject` field, a registry implementation that supports the [referrers API](#listing-referrers) MUST respond with the response header `OCI-Subject: <subject digest>` to indicate to the client that the registry processed the request's `subject`.",
	}
	reqReferrersAnnotations = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Listing Referrers",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers",
		Text:    "The descriptors MUST include annotations from the image manifest or index.",
	}
	reqReferrersArtifactType = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Listing Referrers",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers",
		Text:    "The descriptors MUST include an `artifactType` field that is set to the value of the `artifactType` in the image manifest or index, if present.",
	}
	reqReferrersIndexArtifactType = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Listing Referrers",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers",
		Text:    "If the `artifactType` is empty or missing in an index, the `artifactType` MUST be omitted.",
	}
	reqSubjectMissingAccepted = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Push",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#push",
		Text:    "A registry MUST initially accept an otherwise valid manifest with a `subject` field that references a manifest that does not exist in the repository, allowing clients to push a manifest and referrers to that manifest in either order.",
	}
	reqReferrersFilterShould = Requirement{
		Level: Should, Source: OCIDistribution,
		Section: "Listing Referrers",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers",
		Text:    "The registry SHOULD support filtering on `artifactType`.",
	}
	reqReferrersFiltersApplied = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Listing Referrers",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers",
		Text:    "If filtering is requested and applied, the response MUST include a header `OCI-Filters-Applied: artifactType` denoting that an `artifactType` filter was applied.",
	}
	quayStateRegistryReadonly = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_readonly_push_pull",
	}
	quayStateRepoReadonly = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_repository_states[READ_ONLY], test_login_scopes[Read-Only]",
	}
	quayStateRepoNormal = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_repository_states[NORMAL]",
	}
	quayStateRepoMirrorRobot = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_repository_states[MIRROR, robot, mirror]",
	}
	quayStateRepoMirrorDenied = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_repository_states[MIRROR, user, mirror]",
	}
	quayStateRepoMirrorMisconfigured = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_repository_states[MIRROR, no mirror]",
	}
	quayStateNsDisabled = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_push_disabled_namespace, test_pull_disabled_namespace, test_tags_disabled_namespace",
	}
	quayStateNsDisabledCatalog = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_catalog_disabled_namespace",
	}
	quayStateLibraryOff = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_push_library_with_support_disabled, test_pull_library_with_support_disabled",
	}
	quayStateLibraryOffExplicit = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_library_namespace_with_support_disabled",
	}
	quayStateAppRepo = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_application_repo",
	}
	quayStateGeoBlocked = Requirement{
		Level: Must, Source: QuayBehaviour,
		Section: "test/registry/registry_tests.py",
		URL:     "https://github.com/quay/quay/blob/master/test/registry/registry_tests.py",
		Text:    "Quay test: test_geo_blocking",
	}
	reqPullCategory = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Requirements",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#requirements",
		Text:    "All registries conforming to this specification MUST support, at a minimum, all APIs in the **Pull** category.",
	}
	reqSHA512 = Requirement{
		Level: May, Source: OCIImage,
		Section: "descriptor.md, SHA-512",
		URL:     "https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md#sha-512",
		Text:    "Implementations MAY implement SHA-512 digest verification for use in descriptors.",
	}
)

// Requirements added by hand: the checks the table of scenarios did not
// cover (Docker compatibility, coverage gaps, the answers a scenario
// accepts where the spec allows a set).
var (
	reqNameLengthNote = Requirement{
		Level: Should, Source: OCIDistribution,
		Section: "Pulling manifests, implementers note (v1.1.1)",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#pulling-manifests",
		Text:    "For compatibility with those clients, registries should avoid values of `<name>` that would cause this limit to be exceeded.",
	}
	reqRejectCodeAmbiguous = Requirement{
		Level: Should, Source: OCIDistribution,
		Section: "Push; Error Codes (the spec contradicts itself)",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#push",
		Text: "When a manifest is rejected for this reason, it MUST result in one or more `MANIFEST_BLOB_UNKNOWN` errors " +
			". / A `4XX` response code from the registry MAY return a body in any format.",
	}
	reqEndpointsManifestPut = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Endpoints (end-7)",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#endpoints",
		Text:    "| end-7   | `PUT`          | `/v2/<name>/manifests/<reference>`                             | `201`       | `404`             |",
	}
	reqEndpointsManifestGet = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Endpoints (end-3)",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#endpoints",
		Text:    "| end-3   | `GET` / `HEAD` | `/v2/<name>/manifests/<reference>`                             | `200`       | `404`             |",
	}
	reqEndpointsMount = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Endpoints (end-11)",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#endpoints",
		Text:    "| end-11  | `POST`         | `/v2/<name>/blobs/uploads/?mount=<digest>&from=<other_name>`   | `201`       | `404`             |",
	}
	reqManifestPut201Location = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Pushing Manifests",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-manifests",
		Text:    "Upon a successful upload, the registry MUST return response code `201 Created`, and MUST have the following header:",
	}
	reqHeadContentLength = Requirement{
		Level: Should, Source: OCIDistribution,
		Section: "Checking if content exists in the registry",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#checking-if-content-exists-in-the-registry",
		Text:    "A successful response SHOULD contain the size in bytes of the uploaded blob in the header `Content-Length`.",
	}
	reqTagsNZero = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Listing Tags",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-tags",
		Text:    "When `n` is zero, this endpoint MUST return an empty list, and MUST NOT include a `Link` header.",
	}
	reqHeadNotInRepo404 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Checking if content exists in the registry (v1.1.1)",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#checking-if-content-exists-in-the-registry",
		Text:    "If the blob or manifest is not found in the repository, the response code MUST be `404 Not Found`.",
	}
	reqDeletedManifestTags404 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Deleting Manifests (v1.1.1)",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#deleting-manifests",
		Text:    "Once deleted, a `GET` to `/v2/<name>/manifests/<digest>` and any tag pointing to that digest will return a 404.",
	}
	reqBlobNotInRepo404 = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Pulling blobs (v1.1.1)",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#pulling-blobs",
		Text:    "If the blob is not found in the repository, the response code MUST be `404 Not Found`.",
	}
	reqDockerUploadUUID = Requirement{
		Level: Must, Source: DockerAPI,
		Section: "POST Initiate Blob Upload, Initiate Resumable Blob Upload, On Success: Accepted",
		URL:     "https://github.com/distribution/distribution/blob/v2.8.3/docs/spec/api.md#initiate-resumable-blob-upload",
		Text:    "The following headers will be returned with the response: … |`Docker-Upload-UUID`|Identifies the docker upload uuid for the current request.|",
	}
	reqDockerManifestDigest = Requirement{
		Level: Must, Source: DockerAPI,
		Section: "GET Manifest and PUT Manifest, On Success",
		URL:     "https://github.com/distribution/distribution/blob/v2.8.3/docs/spec/api.md#get-manifest",
		Text:    "The following headers will be returned with the response: … |`Docker-Content-Digest`|Digest of the targeted content for the request.|",
	}
	reqDockerBlobDigest = Requirement{
		Level: Must, Source: DockerAPI,
		Section: "GET Blob, Fetch Blob, On Success: OK",
		URL:     "https://github.com/distribution/distribution/blob/v2.8.3/docs/spec/api.md#fetch-blob",
		Text:    "The following headers will be returned with the response: … |`Docker-Content-Digest`|Digest of the targeted content for the request.|",
	}
	reqDockerTagsJSON = Requirement{
		Level: Must, Source: DockerAPI,
		Section: "Listing Image Tags",
		URL:     "https://github.com/distribution/distribution/blob/v2.8.3/docs/spec/api.md#listing-image-tags",
		Text:    "The response will be in the following format:\n\n    200 OK\n    Content-Type: application/json",
	}
	reqDockerCatalogJSON = Requirement{
		Level: Must, Source: DockerAPI,
		Section: "Listing Repositories",
		URL:     "https://github.com/distribution/distribution/blob/v2.8.3/docs/spec/api.md#listing-repositories",
		Text:    "The response will be in the following format:\n\n```\n200 OK\nContent-Type: application/json",
	}
)

// Rows of the spec's endpoint table that scenarios cite when a registry
// answers with none of an endpoint's statuses (a 5xx).
var (
	reqEndpointsBlobGet = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Endpoints (end-2)",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#endpoints",
		Text:    "| end-2   | `GET` / `HEAD` | `/v2/<name>/blobs/<digest>`                                    | `200`       | `404`             |",
	}
	reqEndpointsStartUpload = Requirement{
		Level: Must, Source: OCIDistribution,
		Section: "Endpoints (end-4a)",
		URL:     "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#endpoints",
		Text:    "| end-4a  | `POST`         | `/v2/<name>/blobs/uploads/`                                    | `202`       | `404`             |",
	}
)

// endpointOf returns the row of the endpoint table for step, if it has one.
func endpointOf(step failures.Step) (Requirement, bool) {
	switch step {
	case failures.BlobHeadCheck, failures.HeadBlob, failures.GetBlob:
		return reqEndpointsBlobGet, true
	case failures.StartUpload:
		return reqEndpointsStartUpload, true
	case failures.MountBlob:
		return reqEndpointsMount, true
	case failures.PutManifest, failures.PutManifestList:
		return reqEndpointsManifestPut, true
	case failures.GetManifest, failures.HeadManifest:
		return reqEndpointsManifestGet, true
	}
	return Requirement{}, false
}
