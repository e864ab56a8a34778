//go:build !unix

package ballotcsv

import "time"

func cpuTime() time.Duration { return 0 }
