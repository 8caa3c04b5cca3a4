package cuereg_test

import (
	"net/http"
	"testing"

	"github.com/registrytest/registrytest/examples/internal/cuereg"
	"github.com/registrytest/registrytest/examples/internal/testreg"
)

// TestStart starts a registry, pings it without credentials (200: no
// auth), checks its Info and that it refuses a read-only restart, and
// stops it.
func TestStart(t *testing.T) {
	reg, err := cuereg.New(cuereg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if reg.Name != cuereg.Name || reg.Auth != testreg.AuthNone || reg.URL == "" {
		t.Errorf("Info = %+v, want Name %q, Auth none and a URL", reg.Info, cuereg.Name)
	}
	resp, err := http.Get(reg.URL + "/v2/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /v2/ = %d, want 200", resp.StatusCode)
	}
	if err := reg.SetReadOnly(true); err == nil {
		t.Errorf("SetReadOnly(true) = nil, want an error (no read-only mode)")
	}
	if err := reg.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if _, err := http.Get(reg.URL + "/v2/"); err == nil {
		t.Errorf("GET /v2/ after Close succeeded, want an error")
	}
}
