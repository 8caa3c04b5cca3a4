package schema2

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	// The digest algorithms a registry may use: go-digest needs them linked.
	_ "crypto/sha256"
	_ "crypto/sha512"
)

// Blob is a blob an image manifest references: its config or a layer.
type Blob struct {
	// Descriptor is the descriptor as written in the manifest.
	Descriptor v1.Descriptor
	// IsConfig reports whether this is the manifest's config.
	IsConfig bool
	// Foreign reports a foreign (Docker) or non-distributable (OCI) layer
	// media type.
	Foreign bool
}

// Upload reports whether a pusher must upload the blob before the
// manifest: every blob but a foreign layer with urls, which registries
// accept without its blob (Quay leaves layers with urls out of its
// uploads; distribution skips the existence check for them).
func (b Blob) Upload() bool { return !(b.Foreign && len(b.Descriptor.URLs) > 0) }

// wireDescriptor is a descriptor as written, in image-spec's member order.
type wireDescriptor struct {
	MediaType    string            `json:"mediaType"`
	Digest       digest.Digest     `json:"digest"`
	Size         int64             `json:"size"`
	URLs         []string          `json:"urls,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	Data         *string           `json:"data,omitempty"`
	Platform     *wirePlatform     `json:"platform,omitempty"`
	ArtifactType string            `json:"artifactType,omitempty"`
}

// wirePlatform is a platform as written: image-spec's members, then
// Docker's features.
type wirePlatform struct {
	Architecture string   `json:"architecture"`
	OS           string   `json:"os"`
	OSVersion    string   `json:"os.version,omitempty"`
	OSFeatures   []string `json:"os.features,omitempty"`
	Variant      string   `json:"variant,omitempty"`
	Features     []string `json:"features,omitempty"`
}

// wire returns d as written. features are the Docker platform features
// (written only with a platform).
func wire(d v1.Descriptor, features []string) wireDescriptor {
	w := wireDescriptor{
		MediaType:    d.MediaType,
		Digest:       d.Digest,
		Size:         d.Size,
		URLs:         d.URLs,
		Annotations:  d.Annotations,
		ArtifactType: d.ArtifactType,
	}
	if d.Data != nil {
		s := base64.StdEncoding.EncodeToString(d.Data)
		w.Data = &s
	}
	if p := d.Platform; p != nil {
		w.Platform = &wirePlatform{p.Architecture, p.OS, p.OSVersion, p.OSFeatures, p.Variant, features}
	}
	return w
}

// decodeDescriptor decodes the descriptor v at path. It returns the Docker
// platform features too. Unknown members are ignored, as image-spec
// requires; empty arrays and objects decode as nil.
func decodeDescriptor(fn, path string, v []byte) (v1.Descriptor, []string, error) {
	var d v1.Descriptor
	var features []string
	var hasType, hasDigest, hasSize bool
	err := eachMember(fn, path, v, func(name string, v json.RawMessage) error {
		p := at(path, name)
		var err error
		switch name {
		case "mediaType":
			hasType = true
			d.MediaType, err = decString(fn, p, v)
		case "digest":
			hasDigest = true
			var s string
			s, err = decString(fn, p, v)
			d.Digest = digest.Digest(s)
		case "size":
			hasSize = true
			d.Size, err = decSize(fn, p, v)
		case "urls":
			d.URLs, err = decStrings(fn, p, v)
		case "annotations":
			d.Annotations, err = decStringMap(fn, p, v)
		case "data":
			if isNull(v) {
				return nil
			}
			var s string
			if s, err = decString(fn, p, v); err != nil {
				return err
			}
			b, derr := base64.StdEncoding.DecodeString(s)
			if derr != nil {
				return &Error{fn, p, excerpt(v), "base64 (" + clip(derr.Error()) + ")"}
			}
			d.Data = b
		case "platform":
			if isNull(v) {
				return nil
			}
			d.Platform, features, err = decodePlatform(fn, p, v)
		case "artifactType":
			d.ArtifactType, err = decOptString(fn, p, v)
		}
		return err
	})
	if err != nil {
		return d, nil, err
	}
	switch {
	case !hasType:
		return d, nil, &Error{fn, at(path, "mediaType"), "", "a media type"}
	case !hasDigest:
		return d, nil, &Error{fn, at(path, "digest"), "", "a digest"}
	case !hasSize:
		return d, nil, &Error{fn, at(path, "size"), "", "a non-negative integer"}
	}
	return d, features, nil
}

func decodePlatform(fn, path string, v []byte) (*v1.Platform, []string, error) {
	p := new(v1.Platform)
	var features []string
	var hasArch, hasOS bool
	err := eachMember(fn, path, v, func(name string, v json.RawMessage) error {
		q := at(path, name)
		var err error
		switch name {
		case "architecture":
			hasArch = true
			p.Architecture, err = decString(fn, q, v)
		case "os":
			hasOS = true
			p.OS, err = decString(fn, q, v)
		case "os.version":
			p.OSVersion, err = decOptString(fn, q, v)
		case "os.features":
			p.OSFeatures, err = decStrings(fn, q, v)
		case "variant":
			p.Variant, err = decOptString(fn, q, v)
		case "features":
			features, err = decStrings(fn, q, v)
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	switch {
	case !hasArch:
		return nil, nil, &Error{fn, at(path, "architecture"), "", "an architecture"}
	case !hasOS:
		return nil, nil, &Error{fn, at(path, "os"), "", "an os"}
	}
	return p, features, nil
}

// validateDescriptor checks the rules every descriptor follows: a
// well-formed media type, a valid digest of an available algorithm, a
// non-negative size, http(s) urls, data that matches digest and size, a
// platform with architecture and os, a well-formed artifactType.
func validateDescriptor(fn, path string, d *v1.Descriptor) error {
	if !validMediaType(d.MediaType) {
		return &Error{fn, at(path, "mediaType"), quote(d.MediaType), "a media type (type/subtype, RFC 6838)"}
	}
	if err := d.Digest.Validate(); err != nil {
		return &Error{fn, at(path, "digest"), quote(string(d.Digest)), "a digest (" + err.Error() + ")"}
	}
	if d.Size < 0 {
		return &Error{fn, at(path, "size"), fmt.Sprint(d.Size), "a non-negative integer"}
	}
	for i, u := range d.URLs {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" || pu.Fragment != "" {
			return &Error{fn, index(at(path, "urls"), i), quote(u), "an absolute http or https URL without a fragment"}
		}
	}
	if d.Data != nil {
		if int64(len(d.Data)) != d.Size {
			return &Error{fn, at(path, "data"), fmt.Sprintf("%d bytes", len(d.Data)), fmt.Sprintf("size %d bytes", d.Size)}
		}
		if got := d.Digest.Algorithm().FromBytes(d.Data); got != d.Digest {
			return &Error{fn, at(path, "data"), "content of digest " + string(got), "content of digest " + string(d.Digest)}
		}
	}
	if p := d.Platform; p != nil {
		if p.Architecture == "" {
			return &Error{fn, at(path, "platform.architecture"), `""`, "an architecture"}
		}
		if p.OS == "" {
			return &Error{fn, at(path, "platform.os"), `""`, "an os"}
		}
	}
	if d.ArtifactType != "" && !validMediaType(d.ArtifactType) {
		return &Error{fn, at(path, "artifactType"), quote(d.ArtifactType), "a media type (type/subtype, RFC 6838)"}
	}
	return nil
}

// validMediaType reports whether s is type/subtype with RFC 6838
// restricted names, as image-spec's JSON schema requires.
func validMediaType(s string) bool {
	slash := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			if slash >= 0 {
				return false
			}
			slash = i
		}
	}
	if slash < 0 {
		return false
	}
	return restrictedName(s[:slash]) && restrictedName(s[slash+1:])
}

func restrictedName(s string) bool {
	if len(s) == 0 || len(s) > 127 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if i == 0 && !alnum {
			return false
		}
		if !alnum {
			switch c {
			case '!', '#', '$', '&', '^', '_', '.', '+', '-':
			default:
				return false
			}
		}
	}
	return true
}

// cloneDescriptor returns a deep copy of d.
func cloneDescriptor(d v1.Descriptor) v1.Descriptor {
	if d.URLs != nil {
		d.URLs = append([]string(nil), d.URLs...)
	}
	if d.Annotations != nil {
		m := make(map[string]string, len(d.Annotations))
		for k, v := range d.Annotations {
			m[k] = v
		}
		d.Annotations = m
	}
	if d.Data != nil {
		d.Data = append([]byte{}, d.Data...)
	}
	if d.Platform != nil {
		p := *d.Platform
		if p.OSFeatures != nil {
			p.OSFeatures = append([]string(nil), p.OSFeatures...)
		}
		d.Platform = &p
	}
	return d
}
