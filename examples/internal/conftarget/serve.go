package conftarget

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/registrytest/registrytest/conformance"
)

// Serve28 is the package of the program that serves docker/distribution
// v2.8.3 for StartServe28.
const Serve28 = "./internal/conftarget/serve28"

// StartServe28 builds the program of package Serve28 with the go command
// (from this module's source tree, without -race whatever the caller was
// built with) into a temporary directory, starts it, and returns the target
// of the registry it serves on 127.0.0.1 (token auth, the users of Users,
// controlled through Remote, preloaded) and the function that stops it
// (closing its input, which makes it stop its registry and exit, or
// killing it after 10 s) and removes the binary. The program's standard
// error, and the build's output, go to logw.
//
// It is how a binary that links distribution v3 runs docker/distribution
// v2.8.3 (the two cannot be linked together), and how the project's tests
// run v2.8.3 without the race detector's cost (the suite is the code under
// test, not the registry).
func StartServe28(ctx context.Context, logw io.Writer) (*conformance.Target, func(), error) {
	root, err := ModuleRoot()
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "registrytest-serve28-")
	if err != nil {
		return nil, nil, err
	}
	bin := filepath.Join(dir, "serve28")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, Serve28)
	build.Dir = root
	build.Stdout, build.Stderr = logw, logw
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("conftarget.StartServe28: go build %s (in %s): %v", Serve28, root, err)
	}
	cmd := exec.Command(bin)
	cmd.Stderr = logw
	in, err := cmd.StdinPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("conftarget.StartServe28: %v", err)
	}
	stop := func() {
		in.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		os.RemoveAll(dir)
	}
	info, remote, err := Dial(in, out)
	if err != nil {
		stop()
		return nil, nil, err
	}
	t, err := FromInfo(ctx, info, remote)
	if err != nil {
		stop()
		return nil, nil, err
	}
	return t, stop, nil
}

// ModuleRoot returns the directory of this module's source: two levels
// above the directory this file was compiled from, else the module of the
// go command run in the current directory.
func ModuleRoot() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok {
		root := filepath.Join(filepath.Dir(file), "..", "..")
		if _, err := os.Stat(filepath.Join(root, Serve28)); err == nil {
			return root, nil
		}
	}
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("conftarget.ModuleRoot: go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("conftarget.ModuleRoot: this module's source is needed (to build " + Serve28 + "): run from inside it")
	}
	return filepath.Dir(gomod), nil
}
