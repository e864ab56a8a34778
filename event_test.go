package rulebook

import (
	"sort"
	"sync"
	"testing"
)

// A million ids made as fast as possible, from several goroutines, are all distinct
// and, from one goroutine, increasing.
func TestNewEventIDUnique(t *testing.T) {
	const n = 250_000
	var mu sync.Mutex
	seen := make(map[string]bool, 4*n)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids := make([]string, n)
			for i := range ids {
				ids[i] = NewEventID()
			}
			if !sort.StringsAreSorted(ids) {
				t.Error("ids from one goroutine are not increasing")
			}
			mu.Lock()
			defer mu.Unlock()
			for _, id := range ids {
				if seen[id] {
					t.Errorf("duplicate id %s", id)
					return
				}
				seen[id] = true
			}
		}()
	}
	wg.Wait()
}
