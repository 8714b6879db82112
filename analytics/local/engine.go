package local

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/spf13/pflag"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/engine"
	"github.com/bedrock-usage/bedrock-usage/internal/sysmem"
)

// SourceEnv is the environment variable that gives --source its default.
const SourceEnv = "BEDROCK_USAGE_SOURCE"

func init() {
	engine.Register(engine.Engine{
		Name:    Engine,
		Summary: "read the logs here, from a folder, a file or s3://",
		Default: true,
		New:     func() engine.Config { return &engineConfig{} },
	})
}

// config is the local engine's flags.
type engineConfig struct {
	sources        []string
	workers        int
	fetchBodies    bool
	fetchBodiesMax int
	maxMemory      int
	allRegions     bool
}

var _ engine.Config = (*engineConfig)(nil)

func (c *engineConfig) AddFlags(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&c.sources, "source", "s", nil, "logs to read: a folder, a file, or s3://bucket/prefix (local engine; env "+SourceEnv+"); repeatable: every region's bucket in one report, read concurrently, a call found in two sources (its requestId in the same hour) counted once")
	fs.IntVar(&c.workers, "workers", 0, "files decoded at once by the local engine (default: number of CPUs; 16 or more for S3)")
	// --workers was a report flag before engines had their own: other engines ignore it.
	_ = fs.SetAnnotation("workers", engine.IgnoredElsewhere, []string{"true"})
	fs.BoolVar(&c.allRegions, "all-regions", false, "read every configured region's logs (--region, or the CDK app's regions) into one report: each region's bucket from its model invocation logging configuration, or where logging is off the bucket the CDK app creates there (bedrock-logs-{account}-{region}); local engine")
	fs.BoolVar(&c.fetchBodies, "fetch-bodies", false, "read the offloaded response body (data/ object) of each call with cache writes of unknown TTL, to price them at their TTL's rate (local engine)")
	fs.IntVar(&c.maxMemory, "max-memory", 0, "MiB of live heap a local report may hold before it stops with an error rather than be killed (0: 60% of the machine's or container's memory; -1: no limit)")
	fs.IntVar(&c.fetchBodiesMax, "fetch-bodies-max", DefaultFetchBodiesMax, "most body objects --fetch-bodies reads in one report; the rest stay of unknown TTL")
}

func (c *engineConfig) Open(ctx context.Context, env engine.Env) (analytics.Source, string, error) {
	var roots []string
	for _, s := range c.sources {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(roots, s) {
			roots = append(roots, s)
		}
	}
	if c.allRegions && len(roots) > 0 {
		return nil, "", engine.Usagef("--all-regions finds each region's logs itself: give it or --source, not both")
	}
	if len(roots) == 0 && env.Getenv != nil && !c.allRegions {
		if s := strings.TrimSpace(env.Getenv(SourceEnv)); s != "" {
			roots = []string{s}
		}
	}
	if len(roots) == 0 && !c.allRegions {
		return nil, "", engine.Usagef("--source is required with the local engine: a folder, a file or s3://bucket/prefix (or choose another --engine)")
	}
	where := strings.Join(roots, ", ")
	var opts []Option
	if c.workers > 0 {
		opts = append(opts, WithWorkers(c.workers))
	}
	if env.Progress != nil {
		opts = append(opts, WithProgress(env.Progress))
	}
	if c.fetchBodiesMax < 0 {
		return nil, "", engine.Usagef("--fetch-bodies-max must be 0 or more, got %d", c.fetchBodiesMax)
	}
	if c.fetchBodies && c.fetchBodiesMax > 0 {
		opts = append(opts, WithFetchBodies(c.fetchBodiesMax))
	}
	switch {
	case c.maxMemory < -1:
		return nil, "", engine.Usagef("--max-memory must be -1 (no limit), 0 (automatic) or a number of MiB, got %d", c.maxMemory)
	case c.maxMemory > 0:
		opts = append(opts, WithMemoryLimit(int64(c.maxMemory)<<20))
	case c.maxMemory == 0:
		opts = append(opts, WithMemoryLimit(int64(float64(sysmem.Total())*DefaultMemoryFraction)))
	}
	if c.allRegions || slices.ContainsFunc(roots, func(r string) bool { return strings.HasPrefix(r, "s3://") }) {
		cfg, err := env.AWSConfig(ctx, "")
		if err != nil {
			return nil, "", fmt.Errorf("loading AWS configuration: %w", err)
		}
		opts = append(opts, WithAWSConfig(cfg, env.S3Options...))
	}
	if c.allRegions {
		return &regionsSource{
			find: func(ctx context.Context, regions []string) ([]Destination, error) {
				return FindDestinations(ctx, regions, func(ctx context.Context, region string) (LoggingConfigGetter, error) {
					cfg, err := env.AWSConfig(ctx, region)
					if err != nil {
						return nil, fmt.Errorf("loading AWS configuration for %s: %w", region, err)
					}
					return bedrock.NewFromConfig(cfg), nil
				}, env.CallerAccount)
			},
			open: func(ctx context.Context, roots []string) (*Multi, error) { return NewMulti(ctx, roots, opts...) },
		}, "every region's logs (--all-regions)", nil
	}
	if len(roots) > 1 {
		m, err := NewMulti(ctx, roots, opts...)
		if err != nil {
			return nil, "", err
		}
		return m, where, nil
	}
	src, err := New(ctx, roots[0], opts...)
	if err != nil {
		return nil, "", err
	}
	return src, where, nil
}
