package schema2

import (
	"encoding/json"
	"mime"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Media types of the Docker family (Docker Image Manifest V2, Schema 2).
const (
	// MediaTypeManifest is the Docker schema2 image manifest.
	MediaTypeManifest = "application/vnd.docker.distribution.manifest.v2+json"
	// MediaTypeManifestList is the Docker manifest list.
	MediaTypeManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
	// MediaTypeConfig is the Docker image config, the config of a Docker
	// schema2 manifest.
	MediaTypeConfig = "application/vnd.docker.container.image.v1+json"
	// MediaTypeLayer is the Docker gzip layer.
	MediaTypeLayer = "application/vnd.docker.image.rootfs.diff.tar.gzip"
	// MediaTypeForeignLayer is a layer whose blob lives at its descriptor's
	// urls; registries do not require it to be uploaded.
	MediaTypeForeignLayer = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
	// MediaTypeSchema1 is the unsigned schema1 manifest, which a Docker
	// manifest list may name as a child.
	MediaTypeSchema1 = "application/vnd.docker.distribution.manifest.v1+json"
	// MediaTypeSchema1Signed is the signed (JWS) schema1 manifest.
	MediaTypeSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws"
)

// The OCI non-distributable layer media types, which image-spec v1.1
// deprecates (its constants carry deprecation marks); the other OCI media
// types are image-spec's v1 constants (v1.MediaTypeImageManifest,
// v1.MediaTypeImageIndex, v1.MediaTypeImageConfig, v1.MediaTypeImageLayer,
// v1.MediaTypeImageLayerGzip, v1.MediaTypeEmptyJSON, ...). A layer of these
// types is foreign: it must name urls, and its blob need not be uploaded.
const (
	// MediaTypeOCINondistributableLayer is an uncompressed non-distributable layer.
	MediaTypeOCINondistributableLayer = "application/vnd.oci.image.layer.nondistributable.v1.tar"
	// MediaTypeOCINondistributableLayerGzip is a gzip non-distributable layer.
	MediaTypeOCINondistributableLayerGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
	// MediaTypeOCINondistributableLayerZstd is a zstd non-distributable layer.
	MediaTypeOCINondistributableLayerZstd = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
)

// isForeign reports whether layers of mediaType are foreign
// (non-distributable): Docker's foreign layer and OCI's non-distributable
// layers. Such a layer must name urls (ParseManifest rejects it otherwise)
// and a registry does not require its blob.
func isForeign(mediaType string) bool {
	switch mediaType {
	case MediaTypeForeignLayer, MediaTypeOCINondistributableLayer,
		MediaTypeOCINondistributableLayerGzip, MediaTypeOCINondistributableLayerZstd:
		return true
	}
	return false
}

// Family is a manifest family: Docker (schema2) or OCI. The zero Family is
// neither; its media types are empty.
type Family int

const (
	// Docker is the Docker v2.2 family (schema2 manifest, manifest list).
	Docker Family = iota + 1
	// OCI is the OCI image-spec v1 family (image manifest, index).
	OCI
)

// String returns "docker", "oci" or "Family(n)".
func (f Family) String() string {
	switch f {
	case Docker:
		return "docker"
	case OCI:
		return "oci"
	}
	return "Family(" + strconv.Itoa(int(f)) + ")"
}

func (f Family) pick(docker, oci string) string {
	switch f {
	case Docker:
		return docker
	case OCI:
		return oci
	}
	return ""
}

// ManifestMediaType returns the family's image manifest media type.
func (f Family) ManifestMediaType() string {
	return f.pick(MediaTypeManifest, v1.MediaTypeImageManifest)
}

// IndexMediaType returns the family's list media type: the Docker manifest
// list or the OCI index.
func (f Family) IndexMediaType() string {
	return f.pick(MediaTypeManifestList, v1.MediaTypeImageIndex)
}

// ConfigMediaType returns the family's image config media type.
func (f Family) ConfigMediaType() string {
	return f.pick(MediaTypeConfig, v1.MediaTypeImageConfig)
}

// LayerMediaType returns the family's gzip layer media type.
func (f Family) LayerMediaType() string {
	return f.pick(MediaTypeLayer, v1.MediaTypeImageLayerGzip)
}

// ForeignLayerMediaType returns the family's gzip foreign layer media type:
// Docker's foreign layer or OCI's non-distributable gzip layer.
func (f Family) ForeignLayerMediaType() string {
	return f.pick(MediaTypeForeignLayer, MediaTypeOCINondistributableLayerGzip)
}

// Layer returns the descriptor of a gzip layer of the family, as Quay's
// add_layer does: with urls it is a foreign layer (its blob is not
// uploaded), otherwise a regular one.
func (f Family) Layer(d digest.Digest, size int64, urls ...string) v1.Descriptor {
	mt := f.LayerMediaType()
	if len(urls) > 0 {
		mt = f.ForeignLayerMediaType()
	}
	return v1.Descriptor{MediaType: mt, Digest: d, Size: size, URLs: append([]string(nil), urls...)}
}

// NewManifest returns an image manifest of the family: schemaVersion 2, the
// family's manifest media type, config and layers (copied). Layers may be
// empty (an empty manifest).
func (f Family) NewManifest(config v1.Descriptor, layers ...v1.Descriptor) Manifest {
	var m Manifest
	m.SchemaVersion = 2
	m.MediaType = f.ManifestMediaType()
	m.Config = config
	m.Layers = append([]v1.Descriptor{}, layers...)
	return m
}

// NewIndex returns a manifest list (Docker) or index (OCI): schemaVersion 2,
// the family's media type and the children (copied). Each child of a Docker
// list needs a Platform; Built.Child makes one.
func (f Family) NewIndex(children ...v1.Descriptor) Index {
	var ix Index
	ix.SchemaVersion = 2
	ix.MediaType = f.IndexMediaType()
	ix.Manifests = append([]v1.Descriptor{}, children...)
	return ix
}

// DescriptorFor returns the descriptor of content with the given media
// type: its sha256 digest and size (for another algorithm, replace Digest).
// It suits blobs built outside this package, such as artifact layers or the
// empty JSON config {}.
func DescriptorFor(mediaType string, content []byte) v1.Descriptor {
	return v1.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(content), Size: int64(len(content))}
}

