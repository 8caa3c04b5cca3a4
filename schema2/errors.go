package schema2

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error reports a document that breaks a rule. Every parser, validator and
// builder of this package returns one (use errors.As) for a rule broken by
// the document; other failures (an unavailable digest algorithm, an invalid
// Options) are Errors too, with Path naming the offending argument.
type Error struct {
	// Func is the function that found the problem, e.g. "schema2.ParseManifest".
	Func string
	// Path locates the member: "layers[1].mediaType",
	// `annotations["org.example"]`, "history", or "body" for the document
	// as a whole.
	Path string
	// Got is what the document holds there, as a JSON excerpt of at most
	// about 64 bytes, or a short description ("3 entries"). It is empty
	// when the member is missing.
	Got string
	// Want states the rule.
	Want string
}

// Error returns "Func: Path = Got, want Want", or "Func: Path is missing,
// want Want" when Got is empty.
func (e *Error) Error() string {
	if e.Got == "" {
		return fmt.Sprintf("%s: %s is missing, want %s", e.Func, e.Path, e.Want)
	}
	return fmt.Sprintf("%s: %s = %s, want %s", e.Func, e.Path, e.Got, e.Want)
}

const excerptMax = 64

// excerpt returns the JSON text raw, compacted and cut to about excerptMax
// bytes, for an error message.
func excerpt(raw []byte) string {
	if len(raw) > 4*excerptMax {
		raw = raw[:4*excerptMax]
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err == nil {
		raw = buf.Bytes()
	}
	return clip(string(raw))
}

// clip cuts s to about excerptMax bytes at a rune boundary and makes it
// valid UTF-8.
func clip(s string) string {
	if len(s) <= excerptMax {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	cut := excerptMax
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.ToValidUTF8(s[:cut], "\uFFFD") + "…"
}

// quote returns s as a JSON string, clipped, for Error.Got.
func quote(s string) string {
	if len(s) > 4*excerptMax {
		s = s[:4*excerptMax]
	}
	b, err := marshalNoHTML(s)
	if err != nil {
		return clip(fmt.Sprintf("%q", s))
	}
	return clip(string(b))
}

// quoteList returns "a", "b", "c" for a want clause.
func quoteList(ss ...string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
