// Package deployment is the contract between the CDK app (infra) and the CLI: the names and
// defaults of what a deployment creates in an account, written once. The CDK app creates the
// buckets, the Glue table and the Athena workgroup under these names; the engines find them
// by the same names, without asking the user. Changing a value here changes both sides.
package deployment

import (
	"fmt"
	"slices"
)

// Glue and Athena names.
const (
	// DatabaseName is the Glue database of the log table.
	DatabaseName = "bedrock_analytics"
	// TableName is the Glue table over the invocation logs.
	TableName = "bedrock_invocation_logs"
	// WorkGroupName is the Athena workgroup the queries run in.
	WorkGroupName = "bedrock-usage"
	// ResultsPrefix is where, in the analytics bucket, Athena writes query results.
	ResultsPrefix = "athena-results/"
)

// LogPrefix is the key prefix Bedrock writes the logs under, with its trailing slash.
const LogPrefix = "bedrock-logs/"

// AppRoleSuffix follows an application's name in its role name: {App}-BedrockRole.
const AppRoleSuffix = "-BedrockRole"

// ReportingRoleName is the default name of the read-only reporting role.
const ReportingRoleName = "BedrockUsage-Reporting"

// Stack names.
const (
	StackPrefix      = "BedrockUsage-"
	AccountStackName = StackPrefix + "Account"
)

var defaultRegions = []string{"us-east-1", "us-west-2", "eu-central-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1"}

var defaultApps = []string{"CustomerServiceApp", "DataAnalysisApp", "ChatbotApp", "DocumentProcessorApp"}

// DefaultRegions are the regions deployed (and, by the Athena engine, queried) when the
// configuration names none.
func DefaultRegions() []string { return slices.Clone(defaultRegions) }

var defaultModelFamilies = []string{"anthropic.claude", "amazon.nova", "amazon.titan", "meta.llama"}

// DefaultModelFamilies are the model-ID prefixes the application roles may invoke by default.
func DefaultModelFamilies() []string { return slices.Clone(defaultModelFamilies) }

// DefaultApps are the applications that get a {App}-BedrockRole by default.
func DefaultApps() []string { return slices.Clone(defaultApps) }

// LogBucketName is the log bucket the CDK app creates in a region.
func LogBucketName(account, region string) string {
	return fmt.Sprintf("bedrock-logs-%s-%s", account, region)
}

// AnalyticsBucketName is the region's bucket of Athena results.
func AnalyticsBucketName(account, region string) string {
	return fmt.Sprintf("bedrock-analytics-%s-%s", account, region)
}

// AccessLogBucketName is the region's bucket of S3 server access logs.
func AccessLogBucketName(account, region string) string {
	return fmt.Sprintf("bedrock-usage-access-logs-%s-%s", account, region)
}

// ResultsLocation is the region's Athena output location.
func ResultsLocation(account, region string) string {
	return "s3://" + AnalyticsBucketName(account, region) + "/" + ResultsPrefix
}

// AppRoleName is an application's role name.
func AppRoleName(app string) string { return app + AppRoleSuffix }

// RegionalStackName is the name (and ID) of a region's stack.
func RegionalStackName(region string) string { return StackPrefix + region }
