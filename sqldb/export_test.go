package sqldb

// SetParallelVerifyMin lets tests verify tiny records in parallel stretches.
func SetParallelVerifyMin(n int64) (restore func()) {
	old := parallelVerifyMin
	parallelVerifyMin = n
	return func() { parallelVerifyMin = old }
}
