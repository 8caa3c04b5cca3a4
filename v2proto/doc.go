// Package v2proto drives a container registry over the Docker Registry
// HTTP API v2 / OCI distribution API as real clients do, and checks every
// answer, expected failures included.
//
// A [Client] talks to one registry. Every request it sends is one exchange
// tagged with a [failures.Step]; the client's [failures.Table] says which
// status each step answers on success and which status (and error-body
// codes) an expected failure shows as at a step. A call (a method call with
// its [CallOption]s) carries at most one expected failure ([ExpectFailure]):
// the call runs as usual until a step at which the table maps the failure,
// where the registry must answer the mapped status and the call stops,
// returning nil. Another answer there, or finishing without reaching such a
// step, is an error. Without an expected failure every step must answer its
// success status.
//
// Authentication follows the registry's WWW-Authenticate challenge: every
// call starts with the ping step (GET /v2/ without credentials) and, when the
// registry answers 401, the auth step: for Bearer, a token request to the
// challenge's realm (with the call's Basic credentials, if any, and one
// scope parameter per scope); for Basic, GET /v2/ with the credentials (an
// anonymous call sends none, and a registry that refuses anonymous clients
// answers 401 there: anonymous-not-allowed). A registry that answers the
// ping with 200 gets no auth step and no credentials. Tokens are cached per
// credentials and scope set until 90% of their lifetime has passed or the
// registry answers 401 to one. A 401 later in a call is reported, never
// retried with a new token: the refusal is what a test checks. Redirects
// are followed without the Authorization header whenever they change the
// scheme or the host:port.
//
// Errors are values: [*StatusError] (an unwanted status or error code, with
// step, method, redacted path, got and want), [*ResponseError] (a wanted
// status with wrong headers or body), [*RequestError] (no answer) and
// [*MissedFailureError]. Their messages read like
//
//	GET /v2/ns/repo/manifests/latest = 401 UNAUTHORIZED, want 200 (get-manifest)
//
// Passwords, tokens, Authorization values and secret query values (such as
// distribution's _state) never reach an error text or a log line
// ([WithLogf]).
//
// Every read from the network is bounded ([MaxErrorBody], [MaxTokenBody]),
// every call honours its context, and nothing a registry sends makes the
// client panic.
package v2proto
