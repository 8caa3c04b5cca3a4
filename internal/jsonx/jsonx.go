// Package jsonx encodes JSON the way manifest builders need it: keys in the
// order the Go value declares them, no HTML escaping, an optional indent, and
// an optional ASCII-only form that escapes every non-ASCII character as
// \uXXXX (lowercase hex, UTF-16 surrogate pairs above the BMP), which is what
// Python's json.dumps(ensure_ascii=True) writes.
package jsonx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// Options control Marshal.
type Options struct {
	// Indent, when not empty, is the indent of one level (for example three
	// spaces, as Docker's schema1 payloads use). Empty means compact output.
	Indent string
	// EnsureASCII escapes every non-ASCII character as \uXXXX.
	EnsureASCII bool
}

// Marshal encodes v with encoding/json, with HTML escaping off, then applies
// o. The result has no trailing newline. Struct fields keep their declared
// order and map keys are sorted, as encoding/json does; callers that need
// another key order declare a struct in that order.
func Marshal(v any, o Options) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if o.Indent != "" {
		enc.SetIndent("", o.Indent)
	}
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("jsonx.Marshal: %w", err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if o.EnsureASCII {
		b = EscapeNonASCII(b)
	}
	return b, nil
}

// EscapeNonASCII returns b with every non-ASCII UTF-8 sequence replaced by
// its \uXXXX escape (a surrogate pair for characters above U+FFFF). In valid
// JSON non-ASCII bytes occur only inside strings, so the result is the same
// JSON value written in ASCII. Invalid UTF-8 is escaped as U+FFFD, as
// encoding/json would decode it. When b is already ASCII it is returned as is.
func EscapeNonASCII(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/2)
	out = append(out, b[:i]...)
	for i < len(b) {
		c := b[i]
		if c < utf8.RuneSelf {
			out = append(out, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		i += size
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			continue
		}
		out = fmt.Appendf(out, `\u%04x`, r)
	}
	return out
}
