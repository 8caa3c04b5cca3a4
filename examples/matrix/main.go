// Command matrix runs the registrytest conformance suite on every in-tree
// registry and writes the compatibility matrix: one HTML page with a row
// per scenario and a column per registry (conformance.Matrix.WriteHTML),
// a Markdown table (WriteMarkdown), and, with -reports, each registry's own
// HTML report and JUnit file.
//
//	go run ./examples/matrix -html matrix.html -md matrix.md -readme README.md -reports reports/
//
// The registries are those of intree.All: distribution v3.1.2 in-process,
// docker/distribution v2.8.3 in a child process (the program must run
// inside the examples module's source tree, as go run has it), and the
// Debian docker-registry 2.8.2 binary when it is installed (apt-get install
// docker-registry; without it the column is left out, with a note on
// standard error). -registries picks some of them, by name.
//
// -readme replaces the part of the file between the lines
// "<!-- matrix:begin -->" and "<!-- matrix:end -->" with the Markdown
// table and the command and time of the run. The exit status is 1 when a
// registry could not be run or its report failed, 2 on a usage error.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/registrytest/registrytest/conformance"
	"github.com/registrytest/registrytest/examples/internal/intree"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("matrix", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		htmlPath, mdPath, readme, reportsDir, runRE, only string
		parallel                                          int
		timeout                                           time.Duration
	)
	fs.StringVar(&htmlPath, "html", "", "write the matrix as one HTML page to `file`")
	fs.StringVar(&mdPath, "md", "", "write the matrix as Markdown to `file`")
	fs.StringVar(&readme, "readme", "", "replace the matrix section of `file` (between <!-- matrix:begin --> and <!-- matrix:end -->)")
	fs.StringVar(&reportsDir, "reports", "", "write each registry's HTML report and JUnit XML into `dir`")
	fs.StringVar(&runRE, "run", "", "run only the scenarios whose name (ID or ID/param) matches `regexp`")
	fs.StringVar(&only, "registries", strings.Join(intree.Names(), ","), "the registries to run, comma-separated")
	fs.IntVar(&parallel, "parallel", 4, "run up to `n` scenarios at once")
	fs.DurationVar(&timeout, "timeout", conformance.DefaultTimeout, "the time one scenario may take")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "matrix: unexpected arguments %q\n", fs.Args())
		return 2
	}
	opts := []conformance.Option{conformance.Parallel(parallel), conformance.Timeout(timeout)}
	if runRE != "" {
		re, err := regexp.Compile(runRE)
		if err != nil {
			fmt.Fprintf(stderr, "matrix: -run: %v\n", err)
			return 2
		}
		opts = append(opts, conformance.Match(re))
	}
	var chosen []intree.Registry
	for _, name := range strings.Split(only, ",") {
		i := slices.IndexFunc(intree.All(), func(r intree.Registry) bool { return r.Name == strings.TrimSpace(name) })
		if i < 0 {
			fmt.Fprintf(stderr, "matrix: -registries: unknown %q (known: %s)\n", name, strings.Join(intree.Names(), ", "))
			return 2
		}
		chosen = append(chosen, intree.All()[i])
	}
	if reportsDir != "" {
		if err := os.MkdirAll(reportsDir, 0o755); err != nil {
			fmt.Fprintf(stderr, "matrix: %v\n", err)
			return 2
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	status := 0
	// The command names what decides the content, not where it was
	// written.
	command := "go run ./examples/matrix"
	if runRE != "" {
		command += " -run '" + runRE + "'"
	}
	if only != strings.Join(intree.Names(), ",") {
		command += " -registries " + only
	}
	m, err := intree.RunMatrix(ctx, chosen, command, stderr, func(reg intree.Registry, rep *conformance.Report) {
		if rep.Failed() {
			status = 1
		}
		if reportsDir != "" {
			if err := writeReports(reportsDir, reg.Name, rep, stderr); err != nil {
				fmt.Fprintf(stderr, "matrix: %v\n", err)
				status = 1
			}
		}
	}, opts...)
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "matrix: interrupted: nothing written\n")
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "matrix: %v\n", err)
		status = 1
		if readme != "" {
			// A README keeps the matrix of every registry, or its last.
			fmt.Fprintf(stderr, "matrix: -readme %s left as it was: a registry could not be run\n", readme)
			readme = ""
		}
	}
	took := time.Since(start).Round(time.Second)
	fmt.Fprintf(stderr, "matrix: %d registries in %s\n", len(m.Reports), took)
	if err := writeOutputs(m, htmlPath, mdPath, readme, took, stderr); err != nil {
		fmt.Fprintf(stderr, "matrix: %v\n", err)
		return 1
	}
	return status
}

// writeReports writes rep as name.html and name.xml into dir.
func writeReports(dir, name string, rep *conformance.Report, stderr io.Writer) error {
	for _, w := range []struct {
		ext   string
		write func(io.Writer) error
	}{{".html", rep.WriteHTML}, {".xml", rep.WriteJUnit}} {
		if err := writeFile(filepath.Join(dir, name+w.ext), w.write, stderr); err != nil {
			return err
		}
	}
	return nil
}

// writeFile writes what write writes to the file at path and says so on
// stderr.
func writeFile(path string, write func(io.Writer) error, stderr io.Writer) error {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "matrix: wrote %s (%d bytes)\n", path, b.Len())
	return nil
}

// writeOutputs writes the matrix's HTML page, its Markdown and the README
// section, for those of the paths that are set.
func writeOutputs(m *conformance.Matrix, htmlPath, mdPath, readme string, took time.Duration, stderr io.Writer) error {
	if htmlPath != "" {
		if err := writeFile(htmlPath, m.WriteHTML, stderr); err != nil {
			return err
		}
	}
	var md bytes.Buffer
	if err := m.WriteMarkdown(&md); err != nil {
		return err
	}
	if mdPath != "" {
		if err := os.WriteFile(mdPath, md.Bytes(), 0o644); err != nil {
			return err
		}
	}
	if readme != "" {
		old, err := os.ReadFile(readme)
		if err != nil {
			return err
		}
		section := fmt.Sprintf("Generated by `%s` on %s; the run took %s (2 cores shared with other work).\n\n%s",
			m.Command, time.Now().UTC().Format("2006-01-02"), took, md.String())
		updated, err := replaceSection(string(old), section)
		if err != nil {
			return fmt.Errorf("-readme %s: %v", readme, err)
		}
		if err := os.WriteFile(readme, []byte(updated), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// The lines that delimit the matrix's section of a README.
const (
	beginMarker = "<!-- matrix:begin -->"
	endMarker   = "<!-- matrix:end -->"
)

// replaceSection returns doc with what stands between its lines
// beginMarker and endMarker replaced by section.
func replaceSection(doc, section string) (string, error) {
	i := strings.Index(doc, beginMarker+"\n")
	j := strings.Index(doc, "\n"+endMarker)
	if i < 0 || j < 0 || j < i {
		return "", fmt.Errorf("no lines %s ... %s", beginMarker, endMarker)
	}
	if !strings.HasSuffix(section, "\n") {
		section += "\n"
	}
	return doc[:i+len(beginMarker)+1] + section + doc[j+1:], nil
}
