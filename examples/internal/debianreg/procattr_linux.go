package debianreg

import "syscall"

// sysProcAttr asks Linux to send the registry SIGTERM when its parent dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
