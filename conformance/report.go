package conformance

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"
)

// An Outcome is how a scenario went.
type Outcome string

// The outcomes.
const (
	Passed  Outcome = "pass"
	Failed  Outcome = "FAIL"
	Skipped Outcome = "skip"
)

// A Result is the outcome of one scenario, or of one parameter of it.
type Result struct {
	ID, Param, Area string
	Outcome         Outcome
	// Detail is the error of a failed scenario or the reason of a skipped
	// one.
	Detail string
	// Err is the error of a failed scenario, or of a skipped one that
	// failed on a known deviation (Target.Known); inspect it with
	// errors.As, for example for a *v2proto.StatusError.
	Err      error
	Duration time.Duration
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
}

// Counts returns how many results passed, failed and were skipped.
func (r *Report) Counts() (passed, failed, skipped int) {
	for _, res := range r.Results {
		switch res.Outcome {
		case Passed:
			passed++
		case Failed:
			failed++
		case Skipped:
			skipped++
		}
	}
	return passed, failed, skipped
}

// Failed reports whether any scenario failed.
func (r *Report) Failed() bool {
	_, f, _ := r.Counts()
	return f > 0
}

// WriteText writes the report as a table, one row per result (name,
// outcome, time, and the error or the reason of a skip, on one line), and a
// last line "N passed, N failed, N skipped".
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "SCENARIO\tRESULT\tTIME\tDETAIL\n")
	for _, res := range r.Results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", res.Name(), res.Outcome, res.Duration.Round(time.Millisecond), oneLine(res.Detail))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	p, f, s := r.Counts()
	_, err := fmt.Fprintf(w, "%d passed, %d failed, %d skipped\n", p, f, s)
	return err
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
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML, one testcase per result (the
// classname is the area), as CI systems read it.
func (r *Report) WriteJUnit(w io.Writer) error {
	p, f, s := r.Counts()
	suite := junitSuite{
		Name: "registrytest conformance: " + r.Target, Tests: p + f + s, Failures: f, Skipped: s,
		Time: seconds(r.Duration), Timestamp: r.Start.UTC().Format(time.RFC3339),
		Props: []junitProp{{"url", r.URL}},
	}
	for _, res := range r.Results {
		c := junitCase{Name: res.Name(), Classname: "conformance." + sanitize(res.Area), Time: seconds(res.Duration)}
		switch res.Outcome {
		case Failed:
			c.Failure = &junitMessage{Message: oneLine(res.Detail), Text: res.Detail}
		case Skipped:
			c.Skipped = &junitMessage{Message: oneLine(res.Detail)}
		}
		suite.Cases = append(suite.Cases, c)
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

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
