package v2proto

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/registrytest/registrytest/failures"
)

// TestExpectedFailureOrSuccess checks failures.Expectation.OrSuccess at a
// mapped step: the step's success lets the call go on (here to its end, a
// *MissedFailureError), a mapped answer meets the failure, and another
// answer is a *StatusError naming every status the entry allows.
func TestExpectedFailureOrSuccess(t *testing.T) {
	status := 200
	f := newFakeRegistry(t, "none")
	f.route("GET /v2/ns/repo/tags/list", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
	})
	exact := failures.OCI.With(failures.ListTags, failures.Denied, failures.Expectation{Status: 403, Also: []int{429}})
	lenient := failures.OCI.With(failures.ListTags, failures.Denied, failures.Expectation{Status: 403, Also: []int{429}, OrSuccess: true})
	get := func(tab *failures.Table) error {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, "/v2/ns/repo/tags/list", nil)
		resp, err := f.client(t, WithTable(tab)).Exchange(context.Background(), failures.ListTags, req, ExpectFailure(failures.Denied))
		if resp != nil {
			resp.Body.Close()
		}
		return err
	}

	var me *MissedFailureError
	if err := get(lenient); !errors.As(err, &me) {
		t.Errorf("200 at a step mapped OrSuccess: %v, want a *MissedFailureError", err)
	}
	var se *StatusError
	if err := get(exact); !errors.As(err, &se) || !se.Mapped || se.Got != 200 {
		t.Errorf("200 at a step mapped without OrSuccess: %v, want a mapped *StatusError with 200", err)
	}
	status = 429
	if err := get(lenient); err != nil {
		t.Errorf("429 at a step mapped 403 or 429: %v, want nil (the failure met)", err)
	}
	status = 500
	err := get(lenient)
	if !errors.As(err, &se) || !se.Mapped || se.Want != 403 || len(se.Also) != 1 || se.Also[0] != 429 {
		t.Fatalf("500 at a step mapped 403 or 429: %v, want a mapped *StatusError wanting 403 or 429", err)
	}
	if want := "GET /v2/ns/repo/tags/list = 500, want 403 or 429 for denied (list-tags)"; se.Error() != want {
		t.Errorf("StatusError.Error() = %q, want %q", se.Error(), want)
	}
}
