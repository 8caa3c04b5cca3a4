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

// An Expectation is what a registry answers for a failure at a step: one
// status, or a set of them, and optionally the error-body codes the answer
// carries (the codes of {"errors":[{"code":...}]}, such as
// MANIFEST_UNKNOWN; see [CodeManifestUnknown] and the other constants).
//
// The zero values of Also, Codes, CodeOptional and OrSuccess give the
// exact form of earlier versions: one status and, when Codes is not empty,
// a body that must carry one of the codes, at a step that must refuse. For example, a registry that refuses an
// invalid tag with 400 or 404, with MANIFEST_INVALID or TAG_INVALID or a
// body without a code (where [Spec] takes 400 or 404 with any body, since
// the spec requires no code there):
//
//	Expectation{Status: 400, Also: []int{404},
//		Codes: []string{CodeManifestInvalid, CodeTagInvalid}, CodeOptional: true}
type Expectation struct {
	// Status is the status the answer has, or the first of the statuses
	// it may have.
	Status int

	// Also lists the other statuses the answer may have. Nil: Status only.
	Also []int

	// Codes, when not empty, are the error codes of which the answer's
	// body must carry at least one. Empty: any body, or none, is fine.
	Codes []string

	// CodeOptional, with Codes, lets an answer whose body carries no
	// error code at all match too (no body, a plain-text or HTML body, an
	// error document without codes); an answer that carries codes must
	// still carry one of Codes. Without Codes it changes nothing.
	CodeOptional bool

	// OrSuccess lets the step answer its success status instead: the
	// registry may refuse here or at a later step at which the table maps
	// the failure, and a client goes on as if the failure were not mapped
	// here. Without it the step must refuse (the exact tables: Quay,
	// Distribution). [Spec] sets it on every entry, since where a
	// registry refuses is its choice; a call that meets no refusal at all
	// still fails at its end. Matches does not read it: whether a status
	// is the step's success is the table's to say ([Table.Success]).
	OrSuccess bool
}

// Statuses returns the statuses e allows: Status, then Also. The caller
// owns the returned slice.
func (e Expectation) Statuses() []int {
	return append([]int{e.Status}, e.Also...)
}

// String formats e as its statuses joined with " or ", then its codes
// joined with " or ", then "or no code" when CodeOptional, then ", or
// success" when OrSuccess: for example "404 MANIFEST_UNKNOWN", "400
// MANIFEST_INVALID or MANIFEST_BLOB_UNKNOWN", "400 or 404 MANIFEST_INVALID
// or TAG_INVALID or no code" or "401 or 403, or success".
func (e Expectation) String() string {
	var b strings.Builder
	for i, s := range e.Statuses() {
		if i > 0 {
			b.WriteString(" or ")
		}
		fmt.Fprint(&b, s)
	}
	if len(e.Codes) > 0 {
		b.WriteString(" " + strings.Join(e.Codes, " or "))
		if e.CodeOptional {
			b.WriteString(" or no code")
		}
	}
	if e.OrSuccess {
		b.WriteString(", or success")
	}
	return b.String()
}

// Matches reports whether an answer with this status and these error-body
// codes meets e: the status is e.Status or one of e.Also and, when e names
// codes, one of codes is among them, or codes is empty and e.CodeOptional.
func (e Expectation) Matches(status int, codes []string) bool {
	if status != e.Status && !slices.Contains(e.Also, status) {
		return false
	}
	if len(e.Codes) == 0 || (e.CodeOptional && len(codes) == 0) {
		return true
	}
	for _, c := range codes {
		if slices.Contains(e.Codes, c) {
			return true
		}
	}
	return false
}

// check returns why e cannot be held by a table, or nil.
func (e Expectation) check() error {
	seen := map[int]bool{}
	for _, s := range e.Statuses() {
		if err := checkStatus(s); err != nil {
			return err
		}
		if seen[s] {
			return fmt.Errorf("status %d given twice", s)
		}
		seen[s] = true
	}
	for _, c := range e.Codes {
		if err := checkCode(c); err != nil {
			return err
		}
	}
	return nil
}

// normal returns a copy of e that shares no slice with it, with nil for an
// empty Also or Codes and CodeOptional false when there are no codes (it
// changes nothing then): the form a table holds.
func (e Expectation) normal() Expectation {
	n := Expectation{Status: e.Status, CodeOptional: e.CodeOptional && len(e.Codes) > 0, OrSuccess: e.OrSuccess}
	if len(e.Also) > 0 {
		n.Also = slices.Clone(e.Also)
	}
	if len(e.Codes) > 0 {
		n.Codes = slices.Clone(e.Codes)
	}
	return n
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
// (replacing any entry for that pair). f may be any valid kind
// ([Failure.Valid]): a built-in one, one made with [NewFailure], or any
// other kebab-case value of the caller's own. It panics if s is not a known
// step, if f is not a valid kind, if a status of e is not in 100..599 or is
// given twice, or if a code is empty, is the word "none", or holds white
// space or unprintable characters: those are programming errors, and the
// text form could not hold them. The table keeps a copy of e's slices; an
// empty Also or Codes is kept as nil, and CodeOptional without codes as
// false (it changes nothing there).
func (t *Table) With(s Step, f Failure, e Expectation) *Table {
	if !s.Known() {
		panic(fmt.Sprintf("failures.Table.With: unknown step %q", s))
	}
	if err := f.check(); err != nil {
		panic("failures.Table.With: " + err.Error())
	}
	if err := e.check(); err != nil {
		panic("failures.Table.With: " + err.Error())
	}
	n := t.clone()
	n.entries[key{s, f}] = e.normal()
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
// step s, and whether it has an entry for that pair. The returned Also and
// Codes slices are the caller's.
func (t *Table) Lookup(s Step, f Failure) (Expectation, bool) {
	if t == nil {
		return Expectation{}, false
	}
	e, ok := t.entries[key{s, f}]
	if !ok {
		return Expectation{}, false
	}
	return e.normal(), true
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
// the order of [Steps]) and then by failure (in the order of [All], and
// kinds that are not built in after them, by name). The caller owns the
// returned slice and the Also and Codes in it.
func (t *Table) Entries() []Entry {
	var out []Entry
	if t == nil {
		return out
	}
	for k, e := range t.entries {
		out = append(out, Entry{Step: k.step, Failure: k.failure, Expectation: e.normal()})
	}
	slices.SortFunc(out, func(a, b Entry) int {
		return cmp.Or(
			cmp.Compare(index(allSteps, a.Step), index(allSteps, b.Step)),
			compareFailures(a.Failure, b.Failure))
	})
	return out
}

// compareFailures orders built-in kinds as All does, and the others after
// them by name.
func compareFailures(a, b Failure) int {
	ia, ib := index(allFailures, a), index(allFailures, b)
	if ia < 0 {
		ia = len(allFailures)
	}
	if ib < 0 {
		ib = len(allFailures)
	}
	return cmp.Or(cmp.Compare(ia, ib), cmp.Compare(a, b))
}

func checkStatus(status int) error {
	if status < 100 || status > 599 {
		return fmt.Errorf("status %d, want 100..599", status)
	}
	return nil
}

// noCode is the word the text form writes for CodeOptional; no code may be
// spelt so.
const noCode = "none"

func checkCode(c string) error {
	if c == noCode {
		return fmt.Errorf("error code %q: the word is reserved (the text form writes it for CodeOptional)", c)
	}
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
