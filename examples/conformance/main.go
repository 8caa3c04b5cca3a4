// Command conformance runs the registrytest conformance suite (package
// conformance: the scenarios of Quay's registry tests and of the OCI
// distribution-spec conformance suite) against a registry and prints a
// table, one row per scenario (and parameter): its result, its time, and the
// reason of a skip or the error of a failure, then a last line
// "N passed, N failed, N skipped". The exit status is 1 when a scenario
// failed, 2 when the suite could not run.
//
// With no flags it starts distribution v3.1.2 in-process on 127.0.0.1, with
// token auth from the project's token issuer and one user per role, and runs
// every scenario against it:
//
//	go run ./examples/conformance
//
// -registry v2.8 runs docker/distribution v2.8.3 instead. v2.8 and v3 cannot
// be linked into one binary (both register /debug/health at init), so the
// program builds internal/conftarget/serve28 with the go command (it must run
// inside this module's source tree: `go run` does that) and starts it as a
// child process, which serves v2.8.3 on 127.0.0.1 and is controlled over
// its standard input and output (conftarget.Serve). -registry debian starts
// the Debian docker-registry 2.8.2 binary (apt-get install docker-registry).
//
// -registry ggcr starts go-containerregistry v0.22.1's pkg/registry
// in-process (in memory, referrers on) and -registry cue CUE's ociregistry
// (ociserver over ocimem); both demand no credentials.
//
// -url runs the suite against any registry. With -url alone, on a registry
// that demands no credentials, the owner plays anonymously (it pushes
// without credentials, in namespace "conformance"; the roles no flag gives
// are missing, so the scenarios that need them skip) and the program probes
// what the registry
// supports (conftarget.Probe: auth and its kind, catalog, referrers,
// cancel, mount, Link on tag pages, n and last honoured, deletes, chunked
// uploads, range, single-POST uploads, sha512, ...) and prints each
// capability with how it was found. -capabilities changes that set: +cap
// and -cap entries add to or remove from it, a plain list replaces it (and
// nothing is probed). -probe=false assumes defaultCaps instead of probing.
// Give the credentials of each role the registry has (-owner, -reader,
// -other, -org-admin, -creator, -robot, each as user:password) and their
// namespaces (-namespaces). Known deviations come from -known, a file of
// lines "scenario-pattern<TAB>description" (# starts a comment). The
// default table of refusals is the spec's (-table). When the owner cannot
// push (the registry demands credentials none were given for, or refuses
// the owner's push), nothing that pushes could run: the program says what
// to give and exits 2 without running the suite.
//
// -run selects scenarios by a regular expression over their names (ID or
// ID/param), -junit writes a JUnit XML report as well, -v logs every HTTP
// exchange on standard error. While the suite runs, a progress line is
// written on standard error.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/registrytest/registrytest/conformance"
	"github.com/registrytest/registrytest/examples/internal/conftarget"
	"github.com/registrytest/registrytest/examples/internal/intree"
	"github.com/registrytest/registrytest/examples/internal/quayreg"
	"github.com/registrytest/registrytest/failures"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// roleFlags are the flags that give each role's credentials.
var roleFlags = []conformance.Role{
	conformance.Owner, conformance.Reader, conformance.Other, conformance.OrgAdmin, conformance.Creator, conformance.Robot,
}

