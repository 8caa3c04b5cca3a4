package failures

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// An Expectation is what a registry answers for a failure at a step: a
// status and, when Codes is not empty, the error-body codes of which the
// answer must carry at least one (the codes of
// {"errors":[{"code":...}]}, such as MANIFEST_UNKNOWN). Empty Codes means
// any body, or none, is fine.
type Expectation struct {
	Status int
	Codes  []string
}

// String formats e as the status followed by its codes joined with " or ",
// for example "404 MANIFEST_UNKNOWN" or "400 MANIFEST_INVALID or
// MANIFEST_BLOB_UNKNOWN".
func (e Expectation) String() string {
	if len(e.Codes) == 0 {
		return fmt.Sprint(e.Status)
	}
	return fmt.Sprintf("%d %s", e.Status, strings.Join(e.Codes, " or "))
}

// Matches reports whether an answer with this status and these error-body
// codes meets e: the status is e.Status and, when e names codes, one of
// codes is among them.
func (e Expectation) Matches(status int, codes []string) bool {
	if status != e.Status {
		return false
	}
	if len(e.Codes) == 0 {
		return true
	}
	for _, c := range codes {
		if slices.Contains(e.Codes, c) {
			return true
		}
	}
	return false
}

// An Entry is one mapping of a table: at Step, Failure is answered as
// Expectation.
type Entry struct {
	Step        Step
	Failure     Failure
	Expectation Expectation
}

type key struct {
	step    Step
	failure Failure
}

// A Table maps (step, failure) pairs to the answer a registry gives, and
// each step to its success status. Tables are immutable: the methods that
// derive one (With, Without, WithSuccess, Named) return a new table and
// leave the receiver as it was, so the shipped tables can be shared freely
// and used from several goroutines.
//
// A nil *Table behaves as [OCI]: the OCI success statuses, no failure
// entries, no name.
type Table struct {
	name    string
	success map[Step]int
	entries map[key]Expectation
}

// defaultSuccess holds the success status of every step per the OCI
// distribution spec (and the Docker Registry HTTP API v2).
var defaultSuccess = map[Step]int{
	Ping:            200,
	Auth:            200,
	BlobHeadCheck:   404,
	StartUpload:     202,
	UploadChunk:     202,
	UploadStatus:    204,
	FinishUpload:    201,
	CancelUpload:    204,
	MountBlob:       201,
	GetBlob:         200,
	HeadBlob:        200,
	DeleteBlob:      202,
	PutManifest:     201,
	PutManifestList: 201,
	GetManifest:     200,
	GetManifestList: 200,
	HeadManifest:    200,
	DeleteManifest:  202,
	ListTags:        200,
	Catalog:         200,
	Referrers:       200,
}

// NewTable returns a table with the given name, the OCI success statuses
// and no failure entries: [OCI] renamed. It panics on a name [Table.Named]
// rejects.
func NewTable(name string) *Table {
	checkName(name)
	return &Table{name: name, success: maps.Clone(defaultSuccess), entries: map[key]Expectation{}}
}

func (t *Table) clone() *Table {
	if t == nil {
		return NewTable("")
	}
	return &Table{name: t.name, success: maps.Clone(t.success), entries: maps.Clone(t.entries)}
}

// Name returns the table's name ("" for a nil table).
func (t *Table) Name() string {
	if t == nil {
		return ""
	}
	return t.name
}

// Named returns a copy of t with the given name. It panics if the name
// holds a character that is not printable or starts or ends with a space
// (names are written on one line by WriteTo and must read back the same).
func (t *Table) Named(name string) *Table {
	checkName(name)
	n := t.clone()
	n.name = name
	return n
}

