package athena

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// SDKRetryAttempts is the SDK retryer's attempt budget of the clients ClientsFromConfig
// builds (the SDK default is 3); throttling is also retried by the engine itself.
const SDKRetryAttempts = 5

// ClientsFromConfig returns a clientFor for New that builds each region's Athena client from
// the AWS configuration load returns for that region (the default credential chain, say).
func ClientsFromConfig(load func(ctx context.Context, region string) (aws.Config, error), optFns ...func(*awsathena.Options)) func(ctx context.Context, region string) (API, error) {
	return func(ctx context.Context, region string) (API, error) {
		cfg, err := load(ctx, region)
		if err != nil {
			return nil, fmt.Errorf("aws config for %s: %w", region, err)
		}
		cfg.Region = region
		opts := append([]func(*awsathena.Options){func(o *awsathena.Options) { o.RetryMaxAttempts = SDKRetryAttempts }}, optFns...)
		return awsathena.NewFromConfig(cfg, opts...), nil
	}
}

// S3FromConfig returns an s3For for WithS3, building each region's S3 client the same way.
func S3FromConfig(load func(ctx context.Context, region string) (aws.Config, error), optFns ...func(*s3.Options)) func(ctx context.Context, region string) (ObjectGetter, error) {
	return func(ctx context.Context, region string) (ObjectGetter, error) {
		cfg, err := load(ctx, region)
		if err != nil {
			return nil, fmt.Errorf("aws config for %s: %w", region, err)
		}
		cfg.Region = region
		return s3.NewFromConfig(cfg, optFns...), nil
	}
}