type options struct {
	url, registry, table, runRE, junit, caps, namespaces, known, html string
	creds                                                             map[conformance.Role]*string
	parallel                                                          int
	timeout                                                           time.Duration
	verbose, probe                                                    bool
	capNotes                                                          map[conformance.Capability]string // how each capability used was found
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.url, "url", "", "base `URL` of the registry to test (default: start one in-process, see -registry)")
	fs.StringVar(&o.registry, "registry", "v3", "the registry to start when -url is not given: v3 (distribution v3.1.2 in-process), v2.8 (docker/distribution v2.8.3, in a child process), debian (the docker-registry 2.8.2 binary), ggcr (go-containerregistry v0.22.1 in-process), cue (CUE's ociregistry in-process), quay (Quay from $QUAY_TREE and $QUAY_VENV: see internal/quayreg) or all (each in-tree registry in turn, for a matrix: see -html)")
	fs.StringVar(&o.table, "table", "", "the failures table: spec, quay, distribution, oci, or a `file` in the text form of failures.ParseTable (default: spec with -url; without -url the started registry's: distribution for v3, v2.8 and debian, spec for ggcr and cue, quay for quay)")
	fs.StringVar(&o.runRE, "run", "", "run only the scenarios whose name (ID or ID/param) matches `regexp`")
	fs.StringVar(&o.junit, "junit", "", "also write the report as JUnit XML to `file`")
	fs.StringVar(&o.html, "html", "", "also write the report as one self-contained HTML page to `file` (with -registry all: the matrix of the registries)")
	fs.StringVar(&o.caps, "capabilities", "", "the registry's capabilities, comma-separated, replacing the default; or +cap and -cap entries that add to or remove from it "+
		"(default with -url: those probed, or with -probe=false "+strings.Join(capNames(defaultCaps), ",")+"; without -url: those measured on the registry started)")
	fs.BoolVar(&o.probe, "probe", true, "with -url: probe the registry's capabilities (false: assume the default of -capabilities)")
	fs.StringVar(&o.known, "known", "", "the registry's known deviations: a `file` of lines \"scenario-pattern<TAB>description\" (# starts a comment); with -registry they add to the registry's own")
	fs.StringVar(&o.namespaces, "namespaces", "", "with -url: the namespace of each role, as role=namespace,... (default: the user name of each role)")
	fs.IntVar(&o.parallel, "parallel", 4, "run up to `n` scenarios at once")
	fs.DurationVar(&o.timeout, "timeout", conformance.DefaultTimeout, "the time one scenario may take")
	fs.BoolVar(&o.verbose, "v", false, "log every HTTP exchange on standard error")
	o.creds = map[conformance.Role]*string{}
	for _, r := range roleFlags {
		o.creds[r] = fs.String(string(r), "", "with -url: the credentials of role "+string(r)+", as `user:password`")
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "conformance: unexpected arguments %q\n", fs.Args())
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var copts []conformance.Option
	if o.runRE != "" {
		re, err := regexp.Compile(o.runRE)
		if err != nil {
			fmt.Fprintf(stderr, "conformance: -run: %v\n", err)
			return 2
		}
		copts = append(copts, conformance.Match(re))
	}
	if o.url == "" && o.registry == "all" {
		return runAll(ctx, &o, copts, stdout, stderr)
	}
	var table *failures.Table
	if o.table != "" {
		t, err := loadTable(o.table)
		if err != nil {
			fmt.Fprintf(stderr, "conformance: -table: %v\n", err)
			return 2
		}
		table = t
	}
	var known map[string]string
	if o.known != "" {
		k, err := loadKnown(o.known)
		if err != nil {
			fmt.Fprintf(stderr, "conformance: -known: %v\n", err)
			return 2
		}
		known = k
	}
	if o.url == "" {
		if _, err := parseCaps(o.caps, nil); err != nil {
			fmt.Fprintf(stderr, "conformance: -capabilities: %v\n", err)
			return 2
		}
	}

	target, cleanup, err := newTarget(ctx, &o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
		return 2
	}
	defer cleanup()
	if table != nil {
		target.Table = table
	}
	if known != nil {
		if target.Known == nil {
			target.Known = map[string]string{}
		}
		maps.Copy(target.Known, known)
	}
	if o.url == "" && o.caps != "" {
		// +cap and -cap change the measured capabilities of the in-process
		// registry (to see what a registry does without a capability it
		// lacks, for example).
		if target.Capabilities, err = parseCaps(o.caps, target.Capabilities); err != nil {
			fmt.Fprintf(stderr, "conformance: -capabilities: %v\n", err)
			return 2
		}
	}
	var logMu sync.Mutex

	total := countJobs(o.runRE)
	prog := newProgress(stderr, total, &logMu)
	if o.verbose {
		clear := ""
		if prog.tty {
			clear = "\r\033[K" // over the progress line
		}
		target.Logf = func(format string, args ...any) {
			logMu.Lock()
			defer logMu.Unlock()
			fmt.Fprintf(stderr, clear+format+"\n", args...)
		}
	}
	fmt.Fprintf(stderr, "conformance: %d scenarios against %s at %s (table %s)\n", total, target.Name, target.URL, target.Table.Name())
	copts = append(copts, conformance.Parallel(o.parallel), conformance.Timeout(o.timeout), conformance.Progress(prog.update))
	rep := conformance.Check(ctx, target, copts...)
	prog.done()
	rep.CapabilityNotes = o.capNotes
	if o.url == "" {
		note := "from Quay's source and its own tests (quayreg.Capabilities)"
		if r, ok := intree.Lookup(o.registry); ok {
			note = r.CapNote
		}
		rep.CapabilityNotes = map[conformance.Capability]string{}
		for _, c := range target.Capabilities {
			rep.CapabilityNotes[c] = note
		}
	}

	if err := rep.WriteText(stdout); err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
		return 2
	}
	if o.junit != "" {
		if err := writeFile(o.junit, rep.WriteJUnit); err != nil {
			fmt.Fprintf(stderr, "conformance: -junit: %v\n", err)
			return 2
		}
	}
	if o.html != "" {
		if err := writeFile(o.html, rep.WriteHTML); err != nil {
			fmt.Fprintf(stderr, "conformance: -html: %v\n", err)
			return 2
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "conformance: interrupted\n")
		return 2
	}
	if rep.Failed() {
		return 1
	}
	return 0
}

