// Package infra is the AWS CDK app of bedrock-usage: per region, the log and analytics
// buckets, the Glue table over the invocation logs, the Athena workgroup and the Bedrock
// logging configuration itself; once per account, the application roles and the read-only
// reporting role for CI. It is the only package that imports CDK or jsii; the Glue schema
// and the S3 key layout come from analytics/invocationlog.
package infra

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
	"github.com/bedrock-usage/bedrock-usage/deployment"
)

// Context keys read from cdk.json (or `cdk … -c key=value`). All but AccountKey carry the
// "bedrock-usage:" namespace so they never clash with CDK's own keys.
const (
	AccountKey                = "account"
	HomeRegionKey             = "bedrock-usage:homeRegion"
	RegionsKey                = "bedrock-usage:regions"
	LogPrefixKey              = "bedrock-usage:logPrefix"
	AppsKey                   = "bedrock-usage:apps"
	AppPrincipalsKey          = "bedrock-usage:appPrincipals"
	ModelFamiliesKey          = "bedrock-usage:modelFamilies"
	DeliveryKey               = "bedrock-usage:delivery"
	LogTransitionDaysKey      = "bedrock-usage:logTransitionDays"
	LogExpirationDaysKey      = "bedrock-usage:logExpirationDays"
	AccessLogExpirationKey    = "bedrock-usage:accessLogExpirationDays"
	ResultsExpirationDaysKey  = "bedrock-usage:resultsExpirationDays"
	ProjectionStartKey        = "bedrock-usage:projectionStart"
	BytesScannedCutoffKey     = "bedrock-usage:bytesScannedCutoff"
	KMSKey                    = "bedrock-usage:kms"
	CloudWatchKey             = "bedrock-usage:cloudWatch"
	GitHubKey                 = "bedrock-usage:github"
	ExistingLogBucketsKey     = "bedrock-usage:existingLogBuckets"
	ReportingRoleNameKey      = "bedrock-usage:reportingRoleName"
	ReportingPrincipalsKey    = "bedrock-usage:reportingPrincipals"
	ReplaceExistingLoggingKey = "bedrock-usage:replaceExistingLogging"
	ObjectLockKey             = "bedrock-usage:objectLock"
	CURKey                    = "bedrock-usage:cur"
	contextNamespace          = "bedrock-usage:"
	minBytesScannedCutoff     = 10 * 1024 * 1024 // Athena's minimum
	defaultBytesScannedCutoff = 10 * 1024 * 1024 * 1024
)

// Names shared with the analytics engines: the deployment contract (package deployment);
// they are not configurable because the CLI finds the resources by them.
const (
	DatabaseName       = deployment.DatabaseName
	TableName          = deployment.TableName
	WorkGroupName      = deployment.WorkGroupName
	ResultsPrefix      = deployment.ResultsPrefix
	StackPrefix        = deployment.StackPrefix
	AccountStackName   = deployment.AccountStackName
	defaultReportingRN = deployment.ReportingRoleName
)

// DefaultRegions are the regions deployed when the configuration names none.
var DefaultRegions = deployment.DefaultRegions()

// DefaultApps are the applications that get a {App}-BedrockRole by default.
var DefaultApps = deployment.DefaultApps()

// DefaultModelFamilies are the model-ID prefixes the application roles may invoke by default.
var DefaultModelFamilies = deployment.DefaultModelFamilies()

// Delivery says which data types Bedrock logs (the records carry token counts either way; the
// flags decide which kinds of calls are logged with their bodies).
type Delivery struct {
	Text      bool `json:"text"`
	Image     bool `json:"image"`
	Embedding bool `json:"embedding"`
	Video     bool `json:"video"`
}

// CloudWatch is the optional second delivery of the logs, to a CloudWatch Logs group.
type CloudWatch struct {
	Enabled       bool `json:"enabled"`
	RetentionDays int  `json:"retentionDays"`
}

// ObjectLock is the optional S3 Object Lock of the log buckets the app creates, in governance
// mode: a log object cannot be overwritten or deleted for RetentionDays, except by a
// principal with s3:BypassGovernanceRetention. Once on, S3 never turns Object Lock off.
type ObjectLock struct {
	Enabled       bool `json:"enabled"`
	RetentionDays int  `json:"retentionDays"`
}

