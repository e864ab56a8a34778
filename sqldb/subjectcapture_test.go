package sqldb_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestSubjectCapture: the case check after verify --projection replays the
// events of the captured subjects that the verify's walk kept (here walked in
// parallel stretches), each subject's events whole and in order, just as a
// read of them gives (those holding personal fields apart opened, or read as
// erased once their fields are erased); it reads them instead when an event
// was appended since the walk, or when they would take more than the
// capture's budget.
func TestSubjectCapture(t *testing.T) {
	defer sqldb.SetParallelVerifyMin(1)()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		day := rulebook.MustDate("2012-01-01")
		note := func(i int, subject string) *rulebook.Event {
			return &rulebook.Event{Type: "note", Subject: subject, Actor: "t", Effective: day.AddDays(i), Data: mustData(t, map[string]int{"n": i})}
		}
		var evs []*rulebook.Event
		for i := range 60 {
			// Subjects interleaved across the record, and some that only look alike.
			subject := fmt.Sprintf("kept/%d", i%7)
			switch i % 10 {
			case 9:
				subject = fmt.Sprintf("keptx/%d", i)
			case 4, 7:
				// Kept under a second prefix.
				subject = fmt.Sprintf("also/%d", i%3)
			}
			e := note(i, subject)
			if i%5 == 2 {
				// Personal fields held apart.
				e.Type, e.Data = rulebook.EventRollEntered, mustData(t, map[string]any{"n": i, "names": []string{fmt.Sprint("Name ", i)}})
			}
			evs = append(evs, e)
		}
		if err := db.Append(ctx, evs...); err != nil {
			t.Fatal(err)
		}
		// groups is what the check replays: each subject's seqs, by subject.
		groups := func(ctx context.Context) string {
			t.Helper()
			var out []string
			_, err := db.CaseDigestsDiffer(ctx, func(w sqldb.CaseWriter) error {
				// The first event of a type of each subject, as a read finds it.
				for _, typ := range []string{"note", rulebook.EventRollEntered} {
					first, err := w.FirstEvents([]string{"also/0", "also/1", "also/2", "also/9", "kept/3"}, typ)
					if err != nil {
						return err
					}
					for s, e := range first {
						out = append(out, fmt.Sprintf("first %s %s: %d %s %s %v", typ, s, e.Seq, e.Data, e.Stored, e.Erased))
					}
				}
				return w.EachSubject("kept/", func(evs []rulebook.Event) error {
					var b strings.Builder
					b.WriteString(evs[0].Subject + ":")
					for _, e := range evs {
						if e.Subject != evs[0].Subject || !strings.HasPrefix(string(e.Data), `{"n":`) || e.Hash == (rulebook.Hash{}) || e.Recorded.IsZero() {
							return fmt.Errorf("event %d read as %+v", e.Seq, e)
						}
						fmt.Fprintf(&b, " %d %s %s %v", e.Seq, e.Data, e.Stored, e.Erased)
					}
					out = append(out, b.String())
					return nil
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(out)
			return strings.Join(out, "\n")
		}
		var kept atomic.Int64
		defer sqldb.CountKeptReplays(&kept)()
		verified := func() context.Context {
			t.Helper()
			cctx := sqldb.WithSubjectCapture(ctx, "kept/", "also/")
			if res, diffs, err := db.VerifyProjection(cctx, nil); err != nil || !res.OK || len(diffs) > 0 {
				t.Fatalf("%+v %v %v", res, diffs, err)
			}
			return cctx
		}

		read := groups(ctx)
		if strings.Count(read, "\n") != 6+8 || kept.Load() != 0 {
			t.Fatalf("read (%d kept):\n%s", kept.Load(), read)
		}
		// Each check uses them three times: a replay and two look-ups.
		if got := groups(verified()); got != read || kept.Load() != 3 {
			t.Fatalf("replayed what the walk kept (%d times):\n%s\nwant\n%s", kept.Load(), got, read)
		}

		if !strings.Contains(read, `"names":["Name 2"]`) || !strings.Contains(read, `"$personal"`) {
			t.Fatalf("no personal fields held apart:\n%s", read)
		}
		// The fields of one event erased, as an erasure erases them.
		var erased int64
		var ev rulebook.Event
		if err := db.Raw().QueryRow(`SELECT seq, id, subject FROM events WHERE type = $1 ORDER BY seq LIMIT 1`, rulebook.EventRollEntered).Scan(&erased, &ev.ID, &ev.Subject); err != nil {
			t.Fatal(err)
		}
		a, err := db.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.ErasePersonal([]int64{erased}); err != nil {
			t.Fatal(err)
		}
		er := rulebook.Erasure{Subject: ev.Subject, Events: []string{ev.ID}, Basis: rulebook.ErasureRequest, Reason: "asked"}
		if err := a.Add(&rulebook.Event{Type: rulebook.EventErased, Subject: rulebook.ErasureSubjectPrefix + ev.Subject, Actor: "t",
			Effective: day.AddDays(90), Data: mustData(t, er), Payload: er}); err != nil {
			t.Fatal(err)
		}
		if err := a.Commit(); err != nil {
			t.Fatal(err)
		}
		read = groups(ctx)
		if !strings.Contains(read, " true") || strings.Contains(read, `"Name 2"`) {
			t.Fatalf("not read as erased:\n%s", read)
		}
		if got := groups(verified()); got != read || kept.Load() != 6 {
			t.Fatalf("after an erasure, replayed what the walk kept (%d times):\n%s\nwant\n%s", kept.Load(), got, read)
		}

		cctx := verified()
		if err := db.Append(ctx, note(100, "kept/3")); err != nil {
			t.Fatal(err)
		}
		read = groups(ctx)
		if got := groups(cctx); got != read || kept.Load() != 6 {
			t.Fatalf("after an append (%d kept):\n%s\nwant\n%s", kept.Load(), got, read)
		}

		restore := sqldb.SetCaptureBudget(500)
		cctx = verified()
		restore()
		if got := groups(cctx); got != read || kept.Load() != 6 {
			t.Fatalf("over the budget (%d kept):\n%s\nwant\n%s", kept.Load(), got, read)
		}
	})
}

// TestCaseCheckBesideVerify: under WithCaseCheck, verify --projection compares
// the case projection while it holds the write lock (the rebuild runs before
// VerifyProjection returns, reading what the walk kept and, for what it did
// not keep, the readers' pool), and CaseDigestsDiffer under the same context
// takes that answer once; it compares afresh after, or without the context.
func TestCaseCheckBesideVerify(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		day := rulebook.MustDate("2012-01-01")
		for i := range 12 {
			subject := fmt.Sprintf("kept/%d", i%4)
			if i%3 == 0 {
				subject = fmt.Sprintf("also/%d", i)
			}
			if err := db.Append(ctx, &rulebook.Event{Type: "note", Subject: subject, Actor: "t", Effective: day.AddDays(i), Data: mustData(t, map[string]int{"n": i})}); err != nil {
				t.Fatal(err)
			}
		}
		var verifying atomic.Bool
		var calls, during atomic.Int64
		// rebuild stores one list entry per subject it reads (the stored
		// list_entries are empty, so their digests differ) and reads the
		// subjects not kept through the pool.
		var read []string
		rebuild := func(w sqldb.CaseWriter) error {
			calls.Add(1)
			if verifying.Load() {
				during.Add(1)
			}
			read = read[:0]
			if err := w.EachSubject("kept/", func(evs []rulebook.Event) error {
				read = append(read, fmt.Sprintf("%s:%d", evs[0].Subject, len(evs)))
				return w.PutListEntry("l", evs[0].Subject, evs[0].Data)
			}); err != nil {
				return err
			}
			also, err := w.EventsWithSubjectPrefix("also/")
			if err != nil {
				return err
			}
			first, err := w.FirstEvents([]string{"also/3", "kept/1"}, "note")
			if err != nil {
				return err
			}
			read = append(read, fmt.Sprintf("also:%d first:%d", len(also), len(first)))
			return nil
		}
		fresh, err := db.CaseDigestsDiffer(ctx, rebuild)
		if err != nil || !slices.Equal(fresh, []string{"list_entries"}) {
			t.Fatalf("fresh: %v %v", fresh, err)
		}
		want := strings.Join(read, " ")

		cctx := sqldb.WithCaseCheck(sqldb.WithSubjectCapture(ctx, "kept/"), rebuild)
		verifying.Store(true)
		res, diffs, err := db.VerifyProjection(cctx, nil)
		verifying.Store(false)
		if err != nil || !res.OK || len(diffs) > 0 {
			t.Fatalf("%+v %v %v", res, diffs, err)
		}
		if calls.Load() != 2 || during.Load() != 1 {
			t.Fatalf("the rebuild ran %d times, %d of them during verify --projection; want 2 and 1", calls.Load(), during.Load())
		}
		if got := strings.Join(read, " "); got != want {
			t.Fatalf("beside the verify read %s, want %s", got, want)
		}
		differ, err := db.CaseDigestsDiffer(cctx, rebuild)
		if err != nil || !slices.Equal(differ, fresh) || calls.Load() != 2 {
			t.Fatalf("the answer taken: %v %v (rebuilt %d times)", differ, err, calls.Load())
		}
		// Taken once: a second check compares afresh.
		differ, err = db.CaseDigestsDiffer(cctx, rebuild)
		if err != nil || !slices.Equal(differ, fresh) || calls.Load() != 3 {
			t.Fatalf("afresh: %v %v (rebuilt %d times)", differ, err, calls.Load())
		}
	})
}

