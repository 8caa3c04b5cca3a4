package v2proto

import (
	"fmt"
	"net/url"
	"strings"
)

// MaxLinkHeader is the most bytes of Link header values (all of them
// together) that ParseLink parses; a longer header is an error.
const MaxLinkHeader = 64 << 10

// A Link is one link-value of a Link header field (RFC 8288 section 3),
// such as `</v2/ns/repo/tags/list?last=b&n=2>; rel="next"`.
type Link struct {
	// Target is the target URI as sent, between '<' and '>'.
	Target string
	// URL is Target resolved against the base URL given to ParseLink (the
	// URL of the request whose answer carried the header), or Target
	// parsed as is when there was no base.
	URL *url.URL
	// Rel holds the relation types of the link's first rel parameter, in
	// order (RFC 8288 allows several, separated by white space); nil when
	// the link has no rel. Compare them with HasRel: registered relation
	// types are case-insensitive.
	Rel []string
	// Params are the link's parameters in the order sent, rel included,
	// names lower-cased (they are case-insensitive) and quoted strings
	// unquoted.
	Params []LinkParam
}

// A LinkParam is one parameter of a Link.
type LinkParam struct {
	// Name is the parameter's name, lower-cased.
	Name string
	// Value is its value, unquoted; "" when it has none.
	Value string
	// HasValue reports whether the parameter had "=" and a value (a
	// parameter may be a bare name).
	HasValue bool
}

// HasRel reports whether rel is one of l's relation types, compared
// case-insensitively.
func (l Link) HasRel(rel string) bool {
	for _, r := range l.Rel {
		if strings.EqualFold(r, rel) {
			return true
		}
	}
	return false
}

// Param returns the value of l's first parameter called name (compared
// case-insensitively) and whether there is one.
func (l Link) Param(name string) (string, bool) {
	for _, p := range l.Params {
		if strings.EqualFold(p.Name, name) {
			return p.Value, true
		}
	}
	return "", false
}

// ParseLink parses the values of Link header fields (as
// http.Header.Values returns them) into links, in order, and resolves each
// target against base (which may be nil: targets are then parsed as they
// are). It follows RFC 8288 section 3:
//
//	Link       = #link-value
//	link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param )
//	link-param = token BWS [ "=" BWS ( token / quoted-string ) ]
//
// Each value may hold several links separated by commas; empty list
// elements are skipped. Parameter names are case-insensitive; a rel
// parameter holds one or more relation types separated by white space, and
// only the first rel parameter of a link counts (RFC 8288 section 3.3).
// A value that does not follow the grammar, a target that is not a URI
// reference (with white space or control characters in it, or one that
// net/url rejects), or values longer than MaxLinkHeader bytes in all are
// an error in the form
//
//	v2proto.ParseLink: Link "</x>; rel x" at 10: want '=' or ';' or ',' after the parameter name
//
// (the value is clipped in the message when long); the links parsed before
// the error are returned with it. ParseLink never panics and its work is
// linear in the input.
func ParseLink(base *url.URL, values []string) ([]Link, error) {
	total := 0
	for _, v := range values {
		total += len(v)
	}
	if total > MaxLinkHeader {
		return nil, fmt.Errorf("v2proto.ParseLink: Link values of %d bytes, want at most %d", total, MaxLinkHeader)
	}
	var out []Link
	for _, v := range values {
		p := &linkParser{fieldScanner: fieldScanner{s: v}, base: base}
		links, err := p.list()
		out = append(out, links...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// A linkParser parses one Link value.
type linkParser struct {
	fieldScanner
	base *url.URL
}

func (p *linkParser) errorf(format string, args ...any) error {
	return &linkError{value: p.s, at: p.i, reason: fmt.Sprintf(format, args...)}
}

// A linkError is a ParseLink error; the listing flows show its reason
// without the value, which may hold secrets.
type linkError struct {
	value  string
	at     int
	reason string
}

func (e *linkError) Error() string {
	return fmt.Sprintf("v2proto.ParseLink: Link %q at %d: %s", linkClip(e.value, 120), e.at, e.reason)
}

func (p *linkParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// list parses a comma-separated list of link-values.
func (p *linkParser) list() ([]Link, error) {
	var out []Link
	for {
		// Empty list elements (RFC 9110 section 5.6.1).
		for {
			p.skipWS()
			if p.peek() != ',' {
				break
			}
			p.i++
		}
		if p.i >= len(p.s) {
			return out, nil
		}
		l, err := p.linkValue()
		if err != nil {
			return out, err
		}
		out = append(out, l)
		p.skipWS()
		if p.i < len(p.s) && p.s[p.i] != ',' {
			return out, p.errorf("want ';' or ',' after the link")
		}
	}
}

func (p *linkParser) linkValue() (Link, error) {
	if p.peek() != '<' {
		return Link{}, p.errorf("want '<' to start a link")
	}
	p.i++
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != '>' {
		c := p.s[p.i]
		if c <= ' ' || c == 0x7f {
			return Link{}, p.errorf("white space or control character %#x in the target URI", c)
		}
		p.i++
	}
	if p.i >= len(p.s) {
		return Link{}, p.errorf("want '>' to end the target URI")
	}
	l := Link{Target: p.s[start:p.i]}
	p.i++ // '>'
	u, err := url.Parse(l.Target)
	if err != nil {
		p.i = start
		return Link{}, p.errorf("the target is not a URI reference (%s)", urlErrorReason(err))
	}
	if p.base != nil {
		u = p.base.ResolveReference(u)
	}
	l.URL = u
	relSeen := false
	for {
		p.skipWS()
		if p.peek() != ';' {
			return l, nil
		}
		p.i++
		p.skipWS()
		if p.i >= len(p.s) || p.s[p.i] == ',' || p.s[p.i] == ';' {
			// An empty parameter ("<x>;" or "<x>; ; rel=a"): tolerated, as
			// browsers do.
			continue
		}
		name := p.token()
		if name == "" {
			return l, p.errorf("want a parameter name")
		}
		param := LinkParam{Name: strings.ToLower(name)}
		p.skipWS()
		if p.peek() == '=' {
			p.i++
			p.skipWS()
			if p.peek() == '"' {
				v, err := p.quotedOr(p.errorf)
				if err != nil {
					return l, err
				}
				param.Value = v
			} else {
				param.Value = p.token()
				if param.Value == "" {
					return l, p.errorf("want a token or a quoted string after '='")
				}
			}
			param.HasValue = true
		} else if c := p.peek(); c != 0 && c != ';' && c != ',' {
			return l, p.errorf("want '=' or ';' or ',' after the parameter name")
		}
		l.Params = append(l.Params, param)
		if param.Name == "rel" && !relSeen {
			relSeen = true
			l.Rel = strings.Fields(param.Value)
		}
	}
}

// urlErrorReason returns the reason of a url.Parse error without the URL.
func urlErrorReason(err error) string {
	if ue, ok := err.(*url.Error); ok && ue.Err != nil {
		return ue.Err.Error()
	}
	return err.Error()
}

func linkClip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
