package schema2

import (
	"encoding/json"
	"fmt"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// envelope holds the members an image manifest and an index have in
// common, around their own (config and layers, or manifests): Manifest and
// Index validate, build and parse these through it, so the rules for them
// are written once.
type envelope struct {
	schemaVersion int
	mediaType     string
	artifactType  string
	subject       *v1.Descriptor
	annotations   map[string]string
	extra         []Field

	hasVersion bool // parsing: a schemaVersion member was seen
}

// family names the media types of one kind of document: docker is the
// Docker family's, oci the OCI family's (which an empty mediaType also
// selects); members are the names an Extra field may not take.
type family struct {
	docker, oci string
	members     *reserved
}

var (
	manifestFamily = family{MediaTypeManifest, v1.MediaTypeImageManifest, manifestMembers}
	indexFamily    = family{MediaTypeManifestList, v1.MediaTypeImageIndex, indexMembers}
)

// validateHead checks schemaVersion, mediaType and artifactType, and
// reports whether the document is of the Docker family.
func (e *envelope) validateHead(fn string, f family) (docker bool, err error) {
	if e.schemaVersion != 2 {
		return false, &Error{fn, "schemaVersion", fmt.Sprint(e.schemaVersion), "2"}
	}
	switch e.mediaType {
	case f.docker:
		docker = true
	case f.oci, "":
	default:
		return false, &Error{fn, "mediaType", quote(e.mediaType), fmt.Sprintf("%q, %q or none", f.docker, f.oci)}
	}
	if e.artifactType != "" && !validMediaType(e.artifactType) {
		return false, &Error{fn, "artifactType", quote(e.artifactType), "a media type (type/subtype, RFC 6838)"}
	}
	return docker, nil
}

// validateTail checks subject and Extra. parsed says the model comes from a
// parser, which rejected repeated members already.
func (e *envelope) validateTail(fn string, f family, parsed bool) error {
	if e.subject != nil {
		if err := validateDescriptor(fn, "subject", e.subject); err != nil {
			return err
		}
	}
	return checkExtra(fn, "", e.extra, f.members, parsed)
}

// buildHead checks o and, unless o.Unvalidated, the document (validate),
// else only that Extra can be written; it returns the object's leading
// members: schemaVersion, mediaType and artifactType (each when set).
func (e *envelope) buildHead(fn string, o Options, validate func() error) (object, error) {
	if err := o.check(fn); err != nil {
		return nil, err
	}
	if !o.Unvalidated {
		if err := validate(); err != nil {
			return nil, err
		}
	} else if err := checkExtra(fn, "", e.extra, nil, false); err != nil {
		return nil, err
	}
	obj := object{{"schemaVersion", e.schemaVersion}}
	if e.mediaType != "" {
		obj = append(obj, member{"mediaType", e.mediaType})
	}
	if e.artifactType != "" {
		obj = append(obj, member{"artifactType", e.artifactType})
	}
	return obj, nil
}

// buildTail appends subject (when set), annotations (when not empty) and
// Extra to obj and encodes it; it returns the bytes and the media type to
// push them with (f's OCI type when mediaType is empty).
func (e *envelope) buildTail(fn string, o Options, f family, obj object) ([]byte, string, error) {
	if e.subject != nil {
		obj = append(obj, member{"subject", wire(*e.subject, nil)})
	}
	if len(e.annotations) > 0 {
		obj = append(obj, member{"annotations", e.annotations})
	}
	b, err := o.encode(fn, obj.withExtra(e.extra))
	if err != nil {
		return nil, "", err
	}
	mt := e.mediaType
	if mt == "" {
		mt = f.oci
	}
	return b, mt, nil
}

// decode decodes the top-level member name of value v when it is one of
// the envelope's; any other name becomes an Extra field.
func (e *envelope) decode(fn, name string, v json.RawMessage) error {
	var err error
	switch name {
	case "schemaVersion":
		e.hasVersion = true
		if err := json.Unmarshal(v, &e.schemaVersion); err != nil || e.schemaVersion != 2 {
			return &Error{fn, name, excerpt(v), "2"}
		}
	case "mediaType":
		e.mediaType, err = decOptString(fn, name, v)
	case "artifactType":
		e.artifactType, err = decOptString(fn, name, v)
	case "subject":
		if isNull(v) {
			return nil
		}
		var d v1.Descriptor
		d, _, err = decodeDescriptor(fn, name, v)
		e.subject = &d
	case "annotations":
		e.annotations, err = decStringMap(fn, name, v)
	default:
		e.extra = append(e.extra, Field{name, compactRaw(v)})
	}
	return err
}
