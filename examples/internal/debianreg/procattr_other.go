//go:build !linux

package debianreg

import "syscall"

// sysProcAttr has no parent-death signal to ask for outside Linux.
func sysProcAttr() *syscall.SysProcAttr { return nil }
