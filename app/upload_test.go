package app_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
)

// TestSlowUploadKeepsNoOneWaiting: while an import's upload trickles in, other
// writes go ahead — the upload is read before the writer is taken.
func TestSlowUploadKeepsNoOneWaiting(t *testing.T) {
	w := newWorld(t)
	ctx := w.as(t, "paula") // membership office: edits the register
	pr, pw := io.Pipe()
	imported := make(chan error, 1)
	go func() {
		_, err := w.a.Import(ctx, pr, "upload", false, nil)
		imported <- err
	}()
	// The first rows arrive, then the client stalls.
	if _, err := pw.Write([]byte("id,name,branch,constituency,joined\nM0902,First Row,harbour-ward,northport-central,2026-11-30\n")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // let the import read what has come
	joined := make(chan error, 1)
	go func() {
		_, _, err := w.a.Join(ctx, rulebook.Member{ID: "M0900", Name: "Quick Joiner", Unit: "harbour-ward", Joined: rulebook.MustDate("2026-11-30")}, "")
		joined <- err
	}()
	select {
	case err := <-joined:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a write waited on a stalled upload")
	}
	// The upload finishes, and is imported.
	if _, err := pw.Write([]byte("M0901,Slow Uploader,harbour-ward,northport-central,2026-11-30\n")); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if err := <-imported; err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.History(context.Background(), "M0901"); err != nil {
		t.Errorf("the upload was not imported: %v", err)
	}
}
