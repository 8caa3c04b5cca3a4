package schema2

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Field is one member of a JSON object that this package has no Go field
// for: a custom top-level member of a manifest or index, or a member of an
// image config or container config such as Docker's "container_config".
// Builders write Fields after the modelled members, in order; parsers
// collect them in document order with Value compacted (its text otherwise
// as in the document).
type Field struct {
	// Name is the member's name.
	Name string
	// Value is the member's value, one JSON value.
	Value json.RawMessage
}

// NewField returns a Field whose Value is v encoded by encoding/json, with
// HTML escaping off. It fails when encoding/json cannot encode v.
func NewField(name string, v any) (Field, error) {
	b, err := marshalNoHTML(v)
	if err != nil {
		return Field{}, fmt.Errorf("schema2.NewField(%q): %w", clip(name), err)
	}
	return Field{Name: name, Value: b}, nil
}

// MustField is like NewField but panics when v cannot be encoded, for
// fixtures and tests where a panic is acceptable.
func MustField(name string, v any) Field {
	f, err := NewField(name, v)
	if err != nil {
		panic(err)
	}
	return f
}

// marshalNoHTML is json.Marshal with HTML escaping off.
func marshalNoHTML(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// member is one member of an object.
type member struct {
	name  string
	value any
}

// object is a JSON object whose members keep their order.
type object []member

// MarshalJSON writes o's members in order, with HTML escaping off.
func (o object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := marshalNoHTML(m.name)
		if err != nil {
			return nil, err
		}
		v, err := marshalNoHTML(m.value)
		if err != nil {
			return nil, fmt.Errorf("member %q: %w", clip(m.name), err)
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// withExtra appends the Fields to o.
func (o object) withExtra(extra []Field) object {
	for _, f := range extra {
		o = append(o, member{f.Name, f.Value})
	}
	return o
}

// reserved says which names an Extra Field may not take: modelled names
// (the model has a field for them) and forbidden ones (members of another
// structure, with the rule to name).
type reserved struct {
	model     string            // the model type, e.g. "v1.Manifest"
	modelled  map[string]bool   // names the model has fields for
	forbidden map[string]string // name -> want
}

func newReserved(model string, forbidden map[string]string, names ...string) *reserved {
	r := &reserved{model: model, modelled: make(map[string]bool, len(names)), forbidden: forbidden}
	for _, n := range names {
		r.modelled[n] = true
	}
	return r
}

// checkExtra reports an Extra Field whose Value is not one JSON value (which
// no document can hold), and, when r is not nil, a Field whose Name is
// modelled, forbidden or, if unique is false, repeated (a parser, which
// rejects repeated members, passes true). prefix is the path of the object
// that holds the fields ("" for the top level).
func checkExtra(fn, prefix string, extra []Field, r *reserved, unique bool) error {
	var seen map[string]bool
	if !unique && len(extra) > 1 {
		seen = make(map[string]bool, len(extra))
	}
	for i, f := range extra {
		path := func() string { return index(at(prefix, "Extra"), i) }
		if !json.Valid(f.Value) {
			return &Error{fn, path() + ".Value", excerptOrEmpty(f.Value), "one JSON value"}
		}
		if r == nil {
			continue
		}
		if want, ok := r.forbidden[f.Name]; ok {
			return &Error{fn, at(prefix, f.Name), excerpt(f.Value), want}
		}
		if r.modelled[f.Name] {
			return &Error{fn, path() + ".Name", quote(f.Name), "a name " + r.model + " has no field for"}
		}
		if seen != nil {
			if seen[f.Name] {
				return &Error{fn, path() + ".Name", quote(f.Name), "a name no other member has"}
			}
			seen[f.Name] = true
		}
	}
	return nil
}

func excerptOrEmpty(b []byte) string {
	if len(b) == 0 {
		return `""(empty)`
	}
	return clip(string(b))
}

// --- decoding -------------------------------------------------------------

// at returns the path of member name under path: path.name, or
// path["name"] when name is empty or holds other characters than letters,
// digits, '.', '_' and '-'.
func at(path, name string) string {
	if !simpleName(name) {
		return path + "[" + quote(name) + "]"
	}
	if path == "" {
		return name
	}
	return path + "." + name
}

func simpleName(s string) bool {
	if s == "" || len(s) > excerptMax {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

func key(path, k string) string { return fmt.Sprintf("%s[%s]", path, quote(k)) }

func isNull(v []byte) bool { return string(v) == "null" }

// checkBody reports b that is not one JSON object.
func checkBody(fn string, b []byte) error {
	if !json.Valid(b) {
		var v any
		err := json.Unmarshal(b, &v)
		why := "not JSON"
		if err != nil {
			why = "not JSON (" + clip(err.Error()) + ")"
		}
		return &Error{fn, "body", why, "a JSON object"}
	}
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return &Error{fn, "body", excerpt(b), "a JSON object"}
	}
	return nil
}

// The walkers below read JSON that json.Valid accepted (checkBody runs
// first, and every value they hand on is a piece of such a document). They
// scan it once, without copying values, and still check their bounds so
// that a piece of invalid JSON yields an error, never a panic.

// skipSpace returns the index of the first non-space byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just after the string that starts at b[i]
// ('"'), or -1.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// skipValue returns the index just after the value that starts at b[i], or
// -1. Objects and arrays are skipped with a depth count, not recursion.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				if i = skipString(b, i); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// unquote returns the JSON string s (with its quotes) as a Go string, as
// encoding/json decodes it (escapes resolved, invalid UTF-8 as U+FFFD).
func unquote(s []byte) (string, bool) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	plain := true
	for _, c := range s[1 : len(s)-1] {
		if c == '\\' || c == '"' || c < 0x20 || c >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		return string(s[1 : len(s)-1]), true
	}
	var out string
	if json.Unmarshal(s, &out) != nil {
		return "", false
	}
	return out, true
}

// eachMember calls f for every member of the JSON object v, in order, with
// the member's value (a sub-slice of v). A repeated name is an error.
func eachMember(fn, path string, v []byte, f func(name string, v json.RawMessage) error) error {
	var seen map[string]bool
	return eachEntry(v, '{', '}', func() error { return &Error{fn, path, excerpt(v), "an object"} }, func(_, i int) (int, error) {
		if v[i] != '"' {
			return -1, nil
		}
		end := skipString(v, i)
		if end < 0 {
			return -1, nil
		}
		name, ok := unquote(v[i:end])
		if !ok {
			return -1, nil
		}
		i = skipSpace(v, end)
		if i >= len(v) || v[i] != ':' {
			return -1, nil
		}
		i = skipSpace(v, i+1)
		end = skipValue(v, i)
		if end < 0 {
			return -1, nil
		}
		if seen == nil {
			seen = make(map[string]bool)
		}
		if seen[name] {
			return 0, &Error{fn, at(path, name), "a repeated member", "each member once"}
		}
		seen[name] = true
		return end, f(name, v[i:end:end])
	})
}

// eachElement calls f for every element of the JSON array v, in order.
func eachElement(fn, path string, v []byte, want string, f func(i int, v json.RawMessage) error) error {
	return eachEntry(v, '[', ']', func() error { return &Error{fn, path, excerpt(v), want} }, func(n, i int) (int, error) {
		end := skipValue(v, i)
		if end < 0 {
			return -1, nil
		}
		return end, f(n, v[i:end:end])
	})
}

// eachEntry walks the JSON object or array v, opened by open and closed by
// close: it calls entry with the number and the offset (within v) of each
// entry, which returns the offset just past the entry, or -1 when the entry
// is malformed (eachEntry then returns bad()), or an error to stop with.
// Malformed syntax between entries is bad() too.
func eachEntry(v []byte, open, close byte, bad func() error, entry func(n, i int) (int, error)) error {
	i := skipSpace(v, 0)
	if i >= len(v) || v[i] != open {
		return bad()
	}
	i = skipSpace(v, i+1)
	if i < len(v) && v[i] == close {
		return nil
	}
	for n := 0; ; n++ {
		if i >= len(v) {
			return bad()
		}
		end, err := entry(n, i)
		if err != nil {
			return err
		}
		if end < 0 {
			return bad()
		}
		i = skipSpace(v, end)
		if i >= len(v) {
			return bad()
		}
		switch v[i] {
		case ',':
			i = skipSpace(v, i+1)
		case close:
			return nil
		default:
			return bad()
		}
	}
}

// decString decodes the JSON string v.
func decString(fn, path string, v []byte) (string, error) {
	s, ok := unquote(v)
	if !ok {
		return "", &Error{fn, path, excerpt(v), "a string"}
	}
	return s, nil
}

// decOptString decodes the JSON string v; null is "".
func decOptString(fn, path string, v []byte) (string, error) {
	if isNull(v) {
		return "", nil
	}
	return decString(fn, path, v)
}

// decSize decodes a non-negative integer.
func decSize(fn, path string, v []byte) (int64, error) {
	var n int64
	if len(v) == 0 || !(v[0] == '-' || v[0] >= '0' && v[0] <= '9') || json.Unmarshal(v, &n) != nil || n < 0 {
		return 0, &Error{fn, path, excerpt(v), "a non-negative integer"}
	}
	return n, nil
}

// decBool decodes true or false; null is false.
func decBool(fn, path string, v []byte) (bool, error) {
	switch string(v) {
	case "true":
		return true, nil
	case "false", "null":
		return false, nil
	}
	return false, &Error{fn, path, excerpt(v), "a boolean"}
}

// decStrings decodes an array of strings; null and [] are nil.
func decStrings(fn, path string, v []byte) ([]string, error) {
	if isNull(v) {
		return nil, nil
	}
	var out []string
	err := eachElement(fn, path, v, "an array of strings", func(i int, e json.RawMessage) error {
		s, err := decString(fn, index(path, i), e)
		out = append(out, s)
		return err
	})
	return out, err
}

// decStringMap decodes an object of strings; null and {} are nil.
func decStringMap(fn, path string, v []byte) (map[string]string, error) {
	if isNull(v) {
		return nil, nil
	}
	var out map[string]string
	err := eachMember(fn, path, v, func(k string, e json.RawMessage) error {
		s, err := decString(fn, key(path, k), e)
		if err != nil {
			return err
		}
		if out == nil {
			out = make(map[string]string)
		}
		out[k] = s
		return nil
	})
	return out, err
}

// decSet decodes an object used as a set (ExposedPorts, Volumes): its keys;
// the values must be objects and are otherwise ignored. null and {} are nil.
func decSet(fn, path string, v []byte) (map[string]struct{}, error) {
	if isNull(v) {
		return nil, nil
	}
	var out map[string]struct{}
	err := eachMember(fn, path, v, func(k string, e json.RawMessage) error {
		if t := bytes.TrimLeft(e, " \t\r\n"); len(t) == 0 || t[0] != '{' {
			return &Error{fn, key(path, k), excerpt(e), "an object ({})"}
		}
		if out == nil {
			out = make(map[string]struct{})
		}
		out[k] = struct{}{}
		return nil
	})
	return out, err
}

// compactRaw returns a compacted copy of v.
func compactRaw(v []byte) json.RawMessage {
	if bytes.IndexAny(v, " \t\r\n") < 0 {
		return append(make(json.RawMessage, 0, len(v)), v...)
	}
	buf := bytes.NewBuffer(make([]byte, 0, len(v)))
	if err := json.Compact(buf, v); err != nil {
		return append(make(json.RawMessage, 0, len(v)), v...)
	}
	return buf.Bytes()
}

// isSpace reports whether s holds only JSON whitespace usable as an indent.
func isSpace(s string) bool {
	return strings.Trim(s, " \t") == ""
}
