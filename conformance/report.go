package conformance

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/registrytest/registrytest/v2proto"
)

// An Outcome is how a scenario went.
type Outcome string

// The outcomes. A scenario's error is judged by the requirement it breaks
// (see Requirement): Failed for a MUST, Warned for a SHOULD (Failed under
// Strict) and for a requirement whose source does not bind the target,
// Skipped for a MAY.
const (
	Passed  Outcome = "pass"
	Failed  Outcome = "FAIL"
	Skipped Outcome = "skip"
	// Warned is a scenario that passed but broke a requirement that does
	// not fail it: a SHOULD outside strict mode, or another registry's
	// behaviour. Report.Counts counts it as passed; Report.Warnings counts
	// it again.
	Warned Outcome = "WARN"
)

// A Result is the outcome of one scenario, or of one parameter of it.
type Result struct {
	ID, Param, Area string
	Outcome         Outcome
	// Detail is the error of a failed or warned scenario (after why the
	// requirement does not bind the target, when that is the reason it
	// is not a failure) or the reason of a skipped one.
	Detail string
	// Requirement is the requirement that judged the result: the one the
	// error names (a *Violation), else the scenario's first. It is the
	// zero Requirement for a scenario without requirements and for a
	// panic.
	Requirement Requirement
	// Err is the error the scenario returned, when it was judged (failed,
	// warned, skipped as optional or as a known deviation); inspect it
	// with errors.As, for example for a *v2proto.StatusError.
	Err      error
	Duration time.Duration
	// Known is the description of the known deviation (Target.Known) the
	// result is skipped for, "" when it is not one.
	Known string
	// Transcript is the record of the scenario's last exchanges (at most
	// MaxTranscript, oldest first, each text cut to MaxTranscriptLine
	// bytes), made by every client of its Env and redacted by v2proto
	// (see v2proto.WithTranscript): kept for failed and warned results and
	// known deviations, nil for the others. Raw requests a scenario sends
	// itself with Env.HTTPClient are not in it.
	Transcript []v2proto.Exchange
	// TranscriptDropped is how many earlier exchanges the transcript did
	// not keep.
	TranscriptDropped int
}

// Name is ID, or ID/param for a parameter.
func (r Result) Name() string {
	if r.Param == "" {
		return r.ID
	}
	return r.ID + "/" + r.Param
}

// A Report is what Check found.
type Report struct {
	Target, URL string
	Start       time.Time
	Duration    time.Duration
	// Results are in the order of the catalogue.
	Results []Result
	// States are the states the target's Control can set, in the order of
	// AllStates (Target.ControlStates).
	States []State
	// Table is the name of the failures table the target was judged by;
	// Capabilities are the capabilities it listed; Strict reports whether
	// the run was strict (Strict). Check sets them.
	Table        string
	Capabilities []Capability
	Strict       bool
	// CapabilityNotes says, by capability, how the program that ran Check
	// learned that the target has it (declared, measured, found by a
	// ping...), for the HTML report; Check leaves it nil.
	CapabilityNotes map[Capability]string
	// Err, when not nil, is what is wrong with the target itself rather
	// than with a scenario: a Control that cannot set any state, or that
	// has a method of a state interface with the wrong signature
	// (Target.ControlStates). It fails the report.
	Err error
}

// Counts returns how many results passed (warned ones included), failed
// and were skipped; they add up to len(r.Results). Warnings says how many
// of the passed ones carry a warning.
func (r *Report) Counts() (passed, failed, skipped int) {
	for _, res := range r.Results {
		switch res.Outcome {
		case Passed, Warned:
			passed++
		case Failed:
			failed++
		case Skipped:
			skipped++
		}
	}
	return passed, failed, skipped
}

// Warnings returns how many results passed with a warning (Warned).
func (r *Report) Warnings() int {
	n := 0
	for _, res := range r.Results {
		if res.Outcome == Warned {
			n++
		}
	}
	return n
}

// Failed reports whether any scenario failed or the target itself is wrong
// (Err).
func (r *Report) Failed() bool {
	_, f, _ := r.Counts()
	return f > 0 || r.Err != nil
}

