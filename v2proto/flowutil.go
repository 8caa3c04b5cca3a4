package v2proto

import (
	"context"
	"errors"
	"net/http"

	"github.com/registrytest/registrytest/failures"
)

// This file holds what the push flows (push*.go, blob*.go) and the pull
// and delete flows (pull*.go, delete.go) share beyond exchange: answers that
// must have another status than the step's success, and errors about what
// an answer held.

// respError returns a *ResponseError about resp, the answer at step to req
// (whose method and path it names; none when req is nil): what was checked,
// what the answer held (got) and what it should have held (want), with the
// call's secrets redacted from got and want. The push flows pass
// resp.Request, the request as last sent; the pull flows the request they
// made.
func (c *Client) respError(cl *call, step failures.Step, req *http.Request, resp *http.Response, what, got, want string) error {
	e := &ResponseError{Step: step, Status: resp.StatusCode, What: what,
		Got: c.redactText(cl, got), Want: c.redactText(cl, want)}
	if req != nil && req.URL != nil {
		e.Method, e.Path = req.Method, c.redactURL(req.URL)
	}
	return e
}

// responseError returns respError bound to one answer, for a flow that
// checks several things of it.
func (c *Client) responseError(cl *call, step failures.Step, req *http.Request, resp *http.Response) func(what, got, want string) error {
	return func(what, got, want string) error {
		return c.respError(cl, step, req, resp, what, got, want)
	}
}

// exchangeWant is exchange for a step whose answer must be want, which
// may differ from the step's success status (a chunk the registry must
// refuse, a GET that must answer 404), unless the call's expected failure
// is met there (stop). With want 0 or the success status it is exchange.
// An answer with another status is drained and reported as a *StatusError
// wanting want.
func (c *Client) exchangeWant(ctx context.Context, cl *call, step failures.Step, req *http.Request, want int) (*http.Response, bool, error) {
	success := c.table.Success(step)
	if want == 0 || want == success {
		return c.exchange(ctx, cl, step, req)
	}
	resp, stop, err := c.exchange(ctx, cl, step, req, want)
	if err != nil {
		var se *StatusError
		if errors.As(err, &se) && !se.Mapped {
			se.Want, se.Also = want, nil
		}
		return nil, false, err
	}
	if stop || resp.StatusCode == want {
		return resp, stop, nil
	}
	drain(resp.Body)
	return nil, false, &StatusError{Step: step, Method: req.Method, Path: c.redactURL(req.URL),
		Got: resp.StatusCode, Want: want}
}

// exchangeGone is exchangeWant for an answer that must be 404 (what was
// deleted or never pushed), whose body is drained.
func (c *Client) exchangeGone(ctx context.Context, cl *call, step failures.Step, req *http.Request) (bool, error) {
	resp, stop, err := c.exchangeWant(ctx, cl, step, req, http.StatusNotFound)
	if err != nil {
		return false, err
	}
	drain(resp.Body)
	return stop, nil
}
