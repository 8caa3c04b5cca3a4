// Package depcheck holds the test that keeps the library packages' imports
// to the standard library and the four chosen modules.
package depcheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/registrytest/registrytest"

// libraries are the packages registry projects import. Everything they
// depend on, directly or not, must be in the standard library, in this
// module, or in one of allowedModules.
var libraries = []string{"failures", "schema1", "schema2", "fixtures", "v2proto", "conformance"}

var allowedModules = []string{
	"github.com/opencontainers/go-digest",
	"github.com/opencontainers/image-spec",
	"github.com/google/go-cmp",
	"golang.org/x/sync",
}

func TestLibraryImports(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, lib := range libraries {
		if _, err := os.Stat(filepath.Join(root, lib)); err == nil {
			patterns = append(patterns, "./"+lib+"/...")
		}
	}
	if len(patterns) == 0 {
		t.Fatalf("no library package found under %s, want at least one of %v", root, libraries)
	}
	// The go command says what is the standard library: a rule on the
	// path's shape ("a dot means a module") would be wrong, as the standard
	// library has crypto/internal/entropy/v1.0.0 (Go 1.26), which
	// v2proto depends on through crypto.
	args := append([]string{"list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}} {{with .Module}}{{.Path}}{{end}}{{end}}"}, patterns...)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	var bad []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		pkg, mod, _ := strings.Cut(line, " ")
		if mod == module || slices.Contains(allowedModules, mod) {
			continue
		}
		// The standard library vendors golang.org/x packages; go list reports
		// them as non-standard with no module.
		if mod == "" && strings.HasPrefix(pkg, "vendor/") {
			continue
		}
		bad = append(bad, pkg+" (module "+mod+")")
	}
	if len(bad) > 0 {
		t.Errorf("library packages %v depend on packages outside the standard library and %v:\n\t%s",
			patterns, allowedModules, strings.Join(bad, "\n\t"))
	}
}

// TestModuleGraph checks what a registry project that requires this module
// inherits: in the module graph (go mod graph, outside the workspace, tests
// included), this module requires the allowed modules and nothing else; what
// remains in the graph is theirs (image-spec's own requirements, which module
// graph pruning keeps out of an importer's build). The registries and tools
// the project's own tests need live in the examples module.
func TestModuleGraph(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "mod", "graph")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go mod graph: %v\n%s", err, stderr)
	}
	var direct, bad []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		from, to, ok := strings.Cut(line, " ")
		if !ok || from != module {
			continue
		}
		path, _, _ := strings.Cut(to, "@")
		direct = append(direct, path)
		if path != "go" && path != "toolchain" && !slices.Contains(allowedModules, path) {
			bad = append(bad, to)
		}
	}
	if len(direct) == 0 {
		t.Fatalf("go mod graph in %s: no requirement of %s found", root, module)
	}
	if len(bad) > 0 {
		t.Errorf("go mod graph (GOWORK=off) in %s: %s requires modules outside %v:\n\t%s",
			root, module, allowedModules, strings.Join(bad, "\n\t"))
	}
}
