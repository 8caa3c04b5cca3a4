package v2proto

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/registrytest/registrytest/failures"
)

// exchange is the one function through which every request of the client
// goes. Flow methods are built on it; its contract:
//
//   - req is built with newRequest (a relative URL is resolved against the
//     registry's). exchange sends a copy of req (req itself is left as is;
//     its body is read) bound to ctx, with User-Agent set, and with
//     Authorization set to cl.authz when req has none, goes to the
//     registry's host, and step is neither Ping nor Auth.
//   - It logs one line (step, method, redacted URL, status, codes,
//     duration).
//   - What it wants: when the call expects a failure not met yet and the
//     table maps it at step, the mapped status and (when the table names
//     codes, and the request is not a HEAD) one of the mapped error-body
//     codes. Otherwise the step's success
//     status from the table, or one of also (statuses the flow accepts as
//     well and tells apart itself, such as Ping's 401).
//   - Wanted answer, no failure involved: it returns resp with its body open
//     (the caller reads at most what it needs, and closes it), stop false,
//     err nil.
//   - Wanted answer that meets the expected failure: it marks the call
//     satisfied, closes the body, and returns resp (headers and status
//     readable, Body http.NoBody), stop true, err nil. The flow then returns
//     nil at once: `if err != nil || stop { return err }`. (A flow may carry
//     on when the answer leaves something to finish, as Quay's mount-blob 202
//     does; later steps are then checked against their success statuses.)
//   - Any other answer: it reads at most MaxErrorBody bytes of the body,
//     closes it, and returns nil, false and a *StatusError.
//   - No answer: nil, false and a *RequestError (which unwraps to the
//     cause, such as context.Canceled).
//
// A flow method is then short:
//
//	func (c *Client) Tags(ctx context.Context, name string, opts ...CallOption) (tags []string, err error) {
//		cl := c.newCall("Tags", opts)
//		defer func() { err = cl.end(c, err) }()
//		if stop, err := c.begin(ctx, cl, []string{"repository:" + name + ":pull"}); err != nil || stop {
//			return nil, err
//		}
//		req, err := c.newRequest(ctx, http.MethodGet, "/v2/"+name+"/tags/list", nil)
//		if err != nil {
//			return nil, err
//		}
//		resp, stop, err := c.exchange(ctx, cl, failures.ListTags, req)
//		if err != nil || stop {
//			return nil, err
//		}
//		defer resp.Body.Close()
//		... read at most a capped body, check it (a *ResponseError when wrong) ...
//	}
func (c *Client) exchange(ctx context.Context, cl *call, step failures.Step, req *http.Request, also ...int) (resp *http.Response, stop bool, err error) {
	// A copy: the caller's request (and its headers) stay as they were.
	req = req.Clone(ctx)
	if !req.URL.IsAbs() {
		req.URL = c.base.ResolveReference(req.URL)
		req.Host = ""
	}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if c.ua != "" && req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", c.ua)
	}
	if cl.authz != "" && step != failures.Ping && step != failures.Auth &&
		req.Header.Get("Authorization") == "" && c.sameHost(req.URL) {
		req.Header.Set("Authorization", cl.authz)
	}

	var (
		exp    failures.Expectation
		mapped bool
	)
	if cl.expecting() {
		exp, mapped = c.table.Lookup(step, cl.failure)
	}
	success := c.table.Success(step)
	path := c.redactURL(req.URL)
	// What a query hides (a _state, a signature) may come back in a body.
	cl.addQuerySecrets(req.URL)

	start := time.Now()
	resp, err = c.do(ctx, cl, step, req)
	elapsed := time.Since(start).Round(time.Microsecond)
	defer c.transcribe(cl, step, req, path, resp, elapsed, &stop, &err)
	if err != nil {
		rerr := &RequestError{Step: step, Method: req.Method, Path: path, Err: err, msg: c.redactText(cl, causeText(err))}
		c.log("%s: %s %s: %s (%s)", step, req.Method, path, rerr.msg, elapsed)
		return nil, false, rerr
	}
	if resp.StatusCode == http.StatusUnauthorized && cl.token != "" && req.Header.Get("Authorization") == "Bearer "+cl.token {
		// Refused (expired, revoked, lacking a scope): the next call asks
		// for a new one. This call does not retry.
		c.forgetToken(cl.tokenKey, cl.token)
	}
	redirect := ""
	if resp.Request != nil && resp.Request.URL != nil && resp.Request.URL.String() != req.URL.String() {
		cl.addQuerySecrets(resp.Request.URL)
		redirect = ", redirected to " + c.redactURL(resp.Request.URL)
	}

	if mapped && exp.OrSuccess && (resp.StatusCode == success || slices.Contains(also, resp.StatusCode)) {
		// The table lets the step succeed: the failure may show at a
		// later step (failures.Expectation.OrSuccess).
		mapped = false
	}
	if mapped {
		body, _ := readAtMost(resp.Body, MaxErrorBody)
		resp.Body.Close()
		errs := c.redactErrors(cl, parseErrorBody(body))
		codes := codesOf(errs)
		if req.Method == http.MethodHead {
			// A HEAD answer has no body: only its status can be checked.
			exp.Codes = nil
		}
		if exp.Matches(resp.StatusCode, codes) {
			cl.satisfied = true
			c.log("%s: %s %s = %s (%s%s): %s as expected", step, req.Method, path, statusText(resp.StatusCode, codes), elapsed, redirect, cl.failure)
			resp.Body = http.NoBody
			return resp, true, nil
		}
		excerpt := c.excerpt(cl, body)
		c.log("%s: %s %s = %s (%s%s), want %s for %s: %s", step, req.Method, path, statusText(resp.StatusCode, codes), elapsed, redirect, exp, cl.failure, excerpt)
		return nil, false, &StatusError{
			Step: step, Method: req.Method, Path: path,
			Got: resp.StatusCode, Codes: codes, Errors: errs, Body: excerpt,
			Want: exp.Status, Also: exp.Also, WantCodes: exp.Codes,
			Failure: cl.failure, Mapped: true,
		}
	}

	if resp.StatusCode == success || slices.Contains(also, resp.StatusCode) {
		c.log("%s: %s %s = %d (%s%s)", step, req.Method, path, resp.StatusCode, elapsed, redirect)
		return resp, false, nil
	}

	body, _ := readAtMost(resp.Body, MaxErrorBody)
	resp.Body.Close()
	errs := c.redactErrors(cl, parseErrorBody(body))
	codes := codesOf(errs)
	excerpt := c.excerpt(cl, body)
	c.log("%s: %s %s = %s (%s%s), want %d: %s", step, req.Method, path, statusText(resp.StatusCode, codes), elapsed, redirect, success, excerpt)
	se := &StatusError{
		Step: step, Method: req.Method, Path: path,
		Got: resp.StatusCode, Codes: codes, Errors: errs, Body: excerpt,
		Want: success, Also: slices.Clone(also),
	}
	if cl.expecting() {
		se.Failure = cl.failure
		se.FailureSteps = c.table.StepsFor(cl.failure)
	}
	return nil, false, se
}

