package v2proto

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/registrytest/registrytest/failures"
)

// A ScopeGrammar is the grammar of the token scopes a registry's token
// server understands: it decides the default scopes a call asks for. The
// scopes a call gives with WithScopes are sent as written, whatever the
// grammar.
//
// Whatever the grammar, the registry has the last word: when a call that
// asked its default scopes gets a 401 whose Bearer challenge names a scope
// the call's token was not asked for (at most 8 of them), the call asks
// the token server for its scopes and those, and sends the request again,
// once (a request whose body cannot be sent again, and a call that expects
// a failure, keep the 401). A token server that refuses the scopes asked
// is reported as a *ScopeError.
type ScopeGrammar int

const (
	// ScopesDistribution is the grammar of distribution's token
	// specification (docs/spec/auth/scope.md): the actions pull, push and
	// delete, and the resource type registry for the catalog. Delete and
	// DeleteBlob ask repository:<name>:pull,delete, a push that cancels
	// its upload adds delete, the catalog asks registry:catalog:*. It is
	// the default of a client whose table is not failures.Quay.
	ScopesDistribution ScopeGrammar = iota
	// ScopesQuay is Quay's grammar (endpoints/v2/v2auth.py: actions push,
	// pull and *, resource type repository only), which answers 400 to any
	// other scope. It is the default of a client whose table is
	// failures.Quay. The default scopes are those of Quay's own test client
	// (protocol_v2.py): a default repository scope whose actions include
	// delete asks repository:<name>:* instead, and the catalog asks no
	// scope.
	ScopesQuay
)

// String returns "distribution" or "quay".
func (g ScopeGrammar) String() string {
	switch g {
	case ScopesDistribution:
		return "distribution"
	case ScopesQuay:
		return "quay"
	}
	return fmt.Sprintf("ScopeGrammar(%d)", int(g))
}

// WithScopeGrammar makes the client ask for default token scopes in
// grammar g (see ScopeGrammar). The default follows the client's table:
// ScopesQuay with failures.Quay (WithTable), ScopesDistribution
// otherwise.
func WithScopeGrammar(g ScopeGrammar) Option {
	return func(c *Client) { c.scopeGrammar, c.scopeGrammarSet = g, true }
}

// catalogScope is the default scope of the catalog in distribution's
// grammar.
const catalogScope = "registry:catalog:*"

// catalogScopes returns the default scopes of the catalog (before the
// grammar applies).
func (c *Client) catalogScopes() []string { return []string{catalogScope} }

// CatalogScopes returns the token scopes the client asks for a catalog
// listing, in its grammar (see ScopeGrammar): registry:catalog:* in
// distribution's, none in Quay's. A caller that takes a token for the
// catalog itself (Token, or Exchange with WithScopes) passes these.
func (c *Client) CatalogScopes() []string { return c.defaultScopes(c.catalogScopes()) }

// defaultScopes returns the default scopes of a call, written in
// distribution's grammar, in the client's grammar.
func (c *Client) defaultScopes(scopes []string) []string {
	if c.scopeGrammar != ScopesQuay {
		return scopes
	}
	var out []string
	for _, s := range scopes {
		typ, rest, ok := strings.Cut(s, ":")
		if !ok {
			out = append(out, s)
			continue
		}
		if typ == "registry" {
			// Quay knows no registry resource: its client asks the
			// catalog without a scope.
			continue
		}
		i := strings.LastIndexByte(rest, ':')
		if typ == "repository" && i >= 0 && slices.Contains(strings.Split(rest[i+1:], ","), "delete") {
			s = "repository:" + rest[:i] + ":*"
			if slices.Contains(strings.Split(rest[i+1:], ","), "push") {
				// A push that may cancel its uploads: Quay answers * alone
				// on a repository that does not exist yet with 500, and
				// push,pull,* with the grant.
				s = "repository:" + rest[:i] + ":push,pull,*"
			}
		}
		out = append(out, s)
	}
	return out
}

// A ScopeError reports that the token server refused a token request
// for its scopes: the registry does not understand or does not grant
// them, which is a matter of the scopes asked (see WithScopes and
// WithScopeGrammar), not of the step the call was going to take. The
// token request of a call's start (its default scopes, or WithScopes)
// returns it as it is; the token request for the scope of a 401's
// challenge returns it as the cause
// of that step's *RequestError.
type ScopeError struct {
	// Scopes are the scopes of the refused token request (each cut at 200
	// bytes, the call's secrets replaced by REDACTED).
	Scopes []string
	// Err is the token server's answer (the auth step's *StatusError).
	Err *StatusError
}

// Error returns "v2proto: the token request for scope X was refused:
// <the StatusError>".
func (e *ScopeError) Error() string {
	what := "scope " + strings.Join(e.Scopes, " ")
	if len(e.Scopes) > 1 {
		what = "scopes " + strings.Join(e.Scopes, " ")
	}
	return fmt.Sprintf("v2proto: the token request for %s was refused: %v", what, e.Err)
}

