// Package faultreg is a fault-injecting front for a real registry: an HTTP
// server on 127.0.0.1 that passes every request to the registry behind it
// (an in-process http.Handler such as internal/distv3's, or a reverse proxy
// to any registry URL) and, for the requests its rules match, replaces or
// distorts the registry's answer: another status with an error body, a
// rewritten header (a wrong Docker-Content-Digest, a looping Link, a
// malformed WWW-Authenticate), a corrupted, truncated, lengthened, endless
// or stalling body, a redirect, a connection closed mid-request.
//
// It produces what no real registry can be put into, for the project's
// tests of expected failures and of hostile registries. The rest of each
// exchange stays real: the manifests, blobs, upload sessions and tokens are
// the registry's.
//
// A rule matches a request by its protocol step (Classify), method, path
// and occurrence (Rule). Token requests are seen too: with Options.TokenRealm
// (Front sets it for a token-auth registry) the front serves the registry's
// token endpoint at TokenPath and rewrites the realm of every
// WWW-Authenticate challenge to point there.
//
// Every Registry comes with an Other server: another host (another port,
// and the host name "localhost" rather than 127.0.0.1) for redirects and
// realms that leave the registry, which records the requests it receives
// so that a test can see whether credentials went there.
package faultreg

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/registrytest/registrytest/examples/internal/testreg"
	"github.com/registrytest/registrytest/failures"
)

// TokenPath is the path at which a Registry serves the upstream token
// endpoint (Options.TokenRealm).
const TokenPath = "/faultreg/token"

// MaxRewrite is the largest upstream body a rewriting fault (Rewrite and the
// faults built on it) holds in memory; a larger one is answered 502 by the
// front.
const MaxRewrite = 64 << 20

// Options configures a Registry.
type Options struct {
	// TokenRealm is the upstream registry's token endpoint (the realm of its
	// Bearer challenge, testreg's Info.Realm). When set, the front serves it
	// at TokenPath (requests are proxied there with their query and
	// credentials) and rewrites every occurrence of it in WWW-Authenticate
	// headers to the front's own token URL, so that rules see token
	// requests (step failures.Auth). Empty: challenges pass unchanged.
	TokenRealm string
}

// A Registry is a fault-injecting front for a registry. Its methods are safe
// for concurrent use.
type Registry struct {
	// URL is the front's base URL, http://127.0.0.1:PORT, without a
	// trailing slash: what a client under test is given.
	URL string
	// Other is another host, for redirects and realms that leave the
	// registry.
	Other *Other

	upstream http.Handler
	token    http.Handler // nil without TokenRealm
	realm    string
	srv      *httptest.Server
	life     context.Context // ends at Close: so do the requests' contexts
	kill     context.CancelFunc
	closeOne sync.Once

	mu       sync.Mutex
	rules    []*Active
	requests []Request
}

// A Request is what a Registry (or an Other) received: one entry per
// request, in order.
type Request struct {
	// Steps are the request's steps (Classify).
	Steps  []failures.Step
	Method string
	// Path and RawQuery are the request URL's.
	Path     string
	RawQuery string
	// Authorization is the request's Authorization header, "" for none.
	Authorization string
	// Rule is the index (in the order of Add) of the rule whose fault
	// answered the request, -1 when the registry answered it unchanged.
	Rule int
}

// New starts a front for upstream (a registry's handler) and returns it.
// The caller must Close it.
func New(upstream http.Handler, o Options) (*Registry, error) {
	r := &Registry{upstream: upstream}
	r.life, r.kill = context.WithCancel(context.Background())
	if o.TokenRealm != "" {
		u, err := url.Parse(o.TokenRealm)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("faultreg.New: TokenRealm %q, want an absolute http or https URL", o.TokenRealm)
		}
		r.realm = o.TokenRealm
		r.token = &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				out := *u
				q := u.Query()
				for k, vs := range pr.In.URL.Query() {
					q[k] = append(q[k], vs...)
				}
				out.RawQuery = q.Encode()
				pr.Out.URL = &out
				pr.Out.Host = u.Host
			},
			ErrorLog: quietLog,
		}
	}
	other, err := newOther()
	if err != nil {
		return nil, err
	}
	r.Other = other
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	r.URL = r.srv.URL
	return r, nil
}

// NewProxy starts a front for the registry at upstreamURL (http or https,
// a base URL such as "http://127.0.0.1:5000"): requests are forwarded with
// their Host header unchanged, so the registry builds its Location URLs on
// the front's host. The caller must Close it.
func NewProxy(upstreamURL string, o Options) (*Registry, error) {
	u, err := url.Parse(upstreamURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("faultreg.NewProxy: %q, want an absolute http or https URL", upstreamURL)
	}
	return New(proxyTo(u), o)
}

func proxyTo(u *url.URL) http.Handler {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.Out.Host = pr.In.Host
		},
		ErrorLog: quietLog,
	}
}

// The reverse proxies log a line for every client that goes away, which
// the hostile tests do on purpose.
var quietLog = log.New(io.Discard, "", 0)

