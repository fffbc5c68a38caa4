//go:build unix

package harness

import (
	"os"
	"runtime"
	"syscall"
	"time"
)

// maxRSSKB returns the peak resident set size of a finished process in
// KiB (getrusage's ru_maxrss: KiB on Linux, bytes on macOS).
func maxRSSKB(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss) / 1024
	}
	return int64(ru.Maxrss)
}

// selfCPU returns the CPU time (user + system) this process has used: the
// site's share of the machine while a tool runs against it.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
