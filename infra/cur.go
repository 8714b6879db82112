package infra

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsbcmdataexports"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsglue"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/bedrock-usage/bedrock-usage/deployment"
)

// The opt-in CUR 2.0 data export (bedrock-usage:cur) that `bedrock-usage reconcile` reads:
// AWS Data Exports delivers the account's CUR 2.0 line items, as Parquet, once a day or more,
// to a bucket of the home region, and a Glue table in the home region's database reads them.
// The names are the deployment contract (deployment.CURExportName, CURPrefix, CURTableName,
// CURBucketName, CURDataLocation, CURColumns).

// The service principals that deliver a data export: AWS Data Exports, and the Billing
// reports service of the legacy CUR, which AWS's documented bucket policy names too.
const (
	DataExportsServicePrincipal    = "bcm-data-exports.amazonaws.com"
	BillingReportsServicePrincipal = "billingreports.amazonaws.com"
)

// CURSourceTable is the Data Exports table the export queries (CUR 2.0).
const CURSourceTable = "COST_AND_USAGE_REPORT"

// Glue table storage settings of the export: Parquet through Hive's Parquet SerDe.
const (
	ParquetSerDe        = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
	ParquetInputFormat  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
	ParquetOutputFormat = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
)

// The CUR table's partition: Data Exports writes each billing period under
// BILLING_PERIOD=yyyy-MM/ (AWS Data Exports User Guide, "Data export delivery").
const (
	CURPartitionColumn = "billing_period"
	CURPartitionFormat = "yyyy-MM"
	curPartitionFolder = "BILLING_PERIOD="
)

// CURSourceArns are the aws:SourceArn values every grant to the export's delivery services
// is limited to: the account's CUR definitions and Data Exports exports, which exist in
// us-east-1 only (deployment.CURExportRegion) whatever the bucket's region.
func CURSourceArns(account string) []string {
	return []string{
		"arn:aws:cur:" + deployment.CURExportRegion + ":" + account + ":definition/*",
		"arn:aws:bcm-data-exports:" + deployment.CURExportRegion + ":" + account + ":export/*",
	}
}

// CURQuery is the export's query: the columns of deployment.CURColumns (Data Exports
// accepts no SELECT *) from the CUR 2.0 table, every line item of the account. Bedrock's
// charges are not filtered here: models sold through AWS Marketplace bill under their own
// product codes, and reconcile picks the Bedrock lines itself.
func CURQuery() string {
	names := make([]string, len(deployment.CURColumns))
	for i, c := range deployment.CURColumns {
		names[i] = c.Name
	}
	return "SELECT " + strings.Join(names, ", ") + " FROM " + CURSourceTable
}

// CURTableConfigurations are the export's table configurations of COST_AND_USAGE_REPORT, as
// the "Cost and Usage Report (CUR) 2.0" page of the AWS Data Exports User Guide documents
// them (https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2.html, "Table
// configurations"): daily line items, one per resource (INCLUDE_RESOURCES adds
// line_item_resource_id), no split cost allocation data, no manual discount compatibility.
//
// INCLUDE_IAM_PRINCIPAL_DATA = "TRUE" switches on the caller-identity (IAM principal)
// allocation data that fills line_item_iam_principal, which reconcile compares per principal.
// AWS documents the column and the feature (AWS Billing User Guide, "Using IAM principal for
// cost allocation",
// https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/iam-principal-cost-allocation.html;
// What's New 2026-04-09, "Amazon Bedrock now supports cost allocation by IAM user and role")
// and the console setting ("Include caller identity (IAM principal) allocation data"); the
// stored copy of the table-configurations list ends before the key, whose spelling comes from
// independent third-party export definitions (a Terraform example, SDK test payloads and
// articles), which all agree. `aws bcm-data-exports get-table --table-name
// COST_AND_USAGE_REPORT --region us-east-1` lists the table's properties to confirm it; a key
// Data Exports did not know would fail the export's creation, and CloudFormation would roll the
// stack update back, leaving logging as it was.
func CURTableConfigurations() map[string]string {
	return map[string]string{
		"TIME_GRANULARITY":                      "DAILY",
		"INCLUDE_RESOURCES":                     "TRUE",
		"INCLUDE_SPLIT_COST_ALLOCATION_DATA":    "FALSE",
		"INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY": "FALSE",
		"INCLUDE_IAM_PRINCIPAL_DATA":            "TRUE",
	}
}

