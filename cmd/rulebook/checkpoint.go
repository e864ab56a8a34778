package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/checkpoint"
)

func init() {
	commands["key"] = command{"key generate --name NAME --out FILE: a key to sign checkpoints of the record (kept outside the database)", runKey}
	commands["checkpoint"] = command{"checkpoint --key FILE [--out FILE]: sign the tree heads of the record and the access log, for whoever should keep it", runCheckpoint}
	commands["proof"] = command{"proof EVENT --checkpoint FILE --verifier KEY: prove an event is in the record a signed checkpoint saw; " +
		"proof --consistency --checkpoint OLD --verifier KEY [--to NEW | --key FILE --out NEW]: prove a newer checkpoint extends OLD (with --proof FILE: check such a proof, without the database)", runProof}
}

func runKey(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "key", "key generate --name NAME --out FILE")
	name := fs.String("name", "", "the key's name, which also names the log (e.g. rulebook.example.org)")
	out := fs.String("out", "", "where to write the signing key (FILE, readable by its owner only) and its verifier key (FILE.pub)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "generate" || *name == "" || *out == "" {
		return errUsage{"usage: rulebook key generate --name NAME --out FILE"}
	}
	skey, vkey, err := checkpoint.GenerateKey(*name)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("%s: %w (a signing key is never overwritten)", *out, err)
	}
	if _, err := fmt.Fprintln(f, skey); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(*out+".pub", []byte(vkey+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "signing key written to %s (keep it outside the database, readable by the service only)\nverifier key (give it to whoever checks the checkpoints), also in %s.pub:\n%s\n", *out, *out, vkey)
	return nil
}

// readKey reads a key given as a file or, for a verifier key, as the key itself.
func readKey(s string) (string, error) {
	if b, err := os.ReadFile(s); err == nil {
		return strings.TrimSpace(string(b)), nil
	} else if strings.Contains(s, "+") {
		return s, nil
	} else {
		return "", err
	}
}

func runCheckpoint(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "checkpoint", "checkpoint --key FILE [--out FILE] [--db DSN]")
	st := addStoreFlags(fs, e)
	keyFile := fs.String("key", e.getenv("RULEBOOK_CHECKPOINT_KEY"), "the signing key's file (from 'rulebook key generate')")
	out := fs.String("out", "", "also write the checkpoint to this file")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *keyFile == "" {
		return errUsage{"--key FILE is required: the signing key is never kept in the database"}
	}
	skey, err := readKey(*keyFile)
	if err != nil {
		return err
	}
	a, ctx, done, err := st.app(ctx, "")
	if err != nil {
		return err
	}
	defer done()
	c, err := a.Checkpoint(ctx, skey)
	if err != nil {
		return err
	}
	if *out != "" {
		if err := os.WriteFile(*out, c.Note, 0o644); err != nil {
			return err
		}
	}
	_, err = e.stdout.Write(c.Note)
	return err
}

const proofUsage = `usage: rulebook proof EVENT --checkpoint FILE --verifier KEY
       rulebook proof --consistency --checkpoint OLD --verifier KEY [--to NEW | [--key FILE] --out NEW]
       rulebook proof --consistency --checkpoint OLD --to NEW --proof FILE --verifier KEY`