// writeFile writes what write writes to the file at path.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// runAll runs the suite on every in-tree registry (intree.All), prints the
// matrix as Markdown and, with -html, writes it as one HTML page. The exit
// status is 1 when a registry's report failed, 2 when one could not run.
func runAll(ctx context.Context, o *options, copts []conformance.Option, stdout, stderr io.Writer) int {
	copts = append(copts, conformance.Parallel(o.parallel), conformance.Timeout(o.timeout))
	m, runErr := intree.RunMatrix(ctx, intree.All(), "go run ./examples/conformance -registry all", stderr, nil, copts...)
	if err := m.WriteMarkdown(stdout); err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
		return 2
	}
	if o.html != "" {
		if err := writeFile(o.html, m.WriteHTML); err != nil {
			fmt.Fprintf(stderr, "conformance: -html: %v\n", err)
			return 2
		}
	}
	if runErr != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", runErr)
		return 2
	}
	for _, rep := range m.Reports {
		if rep.Failed() {
			return 1
		}
	}
	return 0
}

func loadTable(name string) (*failures.Table, error) {
	switch name {
	case "spec":
		return failures.Spec, nil
	case "quay":
		return failures.Quay, nil
	case "distribution":
		return failures.Distribution, nil
	case "oci":
		return failures.OCI, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return failures.ParseTable(f)
}

// newTarget returns the target the flags describe, starting a registry when
// -url is not given, and the function that stops it.
func newTarget(ctx context.Context, o *options, stderr io.Writer) (*conformance.Target, func(), error) {
	if o.url != "" {
		t, err := urlTarget(ctx, o, stderr)
		return t, func() {}, err
	}
	if o.registry == "quay" { // Quay from QUAY_TREE and QUAY_VENV; not in -registry all
		return quayreg.StartTarget(ctx, stderr)
	}
	r, ok := intree.Lookup(o.registry)
	if !ok {
		return nil, nil, fmt.Errorf("-registry %q, want one of %s, quay, or all", o.registry, strings.Join(intree.Names(), ", "))
	}
	if o.registry == "v2.8" {
		fmt.Fprintf(stderr, "conformance: building and starting %s (docker/distribution v2.8.3 cannot be linked beside v3)\n", conftarget.Serve28)
	}
	return r.Start(ctx, stderr)
}

// defaultCaps are the capabilities assumed of a registry given by -url
// when it is not probed (-probe=false): the parts of OCI distribution-spec
// v1.1.1 that it describes but lets a registry leave out or answer
// otherwise — manifests pushed by digest only, single-POST uploads ("MAY
// support"), Range ("SHOULD support"), deletes of manifests, tags and
// blobs, the referrers API, names of several components. It leaves out
// what v1.1.1 does not define (cancel: DELETE of an upload session; the
// catalog; PUT ?tag=) and what a registry conforms without: a mount
// answered 201 (a registry "SHOULD return a 202" when it does not mount)
// and tag-paging, which includes sending Link ("MAY be included"). A
// registry without one of these fails the scenarios that need it: remove
// it with -capabilities -cap.
var defaultCaps = []conformance.Capability{
	conformance.PostDigest, conformance.Range, conformance.Delete, conformance.TagDelete,
	conformance.BlobDelete, conformance.Referrers, conformance.NestedNames,
}

func capNames(cs []conformance.Capability) []string {
	var s []string
	for _, c := range cs {
		s = append(s, string(c))
	}
	return s
}

// parseCaps reads -capabilities: a list that replaces def, or +cap and -cap
// entries that change it.
func parseCaps(s string, def []conformance.Capability) ([]conformance.Capability, error) {
	if strings.TrimSpace(s) == "" {
		return slices.Clone(def), nil
	}
	known := conformance.AllCapabilities()
	var out []conformance.Capability
	if isEdit(s) {
		out = slices.Clone(def)
	}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		op := byte('+')
		if f[0] == '+' || f[0] == '-' {
			op, f = f[0], f[1:]
		}
		c := conformance.Capability(f)
		if !slices.Contains(known, c) {
			return nil, fmt.Errorf("unknown capability %q (known: %s)", f, strings.Join(capNames(known), ", "))
		}
		out = slices.DeleteFunc(out, func(x conformance.Capability) bool { return x == c })
		if op == '+' {
			out = append(out, c)
		}
	}
	return out, nil
}

