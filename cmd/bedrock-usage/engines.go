package main

// The engines the CLI offers. Each registers itself (package engine); this is the only file
// of the CLI that names one. A new engine is a new package and one line here.
import (
	"context"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	_ "github.com/bedrock-usage/bedrock-usage/analytics/athena"
	"github.com/bedrock-usage/bedrock-usage/analytics/local"
)

// countLogged counts the calls in the logs at url (an s3:// prefix) of region in
// [since, until), with the local engine: what doctor compares CloudWatch's count with.
func countLogged(f *factory) func(ctx context.Context, region, url string, since, until time.Time) (int64, error) {
	return func(ctx context.Context, region, url string, since, until time.Time) (int64, error) {
		cfg, err := f.AWSConfig(ctx, region)
		if err != nil {
			return 0, err
		}
		src, err := local.New(ctx, url, local.WithAWSConfig(cfg, f.S3Options...))
		if err != nil {
			return 0, err
		}
		res, err := src.Usage(ctx, analytics.Query{Since: since, Until: until, Regions: []string{region}})
		if err != nil {
			return 0, err
		}
		var n int64
		res.Each(func(r *analytics.Row) { n += r.Calls })
		return n, nil
	}
}
