// Command rulebook runs a membership organisation's rule book: the member register,
// eligibility, discipline, and the counting of elections.
//
// Each subcommand lives in its own file and registers itself in commands, so that
// main stays a small dispatcher and every command is testable through run.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// env is what a command may touch of the outside world; tests supply their own.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// command is one subcommand of rulebook.
type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// commands is filled by the init functions of the files beside this one.
var commands = map[string]command{}

// errUsage marks an error whose message is usage text: it exits with status 2.
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

func main() {
	// serve shuts down gracefully on either (storing the access log's last
	// entries and writing a last checkpoint); other commands stop.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(run(ctx, e, os.Args[1:]))
}

// run executes one command line and returns the process exit status.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "rulebook: unknown command %q\n\n", args[0])
		usage(e.stderr)
		return 2
	}
	if err := c.run(ctx, e, args[1:]); err != nil {
		if u, ok := err.(errUsage); ok {
			fmt.Fprintln(e.stderr, u.msg)
			return 2
		}
		fmt.Fprintf(e.stderr, "rulebook %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: rulebook COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'rulebook COMMAND -h' for a command's flags.")
}