func runProof(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "proof", "proof EVENT --checkpoint FILE --verifier KEY [--db DSN]\n       rulebook proof --consistency --checkpoint OLD --verifier KEY [--to NEW | [--key FILE] --out NEW] [--proof FILE] [--db DSN]")
	st := addStoreFlags(fs, e)
	cpFile := fs.String("checkpoint", "", "a signed checkpoint (from 'rulebook checkpoint'); with --consistency, the older one")
	verifier := fs.String("verifier", "", "the verifier key, or its file")
	consistency := fs.Bool("consistency", false, "prove that a newer checkpoint extends the one given (--checkpoint): the record and the access log were only added to in between; whoever holds both checkpoints checks the proof without the record")
	to := fs.String("to", "", "with --consistency: the newer checkpoint, one its holder has (by default one signed now with --key, or else the newest kept in the database that still holds, written to --out)")
	keyFile := fs.String("key", e.getenv("RULEBOOK_CHECKPOINT_KEY"), "with --consistency: the signing key's file, to sign the newer checkpoint now")
	out := fs.String("out", "", "with --consistency: where to write the newer checkpoint (unless it is --to)")
	proofFile := fs.String("proof", "", "with --consistency: check this proof that --to extends --checkpoint, instead of making one (no database is opened)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *cpFile == "" || *verifier == "" || *consistency == (len(pos) == 1) || len(pos) > 1 {
		return errUsage{proofUsage}
	}
	msg, err := os.ReadFile(*cpFile)
	if err != nil {
		return err
	}
	vkey, err := readKey(*verifier)
	if err != nil {
		return err
	}
	if *consistency {
		return consistencyProof(ctx, e, st, msg, vkey, *to, *keyFile, *out, *proofFile)
	}
	a, ctx, done, err := st.app(ctx, "")
	if err != nil {
		return err
	}
	defer done()
	p, ev, err := a.ProveEvent(ctx, pos[0], msg, vkey)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s (%s, %s) is in the record the checkpoint signed; its chain hash %s\n%s", ev.ID, ev.Type, ev.Subject, ev.Hash, p)
	return nil
}

// consistencyProof makes a proof that a newer checkpoint extends older, or checks
// one (proofFile) between two checkpoints the auditor holds.
func consistencyProof(ctx context.Context, e *env, st *store, older []byte, vkey, to, keyFile, out, proofFile string) error {
	var newer []byte
	if to != "" {
		var err error
		if newer, err = os.ReadFile(to); err != nil {
			return err
		}
	}
	if proofFile != "" {
		if newer == nil {
			return errUsage{"--proof checks a proof between two checkpoints you hold: give the newer with --to NEW"}
		}
		text, err := os.ReadFile(proofFile)
		if err != nil {
			return err
		}
		oc, err := checkpoint.Open(older, vkey)
		if err != nil {
			return fmt.Errorf("%s: %w", "the older checkpoint", err)
		}
		nc, err := checkpoint.Open(newer, vkey)
		if err != nil {
			return fmt.Errorf("%s: %w", "the newer checkpoint", err)
		}
		p, err := checkpoint.ParseConsistency(text)
		if err != nil {
			return fmt.Errorf("%s: %w", proofFile, err)
		}
		if err := checkpoint.CheckConsistency(oc, nc, p); err != nil {
			return rulebook.Errorf(rulebook.ETampered, "%v", err)
		}
		fmt.Fprintf(e.stdout, "ok: the checkpoint of %s extends the one of %s, both signed by %s\n", sizes(nc), sizes(oc), oc.Origin)
		return nil
	}
	if newer == nil && out == "" {
		return errUsage{"--consistency proves a newer checkpoint extends the one given: give one you hold (--to NEW), or say where to write it (--out FILE)"}
	}
	var skey string
	if newer == nil && keyFile != "" {
		var err error
		if skey, err = readKey(keyFile); err != nil {
			return err
		}
	}
	a, ctx, done, err := st.app(ctx, "")
	if err != nil {
		return err
	}
	defer done()
	p, nc, err := a.ProveConsistency(ctx, older, newer, vkey, skey)
	if err != nil {
		return err
	}
	if newer == nil {
		if err := os.WriteFile(out, nc.Note, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "the checkpoint of %s the proof leads to is written to %s\n", sizes(nc), out)
	}
	_, err = io.WriteString(e.stdout, p.String())
	return err
}

// sizes describes what a checkpoint covers.
func sizes(c *checkpoint.Checkpoint) string {
	if c.Access == nil {
		return fmt.Sprintf("%d events", c.Size)
	}
	return fmt.Sprintf("%d events and %d access-log entries", c.Size, c.Access.Size)
}
