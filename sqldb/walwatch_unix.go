//go:build unix

package sqldb

import (
	"fmt"
	"syscall"
)

// mapHead maps the first n bytes of the file at path, read only and shared, so
// that each read sees what was last written to it by any process.
func mapHead(path string, n int) ([]byte, func() error, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, nil, err
	}
	// A read of a mapped page wholly past the end of the file faults.
	if st.Size < int64(n) {
		return nil, nil, fmt.Errorf("%s holds %d bytes", path, st.Size)
	}
	b, err := syscall.Mmap(fd, 0, n, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return b, func() error { return syscall.Munmap(b) }, nil
}

// readHead is not needed where the file is mapped.
func readHead(string, []byte) bool { return false }