// CURBucketProps configures NewCURBucket.
type CURBucketProps struct {
	Account    string
	BucketName string
	AccessLogs awss3.IBucket
	// TransitionDays moves objects to Intelligent-Tiering (0: never); ExpirationDays
	// deletes them (0: never). The stacks pass the log buckets' values: a billing period
	// is worth keeping as long as the logs it is reconciled with.
	TransitionDays, ExpirationDays int
}

// CURBucket is the bucket the export is delivered to.
type CURBucket struct {
	constructs.Construct
	Bucket awss3.Bucket
	// Policy is the bucket policy that lets Data Exports deliver; the export depends on it.
	Policy awss3.BucketPolicy
}

// NewCURBucket creates the export's bucket, hardened and versioned like the log buckets
// (versionedData: public access blocked, TLS 1.2 only, bucket-owner ownership, retained,
// versioned with the same lifecycle, server access logs to accessLogs) and SSE-S3 encrypted
// even with bedrock-usage:kms (the Data Exports setup documents a bucket policy and no key
// policy, and the export holds billing lines, not prompts). Its policy is AWS's documented one
// ("Setting up an Amazon S3 bucket for data exports",
// https://docs.aws.amazon.com/cur/latest/userguide/dataexports-s3-bucket.html): Data Exports
// and the Billing reports service may put objects and read the bucket policy, for this
// account's exports and definitions only. Object Lock is not offered: Data Exports
// overwrites a billing period's files at every refresh.
func NewCURBucket(scope constructs.Construct, id string, props CURBucketProps) *CURBucket {
	c := constructs.NewConstruct(scope, jsii.String(id))
	p := versionedData(props.BucketName, "cur-storage", nil, props.AccessLogs, props.TransitionDays, props.ExpirationDays)
	b := awss3.NewBucket(c, jsii.String("Bucket"), p)
	b.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("EnableAWSDataExportsToWriteToS3AndCheckPolicy"),
		Principals: &[]awsiam.IPrincipal{
			awsiam.NewServicePrincipal(jsii.String(BillingReportsServicePrincipal), nil),
			awsiam.NewServicePrincipal(jsii.String(DataExportsServicePrincipal), nil),
		},
		Actions:   jsii.Strings("s3:PutObject", "s3:GetBucketPolicy"),
		Resources: jsii.Strings(bucketArn(props.BucketName), bucketArn(props.BucketName)+"/*"),
		Conditions: &map[string]any{"StringLike": map[string]any{
			"aws:SourceAccount": props.Account,
			"aws:SourceArn":     CURSourceArns(props.Account),
		}},
	}))
	return &CURBucket{Construct: c, Bucket: b, Policy: b.Policy()}
}

// CURExportProps configures NewCURExport.
type CURExportProps struct {
	// Bucket is the destination bucket's name, Region its region.
	Bucket, Region string
	// DependsOn are created first: the bucket policy (Data Exports checks that it may
	// write when the export is created).
	DependsOn []constructs.IConstruct
}

// NewCURExport creates the CUR 2.0 export deployment.CURExportName: CURQuery with
// CURTableConfigurations, Parquet files under deployment.CURPrefix of the bucket, each
// billing period's files overwritten at every refresh (OVERWRITE_REPORT), refreshed as the
// bill is (SYNCHRONOUS: at least once a day).
func NewCURExport(scope constructs.Construct, id string, props CURExportProps) awsbcmdataexports.CfnExport {
	export := awsbcmdataexports.NewCfnExport(scope, jsii.String(id), &awsbcmdataexports.CfnExportProps{
		Export: &awsbcmdataexports.CfnExport_ExportProperty{
			Name:        jsii.String(deployment.CURExportName),
			Description: jsii.String("bedrock-usage: CUR 2.0 line items (daily, per resource) that bedrock-usage reconcile compares with the invocation logs"),
			DataQuery: &awsbcmdataexports.CfnExport_DataQueryProperty{
				QueryStatement:      jsii.String(CURQuery()),
				TableConfigurations: map[string]any{CURSourceTable: CURTableConfigurations()},
			},
			DestinationConfigurations: &awsbcmdataexports.CfnExport_DestinationConfigurationsProperty{
				S3Destination: &awsbcmdataexports.CfnExport_S3DestinationProperty{
					S3Bucket: jsii.String(props.Bucket),
					// Data Exports adds the "/" between the prefix and the export name.
					S3Prefix: jsii.String(strings.TrimSuffix(deployment.CURPrefix, "/")),
					S3Region: jsii.String(props.Region),
					S3OutputConfigurations: &awsbcmdataexports.CfnExport_S3OutputConfigurationsProperty{
						Format:      jsii.String("PARQUET"),
						Compression: jsii.String("PARQUET"),
						OutputType:  jsii.String("CUSTOM"),
						Overwrite:   jsii.String("OVERWRITE_REPORT"),
					},
				},
			},
			RefreshCadence: &awsbcmdataexports.CfnExport_RefreshCadenceProperty{Frequency: jsii.String("SYNCHRONOUS")},
		},
	})
	for _, d := range props.DependsOn {
		export.Node().AddDependency(d)
	}
	return export
}