// Kind is the kind of a manifest document as a registry serves it.
type Kind int

const (
	// KindUnknown is no manifest this package knows.
	KindUnknown Kind = iota
	// KindSchema1Signed is a signed (JWS) Docker schema1 manifest; package
	// schema1 parses it.
	KindSchema1Signed
	// KindSchema1 is an unsigned Docker schema1 manifest; package schema1
	// parses it.
	KindSchema1
	// KindDockerManifest is a Docker schema2 image manifest.
	KindDockerManifest
	// KindDockerList is a Docker manifest list.
	KindDockerList
	// KindOCIManifest is an OCI image manifest.
	KindOCIManifest
	// KindOCIIndex is an OCI image index.
	KindOCIIndex
)

var kindNames = [...]string{"unknown", "schema1-signed", "schema1", "docker-manifest", "docker-list", "oci-manifest", "oci-index"}

var kindTypes = [...]string{"", MediaTypeSchema1Signed, MediaTypeSchema1, MediaTypeManifest, MediaTypeManifestList, v1.MediaTypeImageManifest, v1.MediaTypeImageIndex}

// String returns the kind's kebab-case name, e.g. "docker-list".
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// MediaType returns the media type of documents of kind k ("" for
// KindUnknown).
func (k Kind) MediaType() string {
	if k >= 0 && int(k) < len(kindTypes) {
		return kindTypes[k]
	}
	return ""
}

// IsIndex reports whether k is a Docker manifest list or an OCI index.
func (k Kind) IsIndex() bool { return k == KindDockerList || k == KindOCIIndex }

// Family returns Docker or OCI for the schema2 and OCI kinds, 0 otherwise.
func (k Kind) Family() Family {
	switch k {
	case KindDockerManifest, KindDockerList:
		return Docker
	case KindOCIManifest, KindOCIIndex:
		return OCI
	}
	return 0
}