// maxObjectLockDays bounds the retention (100 years, as S3 does).
const maxObjectLockDays = 36500

// GitHub is the optional GitHub Actions trust of the reporting role.
type GitHub struct {
	// Repo is "owner/name"; empty disables the GitHub trust.
	Repo string `json:"repo"`
	// Branch and Environment restrict the OIDC subject; at least one is set when Repo is.
	Branch      string `json:"branch"`
	Environment string `json:"environment"`
	// OIDCProviderARN uses an existing token.actions.githubusercontent.com provider (an
	// account has at most one per URL); empty creates it in the account stack.
	OIDCProviderARN string `json:"oidcProviderArn"`
}

// Config is the app's whole configuration, read once from context and validated.
type Config struct {
	Account    string
	HomeRegion string
	Regions    []string
	// LogPrefix is the log key prefix, with its trailing slash ("bedrock-logs/").
	LogPrefix     string
	Apps          []string
	AppPrincipals []string // ARNs that may assume the application roles; empty: the account
	ModelFamilies []string
	Delivery      Delivery
	// LogTransitionDays moves log objects to Intelligent-Tiering; 0 never.
	LogTransitionDays int
	// LogExpirationDays deletes log objects; 0 never.
	LogExpirationDays       int
	AccessLogExpirationDays int
	ResultsExpirationDays   int
	// ProjectionStart is the first hour of the dt partition projection (yyyy/MM/dd/HH).
	ProjectionStart     string
	BytesScannedCutoff  int64
	KMS                 bool
	CloudWatch          CloudWatch
	GitHub              GitHub
	ExistingLogBuckets  map[string]string // region → bucket name
	ReportingRoleName   string
	ReportingPrincipals []string // ARNs that may assume the reporting role; empty: the account
	// ObjectLock locks the objects of the log buckets the app creates (not existing ones).
	ObjectLock ObjectLock
	// ReplaceExistingLogging lets a region's logging configuration replace a different one
	// that is already set (it is restored when the stack is deleted); false refuses the create.
	ReplaceExistingLogging bool
	// CUR adds the CUR 2.0 data export that `bedrock-usage reconcile` reads, its bucket and
	// its Glue table, to the home region's stack; it needs the home region us-east-1
	// (deployment.CURExportRegion), where AWS Data Exports runs.
	CUR bool
}

// Stack names.

// RegionalStackName is the name (and ID) of a region's stack.
func RegionalStackName(region string) string { return deployment.RegionalStackName(region) }

// LogBucketName is the region's log bucket: the existing one if configured.
func (c Config) LogBucketName(region string) string {
	if b, ok := c.ExistingLogBuckets[region]; ok {
		return b
	}
	return deployment.LogBucketName(c.Account, region)
}

// AnalyticsBucketName is the region's Athena results bucket.
func (c Config) AnalyticsBucketName(region string) string {
	return deployment.AnalyticsBucketName(c.Account, region)
}

// AccessLogBucketName is the region's S3 server-access-log bucket.
func (c Config) AccessLogBucketName(region string) string {
	return deployment.AccessLogBucketName(c.Account, region)
}

// RegionLogPrefix is the key prefix Bedrock writes a region's logs under.
func (c Config) RegionLogPrefix(region string) string {
	return invocationlog.RegionPrefix(c.LogPrefix, c.Account, region)
}

// ResultsLocation is the region's Athena output location.
func (c Config) ResultsLocation(region string) string {
	return deployment.ResultsLocation(c.Account, region)
}

// AppRoleName is an application's role name.
func AppRoleName(app string) string { return deployment.AppRoleName(app) }

// CURBucketName is the bucket of the CUR 2.0 export, in the home region.
func (c Config) CURBucketName() string { return deployment.CURBucketName(c.Account, c.HomeRegion) }

// CURDataLocation is the S3 location of the export's billing-period folders.
func (c Config) CURDataLocation() string {
	return deployment.CURDataLocation(c.Account, c.HomeRegion)
}

// CURProjectionStart is the first billing period (yyyy-MM) the CUR table projects: the month
// of ProjectionStart, the first hour of the log table's projection.
func (c Config) CURProjectionStart() string {
	t, err := time.Parse(invocationlog.HourFolderLayout, c.ProjectionStart)
	if err != nil { // Validate rejects such a configuration
		return ""
	}
	return t.Format("2006-01")
}

