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

// The opt-in CUR 2.0 data export (context bedrock-usage:cur) that `reconcile` reads.
const (
	// CURExportName is the name of the AWS Data Exports export. Data Exports delivers it
	// under {CURPrefix}{CURExportName}/data/BILLING_PERIOD=YYYY-MM/.
	CURExportName = "bedrock-usage-cur"
	// CURPrefix is the key prefix of the export in its bucket, with its trailing slash.
	CURPrefix = "cur/"
	// CURTableName is the Glue table over the export, in DatabaseName of the home region.
	CURTableName = "cur_bedrock"
	// CURExportRegion is where Data Exports runs: exports are created (and their source
	// ARNs minted) in us-east-1 whatever the bucket's region.
	CURExportRegion = "us-east-1"
)

// CURBucketName is the bucket the export is delivered to, in the home region.
func CURBucketName(account, region string) string {
	return fmt.Sprintf("bedrock-usage-cur-%s-%s", account, region)
}

// CURDataLocation is the S3 location of the export's Parquet files (the billing-period
// folders below it).
func CURDataLocation(account, region string) string {
	return "s3://" + CURBucketName(account, region) + "/" + CURPrefix + CURExportName + "/data/"
}

// CURColumn is one column of the export and of its Glue table (Hive type names).
type CURColumn struct {
	Name string
	Type string
}

// CURColumns are the CUR 2.0 columns the export selects and reconcile reads, with their
// CUR 2.0 types: everything a Bedrock line item needs (account, period, day, usage type,
// operation, amount, cost, region, the IAM principal, the resource id) and nothing else, so
// the export stays small. The billing period is the table's partition, not a column.
var CURColumns = []CURColumn{
	{"bill_billing_period_start_date", "timestamp"},
	{"bill_payer_account_id", "string"},
	{"line_item_usage_account_id", "string"},
	{"line_item_line_item_type", "string"},
	{"line_item_usage_start_date", "timestamp"},
	{"line_item_usage_end_date", "timestamp"},
	{"line_item_product_code", "string"},
	{"line_item_usage_type", "string"},
	{"line_item_operation", "string"},
	{"line_item_line_item_description", "string"},
	{"line_item_resource_id", "string"},
	{"line_item_usage_amount", "double"},
	{"line_item_unblended_rate", "string"},
	{"line_item_unblended_cost", "double"},
	{"line_item_net_unblended_cost", "double"},
	{"line_item_iam_principal", "string"},
	{"pricing_unit", "string"},
	{"product_region_code", "string"},
	{"product", "map<string,string>"},
}
