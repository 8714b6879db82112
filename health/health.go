// Package health checks a deployment from the outside, right after `cdk deploy` and
// whenever a number looks wrong: in each region, is model invocation logging on and writing
// where the reports read; may Bedrock write to the bucket, and nobody else read it; are logs
// arriving; does CloudWatch count traffic the logs do not have (logging off for a while,
// the bedrock-mantle endpoint, which invocation logging never records); and are the Glue
// table and the Athena workgroup of the CDK app in place. Every check says ok, warn or fail,
// and what to do about a failure. It only reads; the clients are small interfaces that the
// real aws-sdk-go-v2 clients implement.
package health

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	athenatypes "github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
	"github.com/bedrock-usage/bedrock-usage/deployment"
)

// Status is a check's verdict.
type Status string

const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "fail"
)

// Check is one check of one region.
type Check struct {
	Region string `json:"region"`
	Name   string `json:"check"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	// Fix says what to do about a warning or a failure ("" when ok).
	Fix string `json:"fix,omitempty"`
}

// The checks, in the order each region reports them.
const (
	CheckLogging   = "logging"
	CheckDelivery  = "data types"
	CheckBucket    = "bucket"
	CheckPolicy    = "bucket policy"
	CheckPublic    = "public access"
	CheckArrival   = "logs arriving"
	CheckTraffic   = "traffic vs logs"
	CheckMantle    = "bedrock-mantle"
	CheckTable     = "glue table"
	CheckWorkgroup = "athena workgroup"
)

// Clients are the AWS calls of one region's checks.
type Clients struct {
	Bedrock    LoggingConfigGetter
	S3         S3Reader
	CloudWatch MetricReader
	Glue       TableGetter
	Athena     WorkGroupGetter
}

// LoggingConfigGetter reads a region's model invocation logging configuration.
type LoggingConfigGetter interface {
	GetModelInvocationLoggingConfiguration(ctx context.Context, in *bedrock.GetModelInvocationLoggingConfigurationInput, optFns ...func(*bedrock.Options)) (*bedrock.GetModelInvocationLoggingConfigurationOutput, error)
}

// S3Reader reads a bucket's location, policy, public access block and keys.
type S3Reader interface {
	GetBucketLocation(ctx context.Context, in *s3.GetBucketLocationInput, optFns ...func(*s3.Options)) (*s3.GetBucketLocationOutput, error)
	GetBucketPolicy(ctx context.Context, in *s3.GetBucketPolicyInput, optFns ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error)
	GetPublicAccessBlock(ctx context.Context, in *s3.GetPublicAccessBlockInput, optFns ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error)
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

// MetricReader reads CloudWatch metrics.
type MetricReader interface {
	GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

// TableGetter reads a Glue table.
type TableGetter interface {
	GetTable(ctx context.Context, in *glue.GetTableInput, optFns ...func(*glue.Options)) (*glue.GetTableOutput, error)
}

// WorkGroupGetter reads an Athena workgroup.
type WorkGroupGetter interface {
	GetWorkGroup(ctx context.Context, in *athena.GetWorkGroupInput, optFns ...func(*athena.Options)) (*athena.GetWorkGroupOutput, error)
}

var (
	_ LoggingConfigGetter = (*bedrock.Client)(nil)
	_ S3Reader            = (*s3.Client)(nil)
	_ MetricReader        = (*cloudwatch.Client)(nil)
	_ TableGetter         = (*glue.Client)(nil)
	_ WorkGroupGetter     = (*athena.Client)(nil)
)

// Options configure Run.
type Options struct {
	// Account is the account checked (the bucket policy's conditions, the logs' key layout).
	Account string
	// Now is the time the checks are made at.
	Now time.Time
	// Database, Table and WorkGroup are the Glue and Athena names (deployment's by default).
	Database, Table, WorkGroup string
	// CountLogged counts the calls in the logs at url in [since, until) (a report's total
	// calls); nil leaves the traffic comparison out.
	CountLogged func(ctx context.Context, region, url string, since, until time.Time) (int64, error)
}

// MaxLogAge is how old the newest log may be, while CloudWatch counts traffic, before
// "logs arriving" warns.
const MaxLogAge = 2 * time.Hour

// arrivalLookback is how many hour folders back the newest log is looked for.
const arrivalLookback = 48

// Run checks every region concurrently, each with the clients clientsFor gives it, and
// returns the checks region by region in the order given.
func Run(ctx context.Context, regions []string, clientsFor func(ctx context.Context, region string) (*Clients, error), opts Options) []Check {
	opts.Database = cmp.Or(opts.Database, deployment.DatabaseName)
	opts.Table = cmp.Or(opts.Table, deployment.TableName)
	opts.WorkGroup = cmp.Or(opts.WorkGroup, deployment.WorkGroupName)
	out := make([][]Check, len(regions))
	var wg sync.WaitGroup
	for i, r := range regions {
		wg.Go(func() {
			c, err := clientsFor(ctx, r)
			if err != nil {
				out[i] = []Check{{Region: r, Name: CheckLogging, Status: Fail, Detail: err.Error(), Fix: "check the AWS configuration for the region"}}
				return
			}
			out[i] = checkRegion(ctx, r, c, opts)
		})
	}
	wg.Wait()
	return slices.Concat(out...)
}

// region is one region's checks as they are made.
type region struct {
	name   string
	c      *Clients
	opts   Options
	checks []Check
}

func (r *region) add(name string, st Status, detail, fix string) {
	if st == OK {
		fix = ""
	}
	r.checks = append(r.checks, Check{Region: r.name, Name: name, Status: st, Detail: detail, Fix: fix})
}

func checkRegion(ctx context.Context, name string, c *Clients, opts Options) []Check {
	r := &region{name: name, c: c, opts: opts}
	bucket, prefix := r.logging(ctx)
	var newest time.Time
	listed := false // the bucket's hour folders could be listed
	if bucket != "" {
		if r.bucket(ctx, bucket) {
			r.policy(ctx, bucket, prefix)
			r.public(ctx, bucket)
			newest, listed = r.newestLog(ctx, bucket, prefix)
		}
	}
	r.traffic(ctx, bucket, prefix, newest, listed)
	r.table(ctx, bucket, prefix)
	r.workgroup(ctx)
	return r.checks
}

func errText(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return err.Error()
}

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func stackFix(region string) string {
	return "deploy the region's stack: cdk deploy " + deployment.RegionalStackName(region)
}

// logging checks the logging configuration and returns its bucket and prefix ("" when there
// is none to read).
func (r *region) logging(ctx context.Context) (string, string) {
	out, err := r.c.Bedrock.GetModelInvocationLoggingConfiguration(ctx, &bedrock.GetModelInvocationLoggingConfigurationInput{})
	switch {
	case err != nil:
		r.add(CheckLogging, Fail, "cannot read the logging configuration: "+errText(err), "the role needs bedrock:GetModelInvocationLoggingConfiguration in the region (the reporting role has it)")
		return "", ""
	case out.LoggingConfig == nil:
		r.add(CheckLogging, Fail, "model invocation logging is off: calls in this region are in no report", stackFix(r.name)+", or turn logging on in the Bedrock console")
		return "", ""
	}
	lc := out.LoggingConfig
	cw := "CloudWatch delivery off"
	if lc.CloudWatchConfig != nil && aws.ToString(lc.CloudWatchConfig.LogGroupName) != "" {
		cw = "CloudWatch log group " + aws.ToString(lc.CloudWatchConfig.LogGroupName)
	}
	if lc.S3Config == nil || aws.ToString(lc.S3Config.BucketName) == "" {
		r.add(CheckLogging, Fail, "logging delivers to CloudWatch only ("+cw+"): no report reads it", stackFix(r.name)+" (it adds S3 delivery)")
		return "", ""
	}
	bucket, prefix := aws.ToString(lc.S3Config.BucketName), aws.ToString(lc.S3Config.KeyPrefix)
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	r.add(CheckLogging, OK, fmt.Sprintf("s3://%s/%s; %s", bucket, prefix, cw), "")
	var on, off []string
	for _, t := range []struct {
		name string
		v    *bool
	}{{"text", lc.TextDataDeliveryEnabled}, {"image", lc.ImageDataDeliveryEnabled}, {"embedding", lc.EmbeddingDataDeliveryEnabled}, {"video", lc.VideoDataDeliveryEnabled}, {"audio", lc.AudioDataDeliveryEnabled}} {
		if aws.ToBool(t.v) {
			on = append(on, t.name)
		} else {
			off = append(off, t.name)
		}
	}
	detail := "delivered: " + cmp.Or(strings.Join(on, ", "), "none") + "; not delivered: " + cmp.Or(strings.Join(off, ", "), "none")
	if !aws.ToBool(lc.TextDataDeliveryEnabled) {
		r.add(CheckDelivery, Warn, detail+". Without text delivery the logs carry no bodies: no cache-write TTL split (priced at the 5-minute rate), no service tier, no guardrail units",
			"turn text data delivery on (the CDK app's configuration does)")
	} else {
		r.add(CheckDelivery, OK, detail, "")
	}
	return bucket, prefix
}

// bucket checks that the bucket exists in the region (Bedrock writes only to a bucket in its
// own region).
func (r *region) bucket(ctx context.Context, bucket string) bool {
	out, err := r.c.S3.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(bucket)})
	if err != nil {
		fix := "the role needs s3:GetBucketLocation on the bucket"
		if errCode(err) == "NoSuchBucket" {
			fix = stackFix(r.name) + " (it creates the bucket), or point logging at an existing bucket"
		}
		r.add(CheckBucket, Fail, "s3://"+bucket+": "+errText(err), fix)
		return false
	}
	loc := cmp.Or(string(out.LocationConstraint), "us-east-1")
	if loc == "EU" {
		loc = "eu-west-1"
	}
	if loc != r.name {
		r.add(CheckBucket, Fail, fmt.Sprintf("s3://%s is in %s, not %s: Bedrock cannot deliver to it", bucket, loc, r.name), "use a bucket in "+r.name)
		return false
	}
	r.add(CheckBucket, OK, "s3://"+bucket+" in "+loc, "")
	return true
}

// policyStatement is the part of a bucket policy statement the check reads.
type policyStatement struct {
	Effect    string
	Principal json.RawMessage
	Action    json.RawMessage
	Resource  json.RawMessage
	Condition map[string]map[string]json.RawMessage
}

// statements reads a policy's Statement: a list, or one statement.
func statements(doc []byte) ([]policyStatement, error) {
	var p struct{ Statement json.RawMessage }
	if err := json.Unmarshal(doc, &p); err != nil {
		return nil, err
	}
	var list []policyStatement
	if err := json.Unmarshal(p.Statement, &list); err == nil {
		return list, nil
	}
	var one policyStatement
	if err := json.Unmarshal(p.Statement, &one); err != nil {
		return nil, err
	}
	return []policyStatement{one}, nil
}

// strs reads a policy value that is a string or a list of strings.
func strs(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(raw, &many)
	return many
}

// conditionValues are the values a statement's conditions give key (any operator).
func conditionValues(s policyStatement, key string) []string {
	var out []string
	for _, kv := range s.Condition {
		for k, v := range kv {
			if strings.EqualFold(k, key) {
				out = append(out, strs(v)...)
			}
		}
	}
	return out
}

// policy checks that the bucket policy lets bedrock.amazonaws.com put objects under the
// logs' prefix, and that every statement that does has the confused-deputy conditions with
// this account's values (aws:SourceAccount, and an aws:SourceArn that matches the region's
// Bedrock resources).
func (r *region) policy(ctx context.Context, bucket, prefix string) {
	out, err := r.c.S3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
	if err != nil {
		if errCode(err) == "NoSuchBucketPolicy" {
			r.add(CheckPolicy, Fail, "s3://"+bucket+" has no bucket policy: Bedrock cannot write to it", stackFix(r.name)+", or add the statement the README gives")
			return
		}
		r.add(CheckPolicy, Warn, "cannot read the bucket policy: "+errText(err), "the role needs s3:GetBucketPolicy on the bucket")
		return
	}
	stmts, err := statements([]byte(aws.ToString(out.Policy)))
	if err != nil {
		r.add(CheckPolicy, Fail, "the bucket policy cannot be read as a policy: "+err.Error(), "")
		return
	}
	acct := r.opts.Account
	object := "arn:aws:s3:::" + bucket + "/" + prefix + "AWSLogs/" + acct + "/BedrockModelInvocationLogs/" + r.name + "/2025/11/03/09/x.json.gz"
	source := "arn:aws:bedrock:" + r.name + ":" + acct + ":x"
	var granted, guarded int
	var weak []string
	for _, st := range stmts {
		if st.Effect != "Allow" || !strings.Contains(string(st.Principal), "bedrock.amazonaws.com") {
			continue
		}
		if !slices.ContainsFunc(strs(st.Action), func(a string) bool { return iamMatch(strings.ToLower(a), "s3:putobject") }) {
			continue
		}
		if !slices.ContainsFunc(strs(st.Resource), func(res string) bool { return iamMatch(res, object) }) {
			continue
		}
		granted++
		accountOK := slices.Contains(conditionValues(st, "aws:SourceAccount"), acct)
		arnOK := slices.ContainsFunc(conditionValues(st, "aws:SourceArn"), func(p string) bool { return iamMatch(p, source) })
		switch {
		case accountOK && arnOK:
			guarded++
		case !accountOK:
			weak = append(weak, "no aws:SourceAccount condition for "+acct)
		default:
			weak = append(weak, "no aws:SourceArn condition matching "+strings.TrimSuffix(source, "x")+"*")
		}
	}
	switch {
	case granted == 0:
		r.add(CheckPolicy, Fail, "no statement lets bedrock.amazonaws.com put objects under "+prefix+"AWSLogs/"+acct+"/BedrockModelInvocationLogs/"+r.name+"/: Bedrock cannot deliver", stackFix(r.name)+", or add the statement the README gives")
	case len(weak) > 0:
		r.add(CheckPolicy, Warn, fmt.Sprintf("%d of %d statements letting bedrock.amazonaws.com put objects lack a confused-deputy condition (%s): another account's Bedrock could write here", len(weak), granted, strings.Join(weak, "; ")),
			"give every such statement aws:SourceAccount and aws:SourceArn conditions, as the CDK app's policy has them")
	default:
		r.add(CheckPolicy, OK, "bedrock.amazonaws.com may put objects under "+prefix+"AWSLogs/"+acct+"/, with aws:SourceAccount and aws:SourceArn conditions", "")
	}
}

// iamMatch reports whether an IAM resource pattern matches s: * is any run of characters
// (slashes too), ? any one character.
func iamMatch(pattern, s string) bool {
	expr := regexp.QuoteMeta(pattern)
	expr = strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(expr)
	ok, _ := regexp.MatchString("^"+expr+"$", s)
	return ok
}

// public checks the bucket's public access block.
func (r *region) public(ctx context.Context, bucket string) {
	out, err := r.c.S3.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)})
	if err != nil {
		if errCode(err) == "NoSuchPublicAccessBlockConfiguration" {
			r.add(CheckPublic, Warn, "s3://"+bucket+" has no public access block of its own (the account's may still block public access): the prompts and responses in the logs could be made public", "block all public access on the bucket")
			return
		}
		r.add(CheckPublic, Warn, "cannot read the public access block: "+errText(err), "the role needs s3:GetBucketPublicAccessBlock on the bucket")
		return
	}
	c := out.PublicAccessBlockConfiguration
	var open []string
	if c == nil || !aws.ToBool(c.BlockPublicAcls) {
		open = append(open, "BlockPublicAcls")
	}
	if c == nil || !aws.ToBool(c.IgnorePublicAcls) {
		open = append(open, "IgnorePublicAcls")
	}
	if c == nil || !aws.ToBool(c.BlockPublicPolicy) {
		open = append(open, "BlockPublicPolicy")
	}
	if c == nil || !aws.ToBool(c.RestrictPublicBuckets) {
		open = append(open, "RestrictPublicBuckets")
	}
	if len(open) > 0 {
		r.add(CheckPublic, Fail, "public access is not fully blocked: "+strings.Join(open, ", ")+" off", "block all public access on the bucket")
		return
	}
	r.add(CheckPublic, OK, "all public access blocked", "")
}

// newestLog finds the newest log object in the region's hour folders of the last two days
// (zero when none); listed is false when the folders could not be listed (said as a check).
func (r *region) newestLog(ctx context.Context, bucket, prefix string) (newest time.Time, listed bool) {
	hour := r.opts.Now.UTC().Truncate(time.Hour)
	for i := 0; i < arrivalLookback; i++ {
		h := hour.Add(-time.Duration(i) * time.Hour)
		p := invocationlog.HourPrefix(prefix, r.opts.Account, r.name, h)
		var newest time.Time
		var token *string
		for {
			out, err := r.c.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(p), ContinuationToken: token})
			if err != nil {
				r.add(CheckArrival, Warn, "cannot list s3://"+bucket+"/"+p+": "+errText(err), "the role needs s3:ListBucket on the bucket")
				return time.Time{}, false
			}
			for _, o := range out.Contents {
				if invocationlog.IsLogFile(aws.ToString(o.Key)) && aws.ToTime(o.LastModified).After(newest) {
					newest = aws.ToTime(o.LastModified)
				}
			}
			if !aws.ToBool(out.IsTruncated) {
				break
			}
			token = out.NextContinuationToken
		}
		if !newest.IsZero() {
			return newest, true
		}
	}
	return time.Time{}, true
}

// sum adds up the values of a metric query's results.
func sum(out *cloudwatch.GetMetricDataOutput, id string) float64 {
	var n float64
	for _, res := range out.MetricDataResults {
		if aws.ToString(res.Id) == id {
			for _, v := range res.Values {
				n += v
			}
		}
	}
	return n
}

// traffic compares CloudWatch's count of the last 24 whole hours with the logs, says whether
// logs are arriving (when the bucket could be listed), and looks for bedrock-mantle traffic,
// which no log records.
func (r *region) traffic(ctx context.Context, bucket, prefix string, newest time.Time, listed bool) {
	until := r.opts.Now.UTC().Truncate(time.Hour)
	since := until.Add(-24 * time.Hour)
	// The last 24 whole hours, as the logs are counted; every model's Invocations
	// (AWS/Bedrock publishes them per ModelId) and bedrock-mantle's account-level
	// Inferences (no dimensions).
	out, err := r.c.CloudWatch.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(since), EndTime: aws.Time(until),
		MetricDataQueries: []cwtypes.MetricDataQuery{
			{Id: aws.String("runtime"), Expression: aws.String(`SEARCH('{AWS/Bedrock,ModelId} MetricName="Invocations"', 'Sum', 3600)`), Period: aws.Int32(3600)},
			{Id: aws.String("mantle"), MetricStat: &cwtypes.MetricStat{Metric: &cwtypes.Metric{Namespace: aws.String("AWS/BedrockMantle"), MetricName: aws.String("Inferences")}, Period: aws.Int32(3600), Stat: aws.String("Sum")}},
		},
	})
	var recentOut *cloudwatch.GetMetricDataOutput
	if err == nil {
		// The last MaxLogAge up to now, in five-minute buckets, for the arrival check.
		recentOut, err = r.c.CloudWatch.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
			StartTime: aws.Time(r.opts.Now.UTC().Add(-MaxLogAge)), EndTime: aws.Time(r.opts.Now.UTC()),
			MetricDataQueries: []cwtypes.MetricDataQuery{
				{Id: aws.String("recent"), Expression: aws.String(`SEARCH('{AWS/Bedrock,ModelId} MetricName="Invocations"', 'Sum', 300)`), Period: aws.Int32(300)},
			},
		})
	}
	if err != nil {
		r.add(CheckTraffic, Warn, "cannot read CloudWatch metrics: "+errText(err), "the role needs cloudwatch:GetMetricData")
		if listed {
			r.arrival(newest, -1)
		}
		return
	}
	recent := sum(recentOut, "recent")
	calls := sum(out, "runtime")
	if listed {
		r.arrival(newest, recent)
	}
	switch {
	case bucket == "" && calls > 0:
		r.add(CheckTraffic, Fail, fmt.Sprintf("CloudWatch counted %.0f invocations in the last 24 hours, and logging here is off or unreadable: their spend is in no report", calls), stackFix(r.name))
	case bucket == "":
	case !listed:
		r.add(CheckTraffic, Warn, fmt.Sprintf("CloudWatch counted %.0f invocations in the last 24 whole hours; the logs could not be read to compare", calls), "see the bucket checks")
	case r.opts.CountLogged == nil:
		r.add(CheckTraffic, OK, fmt.Sprintf("CloudWatch counted %.0f invocations in the last 24 hours (not compared with the logs)", calls), "")
	default:
		logged, err := r.opts.CountLogged(ctx, r.name, "s3://"+bucket+"/"+prefix, since, until)
		if err != nil {
			r.add(CheckTraffic, Warn, "cannot count the logged calls: "+err.Error(), "")
			break
		}
		missing := calls - float64(logged)
		if missing > max(2, 0.01*calls) {
			r.add(CheckTraffic, Warn, fmt.Sprintf("CloudWatch counted %.0f invocations from %s to %s, the logs %d: %.0f are not in the logs (logging switched off for a while, deliveries that failed, or a destination elsewhere)",
				calls, since.Format("2006-01-02 15:04"), until.Format("15:04 MST"), logged, missing), "look at the region's logging history in CloudTrail (PutModelInvocationLoggingConfiguration) and the bucket's delivery errors")
		} else {
			r.add(CheckTraffic, OK, fmt.Sprintf("CloudWatch counted %.0f invocations in the last 24 whole hours, the logs %d", calls, logged), "")
		}
	}
	if m := sum(out, "mantle"); m > 0 {
		r.add(CheckMantle, Warn, fmt.Sprintf("%.0f inferences through the bedrock-mantle endpoint (OpenAI and Anthropic APIs) in the last 24 hours: invocation logging never records them, so their spend is in no log-based report", m),
			"reconcile with the bill (CUR 2.0) for this spend")
	} else {
		r.add(CheckMantle, OK, "no bedrock-mantle inferences in the last 24 hours", "")
	}
}

// arrival says how old the newest log is; recent is CloudWatch's count of the last
// MaxLogAge (-1: unknown).
func (r *region) arrival(newest time.Time, recent float64) {
	switch {
	case newest.IsZero() && recent > 0:
		r.add(CheckArrival, Fail, fmt.Sprintf("no log in the last %d hours while CloudWatch counts %.0f invocations in the last %s", arrivalLookback, recent, MaxLogAge), "check the bucket policy and that logging points at this bucket")
	case newest.IsZero():
		r.add(CheckArrival, Warn, fmt.Sprintf("no log in the last %d hours (and no traffic that CloudWatch counts)", arrivalLookback), "send a call through an application role (bedrock-usage traffic), then check again")
	default:
		age := r.opts.Now.Sub(newest).Round(time.Minute)
		if age > MaxLogAge && recent > 0 {
			r.add(CheckArrival, Warn, fmt.Sprintf("the newest log is %s old, while CloudWatch counts %.0f invocations in the last %s", age, recent, MaxLogAge), "check that logging still points at this bucket and that Bedrock may write to it")
			return
		}
		r.add(CheckArrival, OK, fmt.Sprintf("the newest log is %s old (%s)", age, newest.UTC().Format(time.RFC3339)), "")
	}
}

// table checks the Glue table, its partition projection, and that it reads where logging
// writes (bucket and prefix; "" when logging is off).
func (r *region) table(ctx context.Context, bucket, prefix string) {
	out, err := r.c.Glue.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String(r.opts.Database), Name: aws.String(r.opts.Table)})
	if err != nil {
		r.add(CheckTable, Fail, r.opts.Database+"."+r.opts.Table+": "+errText(err), stackFix(r.name)+" (the Athena engine needs the table; the local engine does not)")
		return
	}
	params := map[string]string{}
	if out.Table != nil {
		params = out.Table.Parameters
	}
	if params["projection.enabled"] != "true" {
		r.add(CheckTable, Warn, r.opts.Database+"."+r.opts.Table+" has no partition projection: Athena queries read every partition or none", stackFix(r.name))
		return
	}
	loc := ""
	if out.Table.StorageDescriptor != nil {
		loc = aws.ToString(out.Table.StorageDescriptor.Location)
	}
	template := cmp.Or(params["storage.location.template"], loc)
	if dest := "s3://" + bucket + "/" + prefix; bucket != "" && !strings.HasPrefix(template, dest) {
		r.add(CheckTable, Warn, fmt.Sprintf("%s.%s reads %s, but logging writes to %s: Athena reports miss the logs", r.opts.Database, r.opts.Table, template, dest),
			stackFix(r.name)+" with the logging destination the table should read")
		return
	}
	r.add(CheckTable, OK, r.opts.Database+"."+r.opts.Table+", partition projection on, over "+cmp.Or(loc, "(no location)"), "")
}

// workgroup checks the Athena workgroup and its result location.
func (r *region) workgroup(ctx context.Context) {
	out, err := r.c.Athena.GetWorkGroup(ctx, &athena.GetWorkGroupInput{WorkGroup: aws.String(r.opts.WorkGroup)})
	if err != nil {
		r.add(CheckWorkgroup, Fail, r.opts.WorkGroup+": "+errText(err), stackFix(r.name))
		return
	}
	if wg := out.WorkGroup; wg != nil && wg.State == athenatypes.WorkGroupStateDisabled {
		r.add(CheckWorkgroup, Fail, r.opts.WorkGroup+" is disabled: Athena runs no query in it", "enable the workgroup (aws athena update-work-group --state ENABLED)")
		return
	}
	loc := ""
	if wg := out.WorkGroup; wg != nil && wg.Configuration != nil && wg.Configuration.ResultConfiguration != nil {
		loc = aws.ToString(wg.Configuration.ResultConfiguration.OutputLocation)
	}
	if loc == "" {
		r.add(CheckWorkgroup, Fail, r.opts.WorkGroup+" has no result location", stackFix(r.name))
		return
	}
	if u, err := url.Parse(loc); err != nil || u.Scheme != "s3" {
		r.add(CheckWorkgroup, Warn, r.opts.WorkGroup+": result location "+loc+" is not an s3:// URL", stackFix(r.name))
		return
	}
	r.add(CheckWorkgroup, OK, r.opts.WorkGroup+", results in "+loc, "")
}

// Worst is the worst status of the checks (OK for none).
func Worst(checks []Check) Status {
	w := OK
	for _, c := range checks {
		switch {
		case c.Status == Fail:
			return Fail
		case c.Status == Warn:
			w = Warn
		}
	}
	return w
}