// KindOf returns the kind whose media type is mediaType (compared without
// parameters and case), or KindUnknown.
func KindOf(mediaType string) Kind {
	mt := strings.ToLower(strings.TrimSpace(mediaType))
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = strings.TrimSpace(mt[:i])
	}
	for k, t := range kindTypes {
		if k > 0 && t == mt {
			return Kind(k)
		}
	}
	return KindUnknown
}

// Detect returns the kind of the manifest document b that a registry served
// with Content-Type contentType.
//
// The body decides: schemaVersion 1 is schema1 (signed when it has
// "signatures"); schemaVersion 2 is the kind its mediaType names, or, with
// no mediaType (absent, null or ""), an OCI index when it has "manifests" and an OCI manifest
// when it has "config". When contentType names a schema2 or OCI kind, the
// body's kind must be that kind (so a Docker manifest must carry its
// mediaType, as distribution requires); a schema1 Content-Type accepts
// either schema1 body, since registries serve signed manifests under both.
// A Content-Type that names no manifest kind (empty, application/json,
// text/plain, ...) is not checked: judge it separately if it matters.
// Detect reads only top-level members; it does not validate the document
// (Parse does).
func Detect(contentType string, b []byte) (Kind, error) {
	const fn = "schema2.Detect"
	ct := KindUnknown
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		ct = KindOf(mt)
	}
	body, err := sniff(fn, b)
	if err != nil {
		return KindUnknown, err
	}
	switch {
	case ct == KindUnknown || ct == body:
		return body, nil
	case (ct == KindSchema1 || ct == KindSchema1Signed) && (body == KindSchema1 || body == KindSchema1Signed):
		return body, nil
	}
	return KindUnknown, &Error{fn, "body", body.document(), ct.document() + ", as Content-Type " + quote(contentType) + " says"}
}

// document returns "a docker-manifest document", "an oci-index document".
func (k Kind) document() string {
	s := k.String()
	if strings.IndexByte("aeiou", s[0]) >= 0 {
		return "an " + s + " document"
	}
	return "a " + s + " document"
}

// sniff returns the kind of the document b from its top-level members.
func sniff(fn string, b []byte) (Kind, error) {
	if err := checkBody(fn, b); err != nil {
		return KindUnknown, err
	}
	var version, mediaType json.RawMessage
	var manifests, config, signatures bool
	err := eachMember(fn, "", b, func(name string, v json.RawMessage) error {
		switch name {
		case "schemaVersion":
			version = v
		case "mediaType":
			mediaType = v
		case "manifests":
			manifests = true
		case "config":
			config = true
		case "signatures":
			signatures = true
		}
		return nil
	})
	if err != nil {
		return KindUnknown, err
	}
	switch string(version) {
	case "":
		return KindUnknown, &Error{fn, "schemaVersion", "", "1 or 2"}
	case "1":
		if signatures {
			return KindSchema1Signed, nil
		}
		return KindSchema1, nil
	case "2":
	default:
		return KindUnknown, &Error{fn, "schemaVersion", excerpt(version), "1 or 2"}
	}
	if mediaType != nil && !isNull(mediaType) {
		mt, err := decString(fn, "mediaType", mediaType)
		if err != nil {
			return KindUnknown, err
		}
		if mt == "" {
			// As absent, as distribution and the parsers read it.
			goto members
		}
		k := KindOf(mt)
		if k.Family() == 0 || mt != k.MediaType() {
			return KindUnknown, &Error{fn, "mediaType", quote(mt), "one of " + quoteList(MediaTypeManifest, MediaTypeManifestList, v1.MediaTypeImageManifest, v1.MediaTypeImageIndex)}
		}
		return k, nil
	}
members:
	switch {
	case manifests:
		return KindOCIIndex, nil
	case config:
		return KindOCIManifest, nil
	}
	return KindUnknown, &Error{fn, "body", "no mediaType, manifests or config member", "an OCI manifest (config) or index (manifests)"}
}
