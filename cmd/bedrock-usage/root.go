package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/bedrock-usage/bedrock-usage/analytics/engine"
)

// Exit codes, as documented in the README.
const (
	exitOK         = 0
	exitError      = 1
	exitUsage      = 2
	exitData       = 3 // data problems under --strict or --strict-pricing
	exitOverBudget = 4
)

// version, commit and date are set by the linker in `make build` and `make install`
// (-X main.version=…); otherwise versionString reads them from the build information Go
// records (the module version of `go install …@v1.2.3`, the VCS revision of a clone).
var version, commit, date string

// versionString is what --version prints: "v1.2.3 (commit 0123abc, 2026-12-03T10:00:00Z)".
func versionString(info *debug.BuildInfo) string {
	v, c, d, dirty := version, commit, date, false
	if info != nil {
		if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if c == "" {
					c = s.Value
				}
			case "vcs.time":
				if d == "" {
					d = s.Value
				}
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	var parts []string
	if c != "" {
		if len(c) > 12 {
			c = c[:12]
		}
		if dirty {
			c += "-dirty"
		}
		parts = append(parts, "commit "+c)
	}
	if d != "" {
		parts = append(parts, d)
	}
	if len(parts) == 0 {
		return v
	}
	return v + " (" + strings.Join(parts, ", ") + ")"
}

// buildInfo is the binary's build information, or nil.
func buildInfo() *debug.BuildInfo {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	return info
}

// iostreams are the command's standard streams and whether they are terminals.
type iostreams struct {
	In          io.Reader
	Out, ErrOut io.Writer
	OutTTY      bool
	ErrTTY      bool
	// Width is the terminal's width in columns when standard output is one (COLUMNS
	// overrides it); 0 otherwise.
	Width int
	// Color is true when standard output is a terminal that takes colour: not with NO_COLOR
	// set (https://no-color.org) or TERM=dumb.
	Color bool
}

// colorTerminal reports whether a terminal's output may be coloured.
func colorTerminal(tty bool, env func(string) string) bool {
	return tty && env("NO_COLOR") == "" && env("TERM") != "dumb"
}

// terminalWidth is the width of the terminal on fd, or COLUMNS; 0 when neither says.
func terminalWidth(fd int, env func(string) string) int {
	if n, err := strconv.Atoi(env("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if w, _, err := term.GetSize(fd); err == nil && w > 0 {
		return w
	}
	return 0
}

// factory holds what commands share and tests replace: streams, clock, AWS configuration.
type factory struct {
	IO  *iostreams
	Now func() time.Time
	// AWSConfig loads the AWS configuration (default credential chain) for a region; an empty
	// region keeps the configured default.
	AWSConfig func(ctx context.Context, region string) (aws.Config, error)
	// S3Options are applied to every S3 client (tests use path-style addressing).
	S3Options []func(*s3.Options)
	// Env reads environment variables.
	Env func(string) string

	// configPath is --config; sources, after the command's flags are parsed, where each
	// flag's value came from (see applyDefaults).
	configPath string
	sources    []flagSource
}

// typed reports whether the user gave a flag on the command line (not through the
// environment or the configuration file): the checks of what belongs together (--source is
// for the local engine) look only at those.
func (f *factory) typed(fs interface{ Changed(string) bool }) func(string) bool {
	return func(name string) bool {
		if !fs.Changed(name) {
			return false
		}
		for _, s := range f.sources {
			if s.flag == name {
				return s.from == "flag"
			}
		}
		return true
	}
}

func newFactory() *factory {
	f := &factory{
		IO: &iostreams{
			In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
			OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
			ErrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		},
		Now: time.Now,
		AWSConfig: func(ctx context.Context, region string) (aws.Config, error) {
			// SDK warnings (IMDSv1 fallback and the like) would only clutter a report's
			// stderr; failures still come back as errors.
			opts := []func(*config.LoadOptions) error{config.WithLogger(logging.Nop{})}
			if region != "" {
				opts = append(opts, config.WithRegion(region))
			}
			return config.LoadDefaultConfig(ctx, opts...)
		},
		Env: os.Getenv,
	}
	if f.IO.OutTTY {
		f.IO.Width = terminalWidth(int(os.Stdout.Fd()), os.Getenv)
	}
	f.IO.Color = colorTerminal(f.IO.OutTTY, os.Getenv)
	return f
}

// exitErr carries an exit code other than 1 with its error.
type exitErr struct {
	code int
	err  error
}

func (e *exitErr) Error() string { return e.err.Error() }
func (e *exitErr) Unwrap() error { return e.err }

func withCode(code int, err error) error { return &exitErr{code: code, err: err} }

// flagError is a bad flag, argument or value: the CLI exits with exitUsage.
type flagError struct{ err error }

func (e *flagError) Error() string { return e.err.Error() }
func (e *flagError) Unwrap() error { return e.err }

// flagErr marks err as a usage error (exit 2).
func flagErr(err error) error { return &flagError{err} }

// usageErr is a usage error with a formatted message (exit 2).
func usageErr(format string, a ...any) error { return flagErr(fmt.Errorf(format, a...)) }

// noArgs and exactArgs are cobra's argument checks with typed errors.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		if cmd.HasSubCommands() {
			return usageErr("unknown command %q for %q", args[0], cmd.CommandPath())
		}
		return usageErr("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}

func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return flagErr(err)
		}
		return nil
	}
}

