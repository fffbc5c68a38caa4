//go:build !unix

package harness

import (
	"os"
	"time"
)

// maxRSSKB is not known on this system.
func maxRSSKB(*os.ProcessState) int64 { return 0 }

// selfCPU is not known on this system.
func selfCPU() time.Duration { return 0 }
