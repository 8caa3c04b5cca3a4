package v2proto

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/registrytest/registrytest/failures"
)

// An Exchange is one HTTP exchange of a client as WithTranscript records
// it: what a person needs to see of it to understand a failure, with every
// secret the client knows of (passwords, Basic credentials, tokens, secret
// query values) redacted as in a log line.
type Exchange struct {
	// Step is the step of the flow the exchange belongs to.
	Step failures.Step
	// Method and Path are the request's; Path is redacted as in
	// StatusError (secret query values replaced, scheme and host shown
	// only for another host than the registry's).
	Method, Path string
	// RequestHeader holds the request headers of TranscriptRequestHeaders
	// that the request carried; Authorization is shown as its scheme
	// followed by REDACTED ("Bearer REDACTED").
	RequestHeader http.Header
	// Status is the answer's status, 0 when there was no answer (Err says
	// why).
	Status int
	// Header holds the answer's headers of TranscriptResponseHeaders, each
	// value redacted and cut to MaxBodyExcerpt bytes.
	Header http.Header
	// Codes are the error codes of the body of an unwanted answer.
	Codes []string
	// Body is the redacted start of the body of an unwanted answer (at
	// most MaxBodyExcerpt bytes); "" for a wanted one, whose body the flow
	// reads.
	Body string
	// Note says how the client judged the answer: "" when it was wanted,
	// "as expected: <failure>" when it met an expected failure, "want
	// <status>" and the failure when it did not, or the cause when there
	// was no answer.
	Note string
	// Duration is how long the request took, to the answer's headers.
	Duration time.Duration
}

// TranscriptRequestHeaders are the request headers an Exchange keeps.
var TranscriptRequestHeaders = []string{"Accept", "Authorization", "Content-Type", "Content-Length", "Content-Range", "Range"}

// TranscriptResponseHeaders are the response headers an Exchange keeps.
var TranscriptResponseHeaders = []string{
	"Content-Type", "Content-Length", "Content-Range", "Docker-Content-Digest", "Docker-Upload-UUID",
	"Location", "Range", "Link", "WWW-Authenticate", "OCI-Subject", "OCI-Filters-Applied",
	"Docker-Distribution-API-Version",
}

// WithTranscript makes the client call f with every exchange it makes,
// after the exchange is judged, as an Exchange (redacted as log lines are).
// f may be called from several goroutines at once. The default is not to
// record.
func WithTranscript(f func(Exchange)) Option {
	return func(c *Client) { c.transcript = f }
}

// transcribe records one exchange with c.transcript, when set: req is the
// request sent, path its redacted URL, resp the answer (nil for none),
// elapsed the time it took; stop and err point at what exchange returns.
// exchange defers it right after sending req.
func (c *Client) transcribe(cl *call, step failures.Step, req *http.Request, path string, resp *http.Response, elapsed time.Duration, stop *bool, err *error) {
	if c.transcript == nil {
		return
	}
	x := Exchange{Step: step, Method: req.Method, Path: path, Duration: elapsed}
	for _, h := range TranscriptRequestHeaders {
		for _, v := range req.Header.Values(h) {
			if h == "Authorization" {
				scheme, _, _ := strings.Cut(v, " ")
				v = cutText(scheme, 16) + " REDACTED"
			} else {
				v = cutText(c.redactText(cl, v), MaxBodyExcerpt)
			}
			if x.RequestHeader == nil {
				x.RequestHeader = http.Header{}
			}
			x.RequestHeader.Add(h, v)
		}
	}
	if resp != nil {
		x.Status = resp.StatusCode
		for _, h := range TranscriptResponseHeaders {
			for _, v := range resp.Header.Values(h) {
				switch h {
				case "Location", "Link":
					v = redactQueriesInText(v)
				}
				if x.Header == nil {
					x.Header = http.Header{}
				}
				x.Header.Add(h, cutText(c.redactText(cl, v), MaxBodyExcerpt))
			}
		}
	}
	var (
		se *StatusError
		qe *RequestError
	)
	switch {
	case *err == nil && *stop:
		x.Note = "as expected: " + string(cl.failure)
	case errors.As(*err, &se):
		x.Codes, x.Body = se.Codes, se.Body
		x.Note = "want " + strings.TrimSpace(statusText(se.Want, se.WantCodes))
		if se.Mapped {
			x.Note += " for " + string(se.Failure)
		}
	case errors.As(*err, &qe):
		x.Note = qe.msg
	}
	c.transcript(x)
}
