package failures

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The text form of a table, which ParseTable reads and WriteTo writes, is
// line-based. Blank lines and lines whose first non-blank character is '#'
// are ignored; every other line is a directive whose words are separated by
// white space:
//
//	base NAME                          start from a shipped table: oci, spec, quay or distribution
//	name NAME                          the table's name (the rest of the line)
//	failure KIND [DOC]                 declare a failure kind of the file's own (DOC, the rest of the line, is a comment)
//	success STEP STATUS                STEP succeeds with STATUS
//	STEP FAILURE STATUSES [CODE...]    FAILURE at STEP is answered as an Expectation
//	without STEP FAILURE               drop the entry for FAILURE at STEP (one the base had)
//
// STATUSES is one status or several joined by commas ("400,404": Status,
// then Also); the word success among them is OrSuccess (the step may
// succeed instead, "401,403,success"). The CODEs are the codes of which the
// answer must carry one; the word none among them is CodeOptional (an
// answer without a code matches too), and needs at least one code beside
// it.
//
// A FAILURE must be a built-in kind, one made with [NewFailure] in the
// program that reads the file, or one a failure directive declared on an
// earlier line: so a misspelt kind is an error, not an entry nothing uses.
//
// base may appear only as the first directive; without it a table starts
// from [OCI]. A table keeps the name of its base unless a name directive
// follows. Each name, failure, success and entry directive may appear once
// per kind, step or pair. For example:
//
//	# myregistry: distribution, but a missing tag is a 400 or a 404
//	base distribution
//	name myregistry
//	put-manifest missing-tag 400,404 TAG_INVALID none
//	success cancel-upload 202
//	failure tag-immutable a push over an immutable tag
//	put-manifest tag-immutable 409
//
// baseTables are the tables a base directive may name.
func baseTables() map[string]*Table {
	return map[string]*Table{"oci": OCI, "spec": Spec, "quay": Quay, "distribution": Distribution}
}

// ParseTable reads a table in the text form described above. Its errors
// name the line, as in `failures.ParseTable: line 3: unknown step "get-manfest"`.
// A line longer than 64 KiB is an error.
func ParseTable(r io.Reader) (*Table, error) {
	t := NewTable("")
	var (
		directives int
		named      bool
		successes  = map[Step]bool{}
		seen       = map[key]bool{}
		declared   = map[Failure]bool{}
	)
	parseFailure := func(w string) (Failure, error) {
		f := Failure(w)
		if !f.Known() && !declared[f] {
			return "", fmt.Errorf("unknown failure %q (declare a kind of your own with a failure directive first)", w)
		}
		return f, nil
	}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		directives++
		errf := func(format string, args ...any) error {
			return fmt.Errorf("failures.ParseTable: line %d: %s", line, fmt.Sprintf(format, args...))
		}
		words := strings.Fields(text)
		switch words[0] {
		case "base":
			if len(words) != 2 {
				return nil, errf("base takes one table name, got %d words", len(words)-1)
			}
			if directives != 1 {
				return nil, errf("base must be the first directive")
			}
			b, ok := baseTables()[words[1]]
			if !ok {
				return nil, errf("unknown base table %q, want oci, spec, quay or distribution", words[1])
			}
			t = b.clone()
		case "name":
			if named {
				return nil, errf("second name directive")
			}
			named = true
			name := strings.TrimSpace(strings.TrimPrefix(text, "name"))
			if err := validName(name); err != nil {
				return nil, errf("%v", err)
			}
			t.name = name
		case "failure":
			if len(words) < 2 {
				return nil, errf("failure takes a kind and an optional doc, got no kind")
			}
			f := Failure(words[1])
			if err := f.check(); err != nil {
				return nil, errf("%v", err)
			}
			if declared[f] {
				return nil, errf("second failure directive for %s", f)
			}
			declared[f] = true
		case "success":
			if len(words) != 3 {
				return nil, errf("success takes a step and a status, got %d words", len(words)-1)
			}
			s, err := parseStep(words[1])
			if err != nil {
				return nil, errf("%v", err)
			}
			status, err := parseStatus(words[2])
			if err != nil {
				return nil, errf("%v", err)
			}
			if successes[s] {
				return nil, errf("second success status for step %s", s)
			}
			successes[s] = true
			t.success[s] = status
		case "without":
			if len(words) != 3 {
				return nil, errf("without takes a step and a failure, got %d words", len(words)-1)
			}
			s, err := parseStep(words[1])
			if err != nil {
				return nil, errf("%v", err)
			}
			f, err := parseFailure(words[2])
			if err != nil {
				return nil, errf("%v", err)
			}
			if seen[key{s, f}] {
				return nil, errf("without %s %s after an entry for the same pair", s, f)
			}
			seen[key{s, f}] = true
			delete(t.entries, key{s, f})
		default:
			if len(words) < 3 {
				return nil, errf("want STEP FAILURE STATUS [CODE...], got %q", text)
			}
			s, err := parseStep(words[0])
			if err != nil {
				return nil, errf("%v", err)
			}
			f, err := parseFailure(words[1])
			if err != nil {
				return nil, errf("%v", err)
			}
			e, err := parseExpectation(words[2:])
			if err != nil {
				return nil, errf("%v", err)
			}
			if seen[key{s, f}] {
				return nil, errf("second entry for %s at %s", f, s)
			}
			seen[key{s, f}] = true
			t.entries[key{s, f}] = e
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("failures.ParseTable: line %d: %w", line+1, err)
	}
	return t, nil
}

