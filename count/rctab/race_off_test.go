//go:build !race

package rctab

// raceDetector says whether the tests run under the race detector.
const raceDetector = false
