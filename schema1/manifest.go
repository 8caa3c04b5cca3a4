package schema1

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/internal/jsonx"
)

// Media types of schema1 manifests.
const (
	// MediaTypeManifest is an unsigned schema1 manifest, as carried by
	// manifest lists.
	MediaTypeManifest = "application/vnd.docker.distribution.manifest.v1+json"
	// MediaTypeSignedManifest is a schema1 manifest signed with libtrust's
	// pretty JWS.
	MediaTypeSignedManifest = "application/vnd.docker.distribution.manifest.v1+prettyjws"
)

// Layer is one layer of a schema1 manifest: its blob and the v1 image JSON
// that describes it.
type Layer struct {
	// BlobSum is the digest of the layer blob (fsLayers[i].blobSum).
	BlobSum digest.Digest
	// V1Compatibility is the v1 image JSON (history[i].v1Compatibility),
	// a JSON object with a string "id" and, except for the base layer, a
	// "parent" that is the id of the layer below.
	V1Compatibility string
}

// IDs returns the "id" and "parent" of l's v1Compatibility. parent is ""
// when the member is missing, null or "". It returns an error when
// v1Compatibility is not a JSON object, id is not a string or parent is
// neither a string nor null.
func (l Layer) IDs() (id, parent string, err error) {
	m, err := object([]byte(l.V1Compatibility))
	if err != nil {
		return "", "", fmt.Errorf("v1Compatibility %v", err)
	}
	raw, ok := m["id"]
	if !ok {
		return "", "", errors.New(`v1Compatibility has no "id"`)
	}
	if id, ok = decodeString(raw); !ok {
		return "", "", fmt.Errorf("v1Compatibility id = %s, want a string", excerpt(raw))
	}
	if raw, ok := m["parent"]; ok && string(raw) != "null" {
		if parent, ok = decodeString(raw); !ok {
			return "", "", fmt.Errorf("v1Compatibility parent = %s, want a string or null", excerpt(raw))
		}
	}
	return id, parent, nil
}

// Manifest is a schema1 manifest, built by a Builder or read by Parse.
//
// Layers run from the base layer to the leaf, the order in which images are
// listed and built. On the wire the order is the reverse: fsLayers[0] and
// history[0] are the leaf, as the schema1 specification requires, so
// Layers[i] is fsLayers[n-1-i] and history[n-1-i] for n layers. Errors
// about the document name wire indices.
type Manifest struct {
	// SchemaVersion is 1, or 0 when the document has no "schemaVersion"
	// (which Quay accepts).
	SchemaVersion int
	// Name is the repository name, such as "library/busybox".
	Name string
	// Tag is the tag the manifest was made for.
	Tag string
	// Architecture is the "architecture" member; "" when it is missing.
	Architecture string
	// Layers holds the layers, base first and leaf last.
	Layers []Layer
	// Signatures holds the signatures in document order; nil when the
	// manifest is unsigned.
	Signatures []Signature
	// Raw is the document as sent or received.
	Raw []byte
	// Payload is the canonical payload: for a signed manifest, the bytes
	// the signatures cover, rebuilt from the protected headers' formatLength
	// and formatTail; for an unsigned one, Raw itself. A registry stores
	// and serves it (re-signed) and the manifest's digest is over it.
	Payload []byte
}

// Digest returns the manifest's digest: sha256 of Payload, the canonical
// payload, not of Raw. Registries answer this digest in
// Docker-Content-Digest whatever signatures Raw carries.
func (m *Manifest) Digest() digest.Digest { return digest.FromBytes(m.Payload) }

// MediaType returns MediaTypeSignedManifest when m has signatures and
// MediaTypeManifest otherwise.
func (m *Manifest) MediaType() string {
	if len(m.Signatures) > 0 {
		return MediaTypeSignedManifest
	}
	return MediaTypeManifest
}

// Signed reports whether m has at least one (verified) signature.
func (m *Manifest) Signed() bool { return len(m.Signatures) > 0 }

