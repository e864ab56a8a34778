package app

// SetAccessQueue lets tests fill the access log's queue, and the writer's batch,
// with a few entries.
func SetAccessQueue(queue, batch int) (restore func()) {
	oq, ob := accessQueue, accessBatch
	accessQueue, accessBatch = queue, batch
	return func() { accessQueue, accessBatch = oq, ob }
}
