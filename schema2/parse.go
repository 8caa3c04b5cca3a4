package schema2

import "errors"

// Document is a parsed manifest document: a *Manifest or an *Index (Parse
// returns pointers; the values satisfy Document too).
type Document interface {
	// Kind returns the document's kind, from its mediaType member.
	Kind() Kind
	// Validate reports the first rule the document breaks, or nil.
	Validate() error
	// Build serializes the document.
	Build(o Options) (*Built, error)
}

var (
	_ Document = (*Manifest)(nil)
	_ Document = (*Index)(nil)
)

// Parse parses the manifest document b that a registry served with
// Content-Type contentType: Detect finds its kind, then ParseManifest or
// ParseIndex parses it. It returns a *Manifest for KindDockerManifest and
// KindOCIManifest and an *Index for KindDockerList and KindOCIIndex; a
// schema1 document is an error (parse it with package schema1). Errors are
// *Error, their Func "schema2.Parse".
func Parse(contentType string, b []byte) (Document, error) {
	const fn = "schema2.Parse"
	k, err := Detect(contentType, b)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Func = fn
		}
		return nil, err
	}
	switch k {
	case KindDockerManifest, KindOCIManifest:
		m, err := parseManifest(fn, b)
		if err != nil {
			return nil, err
		}
		return m, nil
	case KindDockerList, KindOCIIndex:
		ix, err := parseIndex(fn, b)
		if err != nil {
			return nil, err
		}
		return ix, nil
	}
	return nil, &Error{fn, "body", k.document(), "a schema2 or OCI manifest or index (parse schema1 with package schema1)"}
}
