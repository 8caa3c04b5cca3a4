package v2proto

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/registrytest/registrytest/failures"
)

// Size caps of what the client reads from a registry outside the flows'
// own bodies.
const (
	// MaxErrorBody is how much of an error body the client reads to find
	// its codes; the rest is not read.
	MaxErrorBody = 64 << 10
	// MaxBodyExcerpt is how much of an error body an error or a log line
	// keeps.
	MaxBodyExcerpt = 1 << 10
	// MaxTokenBody is how much of a token server's answer the client reads.
	MaxTokenBody = 1 << 20
)

// A RegistryError is one entry of an error body,
// {"errors":[{"code":"...","message":"...","detail":...}]}, as the
// distribution spec defines it.
type RegistryError struct {
	Code    string
	Message string
	// Detail is the raw JSON of the entry's detail (any JSON value), nil
	// when absent.
	Detail json.RawMessage
}

// parseErrorBody returns the entries of an error body, or nil when b is not
// one. Entries whose fields have other JSON types than the spec's are
// kept with those fields empty.
func parseErrorBody(b []byte) []RegistryError {
	var body struct {
		Errors []json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(b, &body) != nil {
		return nil
	}
	var out []RegistryError
	for _, raw := range body.Errors {
		var fields map[string]json.RawMessage
		if json.Unmarshal(raw, &fields) != nil {
			continue
		}
		var e RegistryError
		// Keys are matched exactly, as the spec writes them.
		_ = json.Unmarshal(fields["code"], &e.Code)
		_ = json.Unmarshal(fields["message"], &e.Message)
		if d, ok := fields["detail"]; ok && string(d) != "null" {
			e.Detail = d
		}
		out = append(out, e)
	}
	return out
}

func codesOf(errs []RegistryError) []string {
	var codes []string
	for _, e := range errs {
		if e.Code != "" {
			codes = append(codes, e.Code)
		}
	}
	return codes
}

// A StatusError reports an answer whose status (or error-body code) is not
// the one the step wanted. Its message has the form
//
//	GET /v2/ns/repo/manifests/latest = 401 UNAUTHORIZED, want 200 (get-manifest)
//
// with the codes of the answer's error body after its status (at most 8,
// each quoted and cut to 64 bytes when it holds other characters than
// letters, digits, '_', '.' and '-'). When the
// call's expected failure is mapped at the step, the want names it and its
// codes, any one of which would do:
//
//	GET /v2/ns/repo/manifests/latest = 200, want 404 MANIFEST_UNKNOWN for unknown-tag (get-manifest)
//
// When the call expects a failure that the table maps at other steps only,
// the step's success status was wanted and the message says where the
// failure was expected:
//
//	POST /v2/ns/repo/blobs/uploads/ = 401 UNAUTHORIZED, want 202 (start-upload; read-only expected at put-manifest)
type StatusError struct {
	Step   failures.Step
	Method string
	// Path is the request's path and query, with the values of query
	// parameters that may carry secrets (such as _state) replaced by
	// REDACTED; the scheme and host lead it when the request went to
	// another host than the registry (a token server). A Path longer than
	// 1 KiB is cut there and ends with "...".
	Path string
	// Got is the answer's status; Codes the codes of its error body, in
	// order; Errors the parsed error body (nil when it was none).
	Got    int
	Codes  []string
	Errors []RegistryError
	// Body is the start of the answer's body (at most MaxBodyExcerpt
	// bytes), with the call's secrets replaced by REDACTED.
	Body string
	// Want is the status the step wanted; WantCodes the error-body codes
	// of which one was wanted (empty: any); Also other statuses the step
	// would have accepted.
	Want      int
	WantCodes []string
	Also      []int
	// Failure is the call's expected failure when it was not met yet, ""
	// otherwise. Mapped reports whether Want came from the table's entry
	// for Failure at Step; when it did not, FailureSteps lists the steps
	// at which the table maps Failure.
	Failure      failures.Failure
	Mapped       bool
	FailureSteps []failures.Step
	// Option names the call option that made the step want Want (such
	// as "BlobChecks.Head HeadWantAbsent" for a blob-head-check that must
	// answer 404), "" when the step's default did; the message shows it
	// after the step: "(blob-head-check, BlobChecks.Head HeadWantAbsent)".
	Option string
}

// Error returns the message in the form shown in the type's comment.
func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s = %d", e.Method, e.Path, e.Got)
	for i, c := range e.Codes {
		if i == maxCodesShown {
			fmt.Fprintf(&b, " (and %d more codes)", len(e.Codes)-i)
			break
		}
		b.WriteString(" " + showCode(c))
	}
	fmt.Fprintf(&b, ", want %d", e.Want)
	for _, s := range e.Also {
		fmt.Fprintf(&b, " or %d", s)
	}
	if len(e.WantCodes) > 0 {
		b.WriteString(" " + strings.Join(e.WantCodes, " or "))
	}
	switch {
	case e.Failure != "" && e.Mapped:
		fmt.Fprintf(&b, " for %s (%s)", e.Failure, e.Step)
	case e.Failure != "" && len(e.FailureSteps) > 0:
		fmt.Fprintf(&b, " (%s; %s expected at %s)", e.Step, e.Failure, joinSteps(e.FailureSteps, " or "))
	case e.Failure != "":
		fmt.Fprintf(&b, " (%s; %s expected, but the table maps it at no step)", e.Step, e.Failure)
	case e.Option != "":
		fmt.Fprintf(&b, " (%s, %s)", e.Step, e.Option)
	default:
		fmt.Fprintf(&b, " (%s)", e.Step)
	}
	return b.String()
}

