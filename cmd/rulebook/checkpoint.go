package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/rulebook/rulebook/checkpoint"
)

func init() {
	commands["key"] = command{"key generate --name NAME --out FILE: a key to sign checkpoints of the record (kept outside the database)", runKey}
	commands["checkpoint"] = command{"checkpoint --key FILE [--out FILE]: sign the record's tree head, for whoever should keep it", runCheckpoint}
	commands["proof"] = command{"proof EVENT --checkpoint FILE --verifier KEY: prove an event is in the record a signed checkpoint saw", runProof}
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
	if _, err := parse(fs, args); err != nil {
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

func runProof(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "proof", "proof EVENT --checkpoint FILE --verifier KEY [--db DSN]")
	st := addStoreFlags(fs, e)
	cpFile := fs.String("checkpoint", "", "a signed checkpoint (from 'rulebook checkpoint')")
	verifier := fs.String("verifier", "", "the verifier key, or its file")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *cpFile == "" || *verifier == "" {
		return errUsage{"usage: rulebook proof EVENT --checkpoint FILE --verifier KEY"}
	}
	msg, err := os.ReadFile(*cpFile)
	if err != nil {
		return err
	}
	vkey, err := readKey(*verifier)
	if err != nil {
		return err
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