// Start starts a front for upstream and closes it when the test ends. It
// fails the test if the front cannot start.
func Start(t testing.TB, upstream http.Handler, o Options) *Registry {
	t.Helper()
	r, err := New(upstream, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

// Front starts a front for a registry started by testreg (distv3.Start,
// dist28.Start, debianreg.Start), proxying to its URL, with its token
// endpoint served at TokenPath when it uses token auth. The front is closed
// when the test ends (before the registry, which was started earlier).
func Front(t testing.TB, reg *testreg.Registry) *Registry {
	t.Helper()
	var o Options
	if reg.Auth == testreg.AuthToken {
		o.TokenRealm = reg.Realm
	}
	r, err := NewProxy(reg.URL, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

// Close ends every stall and stops the front and its Other server. Later
// calls do nothing.
func (r *Registry) Close() {
	r.closeOne.Do(func() {
		r.srv.CloseClientConnections()
		r.kill()
		r.srv.Close()
		r.Other.close()
	})
}

// TokenURL returns the front's token endpoint, URL+TokenPath, or "" when the
// front has no TokenRealm.
func (r *Registry) TokenURL() string {
	if r.token == nil {
		return ""
	}
	return r.URL + TokenPath
}

// Add installs rule after the rules already installed and returns its
// handle. A request is answered by the fault of the first rule that fires
// for it (see Rule), else by the registry.
func (r *Registry) Add(rule Rule) *Active {
	a := &Active{Rule: rule}
	if rule.Path != "" {
		a.path = regexp.MustCompile(rule.Path)
	}
	r.mu.Lock()
	a.index = len(r.rules)
	r.rules = append(r.rules, a)
	r.mu.Unlock()
	return a
}

// Reset removes every rule and forgets the requests received.
func (r *Registry) Reset() {
	r.mu.Lock()
	r.rules = nil
	r.requests = nil
	r.mu.Unlock()
}

// Requests returns the requests the front received, in order.
func (r *Registry) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.requests)
}

func (r *Registry) serve(w http.ResponseWriter, req *http.Request) {
	steps := Classify(req)
	var fired *Active
	r.mu.Lock()
	for _, a := range r.rules {
		if a.fires(req, steps) {
			fired = a
			break
		}
	}
	seen := Request{Steps: steps, Method: req.Method, Path: req.URL.Path, RawQuery: req.URL.RawQuery,
		Authorization: req.Header.Get("Authorization"), Rule: -1}
	if fired != nil {
		seen.Rule = fired.index
	}
	r.requests = append(r.requests, seen)
	r.mu.Unlock()

	ctx, cancel := context.WithCancel(req.Context())
	defer cancel()
	defer context.AfterFunc(r.life, cancel)()
	if fired != nil {
		ctx = context.WithValue(ctx, activeKey{}, fired)
	}
	req = req.WithContext(ctx)

	next := r.next(req)
	if fired == nil {
		next.ServeHTTP(w, req)
		return
	}
	fired.Fault(&countingWriter{ResponseWriter: w, n: &fired.written}, req, next)
}

// next returns the handler that answers req when no fault does: the token
// endpoint or the registry, behind the realm rewriting.
func (r *Registry) next(req *http.Request) http.Handler {
	if r.token != nil && req.URL.Path == TokenPath {
		return r.token
	}
	if r.realm == "" {
		return r.upstream
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.upstream.ServeHTTP(&realmWriter{ResponseWriter: w, from: r.realm, to: r.URL + TokenPath}, req)
	})
}

// realmWriter rewrites the token realm in WWW-Authenticate headers.
type realmWriter struct {
	http.ResponseWriter
	from, to string
	wrote    bool
}

func (w *realmWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		h := w.Header()
		if vs := h.Values("WWW-Authenticate"); len(vs) > 0 {
			h.Del("WWW-Authenticate")
			for _, v := range vs {
				h.Add("WWW-Authenticate", strings.ReplaceAll(v, w.from, w.to))
			}
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *realmWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *realmWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *realmWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// An Active is an installed rule.
type Active struct {
	Rule

	index int
	path  *regexp.Regexp

	mu      sync.Mutex
	matched int          // requests the rule matched
	hits    int          // requests its fault answered
	written atomic.Int64 // bytes its fault wrote (headers excluded)
	stalls  atomic.Int64 // answers that stalled
}

// activeKey is the request context key of the Active whose fault
// answers the request.
type activeKey struct{}

// Stalls returns how many answers of the rule's fault have stalled so far
// (Stall: the headers and first bytes are sent, and nothing more comes).
func (a *Active) Stalls() int {
	return int(a.stalls.Load())
}

// Hits returns how many requests the rule's fault answered.
func (a *Active) Hits() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hits
}

// Written returns how many body bytes the rule's fault has written to
// clients so far (net/http's and the kernel's buffers hold some of them
// while a client has not read them yet).
func (a *Active) Written() int64 {
	return a.written.Load()
}

// countingWriter counts the body bytes written through it into n,
// hijacked connections included.
type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (w *countingWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.n.Add(int64(n))
	return n, err
}

func (w *countingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// errorBody returns a distribution error body with one entry per code.
func errorBody(codes []string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"errors":[`)
	for i, c := range codes {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"code":%q,"message":"faultreg: %s","detail":null}`, c, strings.ToLower(c))
	}
	b.WriteString("]}")
	return b.Bytes()
}
