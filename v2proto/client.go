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

	mu     sync.Mutex
	tokens map[tokenKey]cachedToken
}

// An Option configures a Client in New.
type Option func(*Client)

// WithHTTPClient makes the client send its requests with hc (its
// transport, redirect policy, jar and timeout). The default is
// http.DefaultClient. A nil hc leaves the default.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
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
		hc:     http.DefaultClient,
		table:  failures.Distribution,
		ua:     DefaultUserAgent,
		now:    time.Now,
		tokens: map[tokenKey]cachedToken{},
	}
	for _, o := range opts {
		o(c)
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
