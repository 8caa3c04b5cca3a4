package v2proto

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/registrytest/registrytest/failures"
)

// APIVersion is the value of the Docker-Distribution-API-Version header
// that Ping accepts when the registry sends the header.
const APIVersion = "registry/2.0"

// DefaultTokenLifetime is how long a Bearer token is used when the token
// server's answer has no expires_in (the token spec's default).
const DefaultTokenLifetime = 60 * time.Second

// A PingResult is what Ping learnt about the registry.
type PingResult struct {
	// Status is the answer's status: 200, or 401 when the registry wants
	// credentials.
	Status int
	// APIVersion is the Docker-Distribution-API-Version header, "" when
	// the registry sent none.
	APIVersion string
	// Challenges are the parsed WWW-Authenticate challenges of a 401
	// answer, nil for a 200.
	Challenges []Challenge
}

// Auth returns the challenge the client follows: the first Bearer
// challenge, else the first Basic one, or nil when there is none (the
// registry needs no credentials).
func (p *PingResult) Auth() *Challenge {
	if p == nil {
		return nil
	}
	for _, scheme := range []string{"Bearer", "Basic"} {
		for i := range p.Challenges {
			if p.Challenges[i].Is(scheme) {
				return &p.Challenges[i]
			}
		}
	}
	return nil
}

// Ping sends GET /v2/ without credentials (the ping step) and returns what
// it learnt. The registry must answer 200, or 401 with a Bearer or Basic
// challenge (a Bearer one with an absolute http or https realm); a
// Docker-Distribution-API-Version header, when present, must be
// registry/2.0 (the header is OPTIONAL: a registry without it is
// accepted). Otherwise Ping returns a *StatusError or a *ResponseError. When the call's expected
// failure is met at the ping step (only a custom table maps one there),
// Ping returns nil, nil.
func (c *Client) Ping(ctx context.Context, opts ...CallOption) (*PingResult, error) {
	cl := c.newCall("Ping", opts)
	p, _, err := c.ping(ctx, cl)
	if err = cl.end(c, err); err != nil {
		return nil, err
	}
	return p, nil
}

// Token runs the ping and auth steps for scopes (WithScopes is ignored)
// and returns the Bearer token the registry's token server granted, which
// holds what was granted (in a JWT, the access claim). It returns "" when
// the registry does not challenge with Bearer (Basic, or no auth: the auth
// step is then GET /v2/ with the credentials, or nothing), and "", nil when
// the call's expected failure is met on the way. Tokens are cached per
// credentials and scope set until 90% of their lifetime has passed, or
// until the registry answers 401 to a request that carries one, except in
// calls that expect a failure, which always ask the token server.
func (c *Client) Token(ctx context.Context, scopes []string, opts ...CallOption) (string, error) {
	cl := c.newCall("Token", opts)
	p, stop, err := c.ping(ctx, cl)
	if err == nil && !stop {
		_, err = c.authenticate(ctx, cl, p, scopes)
	}
	if err = cl.end(c, err); err != nil {
		return "", err
	}
	return cl.token, nil
}

// Exchange sends req as one exchange of step, on a call of its own: it
// pings and authenticates (scopes from WithScopes, none by default), sends
// a copy of req with User-Agent and the call's Authorization (unless req
// has one), and judges the answer as the flows do (see ExpectFailure). A
// req with a relative URL ("/v2/ns/repo/manifests/latest") is resolved
// against the registry's URL. req's headers are left as they were; its
// body, if any, is consumed.
//
// On the step's success status Exchange returns the response with its body
// open: the caller reads and closes it. When the call's expected failure is
// met at step, it returns the response with its body already read and
// closed (http.NoBody), and when it is met before req is sent (at ping or
// auth), nil, nil. Every other outcome is an error: *StatusError,
// *ResponseError, *RequestError or *MissedFailureError.
func (c *Client) Exchange(ctx context.Context, step failures.Step, req *http.Request, opts ...CallOption) (*http.Response, error) {
	cl := c.newCall("Exchange", opts)
	stop, err := c.begin(ctx, cl, nil)
	if err != nil || stop {
		return nil, cl.end(c, err)
	}
	resp, _, err := c.exchange(ctx, cl, step, req)
	if err != nil {
		return nil, err
	}
	if err := cl.end(c, nil); err != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp, nil
}