// newRequest returns a request of method to ref (see Client.url) with
// body, bound to ctx. A nil body sends none.
func (c *Client) newRequest(ctx context.Context, method, ref string, body io.Reader) (*http.Request, error) {
	u, err := c.url(ref)
	if err != nil {
		return nil, fmt.Errorf("v2proto: bad URL %q: %v", c.redactRef(ref), err)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("v2proto: %s %s: %v", method, c.redactURL(u), err)
	}
	return req, nil
}

// completedLocation returns the Location of a 201 that completed an upload
// (of a blob or a manifest) as location does. An answer without one breaks
// a MUST, but the client knows the digest it pushed and the content's
// canonical URL: completedLocation returns "" and appends the lapse to
// *tolerated (What "Location", Got `""`, Want wantText) for the scenario
// that owns the requirement. A Location that is there but wrong is an
// error.
func (c *Client) completedLocation(cl *call, step failures.Step, resp *http.Response, wantText string, tolerated *[]*ResponseError) (string, error) {
	if resp.Header.Get("Location") == "" {
		*tolerated = append(*tolerated, c.respError(cl, step, resp.Request, resp, "Location", `""`, wantText).(*ResponseError))
		return "", nil
	}
	loc, err := c.location(cl, step, resp)
	if err != nil {
		return "", err
	}
	return loc.String(), nil
}

// location returns the Location header of resp resolved against the URL
// of the request that got resp (a registry may send a relative one), or a
// *ResponseError when it is missing, not a URL, not an http or https URL
// with a host, or an http URL from an https registry (a downgrade). It may
// name another host than the registry's: exchange sends no credentials
// there.
func (c *Client) location(cl *call, step failures.Step, resp *http.Response) (*url.URL, error) {
	if resp.Request == nil || resp.Request.URL == nil {
		return nil, fmt.Errorf("v2proto: location: a response without its request (%s)", step)
	}
	loc := resp.Header.Get("Location")
	rerr := func(want string) error {
		return &ResponseError{Step: step, Method: resp.Request.Method, Path: c.redactURL(resp.Request.URL),
			Status: resp.StatusCode, What: "Location", Got: clip(c.redactText(cl, c.redactRef(loc)), maxShown), Want: want}
	}
	if loc == "" {
		return nil, rerr("a URL")
	}
	u, err := url.Parse(loc)
	if err != nil {
		return nil, rerr("a URL")
	}
	u = resp.Request.URL.ResolveReference(u)
	switch {
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return nil, rerr("an http or https URL")
	case c.base.Scheme == "https" && u.Scheme != "https":
		return nil, rerr("an https URL (the registry is https)")
	}
	return u, nil
}

func (c *Client) log(format string, args ...any) {
	if c.logf != nil {
		c.logf(format, args...)
	}
}

