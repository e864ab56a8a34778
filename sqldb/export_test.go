package sqldb

// SetParallelVerifyMin lets tests verify tiny records in parallel stretches.
func SetParallelVerifyMin(n int64) (restore func()) {
	old := parallelVerifyMin
	parallelVerifyMin = n
	return func() { parallelVerifyMin = old }
}

// SetDueChunk lets tests walk deadlines a few at a time.
func SetDueChunk(n int) (restore func()) {
	old := dueChunk
	dueChunk = n
	return func() { dueChunk = old }
}
