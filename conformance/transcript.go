package conformance

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/registrytest/registrytest/v2proto"
)

// Bounds of a result's transcript (Result.Transcript).
const (
	// MaxTranscript is how many exchanges a result's transcript keeps:
	// the scenario's last ones.
	MaxTranscript = 50
	// MaxTranscriptLine is how many bytes of a path, a header value, a
	// body excerpt or a note of an exchange a transcript keeps, and how
	// long a line of TranscriptLines is at most.
	MaxTranscriptLine = 300
)

// A recorder keeps the last MaxTranscript exchanges of one scenario, each
// cut to MaxTranscriptLine bytes a field. It is safe for concurrent use.
type recorder struct {
	mu      sync.Mutex
	xs      []v2proto.Exchange // a ring once full
	next    int                // where the next one goes, once full
	dropped int
}

func (r *recorder) add(x v2proto.Exchange) {
	x = clipExchange(x)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.xs) < MaxTranscript {
		r.xs = append(r.xs, x)
		return
	}
	r.xs[r.next] = x
	r.next = (r.next + 1) % MaxTranscript
	r.dropped++
}

// transcript returns the exchanges kept, oldest first, and how many came
// before them.
func (r *recorder) transcript() ([]v2proto.Exchange, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Concat(r.xs[r.next:], r.xs[:r.next]), r.dropped
}

// clipExchange cuts every text of x to MaxTranscriptLine bytes.
func clipExchange(x v2proto.Exchange) v2proto.Exchange {
	x.Path = clip(x.Path, MaxTranscriptLine)
	x.Body = clip(x.Body, MaxTranscriptLine)
	x.Note = clip(x.Note, MaxTranscriptLine)
	x.RequestHeader = clipHeader(x.RequestHeader)
	x.Header = clipHeader(x.Header)
	if len(x.Codes) > 8 {
		x.Codes = x.Codes[:8]
	}
	for i := range x.Codes {
		x.Codes[i] = clip(x.Codes[i], 64)
	}
	return x
}

func clipHeader(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := http.Header{}
	for k, vs := range h {
		for i, v := range vs {
			if i == 4 {
				break
			}
			out[k] = append(out[k], clip(v, MaxTranscriptLine))
		}
	}
	return out
}

// clip returns s cut to at most n bytes (at a rune boundary, ending in
// "..." when cut), as valid UTF-8.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	cut := n - 3
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "..."
}

// TranscriptLines formats the transcript of res as text, one exchange a
// paragraph: a first line "METHOD path = status codes (step, time)" with
// how the client judged the answer, then the request headers ("> "), the
// response headers ("< ") and the body excerpt ("body: "), indented by two
// spaces. A first line says how many earlier exchanges were not kept. No
// line is longer than MaxTranscriptLine bytes and none holds a line break.
// It returns nil for a result without transcript.
func TranscriptLines(res Result) []string {
	var lines []string
	add := func(s string) {
		s = strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s)
		lines = append(lines, clip(s, MaxTranscriptLine))
	}
	if res.TranscriptDropped > 0 {
		add(fmt.Sprintf("(%d earlier exchanges not kept)", res.TranscriptDropped))
	}
	for _, x := range res.Transcript {
		add(exchangeLine(x))
		for _, k := range sortedKeys(x.RequestHeader) {
			for _, v := range x.RequestHeader[k] {
				add("  > " + k + ": " + v)
			}
		}
		for _, k := range sortedKeys(x.Header) {
			for _, v := range x.Header[k] {
				add("  < " + k + ": " + v)
			}
		}
		if x.Body != "" {
			add("  body: " + x.Body)
		}
	}
	return lines
}

// exchangeLine is the first line of an exchange in TranscriptLines.
func exchangeLine(x v2proto.Exchange) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s = ", x.Method, x.Path)
	if x.Status == 0 {
		b.WriteString("no answer")
	} else {
		fmt.Fprint(&b, x.Status)
	}
	for _, c := range x.Codes {
		b.WriteString(" " + c)
	}
	fmt.Fprintf(&b, " (%s, %s)", x.Step, x.Duration.Round(time.Microsecond))
	if x.Note != "" {
		b.WriteString(": " + x.Note)
	}
	return b.String()
}

func sortedKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