// maxCodesShown is how many error-body codes a StatusError message shows.
const maxCodesShown = 8

// showCode returns code as a message shows it: as is when it looks like a
// code (letters, digits, '_', '.', '-'; at most 64 bytes), else quoted and
// cut to 64 bytes, so that a hostile body cannot make a message long or
// break its line.
func showCode(code string) string {
	if len(code) <= 64 && code != "" && !strings.ContainsFunc(code, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '.' || r == '-')
	}) {
		return code
	}
	return clip(code, 64)
}

func joinSteps(steps []failures.Step, sep string) string {
	s := make([]string, len(steps))
	for i, st := range steps {
		s[i] = string(st)
	}
	return strings.Join(s, sep)
}

// A ResponseError reports an answer with the wanted status whose headers or
// body are not what the protocol requires. Its message has the form
//
//	GET /v2/ = 200, Docker-Distribution-API-Version "", want "registry/2.0" (ping)
type ResponseError struct {
	Step   failures.Step
	Method string
	// Path is redacted as in StatusError.
	Path   string
	Status int
	// What names what was checked: a header name, "token response", ...
	What string
	// Got and Want are display forms (usually quoted) of what the answer
	// held and what it should have held, secrets redacted.
	Got  string
	Want string
}

// Error returns the message in the form shown in the type's comment.
func (e *ResponseError) Error() string {
	return fmt.Sprintf("%s %s = %d, %s %s, want %s (%s)", e.Method, e.Path, e.Status, e.What, e.Got, e.Want, e.Step)
}

// A RequestError reports an exchange that got no answer: the request could
// not be sent, the connection failed, the context ended. Its message is
//
//	GET /v2/ns/repo/tags/list: <cause> (list-tags)
//
// with the call's secrets and secret query values redacted from the cause.
// Unwrap returns the cause as the http.Client reported it (unredacted), so
// errors.Is(err, context.Canceled) works.
type RequestError struct {
	Step   failures.Step
	Method string
	// Path is redacted as in StatusError.
	Path string
	Err  error

	msg string // the redacted cause
}

// Error returns the message in the form shown in the type's comment; it
// holds no secret, and at most the first KiB of the cause's text.
func (e *RequestError) Error() string {
	return fmt.Sprintf("%s %s: %s (%s)", e.Method, e.Path, cutText(e.msg, maxCause), e.Step)
}

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// A MissedFailureError reports a call that expected a failure and finished
// without reaching any step at which the table maps it. Its message is
//
//	Pull: want unknown-tag at get-manifest or head-manifest (table distribution), but the call reached none of these steps
//
// or, when the table maps the failure nowhere,
//
//	Pull: want geo-blocked, but table distribution maps it at no step
type MissedFailureError struct {
	// Call names the client method ("Ping", "Token", "Exchange", "Pull",
	// ...).
	Call    string
	Failure failures.Failure
	// Table is the name of the client's table; Steps the steps at which it
	// maps Failure.
	Table string
	Steps []failures.Step
}

// Error returns the message in the form shown in the type's comment.
func (e *MissedFailureError) Error() string {
	table := e.Table
	if table == "" {
		table = "(unnamed)"
	}
	if len(e.Steps) == 0 {
		return fmt.Sprintf("%s: want %s, but table %s maps it at no step", e.Call, e.Failure, table)
	}
	return fmt.Sprintf("%s: want %s at %s (table %s), but the call reached none of these steps",
		e.Call, e.Failure, joinSteps(e.Steps, " or "), table)
}