// typeErrors makes what cobra reports untyped into usage errors, for every command:
//   - its flag-group checks (MarkFlagsMutuallyExclusive, …), which cobra runs after the
//     argument check without passing their errors through the flag error function, so the
//     argument check runs them first;
//   - an unknown subcommand of a parent command (root, pricing, logs), which cobra would
//     answer with the help text and exit 0: a parent runs to show its help, or to refuse
//     its argument.
func typeErrors(cmd *cobra.Command) {
	if cmd.HasSubCommands() && cmd.Run == nil && cmd.RunE == nil {
		cmd.RunE = func(c *cobra.Command, a []string) error { return c.Help() }
		cmd.Args = noArgs
	}
	args := cmd.Args
	cmd.Args = func(c *cobra.Command, a []string) error {
		if args != nil {
			if err := args(c, a); err != nil {
				return err
			}
		}
		if err := c.ValidateFlagGroups(); err != nil {
			return flagErr(err)
		}
		return nil
	}
	for _, sub := range cmd.Commands() {
		typeErrors(sub)
	}
}

// engineEnv is what the engines may use of the factory.
func (f *factory) engineEnv() engine.Env {
	env := engine.Env{AWSConfig: f.AWSConfig, S3Options: f.S3Options, Now: f.Now, Getenv: f.Env, Out: f.IO.Out}
	if f.IO.ErrTTY {
		env.Progress = f.IO.ErrOut
	}
	return env
}

func newRootCmd(f *factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "bedrock-usage",
		Short: "Who spends what on Amazon Bedrock, from its model invocation logs",
		Long: `bedrock-usage reads the logs that Amazon Bedrock Model Invocation Logging writes and
reports usage and cost per user, application (IAM role), model, region, hour and day.

It reads a local folder or an s3:// prefix itself (the default engine), or runs one
Athena query per region over the Glue table that the bedrock-usage CDK app creates
(--engine athena) for accounts whose logs outgrow one machine.

AWS access uses the default credential chain (environment, shared config and SSO
profiles, instance and container roles).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionString(buildInfo()),
	}
	root.PersistentFlags().StringVar(&f.configPath, "config", "", "read flag defaults from this file (default: ./"+configFileName+", else $XDG_CONFIG_HOME/bedrock-usage/"+configFileName+")")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		cf, err := loadConfig(findConfig(f.configPath, f.Env))
		if err != nil {
			return err
		}
		if err := checkTopLevel(cmd.Root(), cf); err != nil {
			return err
		}
		f.sources, err = applyDefaults(cmd, cf, f.Env)
		return err
	}
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return flagErr(err) })
	root.AddCommand(
		NewCmdReport(f, reportRun),
		NewCmdConfig(f),
		NewCmdRender(f, renderRun),
		NewCmdLogs(f),
		NewCmdPricing(f),
		NewCmdServe(f, serveRun),
		NewCmdDoctor(f, doctorRun),
		NewCmdReconcile(f, reconcileRun),
		NewCmdRoles(f),
		NewCmdTraffic(f, trafficRun),
	)
	typeErrors(root)
	return root
}

// run executes the CLI with args and returns the process exit code.
func run(args []string, f *factory) int {
	root := newRootCmd(f)
	root.SetArgs(args)
	ctx, stop := signalContext()
	defer stop()
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		fmt.Fprintln(f.IO.ErrOut, "bedrock-usage: interrupted")
		return exitError
	}
	if hint, ok := credentialsHint(err); ok {
		fmt.Fprintf(f.IO.ErrOut, "bedrock-usage: %s\n", hint)
		return exitError
	}
	fmt.Fprintf(f.IO.ErrOut, "bedrock-usage: %v\n", err)
	var ee *exitErr
	var fe *flagError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &fe):
		return exitUsage
	}
	return exitError
}

// credentialsHint turns an AWS call that failed for want of credentials (the SDK's identity
// or signing step could not retrieve or refresh them: no profile, an expired SSO session, no
// instance role) into one line that says what to do, instead of the SDK's error chain.
func credentialsHint(err error) (string, bool) {
	msg := err.Error()
	var se *v4.SigningError
	if !errors.As(err, &se) && !strings.Contains(msg, "get identity: get credentials") && !strings.Contains(msg, "failed to refresh cached credentials") {
		return "", false
	}
	inner := err
	for {
		u := errors.Unwrap(inner)
		if u == nil {
			break
		}
		inner = u
	}
	reason := inner.Error()
	if len(reason) > 160 {
		reason = reason[:160] + "…"
	}
	return "no usable AWS credentials (" + reason + "): set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), run `aws sso login` for an SSO profile, or read local logs with --source DIR and --offline", true
}