// With returns a copy of t in which failure f at step s is answered as e
// (replacing any entry for that pair). It panics if s or f is not a known
// step or failure, if e.Status is not in 100..599, or if a code is empty or
// holds white space or unprintable characters: those are programming
// errors, and the text form could not hold them.
func (t *Table) With(s Step, f Failure, e Expectation) *Table {
	if !s.Known() {
		panic(fmt.Sprintf("failures.Table.With: unknown step %q", s))
	}
	if !f.Known() {
		panic(fmt.Sprintf("failures.Table.With: unknown failure %q", f))
	}
	if err := checkStatus(e.Status); err != nil {
		panic("failures.Table.With: " + err.Error())
	}
	for _, c := range e.Codes {
		if err := checkCode(c); err != nil {
			panic("failures.Table.With: " + err.Error())
		}
	}
	n := t.clone()
	n.entries[key{s, f}] = Expectation{Status: e.Status, Codes: slices.Clip(slices.Clone(e.Codes))}
	return n
}

// Without returns a copy of t without an entry for failure f at step s. It
// is t's copy unchanged when there was none.
func (t *Table) Without(s Step, f Failure) *Table {
	n := t.clone()
	delete(n.entries, key{s, f})
	return n
}

// WithSuccess returns a copy of t in which step s succeeds with status. It
// panics if s is not a known step or status is not in 100..599.
func (t *Table) WithSuccess(s Step, status int) *Table {
	if !s.Known() {
		panic(fmt.Sprintf("failures.Table.WithSuccess: unknown step %q", s))
	}
	if err := checkStatus(status); err != nil {
		panic("failures.Table.WithSuccess: " + err.Error())
	}
	n := t.clone()
	n.success[s] = status
	return n
}

// Lookup returns what the table says the registry answers for failure f at
// step s, and whether it has an entry for that pair. The returned Codes
// slice is the caller's.
func (t *Table) Lookup(s Step, f Failure) (Expectation, bool) {
	if t == nil {
		return Expectation{}, false
	}
	e, ok := t.entries[key{s, f}]
	if !ok {
		return Expectation{}, false
	}
	e.Codes = slices.Clone(e.Codes)
	return e, true
}

// Success returns the status step s answers on success, or 0 when s is not
// a known step.
func (t *Table) Success(s Step) int {
	if t == nil {
		return defaultSuccess[s]
	}
	return t.success[s]
}

// StepsFor returns the steps at which the table maps failure f, in the
// order of [Steps]: the places where a call expecting f can meet it. It is
// empty when the table does not map f at all.
func (t *Table) StepsFor(f Failure) []Step {
	var steps []Step
	if t == nil {
		return steps
	}
	for _, s := range allSteps {
		if _, ok := t.entries[key{s, f}]; ok {
			steps = append(steps, s)
		}
	}
	return steps
}

// Entries returns every failure entry of the table, ordered by step (in
// the order of [Steps]) and then by failure (in the order of [All]). The
// caller owns the returned slice and the Codes in it.
func (t *Table) Entries() []Entry {
	var out []Entry
	if t == nil {
		return out
	}
	for k, e := range t.entries {
		e.Codes = slices.Clone(e.Codes)
		out = append(out, Entry{Step: k.step, Failure: k.failure, Expectation: e})
	}
	slices.SortFunc(out, func(a, b Entry) int {
		return cmp.Or(
			cmp.Compare(index(allSteps, a.Step), index(allSteps, b.Step)),
			cmp.Compare(index(allFailures, a.Failure), index(allFailures, b.Failure)))
	})
	return out
}

func checkStatus(status int) error {
	if status < 100 || status > 599 {
		return fmt.Errorf("status %d, want 100..599", status)
	}
	return nil
}

func checkCode(c string) error {
	if c == "" || !utf8.ValidString(c) || strings.ContainsFunc(c, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) {
		return fmt.Errorf("error code %q, want a word of printable characters", c)
	}
	return nil
}

// validName reports whether name can be written on one line and read back
// as is.
func validName(name string) error {
	if !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) ||
		strings.TrimSpace(name) != name {
		return fmt.Errorf("table name %q, want printable characters with no space at either end", name)
	}
	return nil
}

func checkName(name string) {
	if err := validName(name); err != nil {
		panic("failures: " + err.Error())
	}
}
