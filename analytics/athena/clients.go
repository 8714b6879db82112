package athena

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Retries of the clients ClientsFromConfig builds: Athena answers a burst of queries with
// TooManyRequestsException (the concurrent-query limit) and throttles status polls, so they
// get more attempts than the SDK's default 3, backing off up to RetryMaxBackoff.
const (
	RetryAttempts   = 8
	RetryMaxBackoff = 30 * time.Second
)

// ThrottleCodes are the error codes retried as throttling.
var ThrottleCodes = []string{"TooManyRequestsException", "ThrottlingException", "Throttling", "RequestLimitExceeded"}

// NewRetryer is the SDK standard retryer the engine's clients use: attempts in all, the
// throttle codes retried with exponential jittered backoff capped at maxBackoff, and no
// client-side retry quota (a long poll under sustained throttling would otherwise run out of
// retries no matter the budget).
func NewRetryer(attempts int, maxBackoff time.Duration) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = attempts
		o.MaxBackoff = maxBackoff
		o.RateLimiter = ratelimit.None
		o.Retryables = append(slices.Clone(o.Retryables), retry.RetryableErrorCode{Codes: codeSet(ThrottleCodes)})
	})
}

func codeSet(codes []string) map[string]struct{} {
	m := make(map[string]struct{}, len(codes))
	for _, c := range codes {
		m[c] = struct{}{}
	}
	return m
}

// ClientsFromConfig returns a clientFor for New that builds each region's Athena client from
// the AWS configuration load returns for that region (the default credential chain, say).
func ClientsFromConfig(load func(ctx context.Context, region string) (aws.Config, error), optFns ...func(*awsathena.Options)) func(ctx context.Context, region string) (API, error) {
	return func(ctx context.Context, region string) (API, error) {
		cfg, err := load(ctx, region)
		if err != nil {
			return nil, fmt.Errorf("aws config for %s: %w", region, err)
		}
		cfg.Region = region
		opts := append([]func(*awsathena.Options){func(o *awsathena.Options) { o.Retryer = NewRetryer(RetryAttempts, RetryMaxBackoff) }}, optFns...)
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