// begin starts a flow: the ping step, then the auth step for the call's
// scopes (WithScopes, else defaults, written in distribution's grammar and
// translated to the client's, see WithScopeGrammar), which sets cl.authz
// and cl.token. A token request refused for its scopes is a *ScopeError.
// stop and err are as exchange returns them.
func (c *Client) begin(ctx context.Context, cl *call, defaults []string) (stop bool, err error) {
	p, stop, err := c.ping(ctx, cl)
	if err != nil || stop {
		return stop, err
	}
	scopes := cl.scopesOr(c.defaultScopes(defaults))
	if len(defaults) > 0 && len(scopes) == 0 && !cl.hasCreds && p.Auth() != nil && p.Auth().Is("Bearer") {
		// The grammar has no scope for the call (Quay's: the catalog) and
		// there is no one to ask as: Quay answers that token request 401,
		// and its own client sends the request without a token.
		return false, nil
	}
	return c.authenticate(ctx, cl, p, scopes)
}

// ping runs the ping step. It is the first step of every call: a call
// whose options are wrong (cl.optErr) stops there, before any request.
func (c *Client) ping(ctx context.Context, cl *call) (*PingResult, bool, error) {
	if cl.optErr != nil {
		return nil, false, cl.optErr
	}
	req, err := c.newRequest(ctx, http.MethodGet, "/v2/", nil)
	if err != nil {
		return nil, false, err
	}
	resp, stop, err := c.exchange(ctx, cl, failures.Ping, req, http.StatusUnauthorized)
	if err != nil || stop {
		return nil, stop, err
	}
	drain(resp.Body)
	p := &PingResult{Status: resp.StatusCode, APIVersion: resp.Header.Get("Docker-Distribution-API-Version")}
	rerr := func(what, got, want string) error {
		return &ResponseError{Step: failures.Ping, Method: req.Method, Path: c.redactURL(req.URL),
			Status: resp.StatusCode, What: what, Got: got, Want: want}
	}
	// OCI distribution spec v1.1.1, "Legacy Docker support HTTP headers":
	// "the client MAY encounter Docker-specific headers, such as
	// `Docker-Content-Digest`, or `Docker-Distribution-API-Version`. These
	// headers are OPTIONAL and clients SHOULD NOT depend on them." Checked
	// when present, not required.
	if _, sent := resp.Header["Docker-Distribution-Api-Version"]; sent && p.APIVersion != APIVersion {
		return nil, false, rerr("Docker-Distribution-API-Version", clip(c.redactText(cl, p.APIVersion), maxShown), fmt.Sprintf("%q", APIVersion))
	}
	if resp.StatusCode != http.StatusUnauthorized {
		return p, false, nil
	}
	values := resp.Header.Values("WWW-Authenticate")
	got := clip(c.redactText(cl, strings.Join(values, ", ")), maxShown)
	chs, err := ParseChallenges(values)
	if err != nil {
		return nil, false, rerr("WWW-Authenticate", got, "challenges per RFC 7235 ("+err.Error()+")")
	}
	p.Challenges = chs
	ch := p.Auth()
	if ch == nil {
		return nil, false, rerr("WWW-Authenticate", got, "a Bearer or Basic challenge")
	}
	if ch.Is("Bearer") {
		u, err := url.Parse(ch.Param("realm"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, false, rerr("WWW-Authenticate", got, "a Bearer challenge with an http or https realm")
		}
		// The realm may be on any host (a token server of its own is the
		// rule), but credentials never go in clear text because an https
		// registry said so.
		if c.base.Scheme == "https" && u.Scheme != "https" {
			return nil, false, rerr("WWW-Authenticate", got, "a Bearer challenge with an https realm (the registry is https)")
		}
	}
	return p, false, nil
}

// authenticate runs the auth step that p's challenge asks for, for scopes.
func (c *Client) authenticate(ctx context.Context, cl *call, p *PingResult, scopes []string) (bool, error) {
	ch := p.Auth()
	switch {
	case ch == nil:
		// The registry needs no credentials: there is no auth step.
		return false, nil
	case ch.Is("Basic"):
		req, err := c.newRequest(ctx, http.MethodGet, "/v2/", nil)
		if err != nil {
			return false, err
		}
		if cl.hasCreds {
			req.Header.Set("Authorization", basicValue(cl.user, cl.password))
		}
		resp, stop, err := c.exchange(ctx, cl, failures.Auth, req)
		if err != nil || stop {
			return stop, err
		}
		drain(resp.Body)
		if cl.hasCreds {
			cl.authz = basicValue(cl.user, cl.password)
		}
		return false, nil
	default:
		tok, stop, err := c.bearerToken(ctx, cl, ch, scopes)
		if err != nil || stop {
			return stop, err
		}
		cl.token = tok
		cl.authz = "Bearer " + tok
		cl.challenge, cl.asked = ch, slices.Clone(scopes)
		return false, nil
	}
}

type tokenKey struct {
	realm, service string
	hasCreds       bool
	user           string
	password       [sha256.Size]byte
	scopes         string
}

type cachedToken struct {
	token   string
	expires time.Time // when the client stops using it
}

// normalizeScopes returns scopes sorted without duplicates or empty
// strings, as a cache key part.
func normalizeScopes(scopes []string) string {
	s := slices.Clone(scopes)
	slices.Sort(s)
	s = slices.Compact(s)
	s = slices.DeleteFunc(s, func(x string) bool { return x == "" })
	return strings.Join(s, "\n")
}

// bearerToken runs the auth step of a Bearer challenge: GET of the realm
// with service, one scope parameter per scope, and account (with Basic
// credentials when the call has them).
func (c *Client) bearerToken(ctx context.Context, cl *call, ch *Challenge, scopes []string) (string, bool, error) {
	realm, service := ch.Param("realm"), ch.Param("service")
	key := tokenKey{realm: realm, service: service, hasCreds: cl.hasCreds, scopes: normalizeScopes(scopes)}
	if cl.hasCreds {
		key.user = cl.user
		key.password = sha256.Sum256([]byte(cl.password))
	}
	if !cl.expecting() {
		c.mu.Lock()
		ct, ok := c.tokens[key]
		c.mu.Unlock()
		if ok && c.now().Before(ct.expires) {
			cl.addSecret(ct.token)
			cl.tokenKey = &key
			return ct.token, false, nil
		}
	}

	u, err := url.Parse(realm)
	if err != nil {
		return "", false, fmt.Errorf("v2proto: Bearer realm %q: %v", realm, err)
	}
	q := u.Query()
	if service != "" {
		q.Set("service", service)
	}
	for _, s := range scopes {
		if s != "" {
			q.Add("scope", s)
		}
	}
	if cl.hasCreds && cl.user != "" {
		q.Set("account", cl.user)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", false, fmt.Errorf("v2proto: GET %s: %v", c.redactURL(u), err)
	}
	if cl.hasCreds {
		req.Header.Set("Authorization", basicValue(cl.user, cl.password))
	}
	issued := c.now()
	resp, stop, err := c.exchange(ctx, cl, failures.Auth, req)
	if err != nil {
		return "", false, c.scopeRefused(ctx, cl, req, scopes, err)
	}
	if stop {
		return "", true, nil
	}
	defer resp.Body.Close()
	rerr := func(got, want string) error {
		return &ResponseError{Step: failures.Auth, Method: req.Method, Path: c.redactURL(req.URL),
			Status: resp.StatusCode, What: "token response", Got: got, Want: want}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxTokenBody+1))
	if err != nil {
		// A body cut short or stalled until the context ended: no answer.
		return "", false, &RequestError{Step: failures.Auth, Method: req.Method, Path: c.redactURL(req.URL), Err: err,
			msg: "reading the token response: " + c.redactText(cl, causeText(err))}
	}
	if len(body) > MaxTokenBody {
		return "", false, rerr(fmt.Sprintf("more than %d bytes", MaxTokenBody), "a token response")
	}
	ta, got, want, ok := parseTokenAnswer(body)
	// Secrets first, so that nothing below can show them.
	for _, sec := range ta.secrets {
		cl.addSecret(sec)
	}
	if !ok {
		return "", false, rerr(got, want)
	}
	token, lifetime := ta.token, ta.lifetime
	c.mu.Lock()
	c.tokens[key] = cachedToken{token: token, expires: issued.Add(lifetime - lifetime/10)}
	c.mu.Unlock()
	cl.tokenKey = &key
	return token, false, nil
}