// ValidateParentChain reports whether the v1 parent chain of m is sound, as
// Quay checks it server-side before it accepts a schema1 push (a failure is
// Quay's "invalid-images"): walking the layers from base to leaf, every
// non-empty "parent" must be the "id" of a layer seen earlier. Distribution
// does not check this. The error names the wire index:
//
//	schema1.Manifest.ValidateParentChain: history[0] (leaf): parent = "b", want the id of a layer below it
func (m *Manifest) ValidateParentChain() error {
	seen := make(map[string]bool, len(m.Layers))
	n := len(m.Layers)
	for i, l := range m.Layers {
		w := n - 1 - i
		where := fmt.Sprintf("history[%d]", w)
		if w == 0 {
			where += " (leaf)"
		}
		id, parent, err := l.IDs()
		if err != nil {
			return fmt.Errorf("schema1.Manifest.ValidateParentChain: %s: %v", where, err)
		}
		if parent != "" && !seen[parent] {
			return fmt.Errorf("schema1.Manifest.ValidateParentChain: %s: parent = %q, want the id of a layer below it", where, clip(parent))
		}
		seen[id] = true
	}
	return nil
}

// Builder makes schema1 manifests. The zero Builder is not useful: set
// Name, Tag and Layers at least.
//
// The payload is the JSON object {"schemaVersion":1, "name", "tag",
// "architecture", "fsLayers", "history"} in that order (the order Docker and
// distribution write), indented by three spaces, without HTML escaping; with
// EnsureASCII every non-ASCII character is written as a \uXXXX escape, as
// Python's json.dumps(ensure_ascii=True) does. A Builder is a plain value:
// it may be copied and reused, and Build does not modify it.
type Builder struct {
	// Name is the repository name; it must not be empty.
	Name string
	// Tag is the tag; it must not be empty.
	Tag string
	// Architecture is written as given, for example "amd64".
	Architecture string
	// Layers lists the layers from the base to the leaf, like the images
	// of Quay's tests. The payload lists them the other way round:
	// fsLayers[0]/history[0] is Layers[len(Layers)-1], the leaf. Each
	// BlobSum must be a valid digest and each V1Compatibility a JSON
	// object with a string "id"; encoding it (for example with
	// internal/jsonx and EnsureASCII) is the caller's choice.
	Layers []Layer
	// EnsureASCII escapes non-ASCII characters in the payload.
	EnsureASCII bool
	// Key signs the manifest; nil builds an unsigned manifest
	// (MediaTypeManifest), as carried by manifest lists.
	Key *Key
	// Chain, when not empty, is an x509 chain (leaf first) for Key: the
	// signature header then carries "x5c" instead of "jwk".
	Chain []*x509.Certificate
	// Time is the signing time written in the protected header; zero means
	// the current time. Set it for reproducible bytes.
	Time time.Time
}

// The payload as written, in Docker's member order.
type wireManifest struct {
	SchemaVersion int           `json:"schemaVersion"`
	Name          string        `json:"name"`
	Tag           string        `json:"tag"`
	Architecture  string        `json:"architecture"`
	FSLayers      []wireFSLayer `json:"fsLayers"`
	History       []wireHistory `json:"history"`
}

type wireFSLayer struct {
	BlobSum string `json:"blobSum"`
}

type wireHistory struct {
	V1Compatibility string `json:"v1Compatibility"`
}

// Build validates b with the rules Parse applies, writes the payload and,
// when b.Key is set, signs it as Sign does. Parse(m.Raw) of the result
// succeeds and returns a Manifest equal to m.
func (b *Builder) Build() (*Manifest, error) {
	m, err := b.build()
	if err != nil {
		return nil, fmt.Errorf("schema1.Builder.Build: %w", err)
	}
	return m, nil
}