// WriteText writes the report as text: a first line naming the states the
// target's Control can set; a table, one row per result (name, outcome,
// time, the requirement that judged it as "LEVEL (source, section)", and
// the error or the reason of a skip, on one line); then one paragraph per
// failure and per warning with the requirement's sentence, its URL and the
// whole error, and for a failure its transcript (TranscriptLines, under
// "transcript:"); the target's own error (Err), if any; and a last line
// "N passed, N failed, N skipped", followed by ", N warnings" when there
// are any (warned results are counted as passed too).
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "Control: %s\n\n", describeStates(r.States))
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "SCENARIO\tRESULT\tTIME\tREQUIREMENT\tDETAIL\n")
	for _, res := range r.Results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", res.Name(), res.Outcome, res.Duration.Round(time.Millisecond),
			orDash(res.Requirement.where()), oneLine(res.Detail))
	}
	tw.Flush()
	for line := range strings.Lines(table.String()) {
		// A row without detail ends in the padding of its requirement.
		if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return err
		}
	}
	for _, o := range []Outcome{Failed, Warned} {
		for _, res := range r.Results {
			if res.Outcome != o {
				continue
			}
			fmt.Fprintf(w, "\n%s %s\n", o, res.Name())
			if res.Requirement != (Requirement{}) {
				fmt.Fprintf(w, "    requirement: %s\n", res.Requirement)
				if res.Requirement.URL != "" {
					fmt.Fprintf(w, "    %s\n", res.Requirement.URL)
				}
			}
			fmt.Fprintf(w, "    %s\n", strings.ReplaceAll(res.Detail, "\n", "\n    "))
			if o == Failed {
				if lines := TranscriptLines(res); len(lines) > 0 {
					fmt.Fprintf(w, "    transcript:\n        %s\n", strings.Join(lines, "\n        "))
				}
			}
		}
	}
	if r.Err != nil {
		fmt.Fprintf(w, "\nFAIL target\n    %s\n", strings.ReplaceAll(r.Err.Error(), "\n", "\n    "))
	}
	_, err := io.WriteString(w, "\n"+r.closingLine()+"\n")
	return err
}

// closingLine is "N passed, N failed, N skipped", with ", N warnings" when
// there are any.
func (r *Report) closingLine() string {
	p, f, s := r.Counts()
	line := fmt.Sprintf("%d passed, %d failed, %d skipped", p, f, s)
	if n := r.Warnings(); n > 0 {
		line += fmt.Sprintf(", %d warnings", n)
	}
	return line
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine puts s on one line of at most about 300 bytes, eliding the
// middle (an error's end says what was wanted, and at which step).
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		head, tail := s[:150], s[len(s)-147:]
		for !utf8.ValidString(head) {
			head = head[:len(head)-1]
		}
		for !utf8.ValidString(tail) {
			tail = tail[1:]
		}
		s = head + "..." + tail
	}
	return s
}

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Props     []junitProp `xml:"properties>property,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML, one testcase per result (the
// classname is the area), as CI systems read it:
//   - a failure is a <failure> whose message is the error on one line,
//     whose type is the requirement's level (MUST when it has none), and
//     whose body is the requirement, its URL and the whole error, and
//     whose testcase's <system-out> is its transcript (TranscriptLines);
//   - a warning is a passing testcase whose <system-out> is "WARNING: ",
//     the requirement, its URL and the error;
//   - a skip is a <skipped> whose message is the reason on one line (and
//     whose body names the requirement, when there is one).
//
// The suite's properties are the URL (without user info, query values
// redacted) and the states the Control can set; a
// target error (Err) is one more failing testcase, named "target".
func (r *Report) WriteJUnit(w io.Writer) error {
	p, f, s := r.Counts()
	suite := junitSuite{
		Name: "registrytest conformance: " + r.Target, Tests: p + f + s, Failures: f, Skipped: s,
		Time: seconds(r.Duration), Timestamp: r.Start.UTC().Format(time.RFC3339),
		Props: []junitProp{{"url", redactedURL(r.URL)}, {"control", describeStates(r.States)}},
	}
	for _, res := range r.Results {
		c := junitCase{Name: res.Name(), Classname: "conformance." + sanitize(res.Area), Time: seconds(res.Duration)}
		switch res.Outcome {
		case Failed:
			level := res.Requirement.Level
			if level == "" {
				level = Must
			}
			c.Failure = &junitMessage{Message: oneLine(res.Detail), Type: string(level), Text: requirementBody(res.Requirement) + res.Detail}
			if lines := TranscriptLines(res); len(lines) > 0 {
				c.SystemOut = "transcript:\n" + strings.Join(lines, "\n") + "\n"
			}
		case Warned:
			c.SystemOut = "WARNING: " + requirementBody(res.Requirement) + res.Detail
		case Skipped:
			c.Skipped = &junitMessage{Message: oneLine(res.Detail)}
			if res.Requirement != (Requirement{}) {
				c.Skipped.Text = requirementBody(res.Requirement) + res.Detail
			}
		}
		suite.Cases = append(suite.Cases, c)
	}
	if r.Err != nil {
		suite.Tests++
		suite.Failures++
		suite.Cases = append(suite.Cases, junitCase{Name: "target", Classname: "conformance.target", Time: seconds(0),
			Failure: &junitMessage{Message: oneLine(r.Err.Error()), Type: "target", Text: r.Err.Error()}})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{suite}}); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// requirementBody is req and its URL, each on a line, and a blank line;
// nothing for the zero Requirement.
func requirementBody(req Requirement) string {
	if req == (Requirement{}) {
		return ""
	}
	s := req.String() + "\n"
	if req.URL != "" {
		s += req.URL + "\n"
	}
	return s + "\n"
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
