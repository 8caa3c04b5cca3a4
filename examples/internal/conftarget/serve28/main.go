// Command serve28 serves docker/distribution v2.8.3 in-process on 127.0.0.1
// for the conformance suite, with the options of conftarget.Options (token
// auth, the users by role), and is controlled over its standard input and
// output by the line protocol of conftarget.Serve: it first prints the JSON
// of the registry's conftarget.Info, then answers one line per command. It
// stops the registry and exits when its input ends or on SIGINT or SIGTERM.
//
// It exists because distribution v2.8 and v3 cannot be linked into one
// binary: examples/conformance (which links v3) builds and starts it for
// -registry v2.8.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/registrytest/registrytest/examples/internal/conftarget"
	"github.com/registrytest/registrytest/examples/internal/dist28"
)

func main() {
	os.Exit(run())
}

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	reg, err := dist28.New(conftarget.Options())
	if err != nil {
		fmt.Fprintf(os.Stderr, "serve28: %v\n", err)
		return 1
	}
	defer reg.Close()
	done := make(chan error, 1)
	go func() {
		done <- conftarget.Serve(ctx, conftarget.InfoOf(reg), conftarget.NewControl(reg), os.Stdin, os.Stdout)
	}()
	select {
	case err = <-done:
	case <-ctx.Done():
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "serve28: %v\n", err)
		return 1
	}
	return 0
}
