package schema2

import (
	"encoding/json"
	"fmt"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Manifest is an image manifest of either family: a Docker schema2 manifest
// (MediaType MediaTypeManifest) or an OCI image manifest (MediaType
// v1.MediaTypeImageManifest, or empty). The embedded v1.Manifest holds the
// modelled members; Extra holds any other top-level members, such as the
// custom fields of OCI's conformance data.
type Manifest struct {
	v1.Manifest
	// Extra are top-level members v1.Manifest has no field for, written
	// after the others in this order.
	Extra []Field
}

// manifestMembers are the top-level members Manifest models; an Extra field
// may not take their names, nor "manifests" (an index member).
var manifestMembers = newReserved("v1.Manifest",
	map[string]string{"manifests": "no manifests member in an image manifest (distribution: expected manifest but found index)"},
	"schemaVersion", "mediaType", "artifactType", "config", "layers", "subject", "annotations")

// Kind returns KindDockerManifest when MediaType is Docker's manifest type,
// KindOCIManifest otherwise.
func (m Manifest) Kind() Kind {
	if m.MediaType == MediaTypeManifest {
		return KindDockerManifest
	}
	return KindOCIManifest
}

// Blobs returns the blobs m references, in document order: the config,
// then the layers (a digest listed twice appears twice). The subject is not
// a blob of m. Blob.Upload says which a pusher must upload.
func (m Manifest) Blobs() []Blob {
	out := make([]Blob, 0, 1+len(m.Layers))
	out = append(out, Blob{Descriptor: cloneDescriptor(m.Config), IsConfig: true, Foreign: isForeign(m.Config.MediaType)})
	for _, l := range m.Layers {
		out = append(out, Blob{Descriptor: cloneDescriptor(l), Foreign: isForeign(l.MediaType)})
	}
	return out
}

// Validate reports the first rule m breaks, as ParseManifest would for its
// serialization, or nil. The rules:
//
//   - schemaVersion is 2;
//   - mediaType is Docker's manifest type (Docker family), OCI's, or empty
//     (OCI; image-spec makes it optional, distribution too);
//   - config is a valid descriptor (package doc, Descriptors); in a Docker
//     manifest its mediaType is the Docker config type (Quay's schema);
//   - every layer is a valid descriptor; in a Docker manifest its mediaType
//     is the gzip layer or the foreign layer type (Quay's schema); a foreign
//     or non-distributable layer has urls (Quay: "missing urls for remote
//     layer"; distribution: errMissingURL);
//   - subject, when set, is a valid descriptor; artifactType, when set, is
//     a media type;
//   - Extra names no modelled member and no "manifests" (distribution:
//     "expected manifest but found index"), each name once, each value JSON.
func (m Manifest) Validate() error { return m.validate("schema2.Manifest.Validate", false) }

// validate checks the rules listed on Validate. parsed says the model
// comes from a parser, which rejected repeated members already.
func (m Manifest) validate(fn string, parsed bool) error {
	e := m.envelope()
	docker, err := e.validateHead(fn, manifestFamily)
	if err != nil {
		return err
	}
	if docker && m.Config.MediaType != MediaTypeConfig {
		return &Error{fn, "config.mediaType", quote(m.Config.MediaType), fmt.Sprintf("%q", MediaTypeConfig)}
	}
	if err := validateDescriptor(fn, "config", &m.Config); err != nil {
		return err
	}
	for i := range m.Layers {
		l := &m.Layers[i]
		p := index("layers", i)
		if docker && l.MediaType != MediaTypeLayer && l.MediaType != MediaTypeForeignLayer {
			return &Error{fn, p + ".mediaType", quote(l.MediaType), "one of " + quoteList(MediaTypeLayer, MediaTypeForeignLayer)}
		}
		if err := validateDescriptor(fn, p, l); err != nil {
			return err
		}
		if isForeign(l.MediaType) && len(l.URLs) == 0 {
			return &Error{fn, p + ".urls", "", "at least one URL for a foreign layer"}
		}
	}
	return e.validateTail(fn, manifestFamily, parsed)
}

// envelope returns the members m shares with an Index.
func (m *Manifest) envelope() *envelope {
	return &envelope{
		schemaVersion: m.SchemaVersion,
		mediaType:     m.MediaType,
		artifactType:  m.ArtifactType,
		subject:       m.Subject,
		annotations:   m.Annotations,
		extra:         m.Extra,
	}
}

// Build checks m (unless o.Unvalidated) and serializes it. Members are
// written in image-spec's order: schemaVersion, mediaType (when set),
// artifactType (when set), config, layers (always, [] when empty), subject
// (when set), annotations (when not empty), then Extra. The result's Blobs
// are m.Blobs().
func (m Manifest) Build(o Options) (*Built, error) {
	const fn = "schema2.Manifest.Build"
	e := m.envelope()
	obj, err := e.buildHead(fn, o, func() error { return m.validate(fn, false) })
	if err != nil {
		return nil, err
	}
	layers := make([]wireDescriptor, len(m.Layers))
	for i, l := range m.Layers {
		layers[i] = wire(l, nil)
	}
	obj = append(obj, member{"config", wire(m.Config, nil)}, member{"layers", layers})
	b, mt, err := e.buildTail(fn, o, manifestFamily, obj)
	if err != nil {
		return nil, err
	}
	return newBuilt(b, mt, o, m.Blobs(), nil), nil
}

// ParseManifest parses a Docker schema2 or OCI image manifest. The family
// comes from the mediaType member: Docker's type selects the Docker rules,
// OCI's type or none the OCI rules, any other value is rejected. Beyond the
// rules listed on Manifest.Validate, the document must be one JSON object
// with each member once, with schemaVersion, config and layers present
// (Quay's schema, image-spec), and each descriptor with mediaType, digest
// and size. Errors are *Error.
func ParseManifest(b []byte) (*Manifest, error) {
	return parseManifest("schema2.ParseManifest", b)
}

func parseManifest(fn string, b []byte) (*Manifest, error) {
	if err := checkBody(fn, b); err != nil {
		return nil, err
	}
	m := new(Manifest)
	var e envelope
	var hasConfig, hasLayers bool
	err := eachMember(fn, "", b, func(name string, v json.RawMessage) error {
		var err error
		switch name {
		case "config":
			if isNull(v) {
				return nil
			}
			hasConfig = true
			m.Config, _, err = decodeDescriptor(fn, name, v)
		case "layers":
			hasLayers = true
			m.Layers = []v1.Descriptor{}
			err = eachElement(fn, name, v, "an array of descriptors", func(i int, v json.RawMessage) error {
				d, _, err := decodeDescriptor(fn, index(name, i), v)
				m.Layers = append(m.Layers, d)
				return err
			})
		default:
			err = e.decode(fn, name, v)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	switch {
	case !e.hasVersion:
		return nil, &Error{fn, "schemaVersion", "", "2"}
	case !hasConfig:
		return nil, &Error{fn, "config", "", "a descriptor"}
	case !hasLayers:
		return nil, &Error{fn, "layers", "", "an array of descriptors"}
	}
	m.SchemaVersion, m.MediaType, m.ArtifactType = e.schemaVersion, e.mediaType, e.artifactType
	m.Subject, m.Annotations, m.Extra = e.subject, e.annotations, e.extra
	if err := m.validate(fn, true); err != nil {
		return nil, err
	}
	return m, nil
}
