package schema2

import (
	"encoding/json"
	"fmt"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Index is a Docker manifest list (MediaType MediaTypeManifestList) or an
// OCI image index (MediaType v1.MediaTypeImageIndex, or empty). The
// embedded v1.Index holds the modelled members: Manifests are the children,
// each a descriptor with an optional Platform.
type Index struct {
	v1.Index
	// PlatformFeatures holds the "features" array of each child's platform
	// (Docker's manifest list platform member, which image-spec's Platform
	// lacks): nil, or one entry per Manifests entry, nil where the child has
	// none. Features are written only for a child with a Platform.
	PlatformFeatures [][]string
	// Extra are top-level members v1.Index has no field for, written after
	// the others in this order.
	Extra []Field
}

var indexMembers = newReserved("v1.Index",
	map[string]string{
		"config": "no config member in an index (distribution: expected index but found manifest)",
		"layers": "no layers member in an index (distribution: expected index but found manifest)",
	},
	"schemaVersion", "mediaType", "artifactType", "manifests", "subject", "annotations")

// Kind returns KindDockerList when MediaType is Docker's manifest list
// type, KindOCIIndex otherwise.
func (ix Index) Kind() Kind {
	if ix.MediaType == MediaTypeManifestList {
		return KindDockerList
	}
	return KindOCIIndex
}

// Children returns a copy of the children, in order.
func (ix Index) Children() []v1.Descriptor {
	out := make([]v1.Descriptor, len(ix.Manifests))
	for i, d := range ix.Manifests {
		out[i] = cloneDescriptor(d)
	}
	return out
}

// Validate reports the first rule ix breaks, as ParseIndex would for its
// serialization, or nil. The rules:
//
//   - schemaVersion is 2;
//   - mediaType is Docker's list type (Docker family), OCI's index type, or
//     empty (OCI);
//   - every child is a valid descriptor (package doc, Descriptors); in a Docker
//     list its mediaType is the schema2 manifest or the unsigned schema1
//     manifest type and it has a platform with architecture and os (Quay's
//     schema); in an OCI index any media type is allowed (image-spec:
//     children may be manifests, indexes or artifacts) and a platform, when
//     present, has architecture and os;
//   - PlatformFeatures is nil or has one entry per child, and features
//     belong to children with a platform;
//   - subject, artifactType, Extra as for Manifest, with "config" and
//     "layers" reserved (distribution: "expected index but found manifest").
//
// An empty Manifests is valid (OCI's empty index; Quay's schema does not
// forbid an empty list).
func (ix Index) Validate() error { return ix.validate("schema2.Index.Validate", false) }

// validate checks the rules listed on Validate. parsed says the model
// comes from a parser, which rejected repeated members already.
func (ix Index) validate(fn string, parsed bool) error {
	e := ix.envelope()
	docker, err := e.validateHead(fn, indexFamily)
	if err != nil {
		return err
	}
	if n := len(ix.PlatformFeatures); n != 0 && n != len(ix.Manifests) {
		return &Error{fn, "PlatformFeatures", plural(n, "entry", "entries"), fmt.Sprintf("none or %d (one per manifests entry)", len(ix.Manifests))}
	}
	for i := range ix.Manifests {
		d := &ix.Manifests[i]
		p := index("manifests", i)
		if docker && d.MediaType != MediaTypeManifest && d.MediaType != MediaTypeSchema1 {
			return &Error{fn, p + ".mediaType", quote(d.MediaType), "one of " + quoteList(MediaTypeManifest, MediaTypeSchema1)}
		}
		if err := validateDescriptor(fn, p, d); err != nil {
			return err
		}
		if docker && d.Platform == nil {
			return &Error{fn, p + ".platform", "", "a platform with architecture and os"}
		}
		if len(ix.PlatformFeatures) > 0 && len(ix.PlatformFeatures[i]) > 0 && d.Platform == nil {
			return &Error{fn, index("PlatformFeatures", i), plural(len(ix.PlatformFeatures[i]), "feature", "features"), "none for a child without a platform"}
		}
	}
	return e.validateTail(fn, indexFamily, parsed)
}

// envelope returns the members ix shares with a Manifest.
func (ix *Index) envelope() *envelope {
	return &envelope{
		schemaVersion: ix.SchemaVersion,
		mediaType:     ix.MediaType,
		artifactType:  ix.ArtifactType,
		subject:       ix.Subject,
		annotations:   ix.Annotations,
		extra:         ix.Extra,
	}
}

// Build checks ix (unless o.Unvalidated) and serializes it. Members are
// written in image-spec's order: schemaVersion, mediaType (when set),
// artifactType (when set), manifests (always, [] when empty), subject
// (when set), annotations (when not empty), then Extra. The result's
// Children are ix.Children().
func (ix Index) Build(o Options) (*Built, error) {
	const fn = "schema2.Index.Build"
	e := ix.envelope()
	obj, err := e.buildHead(fn, o, func() error { return ix.validate(fn, false) })
	if err != nil {
		return nil, err
	}
	children := make([]wireDescriptor, len(ix.Manifests))
	for i, d := range ix.Manifests {
		var features []string
		if i < len(ix.PlatformFeatures) {
			features = ix.PlatformFeatures[i]
		}
		children[i] = wire(d, features)
	}
	obj = append(obj, member{"manifests", children})
	b, mt, err := e.buildTail(fn, o, indexFamily, obj)
	if err != nil {
		return nil, err
	}
	return newBuilt(b, mt, o, nil, ix.Children()), nil
}

// ParseIndex parses a Docker manifest list or an OCI image index. The
// family comes from the mediaType member as for ParseManifest. Beyond the
// rules listed on Index.Validate, the document must be one JSON object with
// each member once, with schemaVersion and manifests present, and each
// descriptor with mediaType, digest and size (and a platform with
// architecture and os, when present). Errors are *Error.
func ParseIndex(b []byte) (*Index, error) {
	return parseIndex("schema2.ParseIndex", b)
}

func parseIndex(fn string, b []byte) (*Index, error) {
	if err := checkBody(fn, b); err != nil {
		return nil, err
	}
	ix := new(Index)
	var e envelope
	var hasManifests, hasFeatures bool
	var features [][]string
	err := eachMember(fn, "", b, func(name string, v json.RawMessage) error {
		if name != "manifests" {
			return e.decode(fn, name, v)
		}
		hasManifests = true
		ix.Manifests = []v1.Descriptor{}
		return eachElement(fn, name, v, "an array of descriptors", func(i int, v json.RawMessage) error {
			d, f, err := decodeDescriptor(fn, index(name, i), v)
			ix.Manifests = append(ix.Manifests, d)
			features = append(features, f)
			if f != nil {
				hasFeatures = true
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	switch {
	case !e.hasVersion:
		return nil, &Error{fn, "schemaVersion", "", "2"}
	case !hasManifests:
		return nil, &Error{fn, "manifests", "", "an array of descriptors"}
	}
	if hasFeatures {
		ix.PlatformFeatures = features
	}
	ix.SchemaVersion, ix.MediaType, ix.ArtifactType = e.schemaVersion, e.mediaType, e.artifactType
	ix.Subject, ix.Annotations, ix.Extra = e.subject, e.annotations, e.extra
	if err := ix.validate(fn, true); err != nil {
		return nil, err
	}
	return ix, nil
}