// Known regions: the commercial-partition (aws) regions where Bedrock is offered. An unknown
// name is almost always a typo, and would otherwise surface only as a failed deployment; the
// app writes aws-partition ARNs, so GovCloud and China regions are not supported.
var knownRegions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1",
	"sa-east-1", "mx-central-1",
	"eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3",
	"eu-north-1", "eu-south-1", "eu-south-2",
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
	"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
	"ap-southeast-7", "ap-east-2", "me-central-1", "me-south-1", "il-central-1", "af-south-1",
}

// CloudWatch Logs accepts only these retention periods.
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

var (
	accountRE     = regexp.MustCompile(`^[0-9]{12}$`)
	appRE         = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]+$`)
	familyRE      = regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)*$`)
	repoRE        = regexp.MustCompile(`^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}$`)
	refRE         = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)
	prefixRE      = regexp.MustCompile(`^([A-Za-z0-9!_.*'()-]+/)+$`)
	bucketRE      = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	principalRE   = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:(root|role/.+|user/.+)$`)
	oidcARNRE     = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\.actions\.githubusercontent\.com$`)
	roleNameRE    = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]{1,64}$`)
	errNoAccount  = errors.New("no account: set the context key \"account\" (cdk -c account=123456789012) or run with AWS credentials so CDK_DEFAULT_ACCOUNT is set")
	knownContexts = []string{AccountKey, HomeRegionKey, RegionsKey, LogPrefixKey, AppsKey, AppPrincipalsKey, ModelFamiliesKey, DeliveryKey, LogTransitionDaysKey, LogExpirationDaysKey, AccessLogExpirationKey, ResultsExpirationDaysKey, ProjectionStartKey, BytesScannedCutoffKey, KMSKey, CloudWatchKey, GitHubKey, ExistingLogBucketsKey, ReportingRoleNameKey, ReportingPrincipalsKey, ReplaceExistingLoggingKey, ObjectLockKey, CURKey}
)

// ContextKeys lists every context key the app reads.
func ContextKeys() []string { return slices.Clone(knownContexts) }

// DefaultConfig is the configuration with every default and no account.
func DefaultConfig() Config {
	return Config{
		HomeRegion:              "us-east-1",
		Regions:                 slices.Clone(DefaultRegions),
		LogPrefix:               deployment.LogPrefix,
		Apps:                    slices.Clone(DefaultApps),
		ModelFamilies:           slices.Clone(DefaultModelFamilies),
		Delivery:                Delivery{Text: true, Image: true, Embedding: true},
		LogTransitionDays:       30,
		AccessLogExpirationDays: 365,
		ResultsExpirationDays:   30,
		ProjectionStart:         "2024/01/01/00",
		BytesScannedCutoff:      defaultBytesScannedCutoff,
		CloudWatch:              CloudWatch{RetentionDays: 30},
		ObjectLock:              ObjectLock{RetentionDays: 30},
		ExistingLogBuckets:      map[string]string{},
		ReportingRoleName:       defaultReportingRN,
	}
}

// LoadConfig reads the configuration from context values. get returns a key's value as CDK
// holds it (nil when unset; strings from the command line, JSON values from cdk.json); a
// string holding a JSON list or object is decoded, and a plain string is accepted where a
// list is expected as a comma-separated list. defaultAccount (CDK_DEFAULT_ACCOUNT) is used
// when the context has no account. Every problem is reported, not only the first.
func LoadConfig(get func(key string) any, defaultAccount string) (Config, error) {
	c := DefaultConfig()
	var errs []error
	fail := func(key string, err error) { errs = append(errs, fmt.Errorf("%s: %w", key, err)) }

	if err := readString(get(AccountKey), &c.Account); err != nil {
		fail(AccountKey, err)
	}
	if c.Account == "" {
		c.Account = defaultAccount
	}
	str := map[string]*string{HomeRegionKey: &c.HomeRegion, LogPrefixKey: &c.LogPrefix, ProjectionStartKey: &c.ProjectionStart, ReportingRoleNameKey: &c.ReportingRoleName}
	for k, p := range str {
		if err := readString(get(k), p); err != nil {
			fail(k, err)
		}
	}
	lists := map[string]*[]string{RegionsKey: &c.Regions, AppsKey: &c.Apps, AppPrincipalsKey: &c.AppPrincipals, ModelFamiliesKey: &c.ModelFamilies, ReportingPrincipalsKey: &c.ReportingPrincipals}
	for k, p := range lists {
		if err := readList(get(k), p); err != nil {
			fail(k, err)
		}
	}
	ints := map[string]*int{LogTransitionDaysKey: &c.LogTransitionDays, LogExpirationDaysKey: &c.LogExpirationDays, AccessLogExpirationKey: &c.AccessLogExpirationDays, ResultsExpirationDaysKey: &c.ResultsExpirationDays}
	for k, p := range ints {
		var v int64
		set, err := readInt(get(k), &v)
		if err != nil {
			fail(k, err)
		} else if set {
			*p = int(v)
		}
	}
	if _, err := readInt(get(BytesScannedCutoffKey), &c.BytesScannedCutoff); err != nil {
		fail(BytesScannedCutoffKey, err)
	}
	bools := map[string]*bool{KMSKey: &c.KMS, ReplaceExistingLoggingKey: &c.ReplaceExistingLogging, CURKey: &c.CUR}
	for k, p := range bools {
		if err := readBool(get(k), p); err != nil {
			fail(k, err)
		}
	}
	objs := map[string]any{DeliveryKey: &c.Delivery, CloudWatchKey: &c.CloudWatch, GitHubKey: &c.GitHub, ExistingLogBucketsKey: &c.ExistingLogBuckets, ObjectLockKey: &c.ObjectLock}
	for k, p := range objs {
		if err := readObject(get(k), p); err != nil {
			fail(k, err)
		}
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("bedrock-usage configuration: %w", errors.Join(errs...))
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Validate checks every field and reports all problems together.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{key}, a...)...))
	}
	switch {
	case c.Account == "":
		errs = append(errs, errNoAccount)
	case !accountRE.MatchString(c.Account):
		bad(AccountKey, "%q is not a 12-digit AWS account ID", c.Account)
	}
	if len(c.Regions) == 0 {
		bad(RegionsKey, "no region configured")
	}
	seen := map[string]bool{}
	for _, r := range c.Regions {
		if !slices.Contains(knownRegions, r) {
			bad(RegionsKey, "unknown region %q", r)
		}
		if seen[r] {
			bad(RegionsKey, "region %q listed twice", r)
		}
		seen[r] = true
	}
	if !slices.Contains(c.Regions, c.HomeRegion) {
		bad(HomeRegionKey, "home region %q is not one of the configured regions %v: pick one of them, or add it to %s", c.HomeRegion, c.Regions, RegionsKey)
	}
	if c.CUR && c.HomeRegion != deployment.CURExportRegion {
		bad(CURKey, "the CUR 2.0 export needs the home region %s, but it is %q: AWS Data Exports is a %s API (CloudFormation offers AWS::BCMDataExports::Export only there), and the export, its bucket and its Glue table are created in the home region's stack; set %s to %q (and list it in %s), or leave %s off",
			deployment.CURExportRegion, c.HomeRegion, deployment.CURExportRegion, HomeRegionKey, deployment.CURExportRegion, RegionsKey, CURKey)
	}
	if !prefixRE.MatchString(c.LogPrefix) {
		bad(LogPrefixKey, "%q must be one or more path segments each ending in \"/\" (e.g. %q)", c.LogPrefix, deployment.LogPrefix)
	}
	if len(c.Apps) == 0 {
		bad(AppsKey, "no application configured (list at least one, e.g. %q)", DefaultApps[0])
	}
	seenApp := map[string]bool{}
	for _, a := range c.Apps {
		if !appRE.MatchString(a) || len(AppRoleName(a)) > 64 {
			bad(AppsKey, "%q does not make a valid IAM role name %q (letters, digits, +=,.@_-; at most 64 characters)", a, AppRoleName(a))
		}
		if seenApp[a] {
			bad(AppsKey, "application %q listed twice", a)
		}
		seenApp[a] = true
	}
	for _, p := range c.AppPrincipals {
		if !principalRE.MatchString(p) {
			bad(AppPrincipalsKey, "%q is not an IAM account-root, role or user ARN", p)
		}
	}
	for _, p := range c.ReportingPrincipals {
		if !principalRE.MatchString(p) {
			bad(ReportingPrincipalsKey, "%q is not an IAM account-root, role or user ARN", p)
		}
	}
	if len(c.ModelFamilies) == 0 {
		bad(ModelFamiliesKey, "no model family configured: the application roles could invoke nothing (e.g. %q)", DefaultModelFamilies[0])
	}
	for _, f := range c.ModelFamilies {
		if !familyRE.MatchString(f) {
			bad(ModelFamiliesKey, "%q is not a model-ID prefix such as \"anthropic.claude\" (lower case, dots, no wildcards)", f)
		}
	}
	if !c.Delivery.Text && !c.Delivery.Image && !c.Delivery.Embedding && !c.Delivery.Video {
		bad(DeliveryKey, "every data type is off: Bedrock would log nothing")
	}
	nonNeg := map[string]int{LogTransitionDaysKey: c.LogTransitionDays, LogExpirationDaysKey: c.LogExpirationDays}
	for _, k := range []string{LogTransitionDaysKey, LogExpirationDaysKey} {
		if nonNeg[k] < 0 {
			bad(k, "%d days is negative (0 means never)", nonNeg[k])
		}
	}
	if c.LogExpirationDays > 0 && c.LogTransitionDays > 0 && c.LogExpirationDays <= c.LogTransitionDays {
		bad(LogExpirationDaysKey, "objects expire after %d days, not after the transition to Intelligent-Tiering at %d days", c.LogExpirationDays, c.LogTransitionDays)
	}
	if c.ResultsExpirationDays < 1 {
		bad(ResultsExpirationDaysKey, "%d: Athena results must expire after at least 1 day", c.ResultsExpirationDays)
	}
	if c.AccessLogExpirationDays < 1 {
		bad(AccessLogExpirationKey, "%d: access logs must expire after at least 1 day", c.AccessLogExpirationDays)
	}
	if t, err := time.Parse(invocationlog.HourFolderLayout, c.ProjectionStart); err != nil || t.Format(invocationlog.HourFolderLayout) != c.ProjectionStart {
		bad(ProjectionStartKey, "%q is not an hour in the form %s (e.g. \"2024/01/01/00\")", c.ProjectionStart, invocationlog.PartitionFormat)
	}
	if c.BytesScannedCutoff < minBytesScannedCutoff {
		bad(BytesScannedCutoffKey, "%d bytes is below Athena's minimum of %d (10 MB)", c.BytesScannedCutoff, minBytesScannedCutoff)
	}
	if c.CloudWatch.Enabled && !slices.Contains(logRetentionDays, c.CloudWatch.RetentionDays) {
		bad(CloudWatchKey, "retentionDays %d is not a CloudWatch Logs retention period (one of %v)", c.CloudWatch.RetentionDays, logRetentionDays)
	}
	if c.ObjectLock.Enabled && (c.ObjectLock.RetentionDays < 1 || c.ObjectLock.RetentionDays > maxObjectLockDays) {
		bad(ObjectLockKey, "retentionDays %d: lock log objects for 1 to %d days", c.ObjectLock.RetentionDays, maxObjectLockDays)
	}
	g := c.GitHub
	if g.Repo != "" {
		if !repoRE.MatchString(g.Repo) {
			bad(GitHubKey, "repo %q is not \"owner/name\"", g.Repo)
		}
		if g.Branch == "" && g.Environment == "" {
			bad(GitHubKey, "repo %q needs a branch or an environment to restrict which workflows may assume the reporting role", g.Repo)
		}
		for _, f := range []struct{ field, v string }{{"branch", g.Branch}, {"environment", g.Environment}} {
			switch {
			case f.v == "":
			case strings.ContainsAny(f.v, "*?"):
				bad(GitHubKey, "%s %q contains a wildcard (* or ?): the trust policy matches the token subject with StringLike, so it would let every matching %s of %s assume the reporting role; name exactly one", f.field, f.v, f.field, g.Repo)
			case !refRE.MatchString(f.v):
				bad(GitHubKey, "%s %q is not a branch or environment name", f.field, f.v)
			}
		}
		if g.OIDCProviderARN != "" && !oidcARNRE.MatchString(g.OIDCProviderARN) {
			bad(GitHubKey, "oidcProviderArn %q is not an IAM OIDC provider ARN for token.actions.githubusercontent.com", g.OIDCProviderARN)
		}
	} else if g.Branch != "" || g.Environment != "" || g.OIDCProviderARN != "" {
		bad(GitHubKey, "branch, environment or oidcProviderArn set without repo")
	}
	regions := make([]string, 0, len(c.ExistingLogBuckets))
	for r := range c.ExistingLogBuckets {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	for _, r := range regions {
		if !slices.Contains(c.Regions, r) {
			bad(ExistingLogBucketsKey, "region %q is not a configured region", r)
		}
		if b := c.ExistingLogBuckets[r]; !bucketRE.MatchString(b) {
			bad(ExistingLogBucketsKey, "%q is not an S3 bucket name", b)
		}
	}
	if !roleNameRE.MatchString(c.ReportingRoleName) {
		bad(ReportingRoleNameKey, "%q is not a valid IAM role name", c.ReportingRoleName)
	} else if slices.ContainsFunc(c.Apps, func(a string) bool { return AppRoleName(a) == c.ReportingRoleName }) {
		bad(ReportingRoleNameKey, "%q is also an application role's name", c.ReportingRoleName)
	} else if c.ReportingRoleName == LoggingHandlerRoleName || c.ReportingRoleName == LogDeliveryRoleName {
		bad(ReportingRoleNameKey, "%q is the name of a logging configuration role of the account stack", c.ReportingRoleName)
	}
	if len(errs) > 0 {
		return fmt.Errorf("bedrock-usage configuration: %w", errors.Join(errs...))
	}
	return nil
}

func decodeJSONString(v any) any {
	if s, ok := v.(string); ok {
		t := strings.TrimSpace(s)
		if strings.HasPrefix(t, "[") || strings.HasPrefix(t, "{") {
			var out any
			if json.Unmarshal([]byte(t), &out) == nil {
				return out
			}
		}
	}
	return v
}

func readString(v any, dst *string) error {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		*dst = strings.TrimSpace(v)
		return nil
	case float64: // an account written as a JSON number
		if v == float64(int64(v)) {
			*dst = fmt.Sprintf("%012d", int64(v))
			return nil
		}
	}
	return fmt.Errorf("want a string, got %T %v", v, v)
}

func readList(v any, dst *[]string) error {
	switch v := decodeJSONString(v).(type) {
	case nil:
		return nil
	case string:
		out := []string{}
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		*dst = out
		return nil
	case []any:
		out := make([]string, 0, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return fmt.Errorf("element %d: want a string, got %T %v", i, e, e)
			}
			out = append(out, strings.TrimSpace(s))
		}
		*dst = out
		return nil
	default:
		return fmt.Errorf("want a list of strings, got %T %v", v, v)
	}
}

func readInt(v any, dst *int64) (bool, error) {
	switch v := v.(type) {
	case nil:
		return false, nil
	case int:
		*dst = int64(v)
		return true, nil
	case int64:
		*dst = v
		return true, nil
	case float64:
		if v != float64(int64(v)) {
			return false, fmt.Errorf("want a whole number, got %v", v)
		}
		*dst = int64(v)
		return true, nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return false, fmt.Errorf("want a whole number, got %q", v)
		}
		*dst = n
		return true, nil
	default:
		return false, fmt.Errorf("want a whole number, got %T %v", v, v)
	}
}

func readBool(v any, dst *bool) error {
	switch v := v.(type) {
	case nil:
		return nil
	case bool:
		*dst = v
		return nil
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("want true or false, got %q", v)
		}
		*dst = b
		return nil
	default:
		return fmt.Errorf("want true or false, got %T %v", v, v)
	}
}

// readObject decodes a JSON object onto dst's defaults, rejecting unknown fields (typos).
func readObject(v any, dst any) error {
	v = decodeJSONString(v)
	if v == nil {
		return nil
	}
	if _, ok := v.(map[string]any); !ok {
		return fmt.Errorf("want a JSON object, got %T %v", v, v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("re-encoding: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("%w", err)
	}
	return nil
}

// UnknownContextKeys returns the keys in the bedrock-usage namespace that the app does not
// read (almost always typos), sorted.
func UnknownContextKeys(keys []string) []string {
	var out []string
	for _, k := range keys {
		if strings.HasPrefix(k, contextNamespace) && !slices.Contains(knownContexts, k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