// CURProjectionParameters are the CUR table's parameters that make Athena compute the
// billing-period partitions (monthly, from start, yyyy-MM, to NOW) under location, the
// export's data folder (deployment.CURDataLocation, with its trailing slash).
func CURProjectionParameters(location, start string) map[string]string {
	bp := CURPartitionColumn
	return map[string]string{
		"projection.enabled":                  "true",
		"projection." + bp + ".type":          "date",
		"projection." + bp + ".format":        CURPartitionFormat,
		"projection." + bp + ".range":         start + ",NOW",
		"projection." + bp + ".interval":      "1",
		"projection." + bp + ".interval.unit": "MONTHS",
		"storage.location.template":           location + curPartitionFolder + "${" + bp + "}/",
		"classification":                      "parquet",
		"EXTERNAL":                            "TRUE",
	}
}

// CURTableProps configures NewCURTable.
type CURTableProps struct {
	Account string
	// Location is the export's data folder (deployment.CURDataLocation).
	Location string
	// ProjectionStart is the first projected billing period, yyyy-MM.
	ProjectionStart string
	// Database is the Glue database DatabaseName's resource: the table is created after it.
	Database constructs.IConstruct
}

// NewCURTable creates the Glue table deployment.CURTableName in DatabaseName over the
// export's Parquet files, with the columns of deployment.CURColumns and the billing_period
// partition projected on the BILLING_PERIOD= folders.
func NewCURTable(scope constructs.Construct, id string, props CURTableProps) awsglue.CfnTable {
	cols := make([]any, 0, len(deployment.CURColumns))
	for _, col := range deployment.CURColumns {
		cols = append(cols, &awsglue.CfnTable_ColumnProperty{Name: jsii.String(col.Name), Type: jsii.String(col.Type)})
	}
	table := awsglue.NewCfnTable(scope, jsii.String(id), &awsglue.CfnTableProps{
		CatalogId:    jsii.String(props.Account),
		DatabaseName: jsii.String(DatabaseName),
		TableInput: &awsglue.CfnTable_TableInputProperty{
			Name:        jsii.String(deployment.CURTableName),
			Description: jsii.String(fmt.Sprintf("CUR 2.0 line items of the %s export under %s, partitioned by billing period (%s, projected)", deployment.CURExportName, props.Location, CURPartitionFormat)),
			TableType:   jsii.String("EXTERNAL_TABLE"),
			Parameters:  CURProjectionParameters(props.Location, props.ProjectionStart),
			PartitionKeys: []any{&awsglue.CfnTable_ColumnProperty{
				Name:    jsii.String(CURPartitionColumn),
				Type:    jsii.String("string"),
				Comment: jsii.String("billing period folder " + curPartitionFolder + CURPartitionFormat),
			}},
			StorageDescriptor: &awsglue.CfnTable_StorageDescriptorProperty{
				Columns:      cols,
				Location:     jsii.String(props.Location),
				InputFormat:  jsii.String(ParquetInputFormat),
				OutputFormat: jsii.String(ParquetOutputFormat),
				SerdeInfo:    &awsglue.CfnTable_SerdeInfoProperty{SerializationLibrary: jsii.String(ParquetSerDe)},
			},
		},
	})
	if props.Database != nil {
		table.Node().AddDependency(props.Database)
	}
	return table
}
