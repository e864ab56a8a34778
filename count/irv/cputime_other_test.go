//go:build !unix

package irv

import "time"

func cpuTime() time.Duration { return 0 }