// statusText returns status and codes as a log line shows them (as
// StatusError does).
func statusText(status int, codes []string) string {
	var b strings.Builder
	fmt.Fprint(&b, status)
	for i, c := range codes {
		if i == maxCodesShown {
			fmt.Fprintf(&b, " (and %d more codes)", len(codes)-i)
			break
		}
		b.WriteString(" " + showCode(c))
	}
	return b.String()
}

// readAtMost reads r until EOF or max bytes, whichever comes first. It
// reports whether r held more.
func readAtMost(r io.Reader, max int64) ([]byte, bool) {
	b, _ := io.ReadAll(io.LimitReader(r, max+1))
	if int64(len(b)) > max {
		return b[:max], true
	}
	return b, false
}

// safeQuery are the query parameters whose values never carry secrets and
// help reading a log: everything else (_state, signatures of redirect
// URLs, ...) is redacted.
var safeQuery = map[string]bool{
	"digest": true, "mount": true, "from": true, "n": true, "last": true,
	"service": true, "scope": true, "account": true, "artifactType": true,
}

// redactURL returns the path and query of u, with the values of query
// parameters not in safeQuery replaced by REDACTED; scheme and host lead it
// when u is not on the registry's host. User info is never shown. A result
// longer than 1 KiB is cut there and ends with "...".
func (c *Client) redactURL(u *url.URL) string {
	var b strings.Builder
	if !c.sameHost(u) {
		b.WriteString(u.Scheme + "://" + u.Host)
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	b.WriteString(p)
	if u.RawQuery != "" || u.ForceQuery {
		b.WriteString("?" + redactQuery(u.RawQuery))
	}
	// A registry chooses the URLs of Links and Locations: keep what an
	// error or a log line shows of one bounded.
	return cutText(b.String(), maxPathShown)
}

// maxPathShown is how many bytes of a URL redactURL shows.
const maxPathShown = 1 << 10

// redactRef redacts a URL reference given as text (which may not parse).
func (c *Client) redactRef(ref string) string {
	if u, err := url.Parse(ref); err == nil {
		if u.IsAbs() || u.Host != "" || strings.HasPrefix(ref, "/") {
			return c.redactURL(c.base.ResolveReference(u))
		}
	}
	if i := strings.IndexAny(ref, "?#"); i >= 0 {
		return ref[:i] + "?REDACTED"
	}
	return ref
}

func redactQuery(q string) string {
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, _, hasValue := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if !hasValue {
			if !safeQuery[name] && k != "" {
				parts[i] = "REDACTED"
			}
			continue
		}
		if !safeQuery[name] {
			parts[i] = k + "=REDACTED"
		}
	}
	return strings.Join(parts, "&")
}

// redactText replaces every secret of the call (password, Basic
// credentials, tokens, hidden query values) in s by REDACTED.
func (c *Client) redactText(cl *call, s string) string {
	// Longest first, so that no part of a secret that holds another is
	// left.
	secrets := slices.Clone(cl.secrets)
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	for _, sec := range secrets {
		s = strings.ReplaceAll(s, sec, "REDACTED")
	}
	return s
}

// excerpt returns the start of body as text for an error or a log line:
// at most MaxBodyExcerpt bytes, valid UTF-8, secrets redacted.
func (c *Client) excerpt(cl *call, body []byte) string {
	// Redact before cutting, so that a secret straddling the cut is not
	// left half visible.
	s := c.redactText(cl, string(body))
	if len(s) > MaxBodyExcerpt {
		cut := MaxBodyExcerpt
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func (c *Client) redactErrors(cl *call, errs []RegistryError) []RegistryError {
	for i := range errs {
		errs[i].Code = c.redactText(cl, errs[i].Code)
		errs[i].Message = c.redactText(cl, errs[i].Message)
		if d := c.redactText(cl, string(errs[i].Detail)); d != string(errs[i].Detail) {
			errs[i].Detail = []byte(`"REDACTED"`)
		}
	}
	return errs
}

// causeText returns the text of an http.Client error without the URL that
// *url.Error puts in it (the caller shows the redacted path itself).
// Query strings of URLs that the cause quotes (a redirect's Location, for
// one) are redacted as redactURL does.
func causeText(err error) string {
	var ue *url.Error
	text := err.Error()
	if errors.As(err, &ue) && ue.Err != nil {
		text = ue.Err.Error()
	}
	return redactQueriesInText(text)
}

// maxCause is how many bytes of a transport error's text a RequestError
// keeps: net/http quotes what it could not parse, which a hostile registry
// can make megabytes long.
const maxCause = 1 << 10

// cutText returns s cut to its first n bytes (at a rune boundary),
// followed by "..." when it was longer.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// redactQueriesInText redacts, as redactQuery does, every query string in
// s: the text after a '?' up to white space, a quote or a closing bracket.
func redactQueriesInText(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '?')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+1])
		s = s[i+1:]
		end := strings.IndexAny(s, " \t\r\n\"'`<>()[]{}")
		if end < 0 {
			end = len(s)
		}
		b.WriteString(redactQuery(s[:end]))
		s = s[end:]
	}
}