func parseStep(w string) (Step, error) {
	s := Step(w)
	if !s.Known() {
		return "", fmt.Errorf("unknown step %q", w)
	}
	return s, nil
}

// orSuccess is the word the text form writes for OrSuccess, among the
// statuses.
const orSuccess = "success"

// parseExpectation reads the words STATUSES [CODE...] of an entry.
func parseExpectation(words []string) (Expectation, error) {
	var (
		e      Expectation
		status bool
	)
	for _, w := range strings.Split(words[0], ",") {
		if w == orSuccess {
			if e.OrSuccess {
				return Expectation{}, fmt.Errorf("%s given twice", orSuccess)
			}
			e.OrSuccess = true
			continue
		}
		s, err := parseStatus(w)
		if err != nil {
			return Expectation{}, err
		}
		if !status {
			e.Status, status = s, true
		} else {
			e.Also = append(e.Also, s)
		}
	}
	if !status {
		return Expectation{}, fmt.Errorf("%s without a status", orSuccess)
	}
	for _, c := range words[1:] {
		if c == noCode {
			if e.CodeOptional {
				return Expectation{}, fmt.Errorf("%s given twice", noCode)
			}
			e.CodeOptional = true
			continue
		}
		if err := checkCode(c); err != nil {
			return Expectation{}, err
		}
		e.Codes = append(e.Codes, c)
	}
	if e.CodeOptional && len(e.Codes) == 0 {
		return Expectation{}, fmt.Errorf("%s without a code: write the statuses alone for an answer with any body", noCode)
	}
	if err := e.check(); err != nil {
		return Expectation{}, err
	}
	return e, nil
}

func parseStatus(w string) (int, error) {
	if len(w) != 3 || strings.Trim(w, "0123456789") != "" {
		return 0, fmt.Errorf("status %q, want three digits", w)
	}
	n, _ := strconv.Atoi(w)
	if err := checkStatus(n); err != nil {
		return 0, err
	}
	return n, nil
}

// WriteTo writes t in the text form that [ParseTable] reads: a comment
// line, the name (when not empty), a failure directive for every kind of
// its entries that is not built in (with its [Failure.Doc] on one line),
// the success status of every step and every entry in the order of
// [Table.Entries]. ParseTable of the output gives a table equal to t. It
// returns the number of bytes written and the first write error.
func (t *Table) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	b.WriteString("# registrytest failures table\n")
	if name := t.Name(); name != "" {
		fmt.Fprintf(&b, "name %s\n", name)
	}
	entries := t.Entries()
	declared := map[Failure]bool{}
	for _, e := range entries {
		if e.Failure.builtin() || declared[e.Failure] {
			continue
		}
		declared[e.Failure] = true
		fmt.Fprintf(&b, "failure %s", e.Failure)
		if doc := oneLine(e.Failure.Doc()); doc != "" {
			b.WriteString(" " + doc)
		}
		b.WriteString("\n")
	}
	for _, s := range allSteps {
		fmt.Fprintf(&b, "success %-17s %d\n", s, t.Success(s))
	}
	for _, e := range entries {
		statuses := make([]string, 0, 1+len(e.Expectation.Also))
		for _, s := range e.Expectation.Statuses() {
			statuses = append(statuses, strconv.Itoa(s))
		}
		if e.Expectation.OrSuccess {
			statuses = append(statuses, orSuccess)
		}
		fmt.Fprintf(&b, "%-17s %-28s %s", e.Step, e.Failure, strings.Join(statuses, ","))
		for _, c := range e.Expectation.Codes {
			b.WriteString(" " + c)
		}
		if e.Expectation.CodeOptional {
			b.WriteString(" " + noCode)
		}
		b.WriteString("\n")
	}
	return b.WriteTo(w)
}

// String returns the text form of t, as WriteTo writes it.
func (t *Table) String() string {
	var b strings.Builder
	t.WriteTo(&b)
	return b.String()
}
