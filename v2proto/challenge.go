package v2proto

import (
	"fmt"
	"slices"
	"strings"
)

// A Challenge is one challenge of a WWW-Authenticate header (RFC 7235
// section 4.1), such as Bearer realm="https://auth.example/token",
// service="registry.example".
type Challenge struct {
	// Scheme is the auth scheme as sent ("Bearer", "Basic", ...); compare
	// it with strings.EqualFold, schemes are case-insensitive.
	Scheme string
	// Params holds the auth-params, keyed by lower-case name (names are
	// case-insensitive), with quoted strings unquoted. When a name occurs
	// more than once, the first value is kept. Nil when the challenge has
	// none.
	Params map[string]string
	// Token68 is the token68 form of the challenge's data (RFC 7235
	// section 2.1), used by a few schemes instead of auth-params. Empty when
	// the challenge has auth-params or nothing.
	Token68 string
}

// Param returns the value of the auth-param with the given name,
// compared case-insensitively, or "" when there is none.
func (c Challenge) Param(name string) string {
	return c.Params[strings.ToLower(name)]
}

// Is reports whether c's scheme is scheme, compared case-insensitively.
func (c Challenge) Is(scheme string) bool {
	return strings.EqualFold(c.Scheme, scheme)
}

// String formats c as a WWW-Authenticate challenge, with params in the
// order realm, service, scope, error, then the others sorted, every value
// quoted. ParseChallenges of the result gives c back.
func (c Challenge) String() string {
	var b strings.Builder
	b.WriteString(c.Scheme)
	if c.Token68 != "" {
		b.WriteString(" " + c.Token68)
		return b.String()
	}
	sep := " "
	for _, k := range orderedKeys(c.Params) {
		fmt.Fprintf(&b, "%s%s=%s", sep, k, quote(c.Params[k]))
		sep = ", "
	}
	return b.String()
}

func orderedKeys(m map[string]string) []string {
	var keys []string
	for _, k := range []string{"realm", "service", "scope", "error"} {
		if _, ok := m[k]; ok {
			keys = append(keys, k)
		}
	}
	var rest []string
	for k := range m {
		switch k {
		case "realm", "service", "scope", "error":
		default:
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(keys, rest...)
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// ParseChallenges parses the values of WWW-Authenticate header fields (as
// http.Header.Values returns them) into challenges, in order. Each value
// may hold several challenges separated by commas:
//
//	challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//	auth-param = token BWS "=" BWS ( token / quoted-string )
//
// Quoted strings may hold backslash escapes (quoted-pair). Empty list
// elements are skipped. A value that does not follow the grammar is an
// error naming the value (its first 256 bytes) and the byte offset, as in
// `v2proto.ParseChallenges: WWW-Authenticate "Bearer realm=\"x" at 15: unterminated quoted string`;
// the challenges parsed before the error are returned with it. Note that
// the grammar makes "Bearer realm=" a challenge with the token68 "realm=".
func ParseChallenges(values []string) ([]Challenge, error) {
	var out []Challenge
	for _, v := range values {
		cs, err := parseChallengeList(v)
		out = append(out, cs...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// A chParser parses one WWW-Authenticate value.
type chParser struct {
	fieldScanner
}

func (p *chParser) errorf(format string, args ...any) error {
	// A hostile header may be megabytes long: quote its start only.
	return fmt.Errorf("v2proto.ParseChallenges: WWW-Authenticate %s at %d: %s", clip(p.s, maxShown), p.i, fmt.Sprintf(format, args...))
}

// skipCommas skips white space and empty list elements.
func (p *chParser) skipCommas() {
	for {
		p.skipWS()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		return
	}
}

func parseChallengeList(s string) ([]Challenge, error) {
	p := &chParser{fieldScanner{s: s}}
	var out []Challenge
	p.skipCommas()
	for p.i < len(p.s) {
		scheme := p.token()
		if scheme == "" {
			return out, p.errorf("want an auth scheme")
		}
		ch := Challenge{Scheme: scheme}
		afterScheme := p.i
		p.skipWS()
		if p.i == len(p.s) || p.s[p.i] == ',' {
			out = append(out, ch)
			p.skipCommas()
			continue
		}
		if p.i == afterScheme {
			return out, p.errorf("want a space after the auth scheme")
		}
		// token68, or the first auth-param.
		if t68, ok := p.token68(); ok {
			ch.Token68 = t68
			out = append(out, ch)
			p.skipWS()
			if p.i < len(p.s) && p.s[p.i] != ',' {
				return out, p.errorf("want a comma after the token68")
			}
			p.skipCommas()
			continue
		}
		// auth-params: a comma-separated list that ends where an element is
		// not name=value (the next challenge's scheme) or at the end.
		for {
			save := p.i
			name := p.token()
			if name == "" {
				return out, p.errorf("want an auth-param name")
			}
			p.skipWS()
			if p.i >= len(p.s) || p.s[p.i] != '=' {
				if len(ch.Params) == 0 {
					return out, p.errorf("want '=' after the auth-param name")
				}
				// The start of the next challenge.
				p.i = save
				break
			}
			p.i++ // '='
			p.skipWS()
			var value string
			switch {
			case p.i < len(p.s) && p.s[p.i] == '"':
				v, err := p.quotedOr(p.errorf)
				if err != nil {
					return out, err
				}
				value = v
			default:
				value = p.token()
				if value == "" {
					return out, p.errorf("want a token or a quoted string")
				}
			}
			if ch.Params == nil {
				ch.Params = map[string]string{}
			}
			lname := strings.ToLower(name)
			if _, dup := ch.Params[lname]; !dup {
				ch.Params[lname] = value
			}
			p.skipWS()
			if p.i == len(p.s) {
				break
			}
			if p.s[p.i] != ',' {
				return out, p.errorf("want a comma after the auth-param %s", name)
			}
			p.skipCommas()
			if p.i == len(p.s) {
				break
			}
		}
		out = append(out, ch)
	}
	return out, nil
}

// token68 reads a token68 at p.i when what follows is one: token68 chars,
// then optional '=' padding, then the end or a comma (after white space).
// Otherwise it leaves p.i alone and returns false.
func (p *chParser) token68() (string, bool) {
	start := p.i
	j := p.i
	for j < len(p.s) && isToken68Char(p.s[j]) {
		j++
	}
	if j == start {
		return "", false
	}
	for j < len(p.s) && p.s[j] == '=' {
		j++
	}
	k := j
	for k < len(p.s) && (p.s[k] == ' ' || p.s[k] == '\t') {
		k++
	}
	if k < len(p.s) && p.s[k] != ',' {
		return "", false
	}
	p.i = j
	return p.s[start:j], true
}

func isToken68Char(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~+/", c) >= 0
}
