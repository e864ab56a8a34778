package sqldbtest

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"time"
)

// PostgresCPU is the CPU time the processes named postgres on this machine
// have used (the server the benchmarks' databases are on, at 127.0.0.1), from
// /proc; 0 where there is none to read. A benchmark takes it before and after
// what it measures, beside its own process's, so that work moved into the
// server is not missed. The pools keep their connections open through a
// measurement, so no backend's time is lost by its exit.
func PostgresCPU() time.Duration {
	dirs, _ := os.ReadDir("/proc")
	var ticks int64
	for _, d := range dirs {
		if d.Name()[0] < '0' || d.Name()[0] > '9' {
			continue
		}
		stat, err := os.ReadFile("/proc/" + d.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state … utime stime: fields 14 and 15, counted after the
		// command's closing parenthesis, which a command may itself contain.
		open, end := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
		if open < 0 || end < open || !bytes.HasPrefix(stat[open+1:], []byte("postgres")) || end+2 > len(stat) {
			continue
		}
		f := strings.Fields(string(stat[end+2:]))
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + s
	}
	return time.Duration(ticks) * (time.Second / 100) // USER_HZ
}