func (b *Builder) build() (*Manifest, error) {
	if err := checkText("name", b.Name, true); err != nil {
		return nil, err
	}
	if err := checkText("tag", b.Tag, true); err != nil {
		return nil, err
	}
	if err := checkText("architecture", b.Architecture, false); err != nil {
		return nil, err
	}
	n := len(b.Layers)
	w := wireManifest{
		SchemaVersion: 1,
		Name:          b.Name,
		Tag:           b.Tag,
		Architecture:  b.Architecture,
		FSLayers:      make([]wireFSLayer, n),
		History:       make([]wireHistory, n),
	}
	for i, l := range b.Layers {
		wi := n - 1 - i
		if err := checkBlobSum(fmt.Sprintf("Layers[%d].BlobSum", i), string(l.BlobSum)); err != nil {
			return nil, err
		}
		if !utf8.ValidString(l.V1Compatibility) {
			return nil, fmt.Errorf("Layers[%d].V1Compatibility is not valid UTF-8", i)
		}
		if err := checkV1Compatibility(l.V1Compatibility); err != nil {
			return nil, at(fmt.Sprintf("Layers[%d].V1Compatibility", i), err)
		}
		w.FSLayers[wi] = wireFSLayer{BlobSum: string(l.BlobSum)}
		w.History[wi] = wireHistory{V1Compatibility: l.V1Compatibility}
	}
	payload, err := jsonx.Marshal(w, jsonx.Options{Indent: "   ", EnsureASCII: b.EnsureASCII})
	if err != nil {
		return nil, err
	}
	m := &Manifest{
		SchemaVersion: 1,
		Name:          b.Name,
		Tag:           b.Tag,
		Architecture:  b.Architecture,
		Layers:        append([]Layer{}, b.Layers...),
		Payload:       payload,
		Raw:           payload,
	}
	if b.Key == nil {
		if len(b.Chain) > 0 {
			return nil, errors.New("Chain is set without a Key")
		}
		return m, nil
	}
	raw, sigs, err := sign(payload, b.Time, []Signer{{Key: b.Key, Chain: b.Chain}})
	if err != nil {
		return nil, err
	}
	m.Raw, m.Signatures = raw, sigs
	return m, nil
}

// at prefixes err with where, the name of what it is about: "where.x = …"
// for errors about a member, "where = …" and "where has …" otherwise.
func at(where string, err error) error {
	msg := err.Error()
	if msg != "" && (msg[0] == '.' || msg[0] == '[' || msg[0] == ':') {
		return fmt.Errorf("%s%s", where, msg)
	}
	return fmt.Errorf("%s %s", where, msg)
}

func checkText(name, s string, required bool) error {
	if required && s == "" {
		return fmt.Errorf("%s is empty, want a non-empty string", name)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s = %q, want valid UTF-8", name, clip(s))
	}
	return nil
}

func checkBlobSum(where, s string) error {
	if _, err := digest.Parse(s); err != nil {
		return fmt.Errorf("%s = %q, want a digest: %v", where, clip(s), err)
	}
	return nil
}

// checkV1Compatibility applies Parse's rule: a JSON object with a string
// "id".
func checkV1Compatibility(s string) error {
	m, err := object([]byte(s))
	if err != nil {
		return err
	}
	raw, ok := m["id"]
	if !ok {
		return errors.New(`has no "id", want a JSON object with an id`)
	}
	if _, ok := decodeString(raw); !ok {
		return fmt.Errorf(".id = %s, want a string", excerpt(raw))
	}
	return nil
}