// TestComplaintsCheckReplaysKept: verify --projection works out the
// complaints' rows from the complaint events its walk kept, when it kept them,
// rather than reading them again; a complaint tampered with is named all the
// same, and without the capture the events are read.
func TestComplaintsCheckReplaysKept(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		for i, q := range []string{"2016-02-01", "2016-05-01", "2016-05-02"} {
			id := fmt.Sprintf("C-%d", i)
			if err := db.Append(ctx, &rulebook.Event{Type: rulebook.EventComplaintReceived, Subject: rulebook.ComplaintSubjectPrefix + id, Actor: "t",
				Effective: rulebook.MustDate(q), Data: mustData(t, rulebook.ComplaintReceived{ID: id, Respondent: "m1", Complainant: "m2", From: "member", Via: "letter", Summary: "a complaint"})}); err != nil {
				t.Fatal(err)
			}
		}
		var kept atomic.Int64
		defer sqldb.CountKeptReplays(&kept)()
		check := func(capture bool) []string {
			t.Helper()
			cctx := ctx
			if capture {
				cctx = sqldb.WithSubjectCapture(ctx, rulebook.ComplaintSubjectPrefix)
			}
			res, diffs, err := db.VerifyProjection(cctx, nil)
			if err != nil || !res.OK {
				t.Fatalf("%+v %v", res, err)
			}
			return diffs
		}
		if diffs := check(true); len(diffs) > 0 || kept.Load() != 1 {
			t.Fatalf("%v, the kept events replayed %d times, want once", diffs, kept.Load())
		}
		if diffs := check(false); len(diffs) > 0 || kept.Load() != 1 {
			t.Fatalf("%v, the kept events replayed %d times without a capture", diffs, kept.Load())
		}
		if err := sqldbtest.Exec(db, `UPDATE complaints SET summary = 'another' WHERE id = 'C-1'`); err != nil {
			t.Fatal(err)
		}
		want := `complaints: complaint C-1: summary is "another", the events make it "a complaint"`
		if diffs := check(true); strings.Join(diffs, "\n") != want || kept.Load() != 2 {
			t.Fatalf("found %q (kept replayed %d times), want %q", diffs, kept.Load(), want)
		}
		// A stored row rulebook could not have written stops the check with an
		// error once the complaints' check has started beside it; it ends
		// cleanly, however late that check runs (the race detector watches).
		if err := sqldbtest.Exec(db, `UPDATE status_points SET rights = '{bad' WHERE member_id = 'm1'`); err != nil {
			t.Fatal(err)
		}
		for range 20 {
			_, _, err := db.VerifyProjection(sqldb.WithSubjectCapture(ctx, rulebook.ComplaintSubjectPrefix), nil)
			if rulebook.ErrorCode(err) != rulebook.ETampered {
				t.Fatalf("a damaged rights column: %v", err)
			}
		}
	})
}
