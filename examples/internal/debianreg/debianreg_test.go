package debianreg_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/registrytest/registrytest/examples/internal/debianreg"
	"github.com/registrytest/registrytest/examples/internal/testreg"
)

func TestSmoke(t *testing.T) {
	testreg.SmokeTest(t, debianreg.Flavor, debianreg.Start)
}

func TestLogTail(t *testing.T) {
	r := debianreg.Start(t, testreg.Options{})
	tail := r.LogTail(1 << 16)
	if want := "listening on " + r.Host; !strings.Contains(tail, want) {
		t.Errorf("LogTail() = %q, want it to contain %q", tail, want)
	}
	if short := r.LogTail(10); len(short) != 10 || !strings.HasSuffix(tail, short) {
		t.Errorf("LogTail(10) = %q, want the last 10 bytes of %q", short, tail)
	}
	dir := r.Setup().ConfigDir
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(r.URL + "/v2/"); err == nil {
		t.Errorf("GET /v2/ after Close: no error, want the process gone")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("config dir after Close: %v, want it removed", err)
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := debianreg.NewWithBinary("/bin/false", testreg.Options{}); err == nil || !strings.Contains(err.Error(), "exited before answering") {
		t.Errorf("NewWithBinary(/bin/false) = %v, want an error saying it exited", err)
	}
}
