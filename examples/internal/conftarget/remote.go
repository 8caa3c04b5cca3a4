package conftarget

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/registrytest/registrytest/conformance"
)

// A registry served by another process (distribution v2.8 cannot be linked
// into a binary that holds v3) is controlled over a line protocol on the
// process's standard input and output:
//
//	process -> parent: one line, the JSON of its Info, once the registry is up
//	parent -> process: "readonly true|false", "public <repo>", "anonymous true|false"
//	process -> parent: "ok", or "error <message>", for each command
//
// The process stops its registry and exits when its input ends.

// Serve answers the commands of the line protocol read from in with c,
// writing info first and one answer per command to out, until in ends
// (then it returns nil) or fails.
func Serve(ctx context.Context, info Info, c *Control, in io.Reader, out io.Writer) error {
	b, err := json.Marshal(info)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(out, "%s\n", b); err != nil {
		return err
	}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		cmd, arg, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		var err error
		switch cmd {
		case "readonly":
			var on bool
			if on, err = strconv.ParseBool(arg); err == nil {
				err = c.SetRegistryReadOnly(ctx, on)
			}
		case "public":
			err = c.MakePublic(ctx, arg)
		case "anonymous":
			var on bool
			if on, err = strconv.ParseBool(arg); err == nil {
				err = c.SetAnonymousAccess(ctx, on)
			}
		default:
			err = fmt.Errorf("unknown command %q", cmd)
		}
		answer := "ok"
		if err != nil {
			answer = "error " + strings.Join(strings.Fields(err.Error()), " ")
		}
		if _, err := fmt.Fprintln(out, answer); err != nil {
			return err
		}
	}
	return sc.Err()
}

// Remote is the Control of a registry served by another process, which
// answers the line protocol of Serve: it writes commands to the process's
// input and reads the answers from its output. It implements the same state
// interfaces as Control and is safe for concurrent use.
type Remote struct {
	mu        sync.Mutex
	w         io.Writer
	answers   chan string
	broken    error
	preloaded conformance.PreloadedContent
}

// Dial reads the Info line of a process answering the protocol of Serve
// from r and returns it with the Remote that sends commands to w and reads
// their answers from r.
func Dial(w io.Writer, r io.Reader) (Info, *Remote, error) {
	br := bufio.NewReader(r)
	line, err := br.ReadString('\n')
	if err != nil {
		return Info{}, nil, fmt.Errorf("conftarget.Dial: reading the registry's description: %v", err)
	}
	var info Info
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		return Info{}, nil, fmt.Errorf("conftarget.Dial: the registry's description %q: %v", strings.TrimSpace(line), err)
	}
	rm := &Remote{w: w, answers: make(chan string)}
	go func() {
		defer close(rm.answers)
		sc := bufio.NewScanner(br)
		for sc.Scan() {
			rm.answers <- sc.Text()
		}
	}()
	return info, rm, nil
}

var (
	_ conformance.RegistryReadOnly = (*Remote)(nil)
	_ conformance.PublicRepos      = (*Remote)(nil)
	_ conformance.AnonymousAccess  = (*Remote)(nil)
	_ conformance.Preloaded        = (*Remote)(nil)
)

// Preloaded returns the content Preload put into the registry.
func (rm *Remote) Preloaded() conformance.PreloadedContent {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	return rm.preloaded
}

func (rm *Remote) setPreloaded(pc conformance.PreloadedContent) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	rm.preloaded = pc
}

func (rm *Remote) do(ctx context.Context, cmd string) error {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	if rm.broken != nil {
		return rm.broken
	}
	if _, err := fmt.Fprintln(rm.w, cmd); err != nil {
		rm.broken = fmt.Errorf("conftarget: sending %q to the registry process: %v", cmd, err)
		return rm.broken
	}
	select {
	case a, ok := <-rm.answers:
		switch {
		case !ok:
			rm.broken = fmt.Errorf("conftarget: %q: the registry process ended", cmd)
			return rm.broken
		case a == "ok":
			return nil
		case strings.HasPrefix(a, "error "):
			return errors.New(strings.TrimPrefix(a, "error "))
		default:
			return fmt.Errorf("conftarget: %q: the registry process answered %q, want ok or error", cmd, a)
		}
	case <-ctx.Done():
		// The answer will come later, out of step with the next command.
		rm.broken = fmt.Errorf("conftarget: %q: %v; the registry process is out of step", cmd, ctx.Err())
		return rm.broken
	}
}

// SetRegistryReadOnly asks the process to restart its registry read-only or
// writable.
func (rm *Remote) SetRegistryReadOnly(ctx context.Context, readOnly bool) error {
	return rm.do(ctx, "readonly "+strconv.FormatBool(readOnly))
}

// MakePublic asks the process to grant pull on repo to everyone.
func (rm *Remote) MakePublic(ctx context.Context, repo string) error {
	if strings.ContainsAny(repo, " \r\n") {
		return fmt.Errorf("conftarget: MakePublic(%q): a repository name without spaces or newlines, please", repo)
	}
	return rm.do(ctx, "public "+repo)
}

// SetAnonymousAccess asks the process to serve or refuse anonymous token
// requests.
func (rm *Remote) SetAnonymousAccess(ctx context.Context, on bool) error {
	return rm.do(ctx, "anonymous "+strconv.FormatBool(on))
}
