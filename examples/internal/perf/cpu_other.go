//go:build !unix

package perf

import "time"

// CPUTime returns the CPU time (user and system) the process has used so
// far, and true; where the system does not say, 0 and false.
func CPUTime() (time.Duration, bool) { return 0, false }
