package local

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/deployment"
)

// LoggingConfigGetter is the Bedrock control-plane call --all-regions makes in each region.
type LoggingConfigGetter interface {
	GetModelInvocationLoggingConfiguration(ctx context.Context, in *bedrock.GetModelInvocationLoggingConfigurationInput, optFns ...func(*bedrock.Options)) (*bedrock.GetModelInvocationLoggingConfigurationOutput, error)
}

var _ LoggingConfigGetter = (*bedrock.Client)(nil)

// AccountGetter is the STS call that names the account, for the log buckets' conventional
// names.
type AccountGetter interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

var _ AccountGetter = (*sts.Client)(nil)

// Destination is where a region's invocation logs are, and how it was found.
type Destination struct {
	Region string
	URL    string // s3://bucket/prefix
	// How is "logging configuration", or why the conventional bucket is read instead
	// ("logging is off", "logging writes to CloudWatch only", the error of the call).
	How string
}

// FindDestinations looks up each region's log destination, concurrently: the S3 bucket and
// prefix of its model invocation logging configuration, or, where logging is off, writes
// to CloudWatch only, or cannot be read, the bucket the CDK app creates there
// (deployment.LogBucketName under deployment.LogPrefix, for the caller's account).
func FindDestinations(ctx context.Context, regions []string, bedrockIn func(ctx context.Context, region string) (LoggingConfigGetter, error), account func(ctx context.Context) (string, error)) ([]Destination, error) {
	out := make([]Destination, len(regions))
	var wg sync.WaitGroup
	for i, r := range regions {
		wg.Go(func() {
			out[i] = Destination{Region: r}
			c, err := bedrockIn(ctx, r)
			if err != nil {
				out[i].How = err.Error()
				return
			}
			res, err := c.GetModelInvocationLoggingConfiguration(ctx, &bedrock.GetModelInvocationLoggingConfigurationInput{})
			switch {
			case err != nil:
				out[i].How = "the logging configuration could not be read: " + err.Error()
			case res.LoggingConfig == nil:
				out[i].How = "model invocation logging is off"
			case res.LoggingConfig.S3Config == nil || aws.ToString(res.LoggingConfig.S3Config.BucketName) == "":
				out[i].How = "logging writes to CloudWatch only"
			default:
				s3c := res.LoggingConfig.S3Config
				prefix := aws.ToString(s3c.KeyPrefix)
				if prefix != "" && !strings.HasSuffix(prefix, "/") {
					prefix += "/"
				}
				out[i].URL = "s3://" + aws.ToString(s3c.BucketName) + "/" + prefix
				out[i].How = "logging configuration"
			}
		})
	}
	wg.Wait()
	var acct string
	for i := range out {
		if out[i].URL != "" {
			continue
		}
		if acct == "" {
			a, err := account(ctx)
			if err != nil {
				return nil, fmt.Errorf("finding the account for the log buckets' names (%s in %s): %w", out[i].How, out[i].Region, err)
			}
			acct = a
		}
		out[i].URL = "s3://" + deployment.LogBucketName(acct, out[i].Region) + "/" + deployment.LogPrefix
		out[i].How = "the CDK app's bucket (" + out[i].How + ")"
	}
	return out, nil
}

// regionsSource is --all-regions: the log destinations of the query's regions (or the
// deployment's), found when a report first needs them, read as one Multi.
type regionsSource struct {
	find func(ctx context.Context, regions []string) ([]Destination, error)
	open func(ctx context.Context, roots []string) (*Multi, error)

	mu    sync.Mutex
	multi map[string]*Multi // by the regions' list
	dests map[string][]Destination
}

var _ analytics.Source = (*regionsSource)(nil)

func (s *regionsSource) Usage(ctx context.Context, q analytics.Query) (*analytics.Result, error) {
	regions := q.Regions
	if len(regions) == 0 {
		regions = deployment.DefaultRegions()
	}
	m, dests, err := s.resolve(ctx, regions)
	if err != nil {
		return nil, fmt.Errorf("local: --all-regions: %w", err)
	}
	res, err := m.Usage(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, d := range dests {
		res.Notes = append(res.Notes, fmt.Sprintf("%s: %s (%s)", d.Region, d.URL, d.How))
	}
	return res, nil
}

// resolve finds and opens the regions' sources once per list of regions, under the lock:
// two requests at once wait for one lookup.
func (s *regionsSource) resolve(ctx context.Context, regions []string) (*Multi, []Destination, error) {
	key := strings.Join(regions, ",")
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.multi[key]; m != nil {
		return m, s.dests[key], nil
	}
	dests, err := s.find(ctx, regions)
	if err != nil {
		return nil, nil, err
	}
	var roots []string
	for _, d := range dests {
		if !slices.Contains(roots, d.URL) {
			roots = append(roots, d.URL)
		}
	}
	m, err := s.open(ctx, roots)
	if err != nil {
		return nil, nil, err
	}
	if s.multi == nil {
		s.multi, s.dests = map[string]*Multi{}, map[string][]Destination{}
	}
	s.multi[key], s.dests[key] = m, dests
	return m, dests, nil
}