// Parse reads a schema1 manifest, signed (libtrust pretty JWS) or unsigned,
// verifies every signature and validates it with the rules Quay and
// distribution apply, a little more strictly where the two would read the
// document differently. It refuses:
//
//   - a document that is not a JSON object;
//   - when "signatures" is present: anything but an array of 1 to
//     MaxSignatures signatures; a signature whose header has no usable key
//     (a "jwk", whose "kid", when present, must be the key's libtrust ID;
//     or an "x5c" chain of 1 to MaxChain certificates, whose leaf's key
//     then verifies and must equal the jwk when both are present); an EC
//     key off its curve or not on P-256/384/521, an RSA key outside
//     MinRSABits to MaxRSABits bits or with an exponent above 65537;
//     protected headers that disagree on formatLength or formatTail, or a
//     formatLength beyond the document; a signed payload whose members
//     differ from the document's (other than "signatures"); any signature
//     that does not verify (ES256/384/512 as the curve says, RS256/384/512);
//   - in the payload: a missing or empty "name" or "tag"; a "schemaVersion"
//     other than 1; an "architecture" or "mediaType" that is not a string;
//     "fsLayers" or "history" missing or not arrays, or of different
//     lengths; a blobSum that is not a valid digest (go-digest); a
//     v1Compatibility that is not a JSON object with a string "id"; a
//     member whose name differs from a known one only in case (which
//     encoding/json, and so distribution, would match to it).
//
// An unsigned manifest is accepted; its Signatures are nil and its Payload
// is the document itself. Parse does not check the v1 parent chain (see
// ValidateParentChain). It copies b and never panics; its memory is a small
// multiple of len(b) and its time that too plus at most MaxSignatures
// verifications. Callers reading from a network must still cap len(b).
//
// Errors have the form
//
//	schema1.Parse: signatures[0]: invalid signature
//	schema1.Parse: fsLayers[2].blobSum = "sha256:zz", want a digest: invalid checksum digest length
func Parse(b []byte) (*Manifest, error) {
	m, err := parse(bytes.Clone(b))
	if err != nil {
		return nil, fmt.Errorf("schema1.Parse: %w", err)
	}
	return m, nil
}