// Unwrap returns Err.
func (e *ScopeError) Unwrap() error { return e.Err }

// scopeRefused returns err as a *ScopeError when it is the token server's
// refusal of scopes: a 400 (the scope's grammar), or a 401 or 403 when the
// same credentials get a token without any scope (checked by one more
// token request, outside the call's steps). Otherwise it returns err.
func (c *Client) scopeRefused(ctx context.Context, cl *call, tokenReq *http.Request, scopes []string, err error) error {
	var se *StatusError
	if len(scopes) == 0 || !errors.As(err, &se) || se.Step != failures.Auth || se.Mapped {
		return err
	}
	switch se.Got {
	case http.StatusBadRequest:
	case http.StatusUnauthorized, http.StatusForbidden:
		probe := tokenReq.Clone(ctx)
		q := probe.URL.Query()
		q.Del("scope")
		probe.URL.RawQuery = q.Encode()
		resp, perr := c.hc.Do(probe)
		if perr != nil {
			return err
		}
		drain(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return err // the credentials, not the scopes
		}
	default:
		return err
	}
	shown := make([]string, len(scopes))
	for i, s := range scopes {
		shown[i] = c.redactText(cl, clipText(s))
	}
	return &ScopeError{Scopes: shown, Err: se}
}

// A challenge's scopes are followed only when there are at most
// maxChallengeScopes new ones, each of at most maxChallengeScope bytes: a
// registry cannot make the client send a token request of any size.
const (
	maxChallengeScopes = 8
	maxChallengeScope  = 1024
)

// do sends req, one request of exchange for step. When the registry
// answers 401 with a Bearer challenge that names a scope the call's token
// was not asked for, do asks the token server for that scope, as the
// registry says (the token spec: "the client should then ... request a
// token with the scope in the challenge"), and sends req again once with
// the new token. It does so only for a call that authenticated with a
// Bearer token for its default scopes (WithScopes sends exactly what it
// names), when the call's expected failure is not mapped at step (an
// expected refusal is judged as it came), and when req's body can be sent
// again. The token request goes to the realm of the call's first
// challenge (the ping's), not to one a 401 names. A refusal of that token
// request is returned as a *ScopeError, which the step's *RequestError
// unwraps to (errors.As finds it).
func (c *Client) do(ctx context.Context, cl *call, step failures.Step, req *http.Request) (*http.Response, error) {
	resp, err := c.hc.Do(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || cl.token == "" || cl.scopesSet || cl.challenge == nil ||
		step == failures.Ping || step == failures.Auth || !c.sameHost(req.URL) ||
		req.Header.Get("Authorization") != "Bearer "+cl.token {
		return resp, err
	}
	if cl.expecting() {
		// A call that expects a failure judges the answers as they come.
		return resp, err
	}
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return resp, err
	}
	chs, perr := ParseChallenges(resp.Header.Values("WWW-Authenticate"))
	if perr != nil {
		return resp, err
	}
	var want []string
	for _, ch := range chs {
		if ch.Is("Bearer") {
			for _, s := range strings.Fields(ch.Param("scope")) {
				if len(s) > maxChallengeScope {
					return resp, err
				}
				if !slices.Contains(cl.asked, s) {
					want = append(want, s)
				}
			}
			break
		}
	}
	if len(want) == 0 || len(want) > maxChallengeScopes {
		return resp, err
	}
	again := req.Clone(ctx)
	again.Body = nil
	if req.GetBody != nil {
		body, berr := req.GetBody()
		if berr != nil {
			return resp, err
		}
		again.Body = body
	}
	scopes := append(slices.Clone(cl.asked), want...)
	c.log("%s: %s %s = 401 with a challenge for %s: asking a token for it", step, req.Method, c.redactURL(req.URL), c.redactText(cl, clipText(strings.Join(want, " "))))
	tok, stop, terr := c.bearerToken(ctx, cl, cl.challenge, scopes)
	var scopeErr *ScopeError
	if errors.As(terr, &scopeErr) {
		drain(resp.Body)
		return nil, terr
	}
	if terr != nil || stop {
		// Not a refusal of the scope: the 401 stands.
		return resp, err
	}
	drain(resp.Body)
	c.forgetToken(cl.tokenKey, cl.token)
	cl.token, cl.authz, cl.asked = tok, "Bearer "+tok, scopes
	again.Header.Set("Authorization", cl.authz)
	resp, err = c.hc.Do(again)
	if err == nil && resp.StatusCode == http.StatusUnauthorized {
		// Refused even so: the next call asks for a new token.
		c.forgetToken(cl.tokenKey, cl.token)
	}
	return resp, err
}