// isEdit reports whether the -capabilities value s changes a default
// (+cap, -cap) rather than replacing it.
func isEdit(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-")
}

// notProbed are the capabilities Probe does not measure, with what to give.
var notProbed = map[conformance.Capability]string{
	conformance.S1:                "schema1 manifests: give +s1 when the registry takes signed schema1",
	conformance.S1U:               "give +s1u when the registry takes unsigned schema1 as list children",
	conformance.Convert:           "give +convert when the registry down-converts to schema1",
	conformance.ChunkOverlap:      "Quay's overlap handling: give +chunk-overlap to expect it",
	conformance.LibraryAlias:      "give +library-alias when x and library/x are one repository",
	conformance.ValidatesConfig:   "give +validates-config when the registry refuses configs it cannot use",
	conformance.ValidatesV1Chain:  "give +validates-v1-chain when the registry checks schema1 parent chains",
	conformance.ValidatesPlatform: "give +validates-platform when the registry checks list platforms",
}

// urlTarget describes the registry of -url from the flags: its users (the
// owner anonymous when no -owner is given), its capabilities (probed unless
// -probe=false or -capabilities is a full list; then edited by
// -capabilities), the spec's table, and the content of the preloaded state.
// It writes the capabilities used, and how each was found, on stderr. It
// returns an error when the owner cannot push: nothing that pushes could
// run.
func urlTarget(ctx context.Context, o *options, stderr io.Writer) (*conformance.Target, error) {
	if _, err := parseCaps(o.caps, nil); err != nil {
		return nil, fmt.Errorf("-capabilities: %v", err)
	}
	users := map[conformance.Role]conformance.User{}
	for _, r := range roleFlags {
		v := *o.creds[r]
		if v == "" {
			continue
		}
		name, pass, ok := strings.Cut(v, ":")
		if !ok || name == "" {
			return nil, fmt.Errorf("-%s %q, want user:password", r, v)
		}
		users[r] = conformance.User{Name: name, Password: pass, Namespace: name}
	}
	given := len(users)
	if _, ok := users[conformance.Owner]; !ok {
		users[conformance.Owner] = conftarget.OpenOwner("conformance")
	}
	if o.namespaces != "" {
		for _, kv := range strings.Split(o.namespaces, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
			if !ok || v == "" || !slices.Contains(append(slices.Clone(roleFlags), conformance.Anonymous), conformance.Role(k)) {
				return nil, fmt.Errorf("-namespaces: %q, want role=namespace (roles: %s, %s)", kv, strings.Join(roleNames(), ", "), conformance.Anonymous)
			}
			u := users[conformance.Role(k)]
			u.Namespace = v
			users[conformance.Role(k)] = u
		}
	}
	owner := users[conformance.Owner]
	if *o.creds[conformance.Owner] == "" {
		// The owner plays anonymously: probe as nobody.
		owner.Name = ""
	}

	type how struct {
		has  bool
		text string
	}
	found := map[conformance.Capability]how{}
	var base []conformance.Capability
	source := "probed"
	switch {
	case !isEdit(o.caps):
		source = "given by -capabilities (nothing probed)"
		if c, _ := parseCaps(o.caps, nil); slices.Contains(c, conformance.Auth) && *o.creds[conformance.Owner] == "" {
			return nil, fmt.Errorf("nothing that pushes could run: -capabilities lists auth, and no -owner user:password was given")
		}
	case !o.probe:
		base = slices.Clone(defaultCaps)
		source = "assumed (-probe=false)"
		for _, c := range defaultCaps {
			found[c] = how{true, "assumed (-probe=false)"}
		}
	default:
		p, err := conftarget.Probe(ctx, conftarget.ProbeOptions{URL: o.url, Owner: owner})
		if err != nil {
			return nil, fmt.Errorf("-url: %v", err)
		}
		for _, f := range p.Findings {
			if f.Capability == "" {
				fmt.Fprintf(stderr, "conformance: probe: %s\n", f.How)
				continue
			}
			found[f.Capability] = how{f.Has, f.How}
		}
		if p.PushErr != nil {
			return nil, fmt.Errorf("nothing that pushes could run: %v", p.PushErr)
		}
		base = p.Capabilities()
		if p.Challenge != "" && given > 1 {
			base = append(base, conformance.Roles)
			found[conformance.Roles] = how{true, fmt.Sprintf("the registry demands credentials and %d roles were given", given)}
		} else {
			why := "the registry demands no credentials: every role would be the same anonymous user"
			if p.Challenge != "" {
				why = "only one role was given"
			}
			found[conformance.Roles] = how{false, why}
		}
	}
	caps, err := parseCaps(o.caps, base)
	if err != nil {
		return nil, fmt.Errorf("-capabilities: %v", err)
	}
	fmt.Fprintf(stderr, "conformance: capabilities of %s (%s; -capabilities +cap or -cap overrides):\n", o.url, source)
	for _, c := range conformance.AllCapabilities() {
		has := slices.Contains(caps, c)
		h, ok := found[c]
		text := h.text
		switch {
		case ok && h.has != has:
			text = "-capabilities; " + map[bool]string{true: "probe found it", false: "probe found none"}[h.has] + ": " + h.text
		case !ok && source == "given by -capabilities (nothing probed)":
			text = "-capabilities"
		case !ok && has:
			text = "-capabilities"
		case !ok && notProbed[c] != "":
			text = "not probed: " + notProbed[c]
		case !ok:
			text = "not probed"
		}
		fmt.Fprintf(stderr, "  %-3s %-18s %s\n", map[bool]string{true: "yes", false: "no"}[has], c, text)
		if has {
			if o.capNotes == nil {
				o.capNotes = map[conformance.Capability]string{}
			}
			o.capNotes[c] = text
		}
	}
	fmt.Fprintf(stderr, "conformance: capabilities used: %s\n", strings.Join(capNames(caps), ","))

	t := &conformance.Target{Name: o.url, URL: o.url, Users: users, Capabilities: caps, Known: map[string]string{}}
	t.Table = failures.Spec
	if source == "probed" {
		pc, err := conftarget.PreloadRaw(ctx, t)
		if err != nil {
			fmt.Fprintf(stderr, "conformance: the preloaded state is not available (state-preloaded will skip): %v\n", err)
		} else {
			t.Control = &conftarget.PreloadedOnly{Content: pc}
		}
	}
	return t, nil
}