// A tokenAnswer is a token server's answer to a token request, parsed.
type tokenAnswer struct {
	// token is the "token" member, else "access_token".
	token string
	// secrets are the strings of the token, access_token and
	// refresh_token members, whatever else was wrong.
	secrets []string
	// lifetime is expires_in (clamped to a year), or DefaultTokenLifetime
	// when it is absent, null or 0.
	lifetime time.Duration
}

// maxTokenLifetime is the longest lifetime a token answer may claim.
const maxTokenLifetime = 365 * 24 * time.Hour

// parseTokenAnswer parses the body of a token server's 200 answer
// ({"token": "...", "access_token": "...", "expires_in": seconds, ...}).
// When the answer is not fit to use, ok is false and got and want say why,
// as a ResponseError shows them (after "token response"); the part of got
// taken from the answer (an expires_in number) never holds its secrets.
func parseTokenAnswer(body []byte) (ta tokenAnswer, got, want string, ok bool) {
	var tr struct {
		Token        json.RawMessage `json:"token"`
		AccessToken  json.RawMessage `json:"access_token"`
		RefreshToken json.RawMessage `json:"refresh_token"`
		ExpiresIn    json.RawMessage `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tr); err != nil {
		return ta, "that is not a JSON object", `{"token": "..."}`, false
	}
	var token, access, refresh string
	for _, f := range []struct {
		raw json.RawMessage
		dst *string
	}{{tr.Token, &token}, {tr.AccessToken, &access}, {tr.RefreshToken, &refresh}} {
		if json.Unmarshal(f.raw, f.dst) == nil && *f.dst != "" {
			ta.secrets = append(ta.secrets, *f.dst)
		}
	}
	if token == "" {
		token = access
	}
	if token == "" {
		return ta, `with no "token" or "access_token" string`, "a token", false
	}
	if strings.ContainsFunc(token, func(r rune) bool { return r < 0x21 || r == 0x7f }) {
		return ta, "with a token holding spaces or control characters", "a token fit for an Authorization header", false
	}
	ta.token, ta.lifetime = token, DefaultTokenLifetime
	raw := strings.TrimSpace(string(tr.ExpiresIn))
	if raw == "" || raw == "null" {
		return ta, "", "", true
	}
	var secs float64
	if json.Unmarshal(tr.ExpiresIn, &secs) != nil || secs < 0 || math.IsNaN(secs) {
		// A number is shown; anything else only by its kind, since it may
		// hold a secret.
		shown := "of another JSON type"
		switch raw[0] {
		case '"':
			shown = "a string"
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			shown = clip(raw, 40)
			for _, sec := range ta.secrets {
				if strings.Contains(shown, sec) {
					shown = "a number" // that holds a secret, however unlikely
				}
			}
		}
		return tokenAnswer{secrets: ta.secrets}, "with expires_in " + shown, "a number of seconds", false
	}
	if secs > 0 {
		ta.lifetime = time.Duration(math.Min(secs, maxTokenLifetime.Seconds()) * float64(time.Second))
	}
	return ta, "", "", true
}

// forgetToken drops tok from the token cache (key), when it is still
// there: the registry refused it.
func (c *Client) forgetToken(key *tokenKey, tok string) {
	if key == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ct, ok := c.tokens[*key]; ok && ct.token == tok {
		delete(c.tokens, *key)
	}
}

// maxShown is how many bytes of a header value an error quotes.
const maxShown = 256

// clip quotes s, cut to its first n bytes (followed by "...") when longer.
func clip(s string, n int) string {
	if len(s) > n {
		return fmt.Sprintf("%q...", s[:n])
	}
	return fmt.Sprintf("%q", s)
}

// drain reads a little of body, so that the connection may be reused, and
// closes it.
func drain(body io.ReadCloser) {
	io.Copy(io.Discard, io.LimitReader(body, 4<<10))
	body.Close()
}