func parse(b []byte) (*Manifest, error) {
	if !json.Valid(b) {
		var v any
		err := json.Unmarshal(b, &v)
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	doc, err := object(b)
	if err != nil {
		return nil, fmt.Errorf("document %v", err)
	}
	m := &Manifest{Raw: b, Payload: b}
	fields := doc
	if raw, ok := doc["signatures"]; ok {
		payload, sigs, err := verifySignatures(b, raw)
		if err != nil {
			return nil, err
		}
		pm, err := object(payload)
		if err != nil {
			return nil, at("payload", err)
		}
		if err := samePayload(doc, pm); err != nil {
			return nil, err
		}
		m.Payload, m.Signatures, fields = payload, sigs, pm
	}
	if err := readFields(m, fields); err != nil {
		return nil, err
	}
	return m, nil
}

// samePayload checks that the signed payload holds the members of the
// document other than "signatures", with the same values: otherwise
// readers that take the manifest from the document (Quay) and readers that
// take it from the payload (distribution) would see different manifests.
func samePayload(doc, payload map[string]json.RawMessage) error {
	if _, ok := payload["signatures"]; ok {
		return errors.New(`payload has a "signatures" member, want it only in the document`)
	}
	if len(doc)-1 != len(payload) {
		for k := range payload {
			if _, ok := doc[k]; !ok {
				return fmt.Errorf("payload member %q is not in the document", clip(k))
			}
		}
	}
	var a, c bytes.Buffer
	for k, dv := range doc {
		if k == "signatures" {
			continue
		}
		pv, ok := payload[k]
		if !ok {
			return fmt.Errorf("document member %q is not in the signed payload", clip(k))
		}
		if bytes.Equal(dv, pv) {
			continue
		}
		a.Reset()
		c.Reset()
		if json.Compact(&a, dv) != nil || json.Compact(&c, pv) != nil || !bytes.Equal(a.Bytes(), c.Bytes()) {
			return fmt.Errorf("document member %q = %s, want %s as in the signed payload", clip(k), excerpt(dv), excerpt(pv))
		}
	}
	return nil
}

// Member names of the objects Parse reads.
var (
	manifestMembers  = []string{"schemaVersion", "mediaType", "name", "tag", "architecture", "fsLayers", "history", "signatures"}
	fsLayerMembers   = []string{"blobSum"}
	historyMembers   = []string{"v1Compatibility"}
	signatureMembers = []string{"header", "signature", "protected"}
	headerMembers    = []string{"jwk", "alg", "x5c"}
)

// checkFold refuses a member whose name equals one of known only when case
// is ignored ("Name", "NAME" or "ſchemaVersion" next to "name" or
// "schemaVersion"): encoding/json, which distribution and libtrust decode
// these objects with, matches such names to the field, Quay's Python reader
// does not, so the two would read different manifests.
func checkFold(m map[string]json.RawMessage, where string, known []string) error {
	for k := range m {
		for _, name := range known {
			if k != name && strings.EqualFold(k, name) {
				return fmt.Errorf("%s member %q, want %q: names that differ only in case are read differently by different registries", where, clip(k), name)
			}
		}
	}
	return nil
}

// readFields fills m from the payload's members and validates them.
func readFields(m *Manifest, f map[string]json.RawMessage) error {
	if err := checkFold(f, "manifest", manifestMembers); err != nil {
		return err
	}
	if raw, ok := f["mediaType"]; ok {
		// distribution decodes it into a string (and ignores it).
		if _, ok := decodeString(raw); !ok {
			return fmt.Errorf("mediaType = %s, want a string", excerpt(raw))
		}
	}
	if raw, ok := f["schemaVersion"]; ok {
		if string(raw) != "1" {
			return fmt.Errorf("schemaVersion = %s, want 1", excerpt(raw))
		}
		m.SchemaVersion = 1
	}
	for _, s := range []struct {
		name     string
		dst      *string
		required bool
	}{{"name", &m.Name, true}, {"tag", &m.Tag, true}, {"architecture", &m.Architecture, false}} {
		raw, ok := f[s.name]
		if !ok {
			if s.required {
				return fmt.Errorf("%s missing", s.name)
			}
			continue
		}
		v, ok := decodeString(raw)
		if !ok {
			return fmt.Errorf("%s = %s, want a string", s.name, excerpt(raw))
		}
		if s.required && v == "" {
			return fmt.Errorf(`%s = "", want a non-empty string`, s.name)
		}
		*s.dst = v
	}
	fsl, err := arrayMember(f, "fsLayers")
	if err != nil {
		return err
	}
	hist, err := arrayMember(f, "history")
	if err != nil {
		return err
	}
	if len(fsl) != len(hist) {
		return fmt.Errorf("len(fsLayers) = %d, len(history) = %d, want equal", len(fsl), len(hist))
	}
	n := len(fsl)
	m.Layers = make([]Layer, n)
	for i := range n {
		where := fmt.Sprintf("fsLayers[%d]", i)
		o, err := object(fsl[i])
		if err != nil {
			return fmt.Errorf("%s %v", where, err)
		}
		if err := checkFold(o, where, fsLayerMembers); err != nil {
			return err
		}
		bs, err := stringMember(o, "blobSum", where)
		if err != nil {
			return err
		}
		if err := checkBlobSum(where+".blobSum", bs); err != nil {
			return err
		}
		where = fmt.Sprintf("history[%d]", i)
		if o, err = object(hist[i]); err != nil {
			return fmt.Errorf("%s %v", where, err)
		}
		if err := checkFold(o, where, historyMembers); err != nil {
			return err
		}
		v1, err := stringMember(o, "v1Compatibility", where)
		if err != nil {
			return err
		}
		if err := checkV1Compatibility(v1); err != nil {
			return at(where+".v1Compatibility", err)
		}
		m.Layers[n-1-i] = Layer{BlobSum: digest.Digest(bs), V1Compatibility: v1}
	}
	return nil
}

func arrayMember(f map[string]json.RawMessage, name string) ([]json.RawMessage, error) {
	raw, ok := f[name]
	if !ok {
		return nil, fmt.Errorf("%s missing", name)
	}
	var list []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &list) != nil {
		return nil, fmt.Errorf("%s = %s, want an array", name, excerpt(raw))
	}
	return list, nil
}