func roleNames() []string {
	var s []string
	for _, r := range roleFlags {
		s = append(s, string(r))
	}
	return s
}

// loadKnown reads a file of known deviations: one per line,
// "scenario-pattern<TAB>description", where the pattern is a scenario name
// (ID or ID/param) or a path.Match pattern over them; blank lines and lines
// whose first non-blank character is # are skipped.
func loadKnown(name string) (map[string]string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return parseKnown(name, string(b))
}

func parseKnown(name, text string) (map[string]string, error) {
	known := map[string]string{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		pat, desc, ok := strings.Cut(line, "\t")
		pat, desc = strings.TrimSpace(pat), strings.TrimSpace(desc)
		if !ok || pat == "" || desc == "" {
			return nil, fmt.Errorf("%s:%d: %q, want scenario-pattern<TAB>description", name, i+1, line)
		}
		if _, err := path.Match(pat, ""); err != nil {
			return nil, fmt.Errorf("%s:%d: pattern %q: %v", name, i+1, pat, err)
		}
		if _, dup := known[pat]; dup {
			return nil, fmt.Errorf("%s:%d: pattern %q given twice", name, i+1, pat)
		}
		known[pat] = desc
	}
	return known, nil
}

// countJobs returns how many results the suite will report: one per
// scenario, or per parameter, whose name matches re.
func countJobs(re string) int {
	m, _ := regexp.Compile(re)
	n := 0
	for _, s := range conformance.Scenarios() {
		names := []string{s.ID}
		if len(s.Params) > 0 {
			names = nil
			for _, p := range s.Params {
				names = append(names, s.ID+"/"+p)
			}
		}
		for _, name := range names {
			if re == "" || m.MatchString(name) {
				n++
			}
		}
	}
	return n
}

// progress writes a progress line on standard error: rewritten in place on
// a terminal, one line per tenth of the suite otherwise.
type progress struct {
	w        io.Writer
	mu       *sync.Mutex
	total    int
	n, fails int
	tty      bool
	lastTick int
	start    time.Time
}

func newProgress(w io.Writer, total int, mu *sync.Mutex) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, mu: mu, total: total, tty: tty, start: time.Now()}
}

func (p *progress) update(r conformance.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	if r.Outcome == conformance.Failed {
		p.fails++
	}
	line := fmt.Sprintf("[%d/%d] %d failed, %s: %s %s", p.n, p.total, p.fails, time.Since(p.start).Round(time.Second), r.Name(), r.Outcome)
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		return
	}
	if tick := p.n * 10 / max(p.total, 1); tick > p.lastTick {
		p.lastTick = tick
		fmt.Fprintln(p.w, line)
	}
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
