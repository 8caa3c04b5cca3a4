// Package browsertest checks the HTML reports of package conformance in a
// real browser: headless Chromium (Debian's chromium package) loads the
// report of a run against distribution v3 with failures and warnings, and
// the test reads what it rendered. It has no code of its own; see its
// test.
package browsertest
