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
// -url runs the suite against any registry. Give the credentials of each
// role the registry has (-owner, -reader, -other, -org-admin, -creator,
// -robot, each as user:password), their namespaces (-namespaces), what the
// registry supports (-capabilities) and how it answers failures (-table).
// Whether it demands credentials and hands out Bearer tokens is found by
// pinging it.
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
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/registrytest/registrytest/conformance"
	"github.com/registrytest/registrytest/examples/internal/conftarget"
	"github.com/registrytest/registrytest/examples/internal/debianreg"
	"github.com/registrytest/registrytest/examples/internal/distv3"
	"github.com/registrytest/registrytest/examples/internal/quayreg"
	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/v2proto"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// roleFlags are the flags that give each role's credentials.
var roleFlags = []conformance.Role{
	conformance.Owner, conformance.Reader, conformance.Other, conformance.OrgAdmin, conformance.Creator, conformance.Robot,
}

type options struct {
	url, registry, table, runRE, junit, caps, namespaces string
	creds                                                map[conformance.Role]*string
	parallel                                             int
	timeout                                              time.Duration
	verbose                                              bool
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.url, "url", "", "base `URL` of the registry to test (default: start one in-process, see -registry)")
	fs.StringVar(&o.registry, "registry", "v3", "the registry to start when -url is not given: v3 (distribution v3.1.2 in-process), v2.8 (docker/distribution v2.8.3, in a child process), debian (the docker-registry 2.8.2 binary) or quay (Quay from $QUAY_TREE and $QUAY_VENV)")
	fs.StringVar(&o.table, "table", "distribution", "the failures table: quay, distribution, oci, or a `file` in the text form of failures.ParseTable")
	fs.StringVar(&o.runRE, "run", "", "run only the scenarios whose name (ID or ID/param) matches `regexp`")
	fs.StringVar(&o.junit, "junit", "", "also write the report as JUnit XML to `file`")
	fs.StringVar(&o.caps, "capabilities", "", "the registry's capabilities, comma-separated (default with -url: "+strings.Join(capNames(defaultCaps), ",")+
		"; without -url: those measured on the registry started); +cap or -cap entries add to or remove from the default")
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
	table, err := loadTable(o.table)
	if err != nil {
		fmt.Fprintf(stderr, "conformance: -table: %v\n", err)
		return 2
	}

	target, cleanup, err := newTarget(ctx, &o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
		return 2
	}
	defer cleanup()
	if tableSet := isSet(fs, "table"); tableSet || o.registry != "quay" {
		target.Table = table // -registry quay: failures.Quay unless -table says otherwise
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

	if err := rep.WriteText(stdout); err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
		return 2
	}
	if o.junit != "" {
		if err := writeJUnit(o.junit, rep); err != nil {
			fmt.Fprintf(stderr, "conformance: -junit: %v\n", err)
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

func isSet(fs *flag.FlagSet, name string) (set bool) {
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func loadTable(name string) (*failures.Table, error) {
	switch name {
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

func writeJUnit(path string, rep *conformance.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rep.WriteJUnit(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// newTarget returns the target the flags describe, starting a registry when
// -url is not given, and the function that stops it.
func newTarget(ctx context.Context, o *options, stderr io.Writer) (*conformance.Target, func(), error) {
	if o.url != "" {
		t, err := urlTarget(ctx, o)
		return t, func() {}, err
	}
	switch o.registry {
	case "v3":
		reg, err := distv3.New(conftarget.Options())
		if err != nil {
			return nil, nil, err
		}
		t, err := conftarget.New(ctx, reg)
		if err != nil {
			reg.Close()
			return nil, nil, err
		}
		return t, func() { reg.Close() }, nil
	case "debian":
		reg, err := debianreg.New(conftarget.Options())
		if err != nil {
			return nil, nil, fmt.Errorf("%v (install it with: apt-get install %s)", err, debianreg.Package)
		}
		t, err := conftarget.New(ctx, reg)
		if err != nil {
			reg.Close()
			return nil, nil, err
		}
		return t, func() { reg.Close() }, nil
	case "quay": // Quay from QUAY_TREE and QUAY_VENV (internal/quayreg)
		return quayreg.StartTarget(ctx, stderr)
	case "v2.8":
		fmt.Fprintf(stderr, "conformance: building and starting %s (docker/distribution v2.8.3 cannot be linked beside v3)\n", conftarget.Serve28)
		return conftarget.StartServe28(ctx, stderr)
	}
	return nil, nil, fmt.Errorf("-registry %q, want v3, v2.8, debian or quay", o.registry)
}

// defaultCaps are the capabilities assumed of a registry given by -url: what
// the OCI distribution spec 1.1 defines, optional parts included.
var defaultCaps = []conformance.Capability{
	conformance.Untagged, conformance.PostDigest, conformance.Cancel, conformance.Range, conformance.Mount,
	conformance.Delete, conformance.TagDelete, conformance.BlobDelete, conformance.TagPaging, conformance.Catalog,
	conformance.Referrers, conformance.TagParam, conformance.NestedNames,
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
	edit := strings.HasPrefix(strings.TrimSpace(s), "+") || strings.HasPrefix(strings.TrimSpace(s), "-")
	if edit {
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

// urlTarget describes the registry of -url from the flags, and pings it to
// learn whether it demands credentials and gives Bearer tokens.
func urlTarget(ctx context.Context, o *options) (*conformance.Target, error) {
	caps, err := parseCaps(o.caps, defaultCaps)
	if err != nil {
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
	if o.namespaces != "" {
		for _, kv := range strings.Split(o.namespaces, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
			if !ok || v == "" {
				return nil, fmt.Errorf("-namespaces: %q, want role=namespace", kv)
			}
			u := users[conformance.Role(k)]
			u.Namespace = v
			users[conformance.Role(k)] = u
		}
	}
	c, err := v2proto.New(o.url)
	if err != nil {
		return nil, fmt.Errorf("-url: %v", err)
	}
	p, err := c.Ping(ctx)
	if err != nil {
		return nil, fmt.Errorf("-url: %v", err)
	}
	if ch := p.Auth(); ch != nil {
		caps = append(caps, conformance.Auth)
		if ch.Is("Bearer") {
			caps = append(caps, conformance.Token)
		}
	}
	if len(users) > 1 {
		caps = append(caps, conformance.Roles)
	}
	return &conformance.Target{Name: o.url, URL: o.url, Users: users, Capabilities: caps}, nil
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
