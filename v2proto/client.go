package v2proto

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/registrytest/registrytest/failures"
)

// DefaultUserAgent is the User-Agent a Client sends unless WithUserAgent
// sets another.
const DefaultUserAgent = "registrytest-v2proto"

// A Client drives one registry over the Docker Registry HTTP API v2 / OCI
// distribution API. Every method takes a context and per-call options,
// returns errors (never panics, never calls t.Fatal), honours its context,
// and checks every answer against the client's failures table.
//
// A Client is safe for concurrent use. Its zero value is not usable: call
// New.
type Client struct {
	base  *url.URL
	hc    *http.Client
	logf  func(format string, args ...any)
	table *failures.Table
	ua    string
	now   func() time.Time // for tests of token expiry
	// sendfile lets net/http hand *os.File bodies to the kernel
	// (WithSendfile).
	sendfile bool
	// scopeGrammar chooses the default token scopes (WithScopeGrammar).
	scopeGrammar    ScopeGrammar
	scopeGrammarSet bool
	// transcript receives every exchange (WithTranscript).
	transcript func(Exchange)

	mu     sync.Mutex
	tokens map[tokenKey]cachedToken
}

// An Option configures a Client in New.
type Option func(*Client)

// WithHTTPClient makes the client send its requests with hc (its
// transport, redirect policy, jar and timeout). The default is an
// http.Client with http.DefaultTransport and net/http's redirect policy
// (at most 10 redirects). A nil hc leaves the default.
//
// Whatever hc's redirect policy, the client never lets an Authorization
// header follow a redirect to another scheme or host (host:port) than the
// request's: it uses a copy of hc whose CheckRedirect removes the header
// from such a redirected request before hc's own CheckRedirect (or the
// default policy) sees it. (net/http alone keeps it for another port of the
// same host name.)
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = guardRedirects(hc)
		}
	}
}

// guardRedirects returns a copy of hc whose redirect policy removes the
// Authorization header from a redirected request that goes to another
// scheme or host than the first request of the chain, then applies hc's
// policy, or net/http's default (stop after 10 redirects).
func guardRedirects(hc *http.Client) *http.Client {
	g := *hc
	inner := hc.CheckRedirect
	g.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > 0 {
			first := via[0].URL
			if !strings.EqualFold(req.URL.Scheme, first.Scheme) || !strings.EqualFold(req.URL.Host, first.Host) {
				req.Header.Del("Authorization")
			}
		}
		if inner != nil {
			return inner(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &g
}

// WithLogf makes the client log one line per exchange with logf, which may
// be t.Logf: the step, the method, the redacted path, the status, the
// error-body codes and the time taken, and the start of the body of an
// unwanted answer. Passwords, tokens, Authorization values and secret query
// values never reach a line. The default is not to log.
func WithLogf(logf func(format string, args ...any)) Option {
	return func(c *Client) { c.logf = logf }
}

// WithTable makes the client judge the registry's answers with t: the
// success status of every step, and where and how each expected failure
// shows. The default is failures.Distribution, whose success statuses are
// the OCI spec's and whose failure entries are what distribution, the
// spec's reference implementation, answers. A nil t leaves the default.
func WithTable(t *failures.Table) Option {
	return func(c *Client) {
		if t != nil {
			c.table = t
		}
	}
}

// WithUserAgent sets the User-Agent header of every request. The default
// is DefaultUserAgent.
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.ua = ua }
}

// WithSendfile makes the client hand every blob whose Open returns an
// *os.File to net/http as is, which sends it with sendfile(2): the file's
// pages go to the socket without a copy through the client.
//
// By default the client does so only when large blobs (1 MiB or more) are
// uploaded several at a time. When a call uploads its large blobs one at a
// time (one large blob, or Limits.Concurrency 1) and no other large
// upload is in flight in the process, each file is copied through user
// space instead: a registry on the same machine then reads bytes the client
// has just written, warm in the CPU cache, rather than file pages from
// memory, and the upload, which one goroutine of the registry reads, hashes
// and writes, is that much faster. Measured in internal/perf against
// distribution v3 on loopback (2 cores): a 1 GiB push at 1.2 times the
// speed of sendfile, for about 0.3 s more client CPU per GiB and less CPU
// for client and registry together; with 4 uploads in flight the registry
// has no idle core left and copying every file ran at 0.9 times the speed
// of sendfile. Use WithSendfile where the client's CPU matters more than a
// local registry's speed.
func WithSendfile() Option {
	return func(c *Client) { c.sendfile = true }
}

// New returns a client of the registry at baseURL, such as
// "http://127.0.0.1:5000": an absolute http or https URL with a host, no
// user info, no query or fragment, and no path but "/" (the API lives at
// /v2/). Credentials are per call (WithCredentials).
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("v2proto.New(%q): %v", baseURL, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		err = errors.New("scheme must be http or https")
	case u.Host == "":
		err = errors.New("no host")
	case u.User != nil:
		err = errors.New("user info in the URL; pass credentials with WithCredentials")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		err = errors.New("query or fragment in the URL")
	case u.Path != "" && u.Path != "/":
		err = fmt.Errorf("path %q, want none (the API is at /v2/)", u.Path)
	}
	if err != nil {
		return nil, fmt.Errorf("v2proto.New(%q): %v", baseURL, err)
	}
	c := &Client{
		base:   &url.URL{Scheme: u.Scheme, Host: u.Host},
		hc:     guardRedirects(&http.Client{}),
		table:  failures.Distribution,
		ua:     DefaultUserAgent,
		now:    time.Now,
		tokens: map[tokenKey]cachedToken{},
	}
	for _, o := range opts {
		o(c)
	}
	if !c.scopeGrammarSet && c.table == failures.Quay {
		c.scopeGrammar = ScopesQuay
	}
	return c, nil
}

// BaseURL returns the registry's URL, scheme and host, without a trailing
// slash: "http://127.0.0.1:5000".
func (c *Client) BaseURL() string { return c.base.String() }

// Table returns the failures table the client judges answers with.
func (c *Client) Table() *failures.Table { return c.table }

// url returns the absolute URL of ref, resolved against the registry's
// base URL: ref is an absolute path such as "/v2/ns/repo/tags/list", or a
// URL a registry sent (relative or absolute).
func (c *Client) url(ref string) (*url.URL, error) {
	u, err := url.Parse(ref)
	if err != nil {
		return nil, err
	}
	return c.base.ResolveReference(u), nil
}

// sameHost reports whether u points at the registry itself.
func (c *Client) sameHost(u *url.URL) bool {
	return strings.EqualFold(u.Scheme, c.base.Scheme) && strings.EqualFold(u.Host, c.base.Host)
}
