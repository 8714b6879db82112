// Package engine is the seam between the commands and the engines that answer queries. An
// engine is a package that registers itself once (Register, from its init function): its
// name, its flags, how it opens an analytics.Source, and optionally how it explains itself
// without running (--print-sql). The report and serve commands and the renderers never name
// an engine: they offer --engine with the registered names, bind every engine's flags, and
// refuse an engine's flags given with another engine. Adding an engine is a new package
// plus one blank import in cmd/bedrock-usage/engines.go.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/pflag"

	"github.com/bedrock-usage/bedrock-usage/analytics"
)

// Env is what an engine may use from the command that runs it.
type Env struct {
	// AWSConfig loads the AWS configuration for a region ("" keeps the configured one).
	AWSConfig func(ctx context.Context, region string) (aws.Config, error)
	// S3Options are applied to every S3 client (tests use path-style addressing).
	S3Options []func(*s3.Options)
	Now       func() time.Time
	Getenv    func(string) string
	// Progress receives a progress line while a source reads; nil when standard error is not
	// a terminal.
	Progress io.Writer
	// Out is where Explain writes.
	Out io.Writer
}

// Engine is one registered engine.
type Engine struct {
	// Name is the value of --engine.
	Name string
	// Summary says in a few words what the engine does, for --engine's help.
	Summary string
	// Default marks the engine used when --engine is not given (one engine has it).
	Default bool
	// New returns a fresh configuration, whose flags a command binds.
	New func() Config
}

// Config is one command's configuration of an engine.
type Config interface {
	// AddFlags binds the engine's flags. Their names are the engine's own: no two engines
	// register the same flag.
	AddFlags(fs *pflag.FlagSet)
	// Open returns the source the flags describe, and how a report names it (its "source").
	// An error the user can fix with other flags wraps ErrUsage.
	Open(ctx context.Context, env Env) (src analytics.Source, where string, err error)
}

// Explainer is a Config that can show what it would run instead of running it.
type Explainer interface {
	Config
	// AddExplainFlags binds the flags that ask for an explanation (report only).
	AddExplainFlags(fs *pflag.FlagSet)
	// Explaining reports whether those flags were given.
	Explaining() bool
	// Explain writes what the engine would run for q to env.Out, calling no service.
	Explain(ctx context.Context, env Env, q analytics.Query) error
}

// ErrUsage is matched (errors.Is) by errors that a change of flags fixes; the CLI exits
// with its usage status for them.
var ErrUsage = errors.New("usage error")

type usageError struct{ msg string }

func (e usageError) Error() string        { return e.msg }
func (e usageError) Is(target error) bool { return target == ErrUsage }

// Usagef returns an error with the formatted message that matches ErrUsage.
func Usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

var (
	mu      sync.Mutex
	engines []Engine
)

// Register adds an engine. It panics on a duplicate name or a second default, which are
// programming errors.
func Register(e Engine) {
	mu.Lock()
	defer mu.Unlock()
	if e.Name == "" || e.New == nil {
		panic("engine: Register needs a name and New")
	}
	for _, o := range engines {
		if o.Name == e.Name {
			panic("engine: " + e.Name + " registered twice")
		}
		if o.Default && e.Default {
			panic("engine: two defaults, " + o.Name + " and " + e.Name)
		}
	}
	engines = append(engines, e)
}

// All returns the registered engines, the default first, then by name.
func All() []Engine {
	mu.Lock()
	defer mu.Unlock()
	out := slices.Clone(engines)
	slices.SortFunc(out, func(a, b Engine) int {
		switch {
		case a.Default && !b.Default:
			return -1
		case b.Default && !a.Default:
			return 1
		}
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return out
}

// Names lists the registered engines' names, the default first.
func Names() []string {
	var n []string
	for _, e := range All() {
		n = append(n, e.Name)
	}
	return n
}

// DefaultName is the default engine's name ("" when none is registered).
func DefaultName() string {
	for _, e := range All() {
		if e.Default {
			return e.Name
		}
	}
	return ""
}

// CallerAccount is the account of the caller's credentials (sts:GetCallerIdentity), which
// names the deployment's buckets: the Athena results location, the log buckets
// --all-regions falls back to.
func (e Env) CallerAccount(ctx context.Context) (string, error) {
	cfg, err := e.AWSConfig(ctx, "")
	if err != nil {
		return "", fmt.Errorf("loading AWS configuration: %w", err)
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("finding the account with sts:GetCallerIdentity (or give --account): %w", err)
	}
	return aws.ToString(out.Account), nil
}
