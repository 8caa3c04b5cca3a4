package cuereg_test

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/cuereg"
	"github.com/registrytest/registrytest/examples/internal/testreg"
)

// TestStart starts a registry, pings it without credentials (200: no
// auth), checks its Info and that it refuses a read-only restart, and
// stops it.
func TestStart(t *testing.T) {
	testreg.SmokeTestOpen(t, cuereg.Name, func() (*testreg.Registry, error) { return cuereg.New(cuereg.Options{}) })
}
