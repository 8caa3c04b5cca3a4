package examples_test

import (
	"go/parser"
	gotoken "go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestExamplesCopyable keeps the examples copyable: a registry team copies
// a file of this package into its own module, where it must compile with
// the registrytest library, its own registry and the standard library. So
// no file of package examples imports an internal package (an internal
// package of this repository cannot be imported from another module).
// The go command lists the imports (go list, as internal/depcheck does);
// the files that hold an offending import are named from their syntax.
func TestExamplesCopyable(t *testing.T) {
	args := []string{"list", "-f", "{{.Imports}} {{.TestImports}} {{.XTestImports}}", "."}
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	imports := strings.Fields(strings.NewReplacer("[", " ", "]", " ").Replace(string(out)))
	// The list must hold what the examples are about, or it checks nothing.
	if !slices.Contains(imports, "github.com/registrytest/registrytest/v2proto") {
		t.Fatalf("go %s = %q, want a list holding github.com/registrytest/registrytest/v2proto", strings.Join(args, " "), out)
	}
	var bad []string
	for _, p := range imports {
		if strings.Contains(p, "/internal/") {
			bad = append(bad, p)
		}
	}
	if len(bad) == 0 {
		return
	}
	t.Errorf("package examples imports internal packages %v; an example copied into another module cannot", bad)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := gotoken.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Errorf("parser.ParseFile(%q) = %v", name, err)
			continue
		}
		for _, is := range f.Imports {
			if p, err := strconv.Unquote(is.Path.Value); err == nil && slices.Contains(bad, p) {
				t.Errorf("%s: imports %s", fset.Position(is.Pos()), p)
			}
		}
	}
}
