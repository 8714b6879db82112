package infra

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsathena"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsglue"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// Glue table storage settings: newline-delimited JSON (gzip is read transparently by the
// text input format) through the OpenX SerDe.
const (
	JSONSerDe    = "org.openx.data.jsonserde.JsonSerDe"
	InputFormat  = "org.apache.hadoop.mapred.TextInputFormat"
	OutputFormat = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
)

// LogTableProps configures NewLogTable.
type LogTableProps struct {
	Account string
	// Bucket is the log bucket's name; RegionPrefix the key prefix of the region's logs
	// ({prefix}AWSLogs/{account}/BedrockModelInvocationLogs/{region}/).
	Bucket, RegionPrefix string
	// ProjectionStart is the first projected hour, yyyy/MM/dd/HH.
	ProjectionStart string
}

// LogTable is the Glue database and the partition-projected table over a region's logs.
type LogTable struct {
	constructs.Construct
	Database awsglue.CfnDatabase
	Table    awsglue.CfnTable
}

// ProjectionParameters are the table parameters that make Athena compute the hour
// partitions instead of reading them from the catalog: no partition is ever added by hand.
func ProjectionParameters(bucket, regionPrefix, start string) map[string]string {
	dt := invocationlog.PartitionColumn.Name
	return map[string]string{
		"projection.enabled":                  "true",
		"projection." + dt + ".type":          "date",
		"projection." + dt + ".format":        invocationlog.PartitionFormat,
		"projection." + dt + ".range":         start + ",NOW",
		"projection." + dt + ".interval":      "1",
		"projection." + dt + ".interval.unit": "HOURS",
		"storage.location.template":           "s3://" + bucket + "/" + regionPrefix + "${" + dt + "}/",
		"classification":                      "json",
		"EXTERNAL":                            "TRUE",
	}
}

// NewLogTable creates the Glue database DatabaseName and table TableName, with the columns
// of invocationlog.Columns and the dt partition projected on the delivery hour.
func NewLogTable(scope constructs.Construct, id string, props LogTableProps) *LogTable {
	c := constructs.NewConstruct(scope, jsii.String(id))
	db := awsglue.NewCfnDatabase(c, jsii.String("Database"), &awsglue.CfnDatabaseProps{
		CatalogId: jsii.String(props.Account),
		DatabaseInput: &awsglue.CfnDatabase_DatabaseInputProperty{
			Name:        jsii.String(DatabaseName),
			Description: jsii.String("bedrock-usage: Amazon Bedrock model invocation logs"),
		},
	})
	cols := make([]any, 0, len(invocationlog.Columns))
	for _, col := range invocationlog.Columns {
		cols = append(cols, &awsglue.CfnTable_ColumnProperty{Name: jsii.String(col.Name), Type: jsii.String(col.Type)})
	}
	table := awsglue.NewCfnTable(c, jsii.String("Table"), &awsglue.CfnTableProps{
		CatalogId:    jsii.String(props.Account),
		DatabaseName: jsii.String(DatabaseName),
		TableInput: &awsglue.CfnTable_TableInputProperty{
			Name:        jsii.String(TableName),
			Description: jsii.String(fmt.Sprintf("Bedrock invocation log records under s3://%s/%s, partitioned by delivery hour (%s, projected)", props.Bucket, props.RegionPrefix, invocationlog.PartitionFormat)),
			TableType:   jsii.String("EXTERNAL_TABLE"),
			Parameters:  ProjectionParameters(props.Bucket, props.RegionPrefix, props.ProjectionStart),
			PartitionKeys: []any{&awsglue.CfnTable_ColumnProperty{
				Name:    jsii.String(invocationlog.PartitionColumn.Name),
				Type:    jsii.String(invocationlog.PartitionColumn.Type),
				Comment: jsii.String("delivery hour folder " + invocationlog.PartitionFormat + " (UTC)"),
			}},
			StorageDescriptor: &awsglue.CfnTable_StorageDescriptorProperty{
				Columns:      cols,
				Location:     jsii.String("s3://" + props.Bucket + "/" + props.RegionPrefix),
				InputFormat:  jsii.String(InputFormat),
				OutputFormat: jsii.String(OutputFormat),
				SerdeInfo: &awsglue.CfnTable_SerdeInfoProperty{
					SerializationLibrary: jsii.String(JSONSerDe),
					Parameters: map[string]string{
						"ignore.malformed.json": "true",
						"case.insensitive":      "true",
					},
				},
			},
		},
	})
	table.Node().AddDependency(db)
	return &LogTable{Construct: c, Database: db, Table: table}
}

// WorkGroupProps configures NewWorkGroup.
type WorkGroupProps struct {
	// OutputLocation is the enforced results location (s3://bucket/athena-results/).
	OutputLocation string
	// Key encrypts results with SSE-KMS; nil uses SSE-S3.
	Key                awskms.IKey
	BytesScannedCutoff int64
	Account            string
}

// NewWorkGroup creates the Athena workgroup WorkGroupName: engine version 3, the result
// location and encryption enforced (clients cannot override them), a per-query scan cutoff
// and CloudWatch metrics.
func NewWorkGroup(scope constructs.Construct, id string, props WorkGroupProps) awsathena.CfnWorkGroup {
	enc := &awsathena.CfnWorkGroup_EncryptionConfigurationProperty{EncryptionOption: jsii.String("SSE_S3")}
	if props.Key != nil {
		enc = &awsathena.CfnWorkGroup_EncryptionConfigurationProperty{EncryptionOption: jsii.String("SSE_KMS"), KmsKey: props.Key.KeyArn()}
	}
	return awsathena.NewCfnWorkGroup(scope, jsii.String(id), &awsathena.CfnWorkGroupProps{
		Name:                  jsii.String(WorkGroupName),
		Description:           jsii.String("bedrock-usage: usage and cost queries over Bedrock invocation logs"),
		State:                 jsii.String("ENABLED"),
		RecursiveDeleteOption: jsii.Bool(true),
		WorkGroupConfiguration: &awsathena.CfnWorkGroup_WorkGroupConfigurationProperty{
			EnforceWorkGroupConfiguration:   jsii.Bool(true),
			PublishCloudWatchMetricsEnabled: jsii.Bool(true),
			BytesScannedCutoffPerQuery:      jsii.Number(float64(props.BytesScannedCutoff)),
			EngineVersion: &awsathena.CfnWorkGroup_EngineVersionProperty{
				SelectedEngineVersion: jsii.String("Athena engine version 3"),
			},
			ResultConfiguration: &awsathena.CfnWorkGroup_ResultConfigurationProperty{
				OutputLocation:          jsii.String(props.OutputLocation),
				EncryptionConfiguration: enc,
				ExpectedBucketOwner:     jsii.String(props.Account),
			},
		},
	})
}
