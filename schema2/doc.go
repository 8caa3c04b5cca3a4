// Package schema2 builds and parses the manifests of the Docker v2.2 and OCI
// families: the Docker image manifest, image config and manifest list, and
// the OCI image manifest, image config and index.
//
// # One model per structure
//
// A Docker schema2 manifest and an OCI image manifest are the same structure
// with other media types, and so are a Docker manifest list and an OCI index.
// [Manifest] and [Index] embed image-spec's [v1.Manifest] and [v1.Index] and
// serve both families; the family is the document's mediaType
// ([Manifest.Kind], [Index.Kind]). [Config] is the image config of both
// families. [Family] gives the media types of each family and small
// constructors ([Family.NewManifest], [Family.Layer], [Family.NewIndex]).
//
// # Building
//
// Manifest.Build, Index.Build and Config.Build check the document against the
// rules its parser enforces (unless [Options.Unvalidated]) and serialize it.
// The result, a [Built], holds the exact bytes, their digest, size and media
// type, the blobs an image manifest references ([Built.Blobs], saying which
// are foreign and need no upload) and the children of an index
// ([Built.Children]). [Built.Descriptor] and [Built.Child] reference it from
// an index.
//
// Byte-level choices, all in [Options]:
//   - Key order is fixed: the members of image-spec's types in their declared
//     order (schemaVersion, mediaType, artifactType, config, layers, subject,
//     annotations; a descriptor's mediaType, digest, size, urls, annotations,
//     data, platform, artifactType), then the Extra fields ([Field]) in the order given.
//     Map keys (annotations, labels) are sorted, as encoding/json does.
//   - Compact output is the default. An Options.Indent of three spaces gives
//     the layout of Quay and distribution (Python's json.dumps(indent=3), Go's
//     json.MarshalIndent with a three-space indent).
//   - HTML characters (<, >, &) are never escaped.
//   - Options.EnsureASCII escapes every non-ASCII character as \uXXXX, as
//     Python's json.dumps(ensure_ascii=True) does; the default writes UTF-8.
//   - Options.Algorithm chooses the digest algorithm (sha256 by default).
//
// Strings are encoded by encoding/json: invalid UTF-8 becomes U+FFFD and
// U+2028, U+2029 are written as escapes.
//
// # Parsing
//
// [ParseManifest], [ParseIndex] and [ParseConfig] parse one structure; the
// family of a manifest or index comes from its mediaType member (absent
// means OCI, which makes the member optional). [Parse] takes the
// Content-Type of a registry response, finds the kind with [Detect] and
// dispatches. The rules are those of Quay's schema2 classes and of
// distribution's manifest handlers (see each function); every rejection is
// an [*Error] naming the rule, e.g.
//
//	schema2.ParseManifest: layers[1].mediaType = "x", want one of "application/vnd.docker.image.rootfs.diff.tar.gzip", "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
//
// # Descriptors
//
// Every descriptor (config, layer, subject, index child) must have: a
// mediaType of the form type/subtype with RFC 6838 restricted names; a
// digest that go-digest validates, of an available algorithm (sha256,
// sha384, sha512; this package links them); a non-negative integer size;
// urls, if any, that are absolute http or https URLs without a fragment
// (distribution's rule); data, if present, that is base64 of exactly size
// bytes with that digest (image-spec); a platform, if present, with
// architecture and os; an artifactType, if set, of the media type form. A
// descriptor's unknown members are ignored.
//
// Parsers take the whole document as a byte slice (the caller bounds its
// size), never panic, and use memory proportional to the input. Members this
// package does not model are kept at the top level of manifests, indexes,
// configs and container configs (Extra, in document order, so a document
// with custom fields builds back with them) and ignored inside descriptors,
// as the OCI image-spec requires.
package schema2
