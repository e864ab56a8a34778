package app

// SetAccessQueue lets tests fill the access log's queue, and the writer's batch,
// with a few entries.
func SetAccessQueue(queue, batch int) (restore func()) {
	oq, ob := accessQueue, accessBatch
	accessQueue, accessBatch = queue, batch
	return func() { accessQueue, accessBatch = oq, ob }
}

// SetAccessErasureChunk lets tests erase the access log a few entries at a time.
func SetAccessErasureChunk(n int) (restore func()) {
	o := accessErasureChunk
	accessErasureChunk = n
	return func() { accessErasureChunk = o }
}
