package v2proto

import "strings"

// A fieldScanner reads the lexical parts of a header field value that RFC
// 9110 section 5.6 defines (optional white space, tokens, quoted strings)
// for the parsers of WWW-Authenticate (ParseChallenges) and Link
// (ParseLink). s is the value, i the offset of the next byte to read.
type fieldScanner struct {
	s string
	i int
}

// skipWS skips optional white space (OWS: spaces and tabs).
func (p *fieldScanner) skipWS() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// token reads a token, possibly empty.
func (p *fieldScanner) token() string {
	start := p.i
	for p.i < len(p.s) && isTchar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// quotedOr reads the quoted string at p.i, which must be '"', and returns
// it unquoted. A quoted string without its closing quote, or with a
// control character in it (HTAB excepted), quoted-pair or not, is an error
// made by errorf at the offset of the fault.
func (p *fieldScanner) quotedOr(errorf func(format string, args ...any) error) (string, error) {
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c == '\\':
			// quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
			p.i++
			if p.i >= len(p.s) {
				return "", errorf("unterminated quoted string")
			}
			if e := p.s[p.i]; !isQDText(e) {
				return "", errorf("control character %#x in a quoted string", e)
			}
			b.WriteByte(p.s[p.i])
			p.i++
		case isQDText(c):
			b.WriteByte(c)
			p.i++
		default:
			return "", errorf("control character %#x in a quoted string", c)
		}
	}
	return "", errorf("unterminated quoted string")
}

// isQDText reports whether c may stand in a quoted string: HTAB, SP,
// visible characters and obs-text (any byte but the other controls).
func isQDText(c byte) bool { return c == '\t' || c >= 0x20 && c != 0x7f }

// isTchar reports whether c is a token character (RFC 9110 section 5.6.2).
func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
